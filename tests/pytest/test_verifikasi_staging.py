"""Staging of the field-verification results (contract version 2, source verifikasi) on
hand-written deliveries, through real dbt builds of the staging layer: one row per
quarantine reason, with its exact reason; the valid rows staged and typed; every delivered
row staged or quarantined once, per delivery (deliveries accumulate); a landing zone
without field results builds both staging models empty, in the same columns and types;
a later delivery adds its rows to those already staged; and field results, dated after
every full extract, do not move the date the warehouse describes."""

from __future__ import annotations

import ast
import re

import duckdb
import pytest
import yaml
from deliveries import (
    SAMPLE_DATES,
    csv_bytes,
    proposed_member,
    verifikasi_rows,
    visit,
    write_delivery,
    write_sample_landing,
)

from dtsen.contract import ACCUMULATING_SOURCES, FILES
from dtsen.project import PROJECT_DIR

FIRST, SECOND, THIRD = "2026-11-10", "2026-11-20", "2026-11-25"
STAGING_ONLY = ["--select", "+path:models/staging", "--indirect-selection", "cautious"]

# First delivery, hasil_verifikasi.csv: (row, reason code of the quarantine or None if staged).
VISITS = [
    (visit("V1"), None),  # dated on the extract date itself: not after it
    (visit("V1", alamat="second row of V1"), "DUPLICATE_KEY:id_kunjungan"),
    (visit(""), "EMPTY_KEY:id_kunjungan"),
    (visit("V4", jenis=""), "MISSING_VALUE:jenis"),
    (visit("V5", jenis="verifikasi"), "UNKNOWN_CODE:jenis"),  # codes are upper case
    (visit("V6", id_daftar=" "), "MISSING_VALUE:id_daftar"),
    (visit("V7", kode_desa=""), "MISSING_VALUE:kode_desa"),
    (visit("V8", hasil=""), "MISSING_VALUE:hasil"),
    (visit("V9", hasil="HILANG"), "UNKNOWN_CODE:hasil"),
    (visit("V10", jenis="USULAN", id_daftar="", hasil="PINDAH"), "UNKNOWN_CODE:hasil"),
    (visit("V11", lantai="12"), "UNKNOWN_CODE:lantai"),
    (visit("V12", bahan_bakar_masak="kayu"), "UNKNOWN_CODE:bahan_bakar_masak"),
    (visit("V13", jumlah_anggota="dua"), "UNPARSEABLE_NUMBER:jumlah_anggota"),
    (visit("V14", tanggal_kunjungan="2026-02-30"), "UNPARSEABLE_DATE:tanggal_kunjungan"),
    (visit("V15", tanggal_kunjungan=""), "MISSING_VALUE:tanggal_kunjungan"),
    (visit("V16", tanggal_kunjungan="2026-11-11"), "DATE_AFTER_EXTRACT:tanggal_kunjungan"),
    (visit("V17", petugas=""), "MISSING_VALUE:petugas"),
    (visit("V18", jenis="USULAN", id_daftar="", no_kk="3171010101200009"), None),
    (visit("V19", jenis="SANGGAHAN", id_daftar="", hasil="TIDAK_LAYAK", alasan="punya mobil"), None),
    (visit("V20", **dict.fromkeys(["lantai", "dinding", "atap", "jumlah_anggota", "alamat"], "")), None),
    (visit("V21", nik_kepala_keluarga="3.17101E+15", id_daftar=" 3171-20261101-000021 "), None),
    (visit("V22", jenis="USULAN", id_daftar="", hasil="TIDAK_LAYAK", alasan="rumah permanen"), None),
]
# A row with a field more than the header, appended to the same file.
TOO_MANY_FIELDS_ROW = 23

# First delivery, anggota_usulan.csv.
MEMBERS = [
    (proposed_member("V18"), None),
    (proposed_member("V22", nik="3171010702880003", jenis_kelamin="L", tanggal_lahir="1988-02-07"), None),
    (proposed_member("V1"), "UNKNOWN_VISIT:id_kunjungan"),  # a VERIFIKASI visit
    (proposed_member("V10"), "UNKNOWN_VISIT:id_kunjungan"),  # a USULAN visit, quarantined
    (proposed_member("X99"), "UNKNOWN_VISIT:id_kunjungan"),  # no visit at all
    (proposed_member("V30"), "UNKNOWN_VISIT:id_kunjungan"),  # a USULAN visit of the other delivery
    (proposed_member(""), "EMPTY_KEY:id_kunjungan"),
    (proposed_member("V18", jenis_kelamin="W"), "UNKNOWN_CODE:jenis_kelamin"),
    (proposed_member("V18", tanggal_lahir="31/12/1990"), "UNPARSEABLE_DATE:tanggal_lahir"),
    (proposed_member("V18", hubungan="KEPALA"), "UNKNOWN_CODE:hubungan"),
    (proposed_member("V18", nik="", tanggal_lahir=""), None),
    (proposed_member("V18", jenis_kelamin=""), "MISSING_VALUE:jenis_kelamin"),
    (proposed_member("V18", hubungan=""), "MISSING_VALUE:hubungan"),
]

