"""dbt build on hand-written deliveries, where each row's expected outcome is known:
every quarantine reason, NIK repairs and flags, a refused newer delivery, and the build
failing when a source has no usable delivery."""

from __future__ import annotations

import copy

import duckdb
import pytest
from deliveries import SAMPLE_DATES, sample_rows, write_delivery


def _person(base: dict, **changes) -> dict:
    return {**copy.deepcopy(base), **changes}


@pytest.fixture(scope="module")
def handmade(tmp_path_factory, dbt_build):
    root = tmp_path_factory.mktemp("handmade")
    rows = sample_rows()
    siti, _budi = rows["dtks"]["anggota.csv"]
    rows["dtks"]["anggota.csv"] += [
        _person(siti, id_art="A3", nik="3171 0145-0190.0001"),  # repairable: spaces, dash, dot
        _person(siti, id_art="A4", nik="'3171014501900001"),  # leading quote
        _person(siti, id_art="A5", nik="3171014501900001.0"),  # spreadsheet float
        _person(siti, id_art="A6", nik="3.17101E+15"),  # exponent form: digits lost
        _person(siti, id_art="A7", nik="317101450190000"),  # 15 digits
        _person(siti, id_art="A8", nik="0"),
        _person(siti, id_art="A9", nik="3171010501900001"),  # a man's day on a woman
        _person(siti, id_art="A10", nik="9101014501900001"),  # Merauke before the 2022 split
        _person(siti, id_art="A11", nik="9999014501900001"),  # no such regency
        _person(siti, id_art="A12", nik="3171016902000001", tanggal_lahir="29/02/2000"),  # leap year
        _person(siti, id_art="A13", nik="3171016902010001", tanggal_lahir="01/03/2001"),  # 29-02-01
        _person(siti, id_art="A14", tanggal_lahir="01/01/1900"),  # placeholder, no mismatch flagged
        _person(siti, id_art="A15", tanggal_lahir="06/01/1990"),  # NIK says the 5th
        # Rows that must be quarantined, one per reason.
        _person(siti, id_art="", nama="no key"),
        _person(siti, id_art="A1", nama="second A1"),
        _person(siti, id_art="A16", tanggal_lahir="31/02/1985"),
        _person(siti, id_art="A17", tanggal_lahir=""),
        _person(siti, id_art="A18", jenis_kelamin="3"),
        _person(siti, id_art="A19", penerima_pip="ya"),
        _person(siti, id_art="A20", nik="3171 0145 0190 0001.0"),  # spaces and spreadsheet float
    ]
    for source, files in rows.items():
        write_delivery(root / "landing", source, SAMPLE_DATES[source], files)
    # A newer DTKS delivery whose manifest lies about its rows: refused, 2026-10-01 stays.
    write_delivery(
        root / "landing", "dtks", "2026-11-01", sample_rows()["dtks"], manifest_rows={"anggota.csv": 9}
    )
    db = root / "warehouse.duckdb"
    result = dbt_build(root / "landing", db)
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(db), read_only=True)
    yield con, result.stdout
    con.close()


def _nik(con, id_art: str) -> dict:
    names = [
        "nik_clean",
        "nik_status",
        "nik_was_repaired",
        "nik_region_known",
        "nik_agrees_sex",
        "tanggal_lahir_is_placeholder",
    ]
    rows = con.execute(
        f"select {', '.join(names)} from staging.stg_dtks__anggota where id_art = ?", [id_art]
    ).fetchall()
    assert len(rows) == 1, f"{id_art}: {len(rows)} staged rows"
    return dict(zip(names, rows[0]))


@pytest.mark.parametrize("id_art", ["A3", "A4", "A5", "A20"])
def test_safe_repairs_give_a_valid_nik(handmade, id_art):
    nik = _nik(handmade[0], id_art)
    assert nik["nik_clean"] == "3171014501900001"
    assert nik["nik_status"] == "valid" and nik["nik_was_repaired"]


@pytest.mark.parametrize(
    ("id_art", "status"),
    [
        ("A1", "valid"),
        ("A6", "exponent_form"),
        ("A7", "wrong_length"),
        ("A8", "missing"),
        ("A9", "sex_mismatch"),
        ("A10", "valid"),
        ("A11", "unknown_region"),
        ("A12", "valid"),
        ("A13", "invalid_birth_part"),
        ("A14", "valid"),
        ("A15", "birth_date_mismatch"),
    ],
)
def test_nik_status(handmade, id_art, status):
    assert _nik(handmade[0], id_art)["nik_status"] == status


def test_exponent_form_is_never_guessed(handmade):
    assert _nik(handmade[0], "A6")["nik_clean"] is None


def test_placeholder_birth_date_is_flagged(handmade):
    assert _nik(handmade[0], "A14")["tanggal_lahir_is_placeholder"] is True


def test_each_refused_row_is_quarantined_with_its_reason(handmade):
    con, _ = handmade
    reasons = dict(
        con.sql(
            "select json_extract_string(delivered_row, '$.nama') || '/' "
            "|| coalesce(json_extract_string(delivered_row, '$.id_art'), ''), "
            "reason_codes from staging.stg_landing__quarantine where source = 'dtks'"
        ).fetchall()
    )
    assert reasons == {
        "no key/": "EMPTY_KEY:id_art",
        "second A1/A1": "DUPLICATE_KEY:id_art",
        "Hj. Siti Aminah/A16": "UNPARSEABLE_DATE:tanggal_lahir",
        "Hj. Siti Aminah/A17": "MISSING_VALUE:tanggal_lahir",
        "Hj. Siti Aminah/A18": "UNKNOWN_CODE:jenis_kelamin",
        "Hj. Siti Aminah/A19": "UNKNOWN_CODE:penerima_pip",
    }


def test_quarantine_keeps_lineage(handmade):
    con, _ = handmade
    row = con.sql(
        "select source, cast(extract_date as varchar), source_file, source_row_number "
        "from staging.stg_landing__quarantine where reason_code = 'DUPLICATE_KEY:id_art'"
    ).fetchall()
    # Header excluded, the duplicate A1 is the 17th data row.
    assert row == [("dtks", "2026-10-01", "anggota.csv", 17)]


def test_refused_newer_delivery_is_reported_and_previous_kept(handmade):
    con, stdout = handmade
    current = con.sql(
        "select distinct delivery from staging.stg_landing__delivery_files "
        "where source = 'dtks' and status = 'current'"
    ).fetchall()
    assert current == [("2026-10-01",)]
    assert "warn_refused_deliveries" in stdout and "WARN" in stdout


def test_build_fails_naming_source_without_usable_delivery(tmp_path, dbt_build):
    for source, files in sample_rows().items():
        folder = write_delivery(tmp_path / "landing", source, SAMPLE_DATES[source], files)
    (tmp_path / "landing" / "dtks" / "2026-10-01" / "_manifest.json").unlink()
    result = dbt_build(tmp_path / "landing", tmp_path / "warehouse.duckdb")
    assert result.returncode != 0
    assert "source dtks has no usable delivery in" in result.stdout
    assert "2026-10-01: no _manifest.json (delivery incomplete)" in result.stdout
    assert folder.exists()
