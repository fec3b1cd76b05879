"""Issue 22, defect 9: the NIK-validity suite blamed the NIK for a wrong birth date. A
record whose NIK's birth part disagrees with its birth date, while the civil register holds
that NIK with a birth date agreeing with it, has a correct NIK and a wrong birth date: it is
reported as "birth date disagrees with the register", not as an invalid NIK."""

from __future__ import annotations

import json

import duckdb
import pytest
from deliveries import SAMPLE_DATES, sample_rows, write_delivery
from quality_helpers import run_quality


@pytest.fixture(scope="module")
def nik_build(tmp_path_factory, dbt_build):
    """The sample landing zone with three DTKS members: A1, Siti, with her own NIK (in the
    register, the register's birth date 1990-01-05 agreeing with it) but born 06/01/1990
    according to DTKS; A2, Budi, as the register has him; A3 with a NIK the register does
    not hold, whose birth part (08-02-88) disagrees with the recorded 09/02/1988."""
    root = tmp_path_factory.mktemp("nik-birth-date")
    landing = root / "landing"
    rows = sample_rows()
    members = rows["dtks"]["anggota.csv"]
    members[0]["tanggal_lahir"] = "06/01/1990"
    members.append(
        dict(members[1], id_art="A3", nik="3171010802880099", tanggal_lahir="09/02/1988", hub_krt="3")
    )
    for source, files in rows.items():
        write_delivery(landing, source, SAMPLE_DATES[source], files)
    build = dbt_build(landing, root / "warehouse.duckdb")
    assert build.returncode == 0, build.stdout[-4000:]
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield con, root
    con.close()


def test_staging_flags_both_as_birth_date_mismatch(nik_build):
    con, _ = nik_build
    status = dict(con.sql("select source_record_id, nik_status from staging.stg_dtks__anggota").fetchall())
    assert status == {"A1": "birth_date_mismatch", "A2": "valid", "A3": "birth_date_mismatch"}


def test_register_tells_a_wrong_birth_date_from_an_invalid_nik(nik_build):
    con, _ = nik_build
    checks = {
        row[0]: row[1:]
        for row in con.sql(
            "select source_record_id, birth_date_check, cast(register_tanggal_lahir as varchar) "
            "from intermediate.int_nik_birth_date_checks where source = 'dtks'"
        ).fetchall()
    }
    assert checks == {"A1": ("birth_date_differs_from_register", "1990-01-05"), "A3": ("nik_invalid", None)}


def test_suite_reports_them_apart_each_with_its_threshold(nik_build, tmp_path):
    _, root = nik_build
    result = run_quality(root / "warehouse.duckdb", tmp_path / "quality")
    lines = [json.loads(line) for line in (tmp_path / "quality" / "results.jsonl").read_text().splitlines()]
    dtks = {line["check"]: line for line in lines if line["suite"] == "nik_validity_dtks"}
    # one invalid NIK in three records: below the 95 % floor, blocking
    invalid = dtks["nik_birth_date"]
    assert not invalid["success"] and invalid["blocking"]
    assert invalid["rows"] == [
        {"source": "dtks", "records": 3, "nik_invalid": 1, "share_passing": pytest.approx(2 / 3)}
    ]
    assert invalid["thresholds"] == {"nik_min_share.dtks.birth_date": 0.95}
    # one birth date that disagrees with the register: its own threshold, a warning
    register = dtks["nik_register_birth_date"]
    assert not register["success"] and not register["blocking"]
    assert register["rows"][0]["birth_date_differs"] == 1
    assert "nik_min_share.dtks.register_birth_date" in register["thresholds"]
    # Siti's NIK counts as valid: 2 of 3
    assert dtks["nik_valid"]["rows"][0]["nik_valid"] == 2
    assert "FAILED [warning] nik_validity_dtks/nik_register_birth_date" in result.stdout
    # the civil register's own records, all consistent, pass
    assert all(line["success"] for line in lines if line["suite"] == "nik_validity_dukcapil")
