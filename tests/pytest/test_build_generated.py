"""dbt build for real on a generated population, checked against the generator's truth:
every delivered row staged or quarantined, each injected NIK damage flagged as the form
it is, and no record without an identity error flagged."""

from __future__ import annotations

import pytest
from conftest import GENERATED_PERSONS

from dtsen.evaluate import staging_detection
from dtsen.report import row_accounting


@pytest.fixture(scope="module")
def built(generated_build):
    con, summary, _ = generated_build
    return con, summary


def test_every_delivered_row_is_staged_or_quarantined(built):
    con, summary = built
    accounting = {
        (source, file_name): (manifest, staged, quarantined)
        for source, file_name, _, manifest, staged, quarantined in row_accounting(con)
    }
    generated = {
        (source, file_name): rows
        for source, files in summary["rows"].items()
        for file_name, rows in files.items()
    }
    assert set(accounting) == set(generated)
    for key, (manifest, staged, quarantined) in accounting.items():
        assert manifest == generated[key] == staged + quarantined, key
    assert sum(q for _, _, q in accounting.values()) > 0, "the generator injects rows to quarantine"


def test_each_truth_record_lands_exactly_once(built):
    con, _ = built
    counts = con.sql("""
        with landed as (
            select source, source_file, source_row_number from staging.stg_dtks__anggota
            union all select source, source_file, source_row_number from staging.stg_p3ke__individu
            union all select source, source_file, source_row_number from staging.stg_bps__regsosek_individu
            union all select source, source_file, source_row_number from staging.stg_dukcapil__penduduk
            union all select source, source_file, source_row_number from staging.stg_landing__quarantine
        )
        select count(*), count(*) filter (where n = 1)
        from (select t.row_number, count(l.source) as n from truth_records as t
              left join landed as l
                on l.source = t.source and l.source_file = t.file and l.source_row_number = t.row_number
              group by t.source, t.file, t.row_number)
    """).fetchall()[0]
    assert counts[0] == counts[1] > GENERATED_PERSONS


@pytest.fixture(scope="module")
def detection(built):
    rows = staging_detection(built[0])
    return {(source, check): (injected, flagged) for source, check, injected, flagged, _ in rows}


def test_damaged_niks_are_flagged_as_the_form_injected(detection):
    damage_checks = {key: value for key, value in detection.items() if key[1].startswith("nik damaged: ")}
    # dtks, p3ke and bps each receive every damage form at the default rates.
    assert {source for source, _ in damage_checks} == {"dtks", "p3ke", "bps"}
    assert sum(injected for injected, _ in damage_checks.values()) > 300
    for key, (injected, flagged) in damage_checks.items():
        assert flagged == injected, key


def test_records_without_identity_errors_are_not_flagged(detection):
    clean = {key: value for key, value in detection.items() if key[1].startswith("no identity error")}
    assert {source for source, _ in clean} == {"dukcapil", "dtks", "p3ke", "bps"}
    for key, (records, left_valid) in clean.items():
        assert left_valid == records, key


@pytest.mark.parametrize(
    "check_prefix",
    [
        "nik birth part != birth date",
        "birth date shifted",
        "birth date placeholder",
        "quarantine kind",
        "old region code",
        "no_kk damaged",
    ],
)
def test_other_injected_errors_are_all_flagged(detection, check_prefix):
    checks = {key: value for key, value in detection.items() if key[1].startswith(check_prefix)}
    assert checks, f"no {check_prefix} errors injected"
    for key, (injected, flagged) in checks.items():
        assert flagged == injected, key