# Second delivery: the visit id V1 again (another delivery: another visit), a proposal
# V30 and its member, and a member of the first delivery's proposal V18.
SECOND_DELIVERY = verifikasi_rows(
    visit("V1", tanggal_kunjungan="2026-11-18", hasil="TIDAK_DITEMUKAN"),
    visit("V30", jenis="USULAN", id_daftar="", tanggal_kunjungan="2026-11-19"),
    members=[proposed_member("V30"), proposed_member("V18")],
)
SECOND_QUARANTINE = {("anggota_usulan.csv", 2): "UNKNOWN_VISIT:id_kunjungan"}


def _first_delivery(landing):
    header = FILES["verifikasi"]["hasil_verifikasi.csv"]
    rows = [[str(row[column]) for column in header] for row, _ in VISITS]
    surplus = [*rows[0][:-1], "DINSOS-3171-007", "a field too many"]
    surplus[0] = "V23"
    content = csv_bytes("verifikasi", header, [*rows, surplus])
    write_delivery(
        landing,
        "verifikasi",
        FIRST,
        {"anggota_usulan.csv": [row for row, _ in MEMBERS]},
        raw={"hasil_verifikasi.csv": content},
        manifest_rows={"hasil_verifikasi.csv": len(VISITS) + 1},
    )


def _build(dbt_build, landing, db, select=STAGING_ONLY):
    result = dbt_build(landing, db, select)
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout


@pytest.fixture(scope="module")
def staged(tmp_path_factory, dbt_build):
    root = tmp_path_factory.mktemp("verifikasi_staging")
    landing, db = root / "landing", root / "warehouse.duckdb"
    write_sample_landing(landing)
    _first_delivery(landing)
    write_delivery(landing, "verifikasi", SECOND, SECOND_DELIVERY)
    # The whole project, with every data test: field results must not upset anything downstream.
    stdout = _build(dbt_build, landing, db, select=[])
    con = duckdb.connect(str(db), read_only=True)
    yield con, stdout, landing, db
    con.close()


def _quarantine(con, delivery) -> dict[tuple[str, int], str]:
    return {
        (file, number): reason
        for file, number, reason in con.execute(
            "select source_file, source_row_number, reason_code from staging.stg_landing__quarantine "
            "where source = 'verifikasi' and cast(extract_date as varchar) = ?",
            [delivery],
        ).fetchall()
    }


def test_each_refused_visit_and_member_is_quarantined_with_its_reason(staged):
    con, _, _, _ = staged
    expected = {
        ("hasil_verifikasi.csv", number): reason
        for number, (_, reason) in enumerate(VISITS, start=1)
        if reason is not None
    }
    expected["hasil_verifikasi.csv", TOO_MANY_FIELDS_ROW] = "TOO_MANY_FIELDS"
    expected |= {
        ("anggota_usulan.csv", number): reason
        for number, (_, reason) in enumerate(MEMBERS, start=1)
        if reason is not None
    }
    assert _quarantine(con, FIRST) == expected
    assert _quarantine(con, SECOND) == SECOND_QUARANTINE


def test_quarantine_keeps_every_reason_and_the_row_as_delivered(staged):
    con, _, _, _ = staged
    reasons, row = con.execute(
        "select reason_codes, delivered_row from staging.stg_landing__quarantine "
        "where source = 'verifikasi' and source_file = 'hasil_verifikasi.csv' and source_row_number = 16"
    ).fetchall()[0]
    assert reasons == "DATE_AFTER_EXTRACT:tanggal_kunjungan"
    assert '"id_kunjungan":"V16"' in row and '"tanggal_kunjungan":"2026-11-11"' in row


