"""Delivery-level anomaly checks (issue 22, defect 4): each source's current delivery
against its previous usable one. A header-only civil register and a DTKS extract cut by
90 % both used to become current and pass; now the build still stages them (they are
complete deliveries) but `dtsen quality` blocks, naming source, file, both deliveries and
the values, and the ministries' report shows every check and every refused delivery."""

from __future__ import annotations

import copy
import json

import duckdb
import pytest
from deliveries import sample_rows, write_delivery
from quality_helpers import run_quality

HOUSEHOLDS_BEFORE, HOUSEHOLDS_AFTER = 20, 2


def dtks_rows(households: int, bpnt_every: int) -> dict[str, list[dict]]:
    """`households` DTKS households of two members each (NIKs agreeing with birth dates);
    every `bpnt_every`-th household receives BPNT."""
    sample = sample_rows()["dtks"]
    rumah_tangga, anggota = [], []
    for number in range(1, households + 1):
        household = dict(
            sample["rumah_tangga.csv"][0],
            id_rt=f"RT{number}",
            penerima_bpnt="1" if number % bpnt_every == 0 else "0",
        )
        rumah_tangga.append(household)
        wife, husband = (copy.deepcopy(member) for member in sample["anggota.csv"])
        wife.update(
            id_art=f"A{2 * number - 1}",
            id_rt=f"RT{number}",
            nik=f"317101450190{number:04d}",
            no_kk=f"317101010115{number:04d}",
        )
        husband.update(
            id_art=f"A{2 * number}",
            id_rt=f"RT{number}",
            nik=f"317101070288{number:04d}",
            no_kk=f"317101010115{number:04d}",
        )
        anggota += [wife, husband]
    return {"rumah_tangga.csv": rumah_tangga, "anggota.csv": anggota}


@pytest.fixture(scope="module")
def anomalous_build(tmp_path_factory, dbt_build):
    """Previous and current deliveries: the civil register goes to its header alone (its
    manifest agrees: 0 rows), DTKS is cut from 20 households to 2 and BPNT shifts; p3ke and
    bps have their first delivery only, and a p3ke delivery whose manifest disagrees with its
    file is refused."""
    root = tmp_path_factory.mktemp("anomalies")
    landing = root / "landing"
    sample = sample_rows()
    write_delivery(landing, "dukcapil", "2026-09-30", sample["dukcapil"])
    write_delivery(landing, "dukcapil", "2026-10-31", {"penduduk.csv": []})
    write_delivery(landing, "dtks", "2026-09-01", dtks_rows(HOUSEHOLDS_BEFORE, bpnt_every=4))
    write_delivery(landing, "dtks", "2026-10-01", dtks_rows(HOUSEHOLDS_AFTER, bpnt_every=1))
    write_delivery(landing, "p3ke", "2026-06-30", sample["p3ke"])
    write_delivery(landing, "p3ke", "2026-07-31", sample["p3ke"], manifest_rows={"individu.csv": 7})
    write_delivery(landing, "bps", "2026-06-30", sample["bps"])
    build = dbt_build(landing, root / "warehouse.duckdb")
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield build, con, root
    con.close()


def _changes(con, **where) -> list[dict]:
    condition = " and ".join(f"{column} is not distinct from ${column}" for column in where) or "true"
    relation = con.sql(
        f"select * from staging.stg_landing__delivery_changes where {condition} "
        "order by source, file_name, check_name, column_name",
        params=where,
    )
    return [dict(zip(relation.columns, row)) for row in relation.fetchall()]


def test_empty_register_and_cut_extract_become_current(anomalous_build):
    """Both deliveries are complete (files agree with their manifests): the intake makes
    them current and staging reads them. Judging them is the quality suites' job. (On these
    few hand-made rows the person matcher then fails on the empty register; on generated
    data the whole build passed.)"""
    build, con, root = anomalous_build
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    status = {result["unique_id"].split(".")[-1]: result["status"] for result in results}
    assert status["stg_landing__delivery_changes"] == "success", build.stdout[-4000:]
    current = dict(
        con.sql(
            "select source || '/' || file_name, file_rows from staging.stg_landing__delivery_files "
            "where status = 'current'"
        ).fetchall()
    )
    assert current["dukcapil/penduduk.csv"] == 0
    assert current["dtks/rumah_tangga.csv"] == HOUSEHOLDS_AFTER


def test_row_counts_compare_current_and_previous_delivery(anomalous_build):
    _, con, _ = anomalous_build
    [register] = _changes(con, source="dukcapil", check_name="row_count")
    assert register["comparison"] == "compared"
    assert (register["previous_delivery"], register["current_delivery"]) == ("2026-09-30", "2026-10-31")
    assert (register["previous_value"], register["current_value"], register["change"]) == (2, 0, -1)
    [households] = _changes(con, source="dtks", file_name="rumah_tangga.csv", check_name="row_count")
    assert (households["previous_value"], households["current_value"]) == (
        HOUSEHOLDS_BEFORE,
        HOUSEHOLDS_AFTER,
    )
    assert households["change"] == pytest.approx(-0.9)


def test_identifiers_carried_over(anomalous_build):
    _, con, _ = anomalous_build
    kept = {
        row["column_name"]: row
        for row in _changes(con, source="dtks", file_name="anggota.csv", check_name="identifiers_kept")
    }
    assert set(kept) == {"id_art", "nik", "no_kk"}
    assert (kept["id_art"]["previous_value"], kept["id_art"]["current_value"]) == (40, 4)
    assert kept["nik"]["change"] == pytest.approx(0.1)
    assert kept["no_kk"]["change"] == pytest.approx(0.1)
    register = {
        row["column_name"]: row["change"]
        for row in _changes(con, source="dukcapil", check_name="identifiers_kept")
    }
    assert register == {"nik": 0.0, "no_kk": 0.0}


