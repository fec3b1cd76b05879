"""The verification list a regency office visits: `dtsen export verifikasi`.

Issues, for one regency (optionally some of its villages), the families of
int_verification_candidates in their print order, each under a new `id_daftar` that the
warehouse keeps for ever (`<kode_kabupaten_kota>-<YYYYMMDD>-<6-digit sequence>`), with the
address and the living members an officer needs at the door (docs/verification-list.md).

This discloses personal data (UU 27/2022), so:
- only a run holding the pseudonym key the working database was built with may export
  (dtsen.pseudonym: refused without DTSEN_PSEUDONYM_KEY, with a weak key, or with a key
  whose fingerprint is not the stored one);
- every export is recorded in daftar.ekspor_verifikasi (when, operator, regency, villages,
  families, persons, each file's sha256, build) in the transaction that records the issued
  rows (daftar.daftar_verifikasi, daftar.daftar_verifikasi_anggota);
- files are created owner-only (0600) whatever the umask; they are written under temporary
  names, the transaction is committed, and only then are they renamed into place: a failure
  before the commit leaves neither record nor file, and what a crash between commit and
  rename leaves is a recorded export whose files wait, under their temporary names, beside
  the folder's others;
- schema daftar lives in the working database only: `dtsen publish` copies schema marts.

A family whose earlier listing is still open (issued, and no visit answers its id_daftar
yet) is not listed again unless `include_open` asks for it: two exports in a row, without a
build between them, never list a family twice.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import os
import re
import uuid
from pathlib import Path

import duckdb

from dtsen.marts import build_state
from dtsen.private_files import PRIVATE_FILE, PRIVATE_FOLDER
from dtsen.pseudonym import key_from_environment, stored_fingerprint

FAMILY_FILE = "daftar_verifikasi.csv"
MEMBER_FILE = "daftar_verifikasi_anggota.csv"
WORKBOOK_FILE = "daftar_verifikasi.xlsx"
FAMILY_SHEET, MEMBER_SHEET = "daftar", "anggota"
# The contract's columns first ("Further columns may follow these"), then what helps the office.
FAMILY_COLUMNS = [
    "id_daftar",
    "kode_desa",
    "alamat",
    "rt",
    "rw",
    "no_kk",
    "nik_kepala_keluarga",
    "nama_kepala_keluarga",
    "alasan_daftar",
    "semua_alasan",
    "prioritas",
    "kode_kabupaten_kota",
    "tanggal_terbit",
]
MEMBER_COLUMNS = ["id_daftar", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "hubungan"]

CANDIDATES = "intermediate.int_verification_candidates"
LIST_FAMILIES = "intermediate.int_verification_list_families"
LIST_MEMBERS = "intermediate.int_verification_list_members"
ISSUED = "daftar.daftar_verifikasi"
ISSUED_MEMBERS = "daftar.daftar_verifikasi_anggota"
AUDIT = "daftar.ekspor_verifikasi"
# The visits staged so far (the verifikasi source): a listing a visit answers is closed.
VISITS = ("staging", "stg_verifikasi__hasil_verifikasi")

_REGENCY = re.compile(r"[0-9]{4}")
_VILLAGE = re.compile(r"[0-9]{10}")


class ExportRefused(RuntimeError):
    """The list cannot be exported; the message says why, in one line."""


@dataclasses.dataclass(frozen=True)
class Export:
    id_ekspor: str
    kode_kabupaten_kota: str
    folder: Path
    families: int
    persons: int
    files: dict[str, str]  # file name -> sha256; empty when no family was left to list


def export_lists(
    db: Path,
    out: Path,
    operator: str,
    regencies: list[str] | None = None,
    villages: list[str] | None = None,
    max_families: int | None = None,
    include_open: bool = False,
    issued_on: dt.date | None = None,
) -> list[Export]:
    """Export one list per regency into `out/<kode_kabupaten_kota>/`; `regencies` None means
    every regency that has a family to list. Raises ExportRefused, or a PseudonymKeyError
    (dtsen.pseudonym) when the key is missing, weak or not the database's."""
    operator = (operator or "").strip()
    if not operator:
        raise ExportRefused("an operator id is required (--operator): every export is recorded with it")
    if max_families is not None and max_families < 1:
        raise ExportRefused(f"--maks-keluarga must be at least 1, not {max_families}")
    for code in regencies or []:
        if not _REGENCY.fullmatch(code):
            raise ExportRefused(f"regency code {code!r} is not 4 digits (Kemendagri code without dot)")
    for code in villages or []:
        if not _VILLAGE.fullmatch(code):
            raise ExportRefused(f"village code {code!r} is not 10 digits (Kemendagri code without dots)")
        if regencies is not None and code[:4] not in regencies:
            raise ExportRefused(f"village {code} is not in the regencies asked ({', '.join(regencies)})")
    db = Path(db)
    if not db.is_file():
        raise ExportRefused(f"{db}: no working database (run dtsen build first)")
    try:
        con = duckdb.connect(str(db))
    except duckdb.IOException as error:
        raise ExportRefused(f"{db} cannot be opened for writing (a build running?): {error}") from error
    try:
        build_id = _check_database(con, db)
        if regencies is None and villages:
            regencies = sorted({code[:4] for code in villages})  # only the villages' regencies
        elif regencies is None:
            regencies = [
                code
                for (code,) in con.execute(
                    f"select distinct kode_kabupaten_kota from {CANDIDATES} "
                    "where kode_kabupaten_kota is not null order by 1"
                ).fetchall()
            ]
        issued_on = issued_on or dt.datetime.now(dt.UTC).date()
        exports = []
        for regency in regencies:
            asked = sorted(v for v in villages or [] if v.startswith(regency)) or None
            exports.append(
                _export_regency(
                    con,
                    Path(out) / regency,
                    regency,
                    asked,
                    operator,
                    max_families,
                    include_open,
                    issued_on,
                    build_id,
                )
            )
        return exports
    finally:
        con.close()