def test_valid_visits_are_staged_typed_and_checked(staged):
    con, _, _, _ = staged
    rows = con.execute(
        "select cast(extract_date as varchar), id_kunjungan, jenis, id_daftar, hasil, hasil_label, "
        "source_record_id, nik_kepala_keluarga_status, no_kk_status "
        "from staging.stg_verifikasi__hasil_verifikasi order by all"
    ).fetchall()
    listed = "3171-20261101-000001"
    assert rows == [
        (FIRST, "V1", "VERIFIKASI", listed, "LAYAK", "Layak", f"{FIRST}/V1", "valid", "valid"),
        (FIRST, "V18", "USULAN", None, "LAYAK", "Layak", f"{FIRST}/V18", "valid", "valid"),
        (FIRST, "V19", "SANGGAHAN", None, "TIDAK_LAYAK", "Tidak layak", f"{FIRST}/V19", "valid", "valid"),
        (FIRST, "V20", "VERIFIKASI", listed, "LAYAK", "Layak", f"{FIRST}/V20", "valid", "valid"),
        (FIRST, "V21", "VERIFIKASI", "3171-20261101-000021", "LAYAK", "Layak", f"{FIRST}/V21",
         "exponent_form", "valid"),
        (FIRST, "V22", "USULAN", None, "TIDAK_LAYAK", "Tidak layak", f"{FIRST}/V22", "valid", "valid"),
        (SECOND, "V1", "VERIFIKASI", listed, "TIDAK_DITEMUKAN", "Tidak ditemukan", f"{SECOND}/V1", "valid",
         "valid"),
        (SECOND, "V30", "USULAN", None, "LAYAK", "Layak", f"{SECOND}/V30", "valid", "valid"),
    ]  # fmt: skip
    assert con.execute(
        "select distinct kode_desa, kode_desa_in_force from staging.stg_verifikasi__hasil_verifikasi"
    ).fetchall() == [("3171011001", True)]
    observed = con.execute(
        "select lantai, dinding, atap, sumber_air_minum, jumlah_anggota, alamat, tanggal_kunjungan, petugas "
        "from staging.stg_verifikasi__hasil_verifikasi where id_kunjungan in ('V1', 'V20') "
        "and extract_date = date '2026-11-10' order by id_kunjungan"
    ).fetchall()
    visit_date = observed[0][6]
    assert observed == [
        (8, 4, 4, 5, 2, "JL. MAWAR 1", visit_date, "DINSOS-3171-007"),
        (None, None, None, 5, None, None, visit_date, "DINSOS-3171-007"),  # blank = not observed
    ]
    assert visit_date.isoformat() == "2026-11-10"


def test_members_of_proposals_are_staged_with_their_checks(staged):
    con, _, _, _ = staged
    rows = con.execute(
        "select cast(extract_date as varchar), source_row_number, id_kunjungan, nik_status, nama_normal, "
        "jenis_kelamin, is_female, cast(tanggal_lahir as varchar), tanggal_lahir_is_placeholder, hubungan "
        "from staging.stg_verifikasi__anggota_usulan order by all"
    ).fetchall()
    assert rows == [
        (FIRST, 1, "V18", "valid", "DEWI LESTARI", 2, True, "2001-02-25", False, "KEPALA KELUARGA"),
        (FIRST, 2, "V22", "valid", "DEWI LESTARI", 1, False, "1988-02-07", False, "KEPALA KELUARGA"),
        (FIRST, 11, "V18", "missing", "DEWI LESTARI", 2, True, None, None, "KEPALA KELUARGA"),
        (SECOND, 1, "V30", "valid", "DEWI LESTARI", 2, True, "2001-02-25", False, "KEPALA KELUARGA"),
    ]


def test_every_delivered_row_is_staged_or_quarantined_once_per_delivery(staged):
    con, stdout, _, _ = staged
    deliveries = con.execute(
        "select file_name, cast(extract_date as varchar), manifest_rows "
        "from staging.stg_landing__delivery_files "
        "where source = 'verifikasi' and status = 'current' order by all"
    ).fetchall()
    assert [(file, date) for file, date, _ in deliveries] == [
        ("anggota_usulan.csv", FIRST),
        ("anggota_usulan.csv", SECOND),
        ("hasil_verifikasi.csv", FIRST),
        ("hasil_verifikasi.csv", SECOND),
    ]
    model = {
        "hasil_verifikasi.csv": "stg_verifikasi__hasil_verifikasi",
        "anggota_usulan.csv": "stg_verifikasi__anggota_usulan",
    }
    for file, date, manifest_rows in deliveries:
        staged_rows = [
            number
            for (number,) in con.execute(
                f"select source_row_number from staging.{model[file]} "
                "where cast(extract_date as varchar) = ?",
                [date],
            ).fetchall()
        ]
        quarantined = [number for (name, number) in _quarantine(con, date) if name == file]
        assert sorted(staged_rows + quarantined) == list(range(1, manifest_rows + 1)), (file, date)
    for test in (
        "assert_every_delivered_row_staged_or_quarantined",
        "assert_quarantine_reason_codes_well_formed",
        "assert_delivery_files_status_consistent",
    ):
        assert f"PASS {test}" in stdout


