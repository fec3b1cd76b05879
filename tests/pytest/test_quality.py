"""Data-quality suites: the GX compatibility layer on a tiny DuckDB file, the suite and
threshold files, and `dtsen quality` on a generated build and on a deliberately broken
delivery (real dbt builds, real DuckDB, real Great Expectations)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import textwrap

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pytest
import yaml
from alert_servers import free_port, smtp_server, webhook_server
from quality_helpers import add_damaged_dtks_delivery, run_quality

from dtsen.project import PROJECT_DIR
from dtsen.quality import gx_duckdb
from dtsen.quality.suites import load_suites, load_thresholds

TINY_ROWS = (
    "('3201010101900001', 1), ('32010101019000AB', 2), ('320101010190000', 3), (null, 4), "
    "('3201010101900001', 5)"
)


@pytest.fixture(scope="module")
def tiny_batch(tmp_path_factory):
    """A 5-row table in a non-default schema: 2 NIKs not 16 digits, 1 NULL, 1 duplicate pair."""
    db = tmp_path_factory.mktemp("gx") / "tiny.duckdb"
    con = duckdb.connect(str(db))
    con.sql(
        f"create schema staging; create table staging.persons as select * from (values {TINY_ROWS}) v(nik, n)"
    )
    con.close()
    gx_duckdb.apply()
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_sql(
        "tiny", connection_string=f"duckdb:///{db}", kwargs={"connect_args": {"read_only": True}}
    )
    asset = source.add_table_asset("persons", table_name="persons", schema_name="staging")
    yield asset.add_batch_definition_whole_table("all").get_batch()
    source.get_execution_engine().close()


@pytest.mark.parametrize(
    ("expectation", "unexpected"),
    [
        (gxe.ExpectColumnValuesToMatchRegex(column="nik", regex="^[0-9]{16}$"), 2),
        (gxe.ExpectColumnValuesToMatchRegex(column="nik", regex=r"^\d{16}$"), 2),
        (gxe.ExpectColumnValuesToNotMatchRegex(column="nik", regex="[A-Z]"), 1),
        (gxe.ExpectColumnValuesToBeUnique(column="nik"), 2),
        (gxe.ExpectColumnValuesToNotBeNull(column="nik"), 1),
    ],
)
def test_compatibility_layer_fetches_metric_results(tiny_batch, expectation, unexpected):
    result = tiny_batch.validate(expectation)
    assert not result.exception_info.get("raised_exception"), result.exception_info
    assert result.success is False
    assert result.result["unexpected_count"] == unexpected
    assert result.result["element_count"] == 5


def test_regex_searches_like_pandas_unless_anchored(tiny_batch):
    # regexp_matches searches: an unanchored 16-digit run is found inside the 16-character values
    result = tiny_batch.validate(gxe.ExpectColumnValuesToMatchRegex(column="nik", regex="[0-9]{15}"))
    assert result.result["unexpected_count"] == 1  # only 32010101019000AB lacks 15 digits in a row


def test_query_expectation_returns_rows(tiny_batch):
    expectation = gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            "select * from {batch} where not regexp_full_match(coalesce(nik, ''), '[0-9]{{16}}')"
        )
    )
    result = tiny_batch.validate(expectation, result_format="COMPLETE")
    assert result.result["observed_value"] == 3
    assert sorted(row["n"] for row in result.result["details"]["unexpected_rows"]) == [2, 3, 4]


def test_without_the_layer_gx_cannot_validate_duckdb(tmp_path):
    """The upstream bugs the layer works around are still there: when this fails, GX or
    duckdb-engine fixed them and the layer can shrink."""
    db = tmp_path / "tiny.duckdb"
    duckdb.connect(str(db)).sql(f"create table persons as select * from (values {TINY_ROWS}) v(nik, n)")
    script = textwrap.dedent(f"""
        import great_expectations as gx, great_expectations.expectations as gxe
        context = gx.get_context(mode="ephemeral")
        source = context.data_sources.add_sql("tiny", connection_string="duckdb:///{db}")
        asset = source.add_table_asset("persons", table_name="persons")
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        for e in (gxe.ExpectColumnValuesToNotBeNull(column="nik"),
                  gxe.ExpectColumnValuesToMatchRegex(column="nik", regex="x")):
            r = batch.validate(e)
            raised = bool(r.exception_info.get("raised_exception"))
            print(type(e).__name__, r.result.get("unexpected_count"), raised)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120).stdout
    assert "ExpectColumnValuesToNotBeNull None" in out
    assert "ExpectColumnValuesToMatchRegex None" in out


