"""Write the landing zone (docs/contract.md) and the truth folder from the out_* tables."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb

from dtsen.contract import CONTRACT_VERSIONS, DIALECTS, FILES, MANIFEST_NAME
from dtsen.generate.db import one, sql_str
from dtsen.generate.population import ASSETS, HOUSING
from dtsen.generate.timeline import Timeline

BOM = b"\xef\xbb\xbf"
FAMILY_HOUSING_COLUMNS = [
    "lantai",
    "dinding",
    "atap",
    "sumber_air_minum",
    "fasilitas_bab",
    "sumber_penerangan",
    "bahan_bakar_masak",
    "punya_kulkas",
    "punya_ac",
    "punya_mobil",
]
# family_indicators.parquet: every housing and asset indicator the population draws, as
# int_household_indicators (macros/households.sql) has them, with its type.
FAMILY_INDICATOR_COLUMNS = {
    **dict.fromkeys([*HOUSING, "status_rumah"], "INTEGER"),
    "luas_lantai_m2": "DOUBLE",
    **dict.fromkeys(ASSETS, "INTEGER"),
}
_CHUNK = 8 << 20
_PARQUET = "(format parquet, compression zstd)"


def _table(source: str, file: str) -> str:
    return f"out_{source}_{Path(file).stem}"


def _finish(tmp: Path, final: Path, bom: bool) -> str:
    """Move tmp to final (prepending a UTF-8 BOM if asked), returning the sha256 of final."""
    digest = hashlib.sha256()
    if bom:
        with tmp.open("rb") as src, final.open("wb") as dst:
            digest.update(BOM)
            dst.write(BOM)
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                digest.update(chunk)
                dst.write(chunk)
        tmp.unlink()
    else:
        os.replace(tmp, final)
        with final.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    return digest.hexdigest()


def deliver(
    con: duckdb.DuckDBPyConnection, source: str, out: Path, parts: Path, tl: Timeline
) -> dict[str, int]:
    """Write one source's delivery and its truth parts, then drop its out tables."""
    rows = _write_delivery(con, source, out, tl)
    _save_truth_parts(con, source, parts, tl)
    for file in FILES[source]:
        con.execute(f"drop table {_table(source, file)}")
    return rows


def _write_delivery(con, source: str, out: Path, tl: Timeline) -> dict[str, int]:
    # out tables were created ORDER BY t_row and insertion order is preserved (db.py), so a
    # plain scan is already in file order: no second sort.
    selects = {
        file: f"select {', '.join(columns)} from {_table(source, file)}"
        for file, columns in FILES[source].items()
    }
    return write_delivery(con, source, tl.extract(source).isoformat(), out, selects)


