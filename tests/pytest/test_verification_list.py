"""The verification list (`dtsen export verifikasi`, docs/verification-list.md) on a real dbt
build of a hand-made landing zone: families in two villages of Jakarta Pusat (3171) and one
of Bandung (3273), a family no indicator source describes (with a dead member), a receiving
family with a dead member, and the rest ranked around the desil 4/5 line. Each test exports
from its own copy of the built database: the audit record and the files (mode 0600 under a
permissive umask, sha256, the XLSX read back with openpyxl), the refusal without the key
and with another key, ids unique across exports, open listings, the seed's priority order,
the villages filter, every regency at once, and nothing of it in the analyst database."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from deliveries import SAMPLE_DATES, verifikasi_rows, visit, write_delivery
from openpyxl import load_workbook
from test_program_rules import _couple, _Landing

from dtsen.marts import build_state
from dtsen.project import run_dbt
from dtsen.pseudonym import KEY_VARIABLE, ChangedPseudonymKey, MissingPseudonymKey
from dtsen.publish import publish
from dtsen.verification_list import (
    FAMILY_COLUMNS,
    FAMILY_FILE,
    MEMBER_COLUMNS,
    MEMBER_FILE,
    WORKBOOK_FILE,
    ExportRefused,
    export_lists,
)

VILLAGE_A, VILLAGE_B, VILLAGE_BANDUNG = "3171011001", "3171011002", "3273011001"
ISSUED_ON = dt.date(2026, 10, 2)
ID_PREFIX = "3171-20261002-"
FIELD_RESULTS = "2026-10-31"  # a verifikasi delivery, visits of 2026-10-20
MARGIN = 6  # percentage points around the 40 % line: 16 small families, each 3-6 % of persons
# ... and above the 50 % line of PBI-JK, which takes a confirming visit as a route (rules seed).
MARGINS = {"verifikasi_margin_desil_4": MARGIN, "verifikasi_margin_jalur": MARGIN}
DEAD_NAME = "ALMARHUM TANPA SUMBER"


def _landing() -> _Landing:
    landing = _Landing()
    for i in range(14):
        landing.family(f"keluarga_{i}", poverty=i + (i // 4), members=_couple())
    penduduk = landing.rows["dukcapil"]["penduduk.csv"]
    village = {f"keluarga_{i}": VILLAGE_B for i in range(0, 14, 3)}
    village |= {f"keluarga_{i}": VILLAGE_BANDUNG for i in range(1, 14, 4)}
    for row in penduduk:
        for name, code in village.items():
            if row["no_kk"] == landing.families[name]:
                row["kode_desa"] = code
    # A family only the civil register knows: no DTKS, P3KE or Regsosek household.
    base = landing.penduduk_base
    no_kk = "3171010101990001"
    landing.families["tanpa_sumber"] = no_kk
    for nik, name, shdk, born, woman, died in [
        ("3171010101700001", "KEPALA TANPA SUMBER", "KEPALA KELUARGA", "1970-01-01", False, ""),
        ("3171014202720002", "ISTRI TANPA SUMBER", "ISTRI", "1972-02-02", True, ""),
        ("3171010303400003", DEAD_NAME, "ORANG TUA", "1940-03-03", False, "2026-05-01"),
    ]:
        penduduk.append(
            {
                **copy.deepcopy(base),
                "nik": nik,
                "no_kk": no_kk,
                "nama_lengkap": name,
                "jenis_kelamin": "PEREMPUAN" if woman else "LAKI-LAKI",
                "tanggal_lahir": born,
                "shdk": shdk,
                "kode_desa": VILLAGE_B,
                "alamat": "JL. KENANGA 7",
                "rt": "4",
                "rw": "011",
                "tanggal_meninggal": died,
            }
        )
    # The sample family receives PKH, BPNT and PBI-JK (DTKS RT1): its wife died.
    for row in penduduk:
        if row["nik"] == "3171014501900001":
            row["tanggal_meninggal"] = "2026-08-01"
    # Field results: an objection about keluarga_12 whose family was not found (pending), one
    # about keluarga_11 upheld (settled), and a visit answering the first listing the tests
    # issue (of the family no source describes; its housing not recorded, so that the family
    # stays one no source describes: a visit that records housing is an indicator source).
    unobserved = dict.fromkeys(
        [
            "lantai",
            "dinding",
            "atap",
            "sumber_air_minum",
            "fasilitas_bab",
            "sumber_penerangan",
            "bahan_bakar_masak",
        ],
        "",
    )
    fields = dict(tanggal_kunjungan="2026-10-20", alamat="", rt="", rw="", nik_kepala_keluarga="")
    landing.rows["verifikasi"] = verifikasi_rows(
        visit("S1", jenis="SANGGAHAN", id_daftar="", no_kk=landing.families["keluarga_12"],
              hasil="TIDAK_DITEMUKAN", kode_desa=VILLAGE_B, **fields),
        visit("S2", jenis="SANGGAHAN", id_daftar="", no_kk=landing.families["keluarga_11"],
              hasil="TIDAK_LAYAK", alasan="RUMAH BERTINGKAT, MOBIL 2", kode_desa=VILLAGE_A, **fields),
        visit("V1", id_daftar=f"{ID_PREFIX}000001", no_kk=no_kk, kode_desa=VILLAGE_B, **fields, **unobserved),
    )  # fmt: skip
    return landing


@pytest.fixture(scope="module")
def built(tmp_path_factory, dbt_build):
    """(working database, landing folder, {family name: no_kk}) of one real build."""
    root = tmp_path_factory.mktemp("verification_list")
    landing = _landing()
    for source, files in landing.rows.items():
        write_delivery(root / "landing", source, {**SAMPLE_DATES, "verifikasi": FIELD_RESULTS}[source], files)
    db = root / "warehouse.duckdb"
    result = dbt_build(root / "landing", db, ["--vars", json.dumps(MARGINS)])
    assert result.returncode == 0, result.stdout[-4000:]
    return db, root / "landing", landing.families


@pytest.fixture
def db(built, tmp_path) -> Path:
    """A copy of the built database for one test."""
    copy_db = tmp_path / "db" / "warehouse.duckdb"
    copy_db.parent.mkdir()
    shutil.copyfile(built[0], copy_db)
    return copy_db


def _query(db: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def _csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_reasons_and_priority_order_follow_the_seed(built, db):
    families = built[2]
    candidates = _query(
        db,
        "select family_key, alasan_daftar, semua_alasan, prioritas "
        "from intermediate.int_verification_candidates order by urutan",
    )
    reasons = {key: reason for key, reason, _, _ in candidates}
    assert reasons[families["tanpa_sumber"]] == "TANPA_SUMBER_INDIKATOR"
    assert "PENERIMA_MENINGGAL" in next(
        every for key, _, every, _ in candidates if key == "3171010101150001"
    ).split(",")
    assert "DEKAT_BATAS_DESIL_4" in reasons.values()
    assert reasons[families["keluarga_12"]] == "SANGGAHAN_TERTUNDA"
    assert families["keluarga_11"] not in reasons or "SANGGAHAN" not in reasons[families["keluarga_11"]]
    priorities = [priority for _, _, _, priority in candidates]
    assert priorities == sorted(priorities)
    assert candidates[0][1] == "TANPA_SUMBER_INDIKATOR"
    # Every reason of a family is kept, and it is listed under the one the seed puts first.
    seed = dict(_query(db, "select alasan_daftar, prioritas from reference.ref_prioritas_verifikasi"))
    for _key, reason, every, priority in candidates:
        assert every.split(",")[0] == reason and priority == seed[reason]
        assert sorted(every.split(","), key=seed.get) == every.split(",")

    # The ministry turns the order round and switches TANPA_SUMBER_INDIKATOR off: the
    # candidates follow the seed table, with no SQL changed.
    con = duckdb.connect(str(db))
    con.execute(
        "update reference.ref_prioritas_verifikasi set prioritas = 10 - prioritas, "
        "aktif = alasan_daftar <> 'TANPA_SUMBER_INDIKATOR'"
    )
    con.close()
    result = run_dbt(
        "run",
        built[1],
        db,
        [
            "--select",
            "int_verification_candidates",
            "--vars",
            json.dumps(MARGINS),
        ],
        isolated=True,
        capture=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    turned = _query(
        db, "select family_key, alasan_daftar from intermediate.int_verification_candidates order by urutan"
    )
    assert families["tanpa_sumber"] not in dict(turned)
    assert turned[0][1] == "DI_ATAS_BATAS_JALUR_LAPANGAN"
    assert [reason for _, reason in turned] == sorted(
        (reason for _, reason in turned), key=lambda reason: 10 - seed[reason]
    )


def test_families_just_above_a_route_programmes_ceiling_are_listed(db):
    """PBI-JK takes a LAYAK visit as a route above desil 5 (desil_nasional_atau_verifikasi_layak
    in the rules seed): exactly the families ranked at most verifikasi_margin_jalur points above
    its 50 % line carry DI_ATAS_BATAS_JALUR_LAPANGAN, and the list takes them nearest the line
    first. No other programme of the seed takes the route, so no other line is used."""
    ranked = _query(
        db,
        """
        select pseudonyms.identifier,
            100 * (sum(desil.jumlah_anggota) over (
                order by desil.log_kesejahteraan_prediksi, pseudonyms.identifier rows unbounded preceding)
                - desil.jumlah_anggota / 2) / sum(desil.jumlah_anggota) over ()
        from marts.fct_household_desil as desil
        join intermediate.int_family_pseudonyms as pseudonyms on desil.family_id = pseudonyms.pseudonym
        """,
    )
    expected = {key for key, share in ranked if 50 < share <= 50 + MARGIN}
    assert expected, "the hand-made families must reach just above the 50 % line"
    listed = _query(
        db,
        "select family_key, batas_persen from intermediate.int_verification_reasons "
        "where alasan_daftar = 'DI_ATAS_BATAS_JALUR_LAPANGAN'",
    )
    assert {key for key, _ in listed} == expected
    assert {line for _, line in listed} == {50}
    order = _query(
        db,
        "select persen_penduduk_di_bawah from intermediate.int_verification_candidates "
        "where alasan_daftar = 'DI_ATAS_BATAS_JALUR_LAPANGAN' order by urutan",
    )
    distances = [abs(share - 50) for (share,) in order]
    assert distances == sorted(distances) and distances


def test_export_writes_private_files_and_one_audit_record(db, tmp_path):
    previous = os.umask(0)  # permissive: files would be 0666
    try:
        (export,) = export_lists(db, tmp_path / "out", "OPR-017", ["3171"], issued_on=ISSUED_ON)
    finally:
        os.umask(previous)
    folder = tmp_path / "out" / "3171"
    assert export.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted([FAMILY_FILE, MEMBER_FILE, WORKBOOK_FILE])
    for path in folder.iterdir():
        assert _mode(path) == 0o600, path
    assert _mode(folder) == 0o700

    families, members = _csv(folder / FAMILY_FILE), _csv(folder / MEMBER_FILE)
    assert list(families[0]) == FAMILY_COLUMNS and list(members[0]) == MEMBER_COLUMNS
    assert export.families == len(families) > 0 and export.persons == len(members)
    assert {row["kode_desa"][:4] for row in families} == {"3171"}
    assert all(row["id_daftar"].startswith(ID_PREFIX) for row in families)
    assert len({row["id_daftar"] for row in families}) == len(families)
    assert {row["id_daftar"] for row in members} <= {row["id_daftar"] for row in families}
    assert {row["jenis_kelamin"] for row in members} <= {"L", "P"}
    assert all(dt.date.fromisoformat(row["tanggal_lahir"]) for row in members)
    assert all(len(row["rt"]) == 3 and len(row["rw"]) == 3 for row in families if row["rt"])
    # The family no source describes: first, its RT padded, its dead member not listed.
    first = families[0]
    assert first["alasan_daftar"] == "TANPA_SUMBER_INDIKATOR" and first["rt"] == "004"
    assert first["nama_kepala_keluarga"] == "KEPALA TANPA SUMBER"
    listed = [row for row in members if row["id_daftar"] == first["id_daftar"]]
    assert [(row["nama"], row["hubungan"]) for row in listed] == [
        ("KEPALA TANPA SUMBER", "KEPALA KELUARGA"),
        ("ISTRI TANPA SUMBER", "ISTRI"),
    ]
    assert DEAD_NAME not in {row["nama"] for row in members}

    # The spreadsheet: two sheets, the same headers and rows as the CSV files, codes as text.
    workbook = load_workbook(folder / WORKBOOK_FILE, read_only=True)
    assert workbook.sheetnames == ["daftar", "anggota"]
    for sheet, header, rows in [("daftar", FAMILY_COLUMNS, families), ("anggota", MEMBER_COLUMNS, members)]:
        values = list(workbook[sheet].iter_rows(values_only=True))
        assert list(values[0]) == header
        assert len(values) - 1 == len(rows)
    first_row = next(iter(workbook["daftar"].iter_rows(min_row=2, max_row=2, values_only=True)))
    assert first_row[FAMILY_COLUMNS.index("no_kk")] == first["no_kk"]  # text, 16 digits kept
    workbook.close()

    audit = _query(
        db,
        "select id_ekspor, operator, kode_kabupaten_kota, kode_desa, jumlah_keluarga, jumlah_anggota, "
        "berkas, sha256, build_id, diekspor_pada from daftar.ekspor_verifikasi",
    )
    assert len(audit) == 3
    build_id = build_state(duckdb.connect(str(db), read_only=True)).build_id
    for id_ekspor, operator, regency, villages, n_families, n_persons, name, sha256, build, when in audit:
        assert (id_ekspor, operator, regency, villages) == (export.id_ekspor, "OPR-017", "3171", None)
        assert (n_families, n_persons, build) == (len(families), len(members), build_id)
        assert sha256 == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert abs(when - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=10)
    issued = _query(db, "select count(*), count(distinct family_key) from daftar.daftar_verifikasi")[0]
    assert issued == (len(families), len(families))
    assert _query(db, "select count(*) from daftar.daftar_verifikasi_anggota")[0][0] == len(members)


def test_open_listings_are_not_listed_again_and_ids_stay_unique(built, db, tmp_path):
    (first,) = export_lists(db, tmp_path / "one", "OPR-1", ["3171"], max_families=2, issued_on=ISSUED_ON)
    (second,) = export_lists(db, tmp_path / "two", "OPR-1", ["3171"], issued_on=ISSUED_ON)
    (_third,) = export_lists(
        db, tmp_path / "three", "OPR-1", ["3171"], include_open=True, max_families=2, issued_on=ISSUED_ON
    )
    (fourth,) = export_lists(db, tmp_path / "four", "OPR-1", ["3171"], issued_on=ISSUED_ON)
    assert first.families == 2 and second.families > 0
    assert fourth.families == 0 and fourth.files == {}  # nothing left: nothing written, nothing recorded
    assert not (tmp_path / "four").exists()
    one, two, three = (_csv(tmp_path / name / "3171" / FAMILY_FILE) for name in ("one", "two", "three"))
    # The first export's listings are open, but a visit answers the first (V1, of the family no
    # source describes): the second export skips the other; asked, the third lists both again.
    tanpa_sumber, objection = built[2]["tanpa_sumber"], built[2]["keluarga_12"]
    assert [row["no_kk"] for row in one] == [tanpa_sumber, objection]
    assert {row["no_kk"] for row in one} & {row["no_kk"] for row in two} == {tanpa_sumber}
    assert [row["no_kk"] for row in three] == [row["no_kk"] for row in one]
    ids = [row["id_daftar"] for rows in (one, two, three) for row in rows]
    assert len(ids) == len(set(ids))
    assert ids[:3] == [f"{ID_PREFIX}000001", f"{ID_PREFIX}000002", f"{ID_PREFIX}000003"]
    assert _query(db, "select count(distinct id_daftar), count(*) from daftar.daftar_verifikasi")[0] == (
        len(ids),
        len(ids),
    )
    assert _query(db, "select count(distinct id_ekspor) from daftar.ekspor_verifikasi")[0][0] == 3

    # A rebuild keeps the issued lists and stages them.
    result = run_dbt(
        "run",
        built[1],
        db,
        ["--select", "stg_daftar__daftar_verifikasi", "stg_daftar__daftar_verifikasi_anggota"],
        isolated=True,
        capture=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert _query(db, "select count(*) from staging.stg_daftar__daftar_verifikasi")[0][0] == len(ids)


def test_villages_filter(db, tmp_path):
    (export,) = export_lists(db, tmp_path / "out", "OPR-2", ["3171"], [VILLAGE_B], issued_on=ISSUED_ON)
    families = _csv(tmp_path / "out" / "3171" / FAMILY_FILE)
    assert export.families == len(families) > 0
    assert {row["kode_desa"] for row in families} == {VILLAGE_B}
    in_regency = _query(
        db,
        "select count(*) filter (where kode_desa = ?), count(*) "
        "from intermediate.int_verification_candidates where kode_kabupaten_kota = '3171'",
        [VILLAGE_B],
    )[0]
    assert in_regency[0] == len(families) < in_regency[1]  # the other village's families are left out
    assert {row[0] for row in _query(db, "select kode_desa from daftar.ekspor_verifikasi")} == {VILLAGE_B}
    # Every regency, but only these villages: only the villages' regency is exported.
    (again,) = export_lists(db, tmp_path / "all", "OPR-2", None, [VILLAGE_B], include_open=True)
    assert again.kode_kabupaten_kota == "3171" and again.families == export.families
    with pytest.raises(ExportRefused, match="not in the regencies"):
        export_lists(db, tmp_path / "other", "OPR-2", ["3171"], [VILLAGE_BANDUNG])


@pytest.mark.parametrize("key", [None, "wrong"])
def test_export_refused_without_the_databases_key(db, tmp_path, monkeypatch, key):
    if key is None:
        monkeypatch.delenv(KEY_VARIABLE)
    else:
        monkeypatch.setenv(KEY_VARIABLE, secrets.token_hex(32))
    with pytest.raises(MissingPseudonymKey if key is None else ChangedPseudonymKey):
        export_lists(db, tmp_path / "out", "OPR-3", ["3171"])
    assert not (tmp_path / "out").exists()
    assert _query(db, "select count(*) from daftar.ekspor_verifikasi")[0][0] == 0
    assert _query(db, "select count(*) from daftar.daftar_verifikasi")[0][0] == 0


def test_a_failed_write_leaves_no_record_and_no_file(db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "3171").write_text("a file where the regency's folder should be")
    with pytest.raises(NotADirectoryError):
        export_lists(db, out, "OPR-4", ["3171"])
    assert sorted(p.name for p in out.iterdir()) == ["3171"]
    for table in ("ekspor_verifikasi", "daftar_verifikasi", "daftar_verifikasi_anggota"):
        assert _query(db, f"select count(*) from daftar.{table}")[0][0] == 0, table
    # An issued list is never overwritten.
    export_lists(db, tmp_path / "again", "OPR-4", ["3171"], max_families=1)
    with pytest.raises(ExportRefused, match="never overwritten"):
        export_lists(db, tmp_path / "again", "OPR-4", ["3171"], include_open=True)
    assert _query(db, "select count(distinct id_ekspor) from daftar.ekspor_verifikasi")[0][0] == 1


def test_every_regency_from_the_command_line_and_nothing_published(db, tmp_path):
    dtsen = str(Path(sys.executable).with_name("dtsen"))
    out = tmp_path / "lists"
    result = subprocess.run(
        [dtsen, "export", "verifikasi", "--semua-kabupaten", "--operator", "OPR-5", "--out", str(out),
         "--db", str(db)],
        capture_output=True, text=True, umask=0o022, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["3171", "3273"]
    assert {row["kode_desa"] for row in _csv(out / "3273" / FAMILY_FILE)} == {VILLAGE_BANDUNG}
    assert _mode(out / "3273" / WORKBOOK_FILE) == 0o600
    refused = subprocess.run(
        [dtsen, "export", "verifikasi", "--kabupaten", "3171", "--operator", "OPR-5", "--out",
         str(tmp_path / "x"), "--db", str(db)],
        capture_output=True, text=True, timeout=300,
        env={k: v for k, v in os.environ.items() if k != KEY_VARIABLE},
    )  # fmt: skip
    assert refused.returncode == 1 and "DTSEN_PSEUDONYM_KEY is not set" in refused.stderr

    # The analyst database holds the marts only: no issued list, no audit record.
    publication = publish(db, tmp_path / "analyst.duckdb", quality_gate=None)
    assert publication.tables
    schemas = _query(
        tmp_path / "analyst.duckdb",
        "select distinct schema_name from duckdb_tables() where database_name = current_database()",
    )
    assert "daftar" not in {schema for (schema,) in schemas}
    assert not _query(
        tmp_path / "analyst.duckdb",
        "select table_name from duckdb_tables() "
        "where table_name like '%daftar%' or table_name like '%ekspor%'",
    )