def test_thresholds_fill_the_suites_and_targeting_maxima_are_dbt_vars(tmp_path):
    thresholds = load_thresholds()
    dbt_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert thresholds["targeting.max_data_error_rate"] == dbt_vars["max_data_error_rate"]
    suites = {s.name: s for s in load_suites(thresholds)}
    nik_format = next(
        e for e in suites["nik_validity_dtks"].expectations if e["meta"]["check"] == "nik_format"
    )
    assert nik_format["kwargs"]["mostly"] == thresholds["nik_min_share.dtks.format"]
    assert isinstance(nik_format["kwargs"]["mostly"], float)
    nik_valid = next(e for e in suites["nik_validity_dtks"].expectations if e["meta"]["check"] == "nik_valid")
    assert f"< {thresholds['nik_min_share.dtks.valid']}" in nik_valid["kwargs"]["unexpected_rows_query"]
    admin = suites["marts_mart_targeting_errors_administrative"]
    data_error = admin.expectations[0]
    assert f"batas_bawah > {dbt_vars['max_data_error_rate']}" in data_error["kwargs"]["unexpected_rows_query"]
    assert data_error["severity"] == "critical"
    assert {e["severity"] for e in admin.expectations[1:3]} == {"warning"}
    # another thresholds file changes the suites, a dbt var that does not exist is an error
    (tmp_path / "t.yml").write_text("nik_min_share: {dtks: {valid: 0.5}}\n")
    with pytest.raises(KeyError, match=r"unknown threshold \$\{delivery_changes\.min_rows_kept\}"):
        load_suites(load_thresholds(tmp_path / "t.yml"))
    (tmp_path / "v.yml").write_text("targeting: {max_data_error_rate: {dbt_var: no_such_var}}\n")
    with pytest.raises(KeyError, match="no_such_var"):
        load_thresholds(tmp_path / "v.yml")


