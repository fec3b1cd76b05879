"""The monthly run: next month's Dukcapil and DTKS deliveries (about 2 % of records changed)
built incrementally on last month's database give the same warehouse as a full rebuild of
the same deliveries (`dbt build --full-refresh` on last month's database: every model rebuilt
from the deliveries; only the trained matcher and the snapshot's history are kept, by their
full_refresh: false). The staging of the sources that did not deliver (P3KE, BPS) is kept,
not rebuilt, and the matcher is not retrained unless asked or its code changed."""

from __future__ import annotations

import json
import shutil
import subprocess

import duckdb
import pytest

from dtsen.generate.month import next_month
from dtsen.marts import mart_content_hashes
from dtsen.project import run_dbt
from dtsen.pseudonym import FINGERPRINT_TABLE

SCHEMAS = ("staging", "intermediate", "marts")
# History by design: the incremental database has last month's versions too.
HISTORY_TABLES = {"snap_household_eligibility"}
KEPT = "delivery already staged"  # what macros/incremental.sql puts in a model that keeps its rows


def _contents(db) -> dict[tuple[str, str], str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            (schema, table): digest
            for schema in SCHEMAS
            for table, digest in mart_content_hashes(con, schema).items()
            if table not in HISTORY_TABLES
        }
    finally:
        con.close()


def _staging_comments(db) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(
            con.sql(
                "select table_name, comment from duckdb_tables() "
                "where schema_name = 'staging' and comment is not null"
            ).fetchall()
        )
    finally:
        con.close()


def _matcher(db) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(
            "select matcher_fingerprint, model_json, trained_at from intermediate.int_person_match_model"
        ).fetchall()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def monthly(generated_build, dbt_build, tmp_path_factory):
    """Last month's build (the session's generated build, copied twice), next month's
    deliveries, then an incremental build on one copy and a full rebuild on the other."""
    last_month_con, _, source = generated_build
    last_month = mart_content_hashes(last_month_con)
    root = tmp_path_factory.mktemp("monthly")
    shutil.copytree(source / "landing", root / "landing")
    for build in ("incremental", "full"):
        (root / build).mkdir()
        shutil.copy(source / "warehouse.duckdb", root / build / "warehouse.duckdb")
    before = _staging_comments(root / "incremental" / "warehouse.duckdb")
    changes = next_month(root / "landing", seed=7)
    incremental = dbt_build(root / "landing", root / "incremental" / "warehouse.duckdb")
    assert incremental.returncode == 0, incremental.stdout[-4000:]
    full = dbt_build(root / "landing", root / "full" / "warehouse.duckdb", ["--full-refresh"])
    assert full.returncode == 0, full.stdout[-4000:]
    results = json.loads((root / "incremental" / "target" / "run_results.json").read_text())
    compiled = {
        r["unique_id"].split(".")[-1]: r["compiled_code"]
        for r in results["results"]
        if r["unique_id"].startswith("model.dtsen.")
    }
    return root, changes, before, compiled, last_month


def test_next_month_changes_about_two_percent_of_the_civil_register(monthly):
    _root, changes, _, _, _ = monthly
    dukcapil = changes["dukcapil"]
    changed = sum(dukcapil["changes"].values())
    assert 0.01 < changed / dukcapil["rows"]["penduduk.csv"] < 0.03, dukcapil
    assert all(n > 0 for n in dukcapil["changes"].values()), dukcapil
    assert changes["dtks"]["changes"]["households_flags_flipped"] > 0


def test_incremental_month_equals_a_full_build(monthly):
    root, _, _, _, last_month = monthly
    incremental = _contents(root / "incremental" / "warehouse.duckdb")
    full = _contents(root / "full" / "warehouse.duckdb")
    assert set(incremental) == set(full)
    differing = sorted(name for name in full if incremental[name] != full[name])
    assert differing == []
    # ... and the month did change the warehouse
    assert last_month["dim_person"] != full[("marts", "dim_person")]


def test_sources_without_a_new_delivery_keep_their_staging(monthly):
    root, _, before, compiled, _ = monthly
    after = _staging_comments(root / "incremental" / "warehouse.duckdb")
    kept = {name for name in after if name.split("__")[0].split("_", 1)[1] in ("p3ke", "bps")}
    rebuilt = {name for name in after if name.split("__")[0].split("_", 1)[1] in ("dukcapil", "dtks")}
    assert len(kept) == 10 and len(rebuilt) == 6
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}
    assert all(KEPT in compiled[name] for name in kept)
    assert all(after[name] != before[name] and KEPT not in compiled[name] for name in rebuilt)


def test_the_month_leaves_no_table_outside_the_warehouse_schemas(monthly):
    root, _, _, _, _ = monthly
    con = duckdb.connect(str(root / "incremental" / "warehouse.duckdb"), read_only=True)
    try:
        stray = con.sql(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "where not list_contains(?, schema_name)",
            # daftar: the issued verification lists, which dtsen export verifikasi writes and
            # every build keeps (macros/issued_lists.sql).
            params=[[*SCHEMAS, "reference", "build_ledger", "daftar"]],
        ).fetchall()
    finally:
        con.close()
    # The key's fingerprint lives outside the models' schemas on purpose: no model owns it.
    assert stray == [(FINGERPRINT_TABLE,)]


def test_the_month_keeps_last_months_matcher(monthly, generated_build):
    root, _, _, _, _ = monthly
    _, _, source = generated_build
    assert _matcher(root / "incremental" / "warehouse.duckdb") == _matcher(source / "warehouse.duckdb")


def _run_matcher(db, landing, *extra) -> subprocess.CompletedProcess:
    return run_dbt(
        "run", landing, db, ["--select", "int_person_match_model", *extra], isolated=True, capture=True
    )


def test_the_matcher_is_retrained_when_asked_or_when_its_code_changed(generated_build, tmp_path):
    _, _, source = generated_build
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(source / "warehouse.duckdb", db)
    fingerprint, model, trained_at = _matcher(db)

    kept = _run_matcher(db, source / "landing")
    assert kept.returncode == 0, kept.stdout[-3000:]
    assert _matcher(db) == (fingerprint, model, trained_at)

    asked = _run_matcher(db, source / "landing", "--vars", "{retrain_matcher: true}")
    assert asked.returncode == 0, asked.stdout[-3000:]
    again = _matcher(db)
    assert again[2] > trained_at
    assert again[:2] == (fingerprint, model)  # the same records train the same model

    con = duckdb.connect(str(db))
    con.execute(
        "update intermediate.int_person_match_model set matcher_fingerprint = 'settings of an older release'"
    )
    con.close()
    changed = _run_matcher(db, source / "landing")
    assert changed.returncode == 0, changed.stdout[-3000:]
    assert _matcher(db)[0] == fingerprint and _matcher(db)[2] > again[2]