def _check_database(con: duckdb.DuckDBPyConnection, db: Path) -> str:
    """The build id the list is drawn from, after the key and the database are checked."""
    fingerprint = stored_fingerprint(con)
    if fingerprint is None:
        raise ExportRefused(
            f"{db} holds no pseudonym key fingerprint: it was never completely built, so no key "
            "can be checked against it; run dtsen build first"
        )
    key_from_environment(fingerprint)  # raises unless the key is the database's
    state = build_state(con)
    if state.build_id is None:
        raise ExportRefused(f"{db}: the list must be drawn from one complete build, but {state.problem}")
    for table in (CANDIDATES, LIST_FAMILIES, LIST_MEMBERS, ISSUED, ISSUED_MEMBERS, AUDIT):
        if not _table_exists(con, *table.split(".")):
            raise ExportRefused(f"{db} has no table {table}: run a complete dtsen build with this version")
    return state.build_id


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def _open_listings_filter(con: duckdb.DuckDBPyConnection) -> str:
    """SQL condition on candidates.family_key: no listing of the family is still open."""
    answered = (
        f"and issued.id_daftar not in (select id_daftar from {'.'.join(VISITS)} where id_daftar is not null)"
        if _table_exists(con, *VISITS)
        else ""
    )
    return (
        f"candidates.family_key not in (select issued.family_key from {ISSUED} as issued "
        f"where true {answered})"
    )