def test_generated_build_passes_with_warnings_and_stores_results(generated_build, tmp_path):
    con, _, root = generated_build
    # An earlier run was cut off half-way through writing its records (a crash, a full disk).
    store = tmp_path / "quality"
    store.mkdir()
    torn = '{"run_id": "0ld", "run_date": "2026-10-01T08:00:00+07:00", "db": "'
    (store / "runs.jsonl").write_text(torn)
    (store / "results.jsonl").write_text(torn)
    # Alerts to an SMTP and an HTTP server started here, and to two channels nothing listens on.
    closed = free_port()
    with smtp_server("dtsen", "s3cret") as (smtp_port, mailbox), webhook_server() as (port, posts):
        (tmp_path / "alerts.yml").write_text(f"""channels:
  - {{type: email, host: 127.0.0.1, port: {smtp_port}, security: none, username: dtsen,
     password_env: TEST_SMTP_PASSWORD, from: dtsen@example.go.id, to: officer@example.go.id}}
  - {{type: webhook, url: "http://127.0.0.1:{port}/hook"}}
  - {{type: webhook, url: "http://127.0.0.1:{closed}/hook"}}
  - {{type: email, host: 127.0.0.1, port: {closed}, security: none,
     from: a@example.go.id, to: b@example.go.id}}
""")
        alerting = {"DTSEN_ALERTS": str(tmp_path / "alerts.yml"), "TEST_SMTP_PASSWORD": "s3cret"}
        # as the scheduled job runs it (docs/operations.md): warnings exit with a status of their own
        result = run_quality(root / "warehouse.duckdb", store, env={**alerting, "DTSEN_WARN_EXIT_CODE": "3"})
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    # one message each to the channels that listen, with the run's status and headline; the
    # others reported, and the exit code the data's
    (mail,), (post,) = mailbox.messages, posts
    assert post["json"]["status"] == "warning" and post["json"]["exit_code"] == 0
    assert post["json"]["headline"] == mail["Subject"]
    # in the report's words (its headline), both languages
    page = (tmp_path / "quality" / "laporan_kualitas_data.html").read_text(encoding="utf-8")
    shown = re.search(r'data-figure="headline">(.*?)</p>', page).group(1)
    assert mail["Subject"].startswith("DTSEN: Data siap dipublikasikan; ")
    indonesian, english = mail["Subject"].removeprefix("DTSEN: ").split(" / ")
    assert html.escape(indonesian) in shown and html.escape(english) in shown, (mail["Subject"], shown)
    assert post["json"]["run_id"] in mail.get_content()
    assert any(f["check"] == "inclusion_error_rate" for f in post["json"]["failures"])
    assert f"Alert sent: e-mail via 127.0.0.1:{smtp_port}\nAlert sent: webhook http://127.0.0.1:{port}\n" in (
        result.stdout
    )
    assert f"alert via webhook http://127.0.0.1:{closed} failed" in result.stderr
    assert f"alert via e-mail via 127.0.0.1:{closed} failed" in result.stderr
    assert (
        f"Data-quality report written: {tmp_path / 'quality' / 'laporan_kualitas_data.html'}" in result.stdout
    )
    assert "FAILED [blocking]" not in result.stdout
    assert (
        f"warning: {store / 'runs.jsonl'} line 1: a torn record (not a whole JSON object), skipped"
        in result.stderr
    )
    # today's DTKS lists carry inclusion errors: a warning naming programme and regions
    assert "FAILED [warning] marts_mart_targeting_errors_administrative/inclusion_error_rate" in result.stdout
    # This run's records start on a line of their own, after the torn one.
    for name in ("runs.jsonl", "results.jsonl"):
        first, *records = (store / name).read_text().split("\n")
        assert first == torn and records[-1] == ""
        assert all(json.loads(line)["run_id"] != "0ld" for line in records[:-1])
    (run,) = [json.loads(line) for line in (store / "runs.jsonl").read_text().splitlines()[1:]]
    # dtsen's log beside runs.jsonl ends with the verdict
    last = (store / "dtsen.log").read_text().splitlines()[-1]
    assert run["warnings"] > 0
    assert re.search(rf" exit status 3 \(warn: {run['warnings']} quality warnings\) in [\d.]+ s$", last)
    (build,) = {b for (b,) in con.sql("select invocation_id from build_ledger.mart_builds").fetchall()}
    assert run["build_id"] == build and run["blocking_failures"] == 0
    lines = [
        json.loads(line) for line in (tmp_path / "quality" / "results.jsonl").read_text().splitlines()[1:]
    ]
    suites = load_suites(load_thresholds())
    # every expectation of every suite, and the build check
    assert len(lines) == sum(len(s.expectations) for s in suites) + 1
    (judged,) = [line for line in lines if line["suite"] == "build"]
    assert judged["check"] == "one_complete_build" and judged["success"] and judged["blocking"]
    assert len({line["run_id"] for line in lines}) == 1 and lines[0]["run_date"]
    # the stored NIK share is the database's own
    # (a query expectation: it returns the source's counts when its share breaches, none here)
    dtks_valid = next(
        line for line in lines if line["suite"] == "nik_validity_dtks" and line["check"] == "nik_valid"
    )
    assert dtks_valid["observed"] == 0 and dtks_valid["rows"] == []
    assert dtks_valid["success"] and dtks_valid["thresholds"] == {"nik_min_share.dtks.valid": 0.85}
    conservation = next(line for line in lines if line["check"] == "row_conservation")
    assert conservation["success"] and conservation["observed"] == 0


