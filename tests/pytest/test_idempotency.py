"""Idempotent, crash-safe runs: a build killed half-way leaves the published analyst
database intact and readable, the working database recovers and the next build of the same
deliveries gives exactly the same marts; the pseudonym key is never written to disk."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from dtsen.marts import mart_content_hashes
from dtsen.project import PROJECT_DIR, dbt_command, dbt_env
from dtsen.publish import PublishRefused, publish

# Killed while Splink trains (asked to retrain): its work tables are being written then.
KILL_AT = "START python incremental model intermediate.int_person_match_model"


def _start_build(landing: Path, db: Path, scratch: Path) -> subprocess.Popen:
    """`dbt build` as dtsen.project.dbt_build(isolated=True) runs it, asked to retrain the matcher,
    in its own process group; its temporary files (Splink's) in `scratch`, so that what a
    kill leaves behind stays there."""
    command = [*dbt_command("build", db.parent), "--vars", "{retrain_matcher: true}"]
    scratch.mkdir(parents=True, exist_ok=True)
    env = {**dbt_env(landing, db), "TMPDIR": str(scratch)}
    return subprocess.Popen(
        command,
        env=env,
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _read_only_hashes(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return mart_content_hashes(con)
    finally:
        con.close()


def _recorded_hashes(analyst: Path) -> dict[str, str]:
    con = duckdb.connect(str(analyst), read_only=True)
    try:
        return dict(con.sql("select table_name, content_hash from _publication").fetchall())
    finally:
        con.close()


def _key_in_files(roots: list[Path], key: str) -> list[str]:
    """Every file under `roots` whose bytes contain the key."""
    needle = key.encode("utf-8")
    files = [
        path for root in roots for path in ([root] if root.is_file() else root.rglob("*")) if path.is_file()
    ]
    assert files
    return [str(path) for path in files if needle in path.read_bytes()]


def _key_in_database(db: Path, key: str) -> list[str]:
    """Every text column of every table holding the key (DuckDB compresses strings, so the
    bytes of the file alone do not prove it absent)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.sql(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type = 'VARCHAR' and not internal"
        ).fetchall()
        assert columns
        found = []
        for schema, table, column in columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)', [key]
            ).fetchall()[0][0]
            if hits:
                found.append(f"{schema}.{table}.{column}")
        return found
    finally:
        con.close()


def test_the_key_searches_find_a_planted_key(tmp_path, pseudonym_key):
    db = tmp_path / "planted.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema s")
    con.execute(
        "create table s.t as select 'row ' || range as label, "
        "case when range = 31337 then 'x' || ? || 'y' else 'nothing' end as note from range(100000)",
        [pseudonym_key],
    )
    con.close()
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "dbt.log").write_text(f"line\nenv {pseudonym_key}\n")
    assert _key_in_database(db, pseudonym_key) == ["s.t.note"]
    assert _key_in_files([tmp_path / "logs"], pseudonym_key) == [str(tmp_path / "logs" / "dbt.log")]


def test_killed_build_keeps_the_publication_and_the_rebuild_gives_the_same_marts(
    generated_build, dbt_build, tmp_path, pseudonym_key
):
    con, _, root = generated_build
    original = mart_content_hashes(con)
    work = tmp_path / "work"
    work.mkdir()
    working = work / "warehouse.duckdb"
    shutil.copy(root / "warehouse.duckdb", working)
    analyst = tmp_path / "analyst" / "analyst.duckdb"
    first = publish(working, analyst)
    published = {table: content_hash for table, (_, content_hash) in first.tables.items()}
    assert published == original == _recorded_hashes(analyst)

    # The next build of the same deliveries into the same working database, killed mid-build.
    build = _start_build(root / "landing", working, work / "tmp")
    log = work / "logs" / "dbt.log"
    deadline = time.monotonic() + 120
    try:
        while not (log.exists() and KILL_AT in log.read_text(errors="replace")):
            assert build.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline, "the build did not reach the matcher in 120 s"
            time.sleep(0.2)
        time.sleep(1.0)
        # Analysts query the publication while the build runs; publishing from a working
        # database a build is writing is refused (one writer per DuckDB file).
        assert _read_only_hashes(analyst) == published
        with pytest.raises(PublishRefused, match="is a build writing it"):
            publish(working, analyst)
        models_built = log.read_text(errors="replace").count("OK created")
        os.killpg(build.pid, signal.SIGKILL)
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    assert build.returncode == -signal.SIGKILL
    assert models_built >= 15, models_built

    # What Splink wrote (names, birth dates, raw NIKs) stays beside the working database,
    # never in the shared temporary folder; the next build clears it.
    scratch = working.with_name(working.name + ".splink_train")
    assert scratch.is_dir() and not list((work / "tmp").glob("dtsen_splink_*"))

    # The publication is intact and readable, as recorded.
    assert analyst.stat().st_ino == first.analyst_db.stat().st_ino
    assert _read_only_hashes(analyst) == published == _recorded_hashes(analyst)

    # The working database recovers to its last committed state (DuckDB replays its WAL),
    # and the next build of the same deliveries rebuilds it to exactly the same marts.
    recovered = duckdb.connect(str(working), read_only=True)
    assert (
        recovered.sql("select count(*) from duckdb_tables() where schema_name = 'marts'").fetchall()[0][0]
        >= 4
    )
    recovered.close()
    result = dbt_build(root / "landing", working)
    assert result.returncode == 0, result.stdout[-4000:]
    second = publish(working, analyst)
    assert second.published_at > first.published_at
    assert not scratch.exists()

    # The key is in no file of the build (database, WAL, target/, logs/, what the killed
    # build left in its temporary folder) nor of the publication.
    assert {path.name for path in work.iterdir()} >= {"warehouse.duckdb", "target", "logs", "tmp"}
    assert _key_in_files([work, analyst.parent], pseudonym_key) == []
    assert _key_in_database(working, pseudonym_key) == []
    assert _key_in_database(analyst, pseudonym_key) == []

    # Idempotent: the same deliveries and key give exactly the same marts, and publication.
    rebuilt = _read_only_hashes(working)
    assert rebuilt.keys() == original.keys()
    assert [table for table in original if rebuilt[table] != original[table]] == [], (
        "marts differ between two builds of the same deliveries with the same key"
    )
    assert second.tables == first.tables