def write_delivery(con, source: str, extract: str, out: Path, selects: dict[str, str]) -> dict[str, int]:
    """Write one delivery of `source` dated `extract` under `out`: each file from its query
    (text columns in the contract's order, already in the source's own formats), in the
    source's dialect, then the manifest with the source's contract version. Returns rows
    per file."""
    folder = out / source / extract
    folder.mkdir(parents=True, exist_ok=True)
    dialect = DIALECTS[source]
    entries = {}
    for file, select in selects.items():
        final, tmp = folder / file, folder / (file + ".part")
        if dialect.format == "csv":
            # Every value is already text in the source's own formats, so no DATEFORMAT.
            con.execute(f"""copy ({select}) to {sql_str(tmp)}
                (format csv, header true, delimiter '{dialect.delimiter}', quote '"', escape '"')""")
        else:
            con.execute(f"copy ({select}) to {sql_str(tmp)} {_PARQUET}")
        rows = one(con, f"select count(*) from ({select})")[0]
        entries[file] = {"rows": rows, "sha256": _finish(tmp, final, dialect.bom)}
    manifest = {
        "contract_version": CONTRACT_VERSIONS[source],
        "source": source,
        "extract_date": extract,
        "files": dict(sorted(entries.items())),
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return {file: entry["rows"] for file, entry in entries.items()}


_PERSON_FILES = {
    ("dukcapil", "penduduk.csv"),
    ("dtks", "anggota.csv"),
    ("p3ke", "individu.csv"),
    ("bps", "regsosek_individu.parquet"),
}


def _part(parts: Path, source: str, file: str) -> Path:
    kind = "records" if (source, file) in _PERSON_FILES else "household_records"
    return parts / f"{kind}.{source}.{file}.parquet"


def _save_truth_parts(con, source: str, parts: Path, tl: Timeline) -> None:
    """The truth rows of each file of a source, and how many rows carry each error kind."""
    con.execute("create table if not exists tagged (source VARCHAR, file VARCHAR, kind VARCHAR, n BIGINT)")
    for file in FILES[source]:
        table = _table(source, file)
        head = (
            f"select '{source}' as source, '{file}' as file, DATE '{tl.extract(source).isoformat()}' "
            f"as extract_date, t_row::BIGINT as row_number, "
        )
        if (source, file) in _PERSON_FILES:
            # dukcapil has no record key: its row number stands in for one.
            record_id = "t_row" if source == "dukcapil" else "t_record_id"
            select = head + (
                f"{record_id}::VARCHAR as record_id, t_person_id::BIGINT as person_id, "
                "t_family_id::BIGINT as family_id, t_nik_delivered::VARCHAR as nik_delivered, "
                "t_errors::VARCHAR[] as errors, t_nik_damage::VARCHAR as nik_damage, "
                "t_fictitious_person_id::BIGINT as fictitious_person_id"
            )
        else:
            select = head + (
                "t_record_id::VARCHAR as record_id, t_family_id::BIGINT as family_id, "
                "t_errors::VARCHAR[] as errors"
            )
        con.execute(f"copy ({select} from {table}) to {sql_str(_part(parts, source, file))} {_PARQUET}")
        con.execute(f"""insert into tagged select '{source}', '{file}', kind, count(*)
                        from (select unnest(t_errors) as kind from {table}) group by kind""")


def write_truth(con: duckdb.DuckDBPyConnection, truth: Path, parts: Path) -> None:
    """persons, families, and records / household_records from the parts (in source, file order)."""
    truth.mkdir(parents=True, exist_ok=True)
    # Education and work as the population has them, before any source records them
    # (dtsen.pmt_evaluation builds the PMT's member features from them).
    con.execute(f"""copy (
        select person_id::BIGINT as person_id, nik, nama, jk::INTEGER as jenis_kelamin, dob as tanggal_lahir,
            family_id::BIGINT as family_id, kode_desa, dod as tanggal_meninggal, hub::INTEGER as hubungan,
            ijazah::INTEGER as ijazah, pekerjaan::VARCHAR as pekerjaan, sekolah = 1 as sekolah,
            bekerja = 1 as bekerja
        from person order by person_id) to {sql_str(truth / "persons.parquet")} {_PARQUET}""")
    con.execute(f"""copy (
        select family_id::BIGINT as family_id, no_kk, kode_desa, jumlah_art::INTEGER as jumlah_art,
            pcc::DOUBLE as pengeluaran_perkapita_true
        from family order by family_id) to {sql_str(truth / "families.parquet")} {_PARQUET}""")
    # What a field officer sees at the door (dtsen.generate.verifikasi): the address, the
    # housing and the assets that mark a family as clearly not poor.
    housing = ", ".join(f"{column}::INTEGER as {column}" for column in FAMILY_HOUSING_COLUMNS)
    con.execute(f"""copy (
        select family_id::BIGINT as family_id, alamat, rt, rw, {housing}
        from family order by family_id) to {sql_str(truth / "family_housing.parquet")} {_PARQUET}""")
    # Every housing and asset indicator the population draws, and the income P3KE reports
    # for the families it lists (NULL for the others): the true values of the PMT's inputs.
    indicators = ", ".join(
        f"{column}::{kind} as {column}" for column, kind in FAMILY_INDICATOR_COLUMNS.items()
    )
    con.execute(f"""copy (
        select family.family_id::BIGINT as family_id, {indicators}, income.penghasilan_bulanan
        from family left join truth_p3ke_income as income using (family_id)
        order by family_id) to {sql_str(truth / "family_indicators.parquet")} {_PARQUET}""")
    for kind in ("records", "household_records"):
        files = sorted(parts.glob(f"{kind}.*.parquet"))
        listed = ", ".join(sql_str(p) for p in files)
        # Parts are in file order and listed in (source, file) order; the scan keeps that order.
        target = sql_str(truth / f"{kind}.parquet")
        con.execute(f"copy (select * from read_parquet([{listed}])) to {target} {_PARQUET}")


def error_report(con: duckdb.DuckDBPyConnection, rates: dict[str, float]) -> dict:
    """Per source and file: each kind's configured rate, eligible units, injected count and
    the rows tagged with it in the truth."""
    report: dict = {}
    for source, file, kind, n in con.sql("select * from tagged").fetchall():
        report.setdefault(source, {}).setdefault(file, {})[kind] = {"rows": n}
    for source, file, kind, eligible, injected in con.sql("select * from tally").fetchall():
        entry = report.setdefault(source, {}).setdefault(file, {}).setdefault(kind, {"rows": 0})
        entry.update(
            {
                "rate": rates.get(f"{source}.{kind}"),
                "eligible": eligible,
                "injected": injected,
                "realized_rate": injected / eligible if eligible else None,
            }
        )
    return {
        s: {f: dict(sorted(k.items())) for f, k in sorted(files.items())}
        for s, files in sorted(report.items())
    }