def test_broken_delivery_fails_naming_expectation_table_and_threshold(generated_build, dbt_build, tmp_path):
    _, _, root = generated_build
    landing = tmp_path / "landing"
    shutil.copytree(root / "landing", landing)
    damaged = add_damaged_dtks_delivery(landing, "2026-10-15", damaged_share=0.6)
    assert damaged > 1000
    build = dbt_build(landing, tmp_path / "warehouse.duckdb")
    assert build.returncode == 0, build.stdout[-3000:]  # NIK damage is for the quality suites to judge
    with webhook_server() as (port, posts):
        (tmp_path / "alerts.yml").write_text(
            f"channels: [{{type: webhook, url: 'http://127.0.0.1:{port}/'}}]\n"
        )
        alerting = {"DTSEN_ALERTS": str(tmp_path / "alerts.yml"), "DTSEN_WARN_EXIT_CODE": "3"}
        result = run_quality(tmp_path / "warehouse.duckdb", tmp_path / "quality", env=alerting)
    assert result.returncode == 1, result.stdout[-3000:]  # a blocking failure is not a warning
    (post,) = posts  # a blocking failure alerts too, and the exit code stays 1
    assert post["json"]["status"] == "blocked" and post["json"]["exit_code"] == 1
    assert any(f["severity"] == "blocking" and f["check"] == "nik_valid" for f in post["json"]["failures"])
    failing = [line for line in result.stdout.splitlines() if "FAILED [blocking]" in line]
    valid = next(line for line in failing if "nik_validity_dtks/nik_valid:" in line)
    assert "unexpected_rows_expectation on staging.stg_dtks__anggota (delivery dtks 2026-10-15)" in valid
    assert "threshold nik_min_share.dtks.valid = 0.85" in valid
    assert any(
        "nik_validity_dtks/nik_format:" in line and "nik_min_share.dtks.format = 0.9" in line
        for line in failing
    )
    # the other sources' deliveries are untouched and pass
    assert not any("nik_validity_dukcapil" in line or "nik_validity_bps" in line for line in failing)
    assert "Data-quality report written:" in result.stdout


def test_data_error_expectation_names_programme_and_region_beyond_chance(tmp_path):
    """The targeting suite's blocking expectation on a hand-made mart: 30 errors among 200
    recipients breach 5 %; 6 among 119 (5.0 %) are chance; 5 among 20 are too few to judge."""
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.sql("""create schema marts; create table marts.mart_targeting_errors_administrative as
        select * from (values
            ('pkh', 'provinsi', '33', 'Jawa Tengah', 119, 6, 6 / 119),
            ('pkh', 'provinsi', '35', 'Jawa Timur', 200, 30, 30 / 200),
            ('bpnt', 'provinsi', '91', 'Papua', 20, 5, 5 / 20)
        ) v(program, tingkat, kode_wilayah, nama_wilayah, jumlah_penerima, penerima_data_bermasalah,
            data_error_rate)""")
    con.close()
    suite = next(
        s for s in load_suites(load_thresholds()) if s.name == "marts_mart_targeting_errors_administrative"
    )
    expectation = gxe.UnexpectedRowsExpectation(**suite.expectations[0]["kwargs"])
    gx_duckdb.apply()
    source = gx.get_context(mode="ephemeral").data_sources.add_sql("m", connection_string=f"duckdb:///{db}")
    batch = (
        source.add_table_asset("t", table_name="mart_targeting_errors_administrative", schema_name="marts")
        .add_batch_definition_whole_table("all")
        .get_batch()
    )
    result = batch.validate(expectation, result_format="COMPLETE")
    source.get_execution_engine().close()
    assert result.success is False and result.result["observed_value"] == 1
    (row,) = result.result["details"]["unexpected_rows"]
    assert (row["program"], row["kode_wilayah"], row["data_error_rate"]) == ("pkh", "35", 0.15)
    assert 0.05 < row["batas_bawah"] < 0.15