def test_null_rates_and_code_distributions(anomalous_build):
    _, con, _ = anomalous_build
    # an empty file has no share of blank values and no distribution: undefined, not 0
    register_nulls = _changes(con, source="dukcapil", check_name="null_rate")
    assert {row["column_name"] for row in register_nulls} >= {"nik", "no_kk", "tanggal_lahir"}
    assert all(row["current_value"] is None and row["change"] is None for row in register_nulls)
    dead = next(row for row in register_nulls if row["column_name"] == "tanggal_meninggal")
    assert dead["previous_value"] == 1.0  # both persons alive
    # BPNT: 5 of 20 households before, both of 2 after
    [bpnt] = _changes(con, source="dtks", check_name="code_shift", column_name="penerima_bpnt")
    assert bpnt["code"] in ("0", "1")
    assert abs(bpnt["current_value"] - bpnt["previous_value"]) == pytest.approx(0.75)
    assert bpnt["change"] == pytest.approx(0.75)  # total variation distance
    [floor] = _changes(con, source="dtks", check_name="code_shift", column_name="lantai")
    assert floor["change"] == 0 and floor["previous_value"] == floor["current_value"] == 1.0


def test_first_delivery_has_nothing_to_compare_and_says_so(anomalous_build):
    _, con, _ = anomalous_build
    for source in ("p3ke", "bps"):
        rows = _changes(con, source=source)
        assert rows and {row["check_name"] for row in rows} == {"row_count"}
        assert all(
            row["comparison"] == "first_delivery"
            and row["previous_delivery"] is None
            and row["previous_value"] is None
            and row["change"] is None
            for row in rows
        )
    # the refused p3ke delivery is not the previous one of anything
    assert not _changes(con, previous_delivery="2026-07-31")


@pytest.fixture(scope="module")
def anomalous_quality(anomalous_build, tmp_path_factory):
    _, _, root = anomalous_build
    report_dir = tmp_path_factory.mktemp("anomalies-quality")
    result = run_quality(root / "warehouse.duckdb", report_dir)
    lines = [json.loads(line) for line in (report_dir / "results.jsonl").read_text().splitlines()]
    return result, {line["check"]: line for line in lines if line["suite"] == "delivery_changes"}, report_dir


def test_quality_blocks_on_empty_register_and_cut_extract(anomalous_quality):
    result, checks, _ = anomalous_quality
    assert result.returncode == 1, result.stdout[-3000:]
    blocking = [line for line in result.stdout.splitlines() if "FAILED [blocking] delivery_changes/" in line]
    rows_kept = next(line for line in blocking if "delivery_changes/rows_kept:" in line)
    assert "source=dukcapil file_name=penduduk.csv" in rows_kept
    assert (
        "previous_delivery=2026-09-30 current_delivery=2026-10-31 previous_value=2.0 current_value=0.0"
        in rows_kept
    )
    assert "source=dtks file_name=rumah_tangga.csv" in rows_kept
    assert "threshold delivery_changes.min_rows_kept = 0.5" in rows_kept
    breaches = {
        (row["source"], row["file_name"], row["column_name"]) for row in checks["identifiers_kept"]["rows"]
    }
    assert breaches == {
        ("dukcapil", "penduduk.csv", "nik"),
        ("dukcapil", "penduduk.csv", "no_kk"),
        ("dtks", "rumah_tangga.csv", "id_rt"),
        ("dtks", "anggota.csv", "id_art"),
        ("dtks", "anggota.csv", "nik"),
        ("dtks", "anggota.csv", "no_kk"),
    }
    shifted = {row["column_name"] for row in checks["code_shift"]["rows"]}
    assert "penerima_bpnt" in shifted and "lantai" not in shifted
    assert not checks["code_shift"]["blocking"]


def test_report_shows_every_delivery_check_and_refused_delivery(anomalous_build, anomalous_quality):
    _, con, _ = anomalous_build
    _, _, report_dir = anomalous_quality
    page = (report_dir / "laporan_kualitas_data.html").read_text(encoding="utf-8")
    section = page[page.index('id="perubahan-kiriman"') :]
    section = section[: section.index("</section>")]
    rows = section.count('<tr class="change')
    assert rows == con.sql("select count(*) from staging.stg_landing__delivery_changes").fetchall()[0][0]
    # both deliveries side by side with the verdict
    assert (
        'data-check="dukcapil/penduduk.csv/row_count/"' in section
        and "2026-09-30" in section
        and "2026-10-31" in section
    )
    register = section[section.index('data-check="dukcapil/penduduk.csv/row_count/"') :]
    register = register[: register.index("</tr>")]
    assert "GAGAL (memblokir)" in register and "FAILED (blocking)" in register
    first = section[section.index('data-check="bps/susenas_konsumsi.parquet/row_count/"') :]
    assert "Kiriman pertama" in first[: first.index("</tr>")]
    refused = page[page.index('id="kiriman-ditolak"') :]
    refused = refused[: refused.index("</section>")]
    assert "p3ke" in refused and "2026-07-31" in refused and "individu.csv" in refused
    assert "row count" in refused or "rows" in refused