def _columns(con, model):
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'staging' and table_name = ? order by ordinal_position",
        [model],
    ).fetchall()


def test_without_field_results_both_models_are_empty_in_the_same_columns(staged, tmp_path, dbt_build):
    con, _, _, _ = staged
    landing, db = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_sample_landing(landing)
    _build(dbt_build, landing, db)
    with duckdb.connect(str(db), read_only=True) as empty:
        for model in (
            "base_verifikasi__hasil_verifikasi",
            "base_verifikasi__anggota_usulan",
            "stg_verifikasi__hasil_verifikasi",
            "stg_verifikasi__anggota_usulan",
        ):
            assert empty.execute(f"select count(*) from staging.{model}").fetchall() == [(0,)], model
            assert _columns(empty, model) == _columns(con, model), model
        assert empty.execute(
            "select count(*) from staging.stg_landing__delivery_files where source = 'verifikasi'"
        ).fetchall() == [(0,)]


def test_a_later_delivery_adds_its_visits_to_those_staged(staged, tmp_path, dbt_build):
    """Staging is incremental: a rebuild after a third delivery holds all three
    deliveries' rows, each once, and a rebuild with nothing new keeps them."""
    con, _, landing, db = staged
    before = con.execute(
        "select extract_date, id_kunjungan from staging.stg_verifikasi__hasil_verifikasi order by all"
    ).fetchall()
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(db.read_bytes())
    write_delivery(
        landing, "verifikasi", THIRD, verifikasi_rows(visit("V40", tanggal_kunjungan="2026-11-24"))
    )
    try:
        for _ in range(2):
            _build(dbt_build, landing, copy)
            with duckdb.connect(str(copy), read_only=True) as rebuilt:
                after = rebuilt.execute(
                    "select extract_date, id_kunjungan "
                    "from staging.stg_verifikasi__hasil_verifikasi order by all"
                ).fetchall()
            assert [(d.isoformat(), k) for d, k in after] == sorted(
                [(d.isoformat(), k) for d, k in before] + [(THIRD, "V40")]
            )
    finally:
        for path in sorted((landing / "verifikasi" / THIRD).iterdir()):
            path.unlink()
        (landing / "verifikasi" / THIRD).rmdir()


def test_field_results_do_not_move_the_data_date(staged):
    """The data date is the newest full extract (dukcapil 2026-10-31), not the newer field
    results: a build before and one after field results describe the same date."""
    con, _, _, _ = staged
    newest_extract = max(SAMPLE_DATES.values())
    assert con.execute(
        "select distinct cast(tanggal_data as varchar) from marts.fct_eligibility"
    ).fetchall() == [(newest_extract,)]
    assert con.execute(
        "select distinct cast(fitted_on as varchar) from marts.mart_pmt_coefficients"
    ).fetchall() == [(newest_extract,)]


def test_the_dbt_project_knows_the_contracts_field_result_files_and_accumulating_sources():
    """The empty read of a source without deliveries takes its columns from the dbt
    source, and several dbt tests name the accumulating sources in a macro: both must say
    what dtsen.contract says."""
    sources = yaml.safe_load((PROJECT_DIR / "models/staging/verifikasi/_verifikasi__sources.yml").read_text())
    (source,) = sources["sources"]
    declared = {table["identifier"]: [c["name"] for c in table["columns"]] for table in source["tables"]}
    assert (source["name"], declared) == ("verifikasi", FILES["verifikasi"])
    macro = (PROJECT_DIR / "macros/landing.sql").read_text()
    named = re.search(r"macro accumulating_sources\(\).*?return\((\[.*?\])\)", macro, re.S).group(1)
    assert sorted(ast.literal_eval(named)) == sorted(ACCUMULATING_SOURCES)