def _export_regency(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    regency: str,
    villages: list[str] | None,
    operator: str,
    max_families: int | None,
    include_open: bool,
    issued_on: dt.date,
    build_id: str,
) -> Export:
    targets = {name: folder / name for name in (FAMILY_FILE, MEMBER_FILE, WORKBOOK_FILE)}
    already = [str(path) for path in targets.values() if path.exists() or path.is_symlink()]
    if already:
        raise ExportRefused(
            f"{already[0]} exists: an issued list is never overwritten (its sha256 is recorded); "
            "export into another --out folder"
        )
    id_ekspor = uuid.uuid4().hex
    prefix = f"{regency}-{issued_on:%Y%m%d}-"
    conditions = ["candidates.kode_kabupaten_kota = $regency"]
    if villages:
        conditions.append("list_contains($villages, candidates.kode_desa)")
    if not include_open:
        conditions.append(_open_listings_filter(con))
    temporary: list[Path] = []
    con.begin()
    try:
        # The next free sequence number of the day's ids for the regency, read and used in
        # this transaction: DuckDB lets one writer commit, so two exports cannot share one.
        last = con.execute(
            f"select coalesce(max(cast(substr(id_daftar, {len(prefix) + 1}) as integer)), 0) "
            f"from {ISSUED} where starts_with(id_daftar, $prefix)",
            {"prefix": prefix},
        ).fetchall()[0][0]
        con.execute(
            f"""
            create or replace temp table _listed as
            select
                $prefix
                || lpad(cast($last + row_number() over (order by candidates.urutan) as varchar), 6, '0')
                    as id_daftar,
                candidates.urutan,
                candidates.family_key,
                candidates.kode_kabupaten_kota,
                candidates.kode_desa,
                families.alamat, families.rt, families.rw, families.no_kk,
                families.nik_kepala_keluarga, families.nama_kepala_keluarga,
                candidates.alasan_daftar, candidates.semua_alasan, candidates.prioritas
            from {CANDIDATES} as candidates
            left join {LIST_FAMILIES} as families on candidates.family_key = families.family_key
            where {" and ".join(conditions)}
            order by candidates.urutan
            {"limit $limit" if max_families else ""}
            """,
            {
                "prefix": prefix,
                "last": last,
                "regency": regency,
                **({"villages": villages} if villages else {}),
                **({"limit": max_families} if max_families else {}),
            },
        )
        con.execute(
            f"""
            insert into {ISSUED} by name
            select id_daftar, $id_ekspor as id_ekspor, $issued_on as tanggal_terbit, family_key,
                kode_kabupaten_kota, kode_desa, alamat, rt, rw, no_kk, nik_kepala_keluarga,
                nama_kepala_keluarga, alasan_daftar, semua_alasan, prioritas, $build_id as build_id
            from _listed
            """,
            {"id_ekspor": id_ekspor, "issued_on": issued_on, "build_id": build_id},
        )
        con.execute(
            f"""
            insert into {ISSUED_MEMBERS} by name
            select listed.id_daftar, members.urutan, members.nik, members.nama, members.jenis_kelamin,
                members.tanggal_lahir, members.hubungan
            from _listed as listed
            inner join {LIST_MEMBERS} as members on listed.family_key = members.family_key
            """
        )
        if not con.execute("select count(*) from _listed").fetchall()[0][0]:
            # Nothing to disclose: no file, no record.
            con.rollback()
            return Export(id_ekspor, regency, folder, 0, 0, {})
        families = _rows(
            con,
            f"select {', '.join(FAMILY_COLUMNS)} from {ISSUED} where id_ekspor = ? order by id_daftar",
            [id_ekspor],
        )
        members = _rows(
            con,
            f"""
            select {", ".join(f"members.{c}" for c in MEMBER_COLUMNS)}
            from {ISSUED_MEMBERS} as members
            inner join {ISSUED} as issued on members.id_daftar = issued.id_daftar
            where issued.id_ekspor = ? order by members.id_daftar, members.urutan
            """,
            [id_ekspor],
        )
        contents = {
            FAMILY_FILE: _csv_bytes(FAMILY_COLUMNS, families),
            MEMBER_FILE: _csv_bytes(MEMBER_COLUMNS, members),
            WORKBOOK_FILE: _workbook_bytes(families, members),
        }
        _make_private_folder(folder)
        for name, content in contents.items():
            temporary.append(folder / f".{name}.{id_ekspor}.tmp")
            _write_private(temporary[-1], content)
        hashes = {name: hashlib.sha256(content).hexdigest() for name, content in contents.items()}
        con.executemany(
            f"insert into {AUDIT} (id_ekspor, diekspor_pada, operator, kode_kabupaten_kota, kode_desa, "
            "jumlah_keluarga, jumlah_anggota, berkas, sha256, build_id) "
            "values (?, cast(now() at time zone 'UTC' as timestamp), ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    id_ekspor,
                    operator,
                    regency,
                    ",".join(villages) if villages else None,
                    len(families),
                    len(members),
                    name,
                    sha256,
                    build_id,
                ]
                for name, sha256 in hashes.items()
            ],
        )
        con.execute("drop table _listed")
        con.commit()
    except BaseException:
        con.rollback()
        for path in temporary:
            path.unlink(missing_ok=True)
        raise
    for path, name in zip(temporary, contents):
        os.replace(path, targets[name])
    _fsync_folder(folder)
    return Export(id_ekspor, regency, folder, len(families), len(members), hashes)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> list[list[str | int | None]]:
    """Rows with dates as YYYY-MM-DD text (the contract's date format)."""
    return [
        [value.isoformat() if isinstance(value, dt.date) else value for value in row]
        for row in con.execute(sql, parameters).fetchall()
    ]


def _csv_bytes(header: list[str], rows: list[list]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return text.getvalue().encode("utf-8")


def _workbook_bytes(families: list[list], members: list[list]) -> bytes:
    """An XLSX workbook with the two tables as sheets `daftar` and `anggota`. Every code is
    a text cell (a 16-digit NIK as a number loses its last digits, an RT its zeros)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    tables = [(FAMILY_SHEET, FAMILY_COLUMNS, families), (MEMBER_SHEET, MEMBER_COLUMNS, members)]
    for title, header, rows in tables:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _make_private_folder(folder: Path) -> None:
    """The folder exists; one this export creates is owner-only (0700)."""
    for parent in reversed([folder, *folder.parents]):
        if not parent.exists():
            parent.mkdir()
            parent.chmod(PRIVATE_FOLDER)


def _write_private(path: Path, content: bytes) -> None:
    """Create `path` (it must not exist) owner-only, whatever the umask, with `content` on disk."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE)  # the mode given to open is masked by the umask
        with os.fdopen(descriptor, "wb", closefd=False) as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        os.close(descriptor)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
