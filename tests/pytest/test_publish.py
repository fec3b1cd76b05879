"""Publishing the marts for analysts (dtsen.publish) from the session's generated build:
marts only, no NIK or KK, only with the pseudonym key and a passed quality gate, swapped in
atomically so that readers of the old publication keep reading it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from quality_helpers import run_quality

from dtsen.cli import main as dtsen_main
from dtsen.marts import build_state, mart_content_hashes
from dtsen.project import PROJECT_DIR, run_dbt
from dtsen.pseudonym import KEY_VARIABLE, MissingPseudonymKey
from dtsen.publish import (
    PUBLICATION_STAMP,
    IdentifierFound,
    PublishRefused,
    QualityNotPassed,
    identifier_scan,
    parquet_folder,
    publication_link,
    publish,
    require_quality_passed,
)


@pytest.fixture(scope="module")
def working_db(generated_build, tmp_path_factory) -> Path:
    """A copy of the generated build's database: tests may spoil it or publish from it."""
    copy = tmp_path_factory.mktemp("publish") / "working.duckdb"
    shutil.copy(generated_build[2] / "warehouse.duckdb", copy)
    return copy


@pytest.fixture(scope="module")
def publication(working_db):
    analyst = working_db.parent / "analyst" / "analyst.duckdb"
    return publish(working_db, analyst)


def _published_at(analyst: Path):
    con = duckdb.connect(str(analyst), read_only=True)
    try:
        return con.sql("select distinct published_at from _publication").fetchall()
    finally:
        con.close()


def _leftovers(analyst: Path) -> list[str]:
    """What lies beside the analyst database but for the links analysts open and the
    publications' folders."""
    links = {analyst.name, publication_link(analyst).name, parquet_folder(analyst).name}
    return sorted(
        p.name
        for p in analyst.parent.iterdir()
        if p.name not in links and p.name not in _publications(analyst)
    )


def _publications(analyst: Path) -> list[str]:
    """The folders of the publications kept beside the analyst database, oldest first."""
    current = publication_link(analyst).name
    return sorted(
        p.name for p in analyst.parent.iterdir() if re.fullmatch(rf"{current}\.\d{{8}}T\d{{12}}Z", p.name)
    )


def _folder(publication) -> str:
    stamp = publication.published_at.strftime(PUBLICATION_STAMP)
    return f"{publication_link(publication.analyst_db).name}.{stamp}"


def test_analyst_database_holds_the_marts_and_their_publication(generated_build, working_db, publication):
    working = generated_build[0]
    analyst = publication.analyst_db
    assert oct(analyst.stat().st_mode & 0o777) == "0o444"
    assert _leftovers(analyst) == []  # no half-written file, no WAL
    # One publication's folder, the database and the Parquet files reached through links into it.
    assert _publications(analyst) == [_folder(publication)]
    assert os.readlink(publication_link(analyst)) == _folder(publication)
    assert os.readlink(analyst) == "analyst_publication/analyst.duckdb"
    assert os.readlink(publication.parquet) == "analyst_publication/parquet"
    con = duckdb.connect(str(analyst), read_only=True)
    try:
        schemas = {row[0] for row in con.sql("select distinct schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts", "main"}
        assert {
            row[0]
            for row in con.sql("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
        } == {"_publication", "_publication_deliveries", "_previous_publication"}
        # Every table of the working marts, whatever they are today, with the same content.
        working_hashes = mart_content_hashes(working)
        assert {"dim_region", "dim_person", "fct_household", "mart_duplicates"} <= set(working_hashes)
        assert mart_content_hashes(con) == working_hashes
        recorded = {
            table: (rows, content_hash)
            for table, rows, content_hash in con.sql(
                "select table_name, row_count, content_hash from _publication"
            ).fetchall()
        }
        assert recorded == publication.tables
        for table, (rows, _) in recorded.items():
            assert working.sql(f"select count(*) from marts.{table}").fetchall()[0][0] == rows
        assert con.sql(
            "select count(distinct published_at), count(distinct working_db) from _publication"
        ).fetchall() == [(1, 1)]
        assert con.sql("select distinct working_db from _publication").fetchall()[0][0] == str(working_db)
        deliveries = con.sql(
            "select source, extract_date, file_name from _publication_deliveries order by all"
        )
        assert (
            deliveries.fetchall()
            == working.sql(
                "select source, extract_date, file_name from staging.stg_landing__delivery_files "
                "where status = 'current' order by all"
            ).fetchall()
        )
        assert {row[0] for row in deliveries.fetchall()} == {"dukcapil", "dtks", "p3ke", "bps"}
        # The build that made every mart, from the working database's build ledger.
        (build_id,) = {
            invocation
            for (invocation,) in working.sql("select invocation_id from build_ledger.mart_builds").fetchall()
        }
        assert working.sql(
            "select status from build_ledger.builds where invocation_id = ?", params=[build_id]
        ).fetchall() == [("success",)]
        assert publication.build_id == build_id
        assert con.sql("select distinct build_id from _publication").fetchall() == [(build_id,)]
    finally:
        con.close()


def test_no_value_of_the_analyst_database_looks_like_a_nik_or_kk(generated_build, publication):
    analyst = publication.analyst_db
    con = duckdb.connect()
    try:
        con.execute(f"attach '{analyst}' as analyst (read_only)")
        # The scan (every column of every table, all schemas) finds nothing ...
        assert identifier_scan(con, "analyst") == []
        # ... and, independently of its rules, no 16-digit run anywhere in the database is a
        # NIK or family-card number the agencies delivered.
        con.execute(f"attach '{generated_build[2] / 'warehouse.duckdb'}' as working (read_only)")
        delivered = """
            select nik_clean as identifier from working.intermediate.int_person_records
            where nik_clean is not null
            union select no_kk_clean from working.intermediate.int_person_records
            where no_kk_clean is not null"""
        assert con.sql(f"select count(*) from ({delivered})").fetchall()[0][0] > 20_000
        columns = con.sql(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = 'analyst'"
        ).fetchall()
        assert len(columns) > 80
        runs = " union all ".join(
            f"select unnest(regexp_extract_all(cast(\"{column}\" as varchar), '[0-9]{{16}}')) as run "
            f'from analyst.{schema}."{table}"'
            for schema, table, column in columns
        )
        assert con.sql(
            f"select count(*) from ({runs}) join ({delivered}) on run = identifier"
        ).fetchall() == [(0,)]
        # Pseudonyms with 16-digit runs exist (about 0.4 % of 32-hex strings) and are not flagged.
        assert (
            con.sql(
                "select count(*) from analyst.marts.dim_person where regexp_matches(person_id, '[0-9]{16}')"
            ).fetchall()[0][0]
            > 0
        )
    finally:
        con.close()


def test_identifier_scan_catches_planted_identifiers(generated_build, publication, tmp_path):
    nik, kk = (
        generated_build[0]
        .sql(
            "select nik_clean, no_kk_clean from intermediate.int_person_records "
            "where source = 'dukcapil' and nik_clean is not null and no_kk_clean is not null limit 1"
        )
        .fetchall()[0]
    )
    copy = tmp_path / "spoiled.duckdb"
    shutil.copy(publication.analyst_db, copy)
    os.chmod(copy, 0o644)
    con = duckdb.connect(str(copy))
    try:
        assert identifier_scan(con) == []
        hex_with_run = "ab" + "1234567890123456789" + "cdef012345a"  # 32 hex, a 19-digit run inside
        assert len(hex_with_run) == 32
        con.execute("create schema extra")
        con.execute(
            "create table extra.planted (label varchar, text varchar, number bigint, real double, "
            "numbers bigint[], small integer)"
        )
        con.executemany(
            "insert into extra.planted values (?, ?, ?, ?, ?, ?)",
            [
                ("bare nik", nik, None, None, None, None),
                ("prefixed", f"nik:{nik}", None, None, None, None),
                ("glued to letters", f"ART{kk}", None, None, None, None),
                ("nik then digits", f"{nik}0", None, None, None, None),
                ("as numbers", None, int(nik), float(kk), [1, int(kk)], None),
                ("pseudonym with a digit run", hex_with_run, None, None, None, 2**31 - 1),
                ("group id with a digit run", f"dtks:{hex_with_run}", 10**15 - 1, 1e16, [10**15 - 1], None),
                ("15 digits", nik[:15], None, None, None, None),
            ],
        )
        con.execute(
            f"update marts.dim_person set family_id = '{kk}' "
            "where person_id = (select min(person_id) from marts.dim_person)"
        )
        assert sorted(identifier_scan(con)) == [
            ("extra.planted", "number", 1),
            ("extra.planted", "numbers", 1),
            ("extra.planted", "real", 1),
            ("extra.planted", "text", 4),
            ("marts.dim_person", "family_id", 1),
        ]
    finally:
        con.close()


def test_publish_refuses_a_mart_holding_a_nik_and_keeps_the_publication(
    generated_build, publication, tmp_path
):
    nik = (
        generated_build[0]
        .sql(
            "select nik_clean from intermediate.int_person_records "
            "where source = 'dukcapil' and nik_clean is not null limit 1"
        )
        .fetchall()[0][0]
    )
    spoiled = tmp_path / "spoiled.duckdb"
    shutil.copy(generated_build[2] / "warehouse.duckdb", spoiled)
    con = duckdb.connect(str(spoiled))
    con.execute(
        f"update marts.mart_duplicates set source_record_id = 'X/{nik}' "
        "where source_record_id in (select source_record_id from marts.mart_duplicates limit 3)"
    )
    con.close()
    analyst = publication.analyst_db
    before = (_published_at(analyst), analyst.stat().st_ino)
    with pytest.raises(IdentifierFound) as refused:
        publish(spoiled, analyst)
    message = str(refused.value)
    assert "marts.mart_duplicates.source_record_id: 3 values" in message
    assert nik not in message and nik[:8] not in message
    assert (_published_at(analyst), analyst.stat().st_ino) == before
    assert _leftovers(analyst) == []


def test_publish_needs_the_key_the_marts_were_built_with(working_db, publication, monkeypatch, capsys):
    analyst = publication.analyst_db
    before = (_published_at(analyst), analyst.stat().st_ino)
    monkeypatch.delenv(KEY_VARIABLE)
    with pytest.raises(MissingPseudonymKey, match=f"{KEY_VARIABLE} is not set: not publishing"):
        publish(working_db, analyst)
    assert (
        dtsen_main(["publish", "--db", str(working_db), "--analyst-db", str(analyst), "--no-require-quality"])
        == 1
    )
    assert f"{KEY_VARIABLE} is not set: not publishing" in capsys.readouterr().err
    monkeypatch.setenv(KEY_VARIABLE, "a0" * 32)  # a strong key, not the build's
    with pytest.raises(PublishRefused, match=f"{KEY_VARIABLE} is not the key"):
        publish(working_db, analyst)
    assert (_published_at(analyst), analyst.stat().st_ino) == before
    assert _leftovers(analyst) == []


def test_publish_waits_for_the_quality_gate(working_db, publication, tmp_path, capsys):
    analyst = publication.analyst_db
    before = (_published_at(analyst), analyst.stat().st_ino)
    # `dtsen publish` requires a passed quality result by default; none is recorded yet.
    assert dtsen_main(["publish", "--db", str(working_db), "--analyst-db", str(analyst)]) == 1
    assert "no quality result recorded" in capsys.readouterr().err
    with pytest.raises(QualityNotPassed):
        publish(working_db, analyst, quality_gate=require_quality_passed)

    def failed(db: Path) -> None:
        raise QualityNotPassed(f"blocking expectations failed on {db}")

    with pytest.raises(QualityNotPassed, match="blocking expectations failed"):
        publish(working_db, analyst, quality_gate=failed)
    # The marts changed since the quality checks saw them.
    stale = {table: content_hash for table, (_, content_hash) in publication.tables.items()} | {
        "dim_person": "0" * 32
    }
    with pytest.raises(PublishRefused, match="not those the quality checks passed"):
        publish(working_db, analyst, expected_hashes=stale)
    assert (_published_at(analyst), analyst.stat().st_ino) == before
    # Without the gate (the main job publishes only after its checks passed) it publishes.
    elsewhere = tmp_path / "analyst.duckdb"
    assert (
        dtsen_main(
            ["publish", "--db", str(working_db), "--analyst-db", str(elsewhere), "--no-require-quality"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "published" in out
    # where the Parquet files are, for tools without DuckDB
    assert f"Parquet files of every table and view: {parquet_folder(elsewhere)}" in out.splitlines()
    assert (
        publish(
            working_db,
            elsewhere,
            quality_gate=lambda db: None,
            expected_hashes={t: h for t, (_, h) in publication.tables.items()},
        ).tables
        == publication.tables
    )


def test_content_hash_ignores_row_order_and_sees_any_change():
    con = duckdb.connect()
    con.execute("create schema marts")

    def hashes(rows_sql: str) -> str:
        con.execute(f"create or replace table marts.t as {rows_sql}")
        return mart_content_hashes(con)["t"]

    rows = "select range as id, 'a' || range as name, range / 7 as ratio from range(1000)"
    base = hashes(rows + " order by id")
    assert hashes(rows + " order by id desc") == base
    assert hashes(rows + " order by md5(name)") == base
    assert (
        hashes(rows.replace("range / 7", "(range + (range = 500)::int * 1e-12) / 7")) != base
    )  # one last bit
    assert hashes(rows + " union all select 1, 'a1', 1 / 7") != base  # a duplicate row
    # two rows' names swapped: every column holds the same values, the rows differ
    assert (
        hashes(rows.replace("'a' || range", "'a' || case range when 1 then 2 when 2 then 1 else range end"))
        != base
    )
    assert hashes(rows.replace("'a' || range", "case when range = 3 then null else 'a' || range end")) != base
    assert hashes(
        rows.replace("'a' || range", "case when range = 3 then 'NULL' else 'a' || range end")
    ) not in (
        base,
        hashes(rows.replace("'a' || range", "case when range = 3 then null else 'a' || range end")),
    )
    assert hashes(rows.replace("as ratio", "as share")) != base  # a renamed column
    assert hashes("select 1 as id where false") != hashes("select 'x' as id where false")  # empty, other type


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select (select distinct cast(published_at as varchar) from _publication), " \\
        "(select count(*) from marts.dim_person), (select count(*) from marts.fct_household)"
print(con.sql(query).fetchall(), flush=True)
sys.stdin.readline()
print(con.sql(query).fetchall(), flush=True)
"""


def test_readers_keep_the_old_publication_while_a_new_one_is_swapped_in(working_db, tmp_path):
    analyst = tmp_path / "analyst.duckdb"
    first = publish(working_db, analyst)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(analyst)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        before = reader.stdout.readline()
        assert str(first.published_at.replace(tzinfo=None))[:19] in before, before
        abandoned = analyst.with_name(analyst.name + ".publishing-999999999")  # a publisher killed mid-copy
        abandoned.write_bytes(b"half a database")
        abandoned_folder = analyst.with_name("analyst_publication.publishing-999999999")
        (abandoned_folder / "parquet").mkdir(parents=True)
        (abandoned_folder / "parquet" / "dim_person.parquet").write_bytes(b"half a file")
        second = publish(working_db, analyst)  # the reader still holds the file open
        assert second.published_at > first.published_at
        after, errors = reader.communicate("\n", timeout=60)
    finally:
        reader.kill()
    assert reader.returncode == 0, errors
    assert after.strip() == before.strip()  # the old connection answers, from the old publication
    assert _published_at(analyst) == [(second.published_at,)]  # a new connection sees the new one
    assert _leftovers(analyst) == []
    # The Parquet files changed with the database; the previous publication's folder stays
    # for readers that resolved the links a moment ago, the one before goes.
    assert _publications(analyst) == [_folder(first), _folder(second)]
    assert _parquet_published_at(second.parquet) == second.published_at
    third = publish(working_db, analyst)
    assert _publications(analyst) == [_folder(second), _folder(third)]
    assert _parquet_published_at(third.parquet) == third.published_at == _published_at(analyst)[0][0]


def _copy_of_build(generated_build, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "working.duckdb"
    shutil.copy(generated_build[2] / "warehouse.duckdb", copy)
    return copy


def _state(db: Path):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return build_state(con)
    finally:
        con.close()


def _analyst_unchanged(analyst: Path):
    return _published_at(analyst), analyst.stat().st_ino, sorted(_leftovers(analyst))


def test_marts_of_two_builds_are_judged_blocking_and_not_published(
    generated_build, publication, tmp_path, capsys
):
    """A partial build (`dbt run --select dim_region`) leaves one mart of a newer build beside
    the others: quality blocks naming the builds, publish refuses, gate or no gate."""
    working = _copy_of_build(generated_build, tmp_path / "partial")
    (complete,) = _state(working).builds
    partial = run_dbt(
        "run",
        generated_build[2] / "landing",
        working,
        ["--select", "dim_region"],
        isolated=True,
        capture=True,
    )
    assert partial.returncode == 0, partial.stdout[-3000:]
    state = _state(working)
    assert state.build_id is None and len(state.builds) == 2 and state.builds[complete] != ["dim_region"]
    (newer,) = set(state.builds) - {complete}
    assert state.builds[newer] == ["dim_region"]
    quality = run_quality(working, tmp_path / "partial" / "quality")
    assert quality.returncode == 1, quality.stdout[-3000:]
    (blocking,) = [line for line in quality.stdout.splitlines() if "FAILED [blocking]" in line]
    assert "build/one_complete_build" in blocking and "its marts are of 2 builds" in blocking
    assert f"{newer} (success): dim_region" in blocking and "run a complete dbt build" in blocking
    runs = (tmp_path / "partial" / "quality" / "runs.jsonl").read_text()
    (record,) = [json.loads(line) for line in runs.splitlines()]
    assert record["build_id"] is None and record["blocking_failures"] == 1
    analyst = publication.analyst_db
    before = _analyst_unchanged(analyst)
    capsys.readouterr()
    for gate in ([], ["--no-require-quality"]):
        assert dtsen_main(["publish", "--db", str(working), "--analyst-db", str(analyst), *gate]) == 1
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith("dtsen publish: ") and "not publishing" in line
    assert f"not publishing {working}: its marts are of 2 builds" in line
    assert _analyst_unchanged(analyst) == before


def test_marts_of_a_failed_build_are_not_published(generated_build, publication, tmp_path):
    """Every mart rebuilt by one invocation whose data test then failed: one build, failed."""
    working = _copy_of_build(generated_build, tmp_path / "failed")
    con = duckdb.connect(str(working))
    # one duplicate record twice: mart_duplicates no longer unique
    con.execute(
        "insert into intermediate.int_duplicate_records select * from intermediate.int_duplicate_records "
        "limit 1"
    )
    con.close()
    test = (
        "unique_combination_of_columns_mart_duplicates_duplicate_kind__source__source_file__source_record_id"
    )
    failed = run_dbt(
        "build",
        generated_build[2] / "landing",
        working,
        [
            "--select",
            "path:models/marts",
            "snap_household_eligibility",
            test,
            "--indirect-selection",
            "empty",
        ],
        isolated=True,
        capture=True,
    )
    assert failed.returncode == 1 and f"FAIL 1 {test}" in failed.stdout, failed.stdout[-3000:]
    state = _state(working)
    assert state.build_id is None and len(state.builds) == 1
    (invocation,) = state.builds
    assert state.problem == (
        f"its marts are of build {invocation}, which failed (1 node(s) not successful: "
        f"{test} fail): fix it and run a complete dbt build"
    )
    before = _analyst_unchanged(publication.analyst_db)
    with pytest.raises(
        PublishRefused, match=f"not publishing {working}: its marts are of build {invocation}, which failed"
    ):
        publish(working, publication.analyst_db, quality_gate=lambda db: None)
    assert _analyst_unchanged(publication.analyst_db) == before


def test_publish_needs_quality_to_have_judged_this_build(working_db, publication, tmp_path, capsys):
    """The quality record names the build it judged: a record of another build (or of none,
    or one written before builds were recorded) does not let these marts through. A torn
    last line in runs.jsonl is reported with its file and line, and skipped."""
    build_id = _state(working_db).build_id
    hashes = {table: content_hash for table, (_, content_hash) in publication.tables.items()}
    analyst = tmp_path / "analyst.duckdb"
    runs = working_db.parent / "quality" / "runs.jsonl"
    runs.parent.mkdir(exist_ok=True)

    def record(**fields) -> str:
        return (
            json.dumps(
                {
                    "run_id": "r",
                    "run_date": "2026-11-30T09:00:00+07:00",
                    "db": str(working_db),
                    "blocking_failures": 0,
                    "warnings": 0,
                    "figures": {},
                    "mart_hashes": hashes,
                    "build_id": build_id,
                }
                | fields
            )
            + "\n"
        )

    try:
        for fields, refusal in (
            ({"build_id": "another-build"}, "quality checks judged build another-build"),
            ({"build_id": None}, "did not judge one complete build"),
            ({"blocking_failures": 2}, "had 2 blocking failures"),
        ):
            runs.write_text(record(**fields))
            with pytest.raises(PublishRefused, match=refusal):
                publish(working_db, analyst, quality_gate=require_quality_passed)
            assert not analyst.exists()
        # A run judged this build, then a crash tore the next record half-way.
        runs.write_text(record() + record(run_id="torn")[:70])
        capsys.readouterr()
        published = publish(working_db, analyst, quality_gate=require_quality_passed)
        assert published.build_id == build_id
        assert capsys.readouterr().err == (
            f"warning: {runs} line 2: a torn record (not a whole JSON object), skipped\n"
        )
        assert dtsen_main(["publish", "--db", str(working_db), "--analyst-db", str(analyst)]) == 0
        assert f"{runs} line 2: a torn record" in capsys.readouterr().err
    finally:
        shutil.rmtree(runs.parent)


PUBLISH_WITH_FILE_SIZE_LIMIT = textwrap.dedent("""
    import resource, sys
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # Python ignores SIGXFSZ: writes fail
    from dtsen.cli import main
    sys.exit(main(sys.argv[2:]))
""")


@pytest.fixture
def small_filesystem(tmp_path):
    """mount(size): a real tmpfs of `size` bytes (needs root and mount, as on the project's
    machines); unmounted after the test."""
    mounted = []

    def mount(size: int) -> Path:
        folder = tmp_path / "tmpfs"
        folder.mkdir()
        made = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if made.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


def _assert_full_disk_refusal(result_code: int, err: str, analyst: Path, before) -> None:
    assert result_code == 1
    (line,) = err.splitlines()
    assert line == (
        f"dtsen publish: no space left in {analyst.parent} to write the new analyst database: not "
        f"publishing; the published analyst database {analyst.name} is unchanged. Free space there "
        "and publish again."
    ), err
    assert _analyst_unchanged(analyst) == before
    assert _read_publication_hashes(analyst)  # still readable


def _read_publication_hashes(analyst: Path) -> dict:
    con = duckdb.connect(str(analyst), read_only=True)
    try:
        return dict(con.sql("select table_name, content_hash from _publication").fetchall())
    finally:
        con.close()


def test_a_full_disk_during_publish_leaves_the_publication(working_db, publication, small_filesystem, capsys):
    # Room for the publication and its write-ahead log while it is written.
    folder = small_filesystem(4 * publication.analyst_db.stat().st_size + 2**24)
    analyst = folder / "analyst.duckdb"
    publish(working_db, analyst)
    # Fill the filesystem but for 1 MiB: the last publication is there, a new one cannot be.
    free = os.statvfs(folder)
    with open(folder / "filler", "wb") as filler:
        filler.write(b"\0" * (free.f_bavail * free.f_frsize - 2**20))
    before = _analyst_unchanged(analyst)
    assert before[2] == ["filler"]
    publications_before = _publications(analyst)
    capsys.readouterr()
    code = dtsen_main(
        ["publish", "--db", str(working_db), "--analyst-db", str(analyst), "--no-require-quality"]
    )
    _assert_full_disk_refusal(code, capsys.readouterr().err, analyst, before)
    assert _publications(analyst) == publications_before and len(publications_before) == 1


def test_a_file_size_limit_during_publish_leaves_the_publication(working_db, tmp_path):
    analyst = tmp_path / "limited" / "analyst.duckdb"
    publish(working_db, analyst)
    before = _analyst_unchanged(analyst)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PUBLISH_WITH_FILE_SIZE_LIMIT,
            str(2**20),
            "publish",
            "--db",
            str(working_db),
            "--analyst-db",
            str(analyst),
            "--no-require-quality",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        timeout=300,
    )
    _assert_full_disk_refusal(result.returncode, result.stderr, analyst, before)
    assert (
        resource.getrlimit(resource.RLIMIT_FSIZE)[0] == resource.RLIM_INFINITY
    )  # only the child was limited


def _parquet_published_at(parquet: Path):
    (published_at,) = set(pq.read_table(parquet / "_publication.parquet").column("published_at").to_pylist())
    return published_at


# Run by a DuckDB 1.x client (requirements-duckdb1.txt) in its own interpreter: what an analyst
# on R, DBeaver or the ODBC driver sees. Prints its version and the answers as JSON.
OLD_CLIENT = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
answers = {"version": duckdb.__version__}
for name, query in json.loads(sys.argv[2]).items():
    answers[name] = [list(row) for row in con.sql(query).fetchall()]
print(json.dumps(answers, default=str))
"""

OLD_CLIENT_QUESTIONS = {
    "eligible": "select count(*) filter (where layak) from marts.fct_eligibility",
    "region_view": "select sum(keluarga_layak), count(nama_kabupaten_kota), count(*) "
    "from analysis.kelayakan_wilayah",
    "not_receiving": "select count(*) from analysis.keluarga_layak_tidak_menerima",
    "changes": "select count(*) from analysis.perubahan_kelayakan",
    "comments": "select table_name, column_name, comment from duckdb_columns() "
    "where (table_name, column_name) in (('dim_person', 'di_dtks'), ('kelayakan_wilayah', 'keluarga_layak')) "
    "order by 1",
    "view_comment": "select comment from duckdb_views() where view_name = 'keluarga_layak_tidak_menerima'",
}


def test_a_duckdb_1_client_opens_the_analyst_database(publication):
    """R, DBeaver and the ODBC driver bundle a DuckDB 1.x: the oldest opens the publication
    and reads a mart, a view and the descriptions."""
    client = Path(sys.prefix) / "duckdb1"
    assert (client / "duckdb").is_dir(), f"no DuckDB 1.x client in {client}: run scripts/bootstrap.sh"
    result = subprocess.run(
        [sys.executable, "-c", OLD_CLIENT, str(publication.analyst_db), json.dumps(OLD_CLIENT_QUESTIONS)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(client)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    old = json.loads(result.stdout)
    assert old.pop("version").startswith("1."), "the subprocess did not load the DuckDB 1.x client"
    con = duckdb.connect(str(publication.analyst_db), read_only=True)
    try:
        new = {
            name: [list(row) for row in con.sql(query).fetchall()]
            for name, query in OLD_CLIENT_QUESTIONS.items()
        }
    finally:
        con.close()
    assert json.loads(json.dumps(new, default=str)) == old
    assert old["eligible"][0][0] > 0 and old["not_receiving"][0][0] > 0
    eligible, named, groups = old["region_view"][0]
    assert eligible == old["eligible"][0][0] and named > 0 and groups > named / 2
    (person, view) = old["comments"]
    assert person[2] == "DTKS lists the person as a household member."
    assert view[2] == "Families eligible (fct_eligibility.layak)."
    assert "receiving none" in old["view_comment"][0][0]


def test_every_published_relation_is_a_parquet_file_of_the_same_publication(publication):
    parquet = publication.parquet
    assert parquet.is_symlink() and parquet.name == "analyst_parquet"
    con = duckdb.connect(str(publication.analyst_db), read_only=True)
    try:
        counts = {
            name: con.sql(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            for schema, name in con.sql(
                "select schema_name, table_name from duckdb_tables() union all "
                "select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        }
    finally:
        con.close()
    assert {"dim_person", "fct_eligibility", "kelayakan_wilayah", "_publication"} <= set(counts)
    assert sorted(p.name for p in parquet.iterdir()) == sorted(f"{name}.parquet" for name in counts)
    for name, rows in counts.items():
        path = parquet / f"{name}.parquet"
        assert pq.read_metadata(path).num_rows == rows, name
        assert oct(path.stat().st_mode & 0o777) == "0o444"
    assert pq.read_table(parquet / "fct_eligibility.parquet").num_rows == counts["fct_eligibility"]
    assert _parquet_published_at(parquet) == publication.published_at


def test_every_published_table_and_column_carries_its_dbt_description(generated_build, publication):
    manifest = json.loads((generated_build[2] / "target" / "manifest.json").read_text())
    documented = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "snapshot") and node["schema"].endswith("marts")
    }
    con = duckdb.connect(str(publication.analyst_db), read_only=True)
    try:
        tables = dict(
            con.sql("select table_name, comment from duckdb_tables() where schema_name = 'marts'").fetchall()
        )
        columns = con.sql(
            "select schema_name, table_name, column_name, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name in ('marts', 'analysis', 'main')"
        ).fetchall()
    finally:
        con.close()
    assert set(tables) == set(documented)
    for table, comment in tables.items():
        assert comment == documented[table]["description"].strip(), table
    for schema, table, column, comment in columns:
        assert comment, f"{schema}.{table}.{column} has no description"
        if schema == "marts" and column in documented[table]["columns"]:
            assert comment == documented[table]["columns"][column]["description"].strip(), (table, column)
    undocumented = [
        (table, column)
        for schema, table, column, _ in columns
        if schema == "marts" and column not in documented[table]["columns"]
    ]
    assert undocumented == []  # every mart column is described in its YAML


def test_the_views_answer_with_region_names(publication):
    con = duckdb.connect(str(publication.analyst_db), read_only=True)
    try:
        # The eligibility by region adds up to the mart, every regency named.
        assert (
            con.sql(
                "select sum(jumlah_keluarga), sum(keluarga_layak), sum(layak_tidak_menerima) "
                "from analysis.kelayakan_wilayah"
            ).fetchall()
            == con.sql(
                "select count(*), count(*) filter (where layak), "
                "count(*) filter (where layak and not menerima) from marts.fct_eligibility"
            ).fetchall()
        )
        assert con.sql(
            "select count(*) from analysis.kelayakan_wilayah where kode_kabupaten_kota is not null "
            "and (nama_kabupaten_kota is null or nama_provinsi is null)"
        ).fetchall() == [(0,)]
        # The families eligible but receiving nothing: each really is, by the mart.
        families = con.sql(
            "select family_id, layak_untuk, nama_kabupaten_kota from analysis.keluarga_layak_tidak_menerima"
        ).fetchall()
        assert len(families) > 10
        (receiving,) = con.sql(
            "select count(*) from marts.fct_eligibility where menerima and family_id in "
            "(select family_id from analysis.keluarga_layak_tidak_menerima)"
        ).fetchall()[0]
        assert receiving == 0
        for family_id, programmes, _ in families[:20]:
            eligible = con.sql(
                "select string_agg(program, ', ' order by program) from marts.fct_eligibility "
                "where family_id = ? and layak and menerima is not null",
                params=[family_id],
            ).fetchall()[0][0]
            assert programmes == eligible
        # A first publication: no previous one, so no changes.
        assert con.sql("select count(*) from _previous_publication").fetchall() == [(0,)]
        assert con.sql("select count(*) from analysis.perubahan_kelayakan").fetchall() == [(0,)]
    finally:
        con.close()


def test_changes_since_the_previous_publication(generated_build, tmp_path, capsys):
    """The changes view compares the history's current versions with those in force on the
    previous publication's data date: one family changed, one new, one gone."""
    working = _copy_of_build(generated_build, tmp_path / "changes")
    con = duckdb.connect(str(working))
    (today,) = con.sql("select max(tanggal_data) from marts.fct_eligibility").fetchall()[0]
    before = today - dt.timedelta(days=31)
    picked = con.sql(
        "select family_id, program, layak from marts.snap_household_eligibility "
        "where dbt_valid_to is null order by family_id, program limit 3"
    ).fetchall()
    (changed, _, was_eligible), new, gone = picked
    history = "marts.snap_household_eligibility"
    # As if the previous month's build had written every version, with three differences.
    con.execute(f"update {history} set dbt_valid_from = ?", [before])
    con.execute(
        f"insert into {history} by name select * replace (not layak as layak, ? as dbt_valid_from, "
        "? as dbt_valid_to, md5(dbt_scd_id) as dbt_scd_id) from "
        f"{history} where family_id = ? and program = ?",
        [before, today, changed, picked[0][1]],
    )
    con.execute(
        f"update {history} set dbt_valid_from = ? "
        "where family_id = ? and program = ? and dbt_valid_to is null",
        [today, changed, picked[0][1]],
    )
    con.execute(
        f"update {history} set dbt_valid_from = ? where family_id = ? and program = ?", [today, *new[:2]]
    )
    con.execute(
        f"update {history} set dbt_valid_to = ? where family_id = ? and program = ?", [today, *gone[:2]]
    )
    con.close()
    analyst = tmp_path / "changes" / "analyst" / "analyst.duckdb"
    analyst.parent.mkdir()
    # The previous publication: unreadable, then one of the month before.
    analyst.write_bytes(b"not a database")
    capsys.readouterr()
    publish(working, analyst)
    assert "the previous publication" in capsys.readouterr().err
    assert _query_analyst(analyst, "select count(*) from _previous_publication") == [(0,)]
    analyst.unlink()
    previous = duckdb.connect(str(analyst))
    previous.execute(
        "create table _publication as "
        "select timestamptz '2026-10-31 01:00:00+00' as published_at, 'b1' as build_id"
    )
    previous.execute("create schema marts")
    previous.execute("create table marts.fct_eligibility as select ?::date as tanggal_data", [before])
    previous.close()
    publication = publish(working, analyst)
    assert _query_analyst(analyst, "select build_id, tanggal_data from _previous_publication") == [
        ("b1", before)
    ]
    changes = _query_analyst(
        analyst,
        "select family_id, program, jenis_perubahan, layak_sebelumnya, layak_sekarang, "
        "nama_kabupaten_kota is not null from analysis.perubahan_kelayakan order by jenis_perubahan",
    )
    assert [row[:5] for row in changes] == [
        (new[0], new[1], "baru", None, new[2]),
        (changed, picked[0][1], "berubah", not was_eligible, was_eligible),
        (gone[0], gone[1], "keluar", gone[2], None),
    ]
    assert publication.parquet.is_symlink()
    assert pq.read_metadata(publication.parquet / "perubahan_kelayakan.parquet").num_rows == 3


def test_a_folder_where_the_parquet_link_goes_is_not_overwritten(working_db, tmp_path):
    analyst = tmp_path / "analyst.duckdb"
    (tmp_path / "analyst_parquet").mkdir()
    (tmp_path / "analyst_parquet" / "mine.parquet").write_bytes(b"an analyst's own file")
    with pytest.raises(PublishRefused, match="is a file or folder of its own"):
        publish(working_db, analyst)
    assert not analyst.exists() and (tmp_path / "analyst_parquet" / "mine.parquet").exists()


def _query_analyst(analyst: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(analyst), read_only=True)
    try:
        return con.sql(query).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------ the README's example queries


def _dtsen_examples(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dtsen", "examples", *arguments], capture_output=True, text=True, timeout=300
    )


def _table(block: str) -> tuple[list[str], list[list[str]], list[str]]:
    """An output block read back by its columns' dashes: (header, rows, lines below the rows)."""
    lines = block.splitlines()
    spans = [match.span() for match in re.finditer(r"-+", lines[1])]
    cells = [[line[start:end].strip() for start, end in spans] for line in lines]
    body = [line for line in lines[2:] if not line.startswith("(")]
    return cells[0], cells[2 : 2 + len(body)], lines[2 + len(body) :]


def test_every_example_in_the_readme_runs_against_the_publication(publication):
    """The analysts' questions in the README run as written on a publication and answer
    something, and each output block is of its query (the same columns; the numbers in the
    README are the default demo's, `dtsen examples` rewrites them)."""
    from dtsen.examples import connect, find_examples, output

    examples = find_examples((PROJECT_DIR / "README.md").read_text(encoding="utf-8"), "README.md")
    assert len(examples) == 3
    con = connect(publication.analyst_db)
    try:
        for example in examples:
            shown = output(con, example, "README.md")
            assert "(no rows)" not in shown, example.name
            assert example.output, f"README.md: example {example.name} has no output: run dtsen examples"
            assert _table(example.output)[0] == _table(shown)[0], example.name
    finally:
        con.close()


EXAMPLE_QUERY = """select program, count(*) filter (where layak) as layak, count(*) as keluarga
from marts.fct_eligibility
group by program
order by program;
"""
LIMITED_QUERY = "select family_id, program, layak from marts.fct_eligibility order by family_id, program;\n"


def test_dtsen_examples_rewrites_a_stale_output_to_what_the_query_returns(publication, tmp_path):
    analyst = str(publication.analyst_db)
    page = tmp_path / "page.md"
    stale = "program  layak\n-------  -----\npkh          1\n"
    text = (
        f"# Page\n\nText before.\n\n<!-- example: per-program -->\n```sql\n{EXAMPLE_QUERY}```\n"
        f"```text\n{stale}```\n\nBetween.\n\n<!-- example: no-output-yet rows=2 -->\n"
        f"```sql\n{LIMITED_QUERY}```\n\nText after.\n"
    )
    page.write_text(text, encoding="utf-8")
    check = _dtsen_examples(str(page), "--analyst-db", analyst, "--check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"{page} line 5: example 'per-program' is stale" in check.stderr
    assert f"{page} line 20: example 'no-output-yet' is stale" in check.stderr
    assert page.read_text(encoding="utf-8") == text  # --check writes nothing

    rewrite = _dtsen_examples(str(page), "--analyst-db", analyst)
    assert rewrite.returncode == 0, rewrite.stderr
    assert f"{page}: 2 examples, 0 up to date, 2 rewritten" in rewrite.stdout
    written = page.read_text(encoding="utf-8")
    con = duckdb.connect(analyst, read_only=True)
    try:
        per_program = con.sql(EXAMPLE_QUERY).fetchall()
        families = con.sql(LIMITED_QUERY).fetchall()
    finally:
        con.close()
    first, second = re.findall(r"```text\n(.*?)```\n", written, flags=re.S)
    assert _table(first) == (
        ["program", "layak", "keluarga"],
        [[str(v) for v in row] for row in per_program],
        [],
    )
    header, rows, below = _table(second)
    assert header == ["family_id", "program", "layak"]
    assert rows == [[f, p, str(layak).lower()] for f, p, layak in families[:2]]
    assert below == [f"(2 of {len(families):,} rows)"] and len(families) > 2
    # only the output blocks changed, and a page up to date passes the check
    assert re.sub(r"```text\n.*?```\n", "", written, flags=re.S) == text.replace(f"```text\n{stale}```\n", "")
    again = _dtsen_examples(str(page), "--analyst-db", analyst, "--check")
    assert again.returncode == 0 and f"{page}: 2 examples, 2 up to date, 0 stale" in again.stdout


@pytest.mark.parametrize(
    ("example", "problem"),
    [
        ("<!-- example: broken -->\n```sql\nselect * from marts.no_such_mart;\n```\n", "the query fails"),
        (
            "<!-- example: unordered -->\n```sql\nselect family_id from marts.fct_eligibility;\n```\n",
            "has no ORDER BY",
        ),
        ("<!-- example: alone -->\n\n```sql\nselect 1;\n```\n", "is not followed by its ```sql block"),
        (
            "<!-- example: twice -->\n```sql\nselect 1;\n```\n\n"
            "<!-- example: twice -->\n```sql\nselect 2;\n```\n",
            "the name is used again on line 8",
        ),
        (
            "<!-- example: file -->\n```sql\nselect * from read_csv('/etc/hostname') order by 1;\n```\n",
            "file system operations are disabled",
        ),
    ],
)
def test_dtsen_examples_names_the_example_it_cannot_run(publication, tmp_path, capsys, example, problem):
    page = tmp_path / "page.md"
    text = f"Intro.\n\n{example}```text\nold\n```\n"
    page.write_text(text, encoding="utf-8")
    assert dtsen_main(["examples", str(page), "--analyst-db", str(publication.analyst_db)]) == 1
    err = capsys.readouterr().err
    name = re.search(r"example: (\w+)", example).group(1)
    assert f"dtsen examples: {page} line 3: example '{name}'" in err and problem in err, err
    assert page.read_text(encoding="utf-8") == text


def test_dtsen_examples_without_a_publication_says_to_publish(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text("<!-- example: one -->\n```sql\nselect 1 as one;\n```\n", encoding="utf-8")
    missing = tmp_path / "warehouse" / "analyst.duckdb"
    assert dtsen_main(["examples", str(page), "--analyst-db", str(missing)]) == 1
    assert f"dtsen examples: no analyst database at {missing}: publish one first" in capsys.readouterr().err


def test_a_marker_quoted_in_a_sentence_is_not_an_example():
    from dtsen.examples import find_examples

    text = (
        "Mark it `<!-- example: NAME -->`, the query below.\n\n"
        "<!-- example: real -->\n```sql\nselect 1;\n```\n"
    )
    assert [(e.name, e.sql, e.output, e.line) for e in find_examples(text)] == [
        ("real", "select 1;\n", None, 3)
    ]
