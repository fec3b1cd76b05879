"""Publishing for analysts: the marts of a quality-passed build, in a read-only file.

The build writes a *working* database (dbt, one writer). Analysts read a separate *analyst*
database that holds only the marts (keyed pseudonyms, never a NIK or family-card number)
and a record of the publication. `publish` writes a complete new publication (the database
and its Parquet files, in one folder) beside the published one, checks it, then swaps it in
by renaming a link over the old one (`os.replace`, atomic on POSIX): a reader sees either
the old publication or the new one, never a half-written file, and a reader that holds the
old file keeps reading it until it reconnects. A build that crashes never touches the
analyst database, so the last publication stays readable.

What analysts get (docs/analysts.md):

* the database in DuckDB's storage format STORAGE_VERSION, which every DuckDB 1.x opens (R,
  DBeaver, the ODBC driver and the command line bundle their own DuckDB, often older than
  the project's);
* every table and column described (COMMENT ON) by its dbt description, which the build
  stores with the marts (persist_docs, dbt_project.yml);
* views for the questions asked most, with region names (dtsen.analyst_views), and the
  previous publication's data date for the changes since it;
* each mart and view as Parquet in the folder `<stem>_parquet` beside the database.

A publication is one folder, `<stem>_publication.<published_at>`, holding the database and
its Parquet files; the links `<stem>_publication` (swapped atomically), `<stem>.duckdb` and
`<stem>_parquet` (into it) are what readers open, so both always are of one publication.

Refuses to publish (and leaves the published file as it was) when:

* the pseudonym key is not in the environment (DTSEN_PSEUDONYM_KEY), or is not the key the
  working database's pseudonyms were made with;
* the marts are not all of one build that finished with every node passing (the build
  ledger, macros/build_ledger.sql: a build killed half-way, a failed build, or a partial
  `dbt build --select ...` leaves marts of several builds or of an unfinished one);
* the quality gate is asked for and the build's quality has not passed, or the quality
  checks judged another build than the one whose marts are there now;
* the analyst database's folder is full (or another write fails);
* a file or folder of someone else's stands where a link of the publication goes;
* any value of the new analyst database looks like a NIK or KK (`identifier_scan`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hmac
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from dtsen.analyst_views import PREVIOUS_PUBLICATION_TABLE, PUBLICATION_DESCRIPTIONS, VIEWS, VIEWS_SCHEMA
from dtsen.marts import (
    LEDGER_SCHEMA,
    MARTS_SCHEMA,
    build_state,
    first_row,
    mart_content_hashes,
)
from dtsen.pseudonym import (
    KEY_VARIABLE,
    PSEUDONYM_HEX_DIGITS,
    MissingPseudonymKey,
    key_from_environment,
    pseudonymise,
)
from dtsen.quality.runner import last_result
from dtsen.sql_text import quote_identifier, quote_literal

PUBLICATION_TABLE = "_publication"  # one row per published table
PUBLICATION_DELIVERIES_TABLE = "_publication_deliveries"  # the deliveries the marts were built from
# DuckDB's storage format of the analyst database: v1.0.0's (file format 64) is read by every
# DuckDB from 0.10 on; the project's DuckDB writes a newer one by default, which the DuckDB
# 1.x of R, DBeaver or the ODBC driver refuse ("version number 69 ...").
STORAGE_VERSION = "v1.0.0"
# A publication's folder: `<stem>_publication.<published_at>`, named by PUBLICATION_STAMP.
PUBLICATION_STAMP = "%Y%m%dT%H%M%S%fZ"
PUBLICATION_VERSION = re.compile(r"\.\d{8}T\d{12}Z")

# Hexadecimal digests standing alone as a word (keyed pseudonyms have PSEUDONYM_HEX_DIGITS
# lowercase hex digits, sha256 sums 64) are removed before looking for NIK-shaped digits:
# a random 32-hex string holds a run of 16 or more decimal digits with probability 0.38 %
# (0.625**16 per start position; 7 of 3,000 person pseudonyms of a small build), so at
# national scale hundreds of honest pseudonyms would otherwise look like NIKs. What stays
# flagged is any run of 16 or more consecutive decimal digits elsewhere: a NIK or KK on its
# own or behind a prefix or separator ("nik:…", "dtks/…", "…/2"), or glued to letters that
# are not a long hex word ("ART3201…").
# Not caught, deliberately: 16 digits inside a word of 32+ lowercase hex characters (e.g.
# a NIK glued to a KK with no separator) - indistinguishable from a pseudonym by shape.
HEX_DIGEST_WORD = rf"\b[0-9a-f]{{{PSEUDONYM_HEX_DIGITS},}}\b"
NIK_DIGITS = r"[0-9]{16}"
# A NIK or KK stored as a number: 16 digits, so in [1e15, 1e16).
NIK_NUMBER_MIN, NIK_NUMBER_MAX = 10**15, 10**16
_NUMBER_TYPES = ("BIGINT", "UBIGINT", "HUGEINT", "UHUGEINT", "DOUBLE", "FLOAT", "DECIMAL")
_NOT_SCANNED = (
    "BOOLEAN",
    "DATE",
    "TIME",
    "TIMESTAMP",
    "INTERVAL",
    "UUID",
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
)  # cannot hold 16 digits as text or number


class PublishRefused(RuntimeError):
    """The analyst database was not published; the previous publication is untouched."""


class QualityNotPassed(PublishRefused):
    """The working database's last quality result is not a pass (or is unknown)."""


class IdentifierFound(PublishRefused):
    """A value of the would-be analyst database looks like a NIK or KK."""


@dataclasses.dataclass(frozen=True)
class Publication:
    analyst_db: Path
    published_at: dt.datetime
    tables: dict[str, tuple[int, str]]  # table -> (rows, content hash)
    seconds: float
    build_id: str | None = None  # the dbt invocation that built every published mart
    parquet: Path | None = None  # the Parquet folder (parquet_folder: a link into the publication)


def identifier_scan(
    con: duckdb.DuckDBPyConnection, database: str | None = None
) -> list[tuple[str, str, int]]:
    """Every (schema.table, column, number of values) of `database` whose values look like a
    NIK or KK: text holding 16+ consecutive digits outside a hex digest word (see
    HEX_DIGEST_WORD), or a number in [1e15, 1e16). Never returns the values themselves."""
    database = database or first_row(con, "select current_database()")[0]
    columns = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns()"
        " where database_name = ? order by schema_name, table_name, column_index",
        [database],
    ).fetchall()
    by_table: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in columns:
        type_name = data_type.split("(")[0]
        if type_name in _NOT_SCANNED or type_name.startswith("TIMESTAMP"):
            continue
        value = quote_identifier(column)
        if type_name in _NUMBER_TYPES:
            condition = f"abs({value}) >= {NIK_NUMBER_MIN} and abs({value}) < {NIK_NUMBER_MAX}"
        else:  # VARCHAR, and any other type (lists, structs, enums, blobs) by its text form
            text = value if type_name == "VARCHAR" else f"cast({value} as varchar)"
            condition = (
                f"regexp_matches(regexp_replace({text}, {quote_literal(HEX_DIGEST_WORD)}, ' ', 'g'), "
                f"{quote_literal(NIK_DIGITS)})"
            )
        by_table.setdefault((schema, table), []).append((column, condition))
    found = []
    for (schema, table), checks in by_table.items():
        counts = first_row(
            con,
            "select "
            + ", ".join(f"count(*) filter (where {condition})" for _, condition in checks)
            + f" from {quote_identifier(database)}.{quote_identifier(schema)}.{quote_identifier(table)}",
        )
        found += [(f"{schema}.{table}", column, n) for (column, _), n in zip(checks, counts) if n]
    return found


def check_key_matches(con: duckdb.DuckDBPyConnection, key: bytes, database: str = "working") -> None:
    """Refuse when the working database's pseudonyms were made with another key (a rotated
    or mistyped key would publish marts that join to nothing). Compares one pseudonym."""
    try:
        pseudonyms = f"{quote_identifier(database)}.intermediate.int_family_pseudonyms"
        rows = con.execute(
            f"select identifier, pseudonym from {pseudonyms} order by identifier limit 1"
        ).fetchall()
    except duckdb.CatalogException:
        return  # no pseudonyms: nothing was pseudonymised, nothing to compare
    if not rows:
        return
    identifier, pseudonym = rows[0]
    if not hmac.compare_digest(pseudonymise([identifier], key)[0], pseudonym):
        raise PublishRefused(
            "DTSEN_PSEUDONYM_KEY is not the key the working database's pseudonyms were made "
            "with: not publishing. Rebuild with this key, or publish with the build's key."
        )


def require_quality_passed(working_db: Path) -> dict:
    """The quality gate: the last `dtsen quality` run of `working_db` must have passed (no
    blocking failure). Returns that run's record (runs.jsonl): its mart_hashes and build_id
    are what it judged, so publishing can refuse marts that changed after the checks."""
    result = last_result(working_db)
    if result is None:
        raise QualityNotPassed(
            f"no quality result recorded for {working_db}: not publishing. Run `dtsen quality --db "
            f"{working_db}` first (the main job does, and publishes only when it passes), or, once you have "
            "checked the build yourself, dtsen publish --no-require-quality."
        )
    if result["blocking_failures"]:
        raise QualityNotPassed(
            f"the last quality checks of {working_db} ({result['run_date']}) had "
            f"{result['blocking_failures']} blocking failures: not publishing."
        )
    if not result.get("build_id"):
        raise QualityNotPassed(
            f"the last quality checks of {working_db} ({result['run_date']}) did not judge "
            "one complete build: not publishing. Run `dtsen quality` again."
        )
    return result


def parquet_folder(analyst_db: Path) -> Path:
    """The Parquet folder published beside `analyst_db` (a link into the current publication)."""
    return analyst_db.with_name(f"{analyst_db.stem}_parquet")


def publication_link(analyst_db: Path) -> Path:
    """The link to the current publication's folder: the one name a publication swaps."""
    return analyst_db.with_name(f"{analyst_db.stem}_publication")


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink(missing_ok=True)


def _remove_abandoned(analyst_db: Path) -> None:
    """Half-written publications of publishers that died (killed mid-copy): never the published one."""
    for name in (analyst_db.name, publication_link(analyst_db).name, parquet_folder(analyst_db).name):
        for path in analyst_db.parent.glob(f"{name}.publishing-*"):
            pid = path.name.rsplit("-", 1)[-1].split(".")[0]
            if not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                _remove(path)
            except PermissionError:
                pass  # alive, another user's


def _link(target: str, link: Path) -> None:
    """Point `link` at `target` in one step (a new link renamed over the old name)."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    temporary = link.with_name(f"{link.name}.publishing-{os.getpid()}.link")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    working_db: Path,
    analyst_db: Path,
    quality_gate: Callable[[Path], dict | None] | None = None,
    expected_hashes: dict[str, str] | None = None,
    expected_build: str | None = None,
) -> Publication:
    """Publish the marts of `working_db` as the read-only analyst database `analyst_db`.

    Call it only after the build's quality checks passed: the main job and `dtsen publish`
    pass quality_gate=require_quality_passed, which also returns the quality run's record:
    the content hashes and the build id the checks saw become expected_hashes and
    expected_build. Whatever the gate, only marts that are all of one successful build
    (build_state) are published, with the deliveries that build recorded. Raises
    MissingPseudonymKey without a key, PublishRefused (or a subclass) when it refuses; the
    published file is then exactly as it was.

    expected_hashes: the mart_content_hashes the quality checks saw; when given, publishing
    refuses if the marts copied differ (the working database changed after the checks, e.g.
    a later build was started or killed half-way).
    expected_build: the build id the quality checks judged; publishing refuses marts of another.
    """
    started = time.perf_counter()
    try:
        key = key_from_environment()
    except MissingPseudonymKey:
        raise MissingPseudonymKey(
            f"{KEY_VARIABLE} is not set: not publishing. The analyst database may only be published by a "
            f"job that holds the pseudonym key its marts were built with; set {KEY_VARIABLE} to that key "
            "(it is read from the environment only, never written anywhere)."
        ) from None
    # The analyst database's own name, not where its link leads (the current publication).
    working_db = Path(working_db).resolve()
    analyst_db = Path(analyst_db).parent.resolve() / Path(analyst_db).name
    if not working_db.exists():
        raise PublishRefused(f"working database {working_db} does not exist: nothing to publish")
    if working_db == analyst_db:
        raise PublishRefused("the analyst database must be another file than the working database")
    if quality_gate is not None:
        judged = quality_gate(working_db) or {}
        expected_hashes = expected_hashes or judged.get("mart_hashes") or None
        expected_build = expected_build or judged.get("build_id")
    parquet, current = parquet_folder(analyst_db), publication_link(analyst_db)
    for path in (parquet, current):
        if path.exists() and not path.is_symlink():
            raise PublishRefused(
                f"{path} is a file or folder of its own, not the link publishing keeps there: "
                "not publishing. Move it away and publish again."
            )
    analyst_db.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(analyst_db)
    # The whole publication is written into one folder, then swapped in with the link
    # `current`: the database and its Parquet files change together, atomically.
    staging = current.with_name(f"{current.name}.publishing-{os.getpid()}")
    _remove(staging)
    try:
        staging.mkdir()
        staged_db = staging / analyst_db.name
        # In memory, the analyst database attached: ATTACH is what takes a storage version.
        # Spills go where a connection to the file would put them.
        con = duckdb.connect(config={"temp_directory": f"{staged_db}.tmp"})
        try:
            con.execute(
                f"attach {quote_literal(str(staged_db))} as analyst "
                f"(storage_version {quote_literal(STORAGE_VERSION)})"
            )
            con.execute("use analyst")
            published_at, build_id = _copy_marts(con, working_db, key, expected_build)
            tables = _record_publication(con, working_db, published_at, build_id)
            if expected_hashes is not None and expected_hashes != {t: h for t, (_, h) in tables.items()}:
                raise PublishRefused(
                    f"the marts of {working_db} are not those the quality checks passed "
                    "(content hashes differ): not publishing"
                )
            _record_previous_publication(con, analyst_db)
            _create_views(con)
            found = identifier_scan(con)
            if found:
                raise IdentifierFound(
                    "not publishing: values that look like a NIK or KK (16 consecutive digits, or a "
                    "16-digit number) in "
                    + "; ".join(f"{table}.{column}: {n:,} values" for table, column, n in found)
                )
            con.execute("checkpoint analyst")
            _write_parquet(con, staging / "parquet")
            con.execute("use memory")
            con.execute("detach analyst")
        finally:
            con.close()
        for path in (staged_db, *(staging / "parquet").iterdir()):
            _fsync(path)
            os.chmod(path, 0o444)
        for folder in (staging / "parquet", staging):
            _fsync(folder)
        versioned = current.with_name(f"{current.name}.{published_at.strftime(PUBLICATION_STAMP)}")
        os.rename(staging, versioned)
        previous = os.readlink(current) if current.is_symlink() else None
        _link(versioned.name, current)  # atomic: readers see the old publication or the new one
        # The names analysts open lead into the current publication. They change only once,
        # from a database file of an older publisher to the link (atomic as well).
        _link(f"{current.name}/{analyst_db.name}", analyst_db)
        _link(f"{current.name}/parquet", parquet)
        _fsync(analyst_db.parent)
    except BaseException as error:
        _remove(staging)
        if _disk_full(error):
            raise PublishRefused(
                f"no space left in {analyst_db.parent} to write the new analyst database: not "
                f"publishing; the published analyst database {analyst_db.name} is unchanged. "
                "Free space there and publish again."
            ) from None
        raise
    _remove_old_publications(current, keep={versioned.name, previous})
    return Publication(analyst_db, published_at, tables, time.perf_counter() - started, build_id, parquet)


def _remove_old_publications(current: Path, keep: set[str | None]) -> None:
    """Folders of older publications. The one that was current until now stays, for readers
    that resolved the links a moment ago; a reader holding a file open keeps reading it."""
    for path in current.parent.glob(f"{current.name}.*"):
        if PUBLICATION_VERSION.fullmatch(path.name[len(current.name) :]) and path.name not in keep:
            shutil.rmtree(path)


def _write_parquet(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Each mart, each view and the publication's own tables as `<name>.parquet`."""
    folder.mkdir()
    relations = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'analyst' "
        "union all select schema_name, view_name from duckdb_views() "
        "where database_name = 'analyst' and not internal order by 1, 2"
    ).fetchall()
    names = [name for _, name in relations]
    if len(set(names)) != len(names):  # one file per name: two relations would share a file
        raise PublishRefused(f"two published relations share a name: {sorted(names)}")
    for schema, name in relations:
        target = quote_literal(str(folder / f"{name}.parquet"))
        con.execute(f"copy {quote_identifier(schema)}.{quote_identifier(name)} to {target} (format parquet)")


def _disk_full(error: BaseException) -> bool:
    """A write failed for want of space: a full filesystem, a quota, or a file size limit."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return isinstance(error, duckdb.Error) and any(
        text in str(error) for text in ("No space left on device", "Disk quota exceeded", "File too large")
    )


def _copy_marts(
    con: duckdb.DuckDBPyConnection, working_db: Path, key: bytes, expected_build: str | None
) -> tuple[dt.datetime, str]:
    try:
        con.execute(f"attach {quote_literal(str(working_db))} as working (read_only)")
    except duckdb.IOException as error:  # one writer per DuckDB file: a build holds it
        raise PublishRefused(
            f"cannot read {working_db} (is a build writing it?): not publishing. {error}"
        ) from None
    try:
        check_key_matches(con, key)
        # Read while the working database is attached read-only: no build can write it
        # between this check and the copy below.
        state = build_state(con, "working")
        if state.problem:
            raise PublishRefused(f"not publishing {working_db}: {state.problem}")
        if expected_build and expected_build != state.build_id:
            raise PublishRefused(
                f"the marts of {working_db} are of build {state.build_id}, but the last "
                f"quality checks judged build {expected_build}: not publishing. Run "
                "`dtsen quality` first."
            )
        relations = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'working' and schema_name = ? "
                "union select view_name from duckdb_views() "
                "where database_name = 'working' and schema_name = ? "
                "order by 1",
                [MARTS_SCHEMA, MARTS_SCHEMA],
            ).fetchall()
        ]
        if not relations:
            raise PublishRefused(f"{working_db} has no {MARTS_SCHEMA} schema tables: nothing to publish")
        con.execute(f"create schema {MARTS_SCHEMA}")
        for name in relations:
            relation = f"{quote_identifier(MARTS_SCHEMA)}.{quote_identifier(name)}"
            con.execute(f"create table {relation} as select * from working.{relation}")
        # The dbt descriptions the build stored (persist_docs), for the copies.
        descriptions = con.execute(
            "select table_name, null, comment from duckdb_tables() "
            "where database_name = 'working' and schema_name = ? and comment is not null "
            "union all select view_name, null, comment from duckdb_views() "
            "where database_name = 'working' and schema_name = ? and comment is not null "
            "union all select table_name, column_name, comment from duckdb_columns() "
            "where database_name = 'working' and schema_name = ? and comment is not null",
            [MARTS_SCHEMA] * 3,
        ).fetchall()
        deliveries = con.execute(
            f"select distinct source, delivery, extract_date, file_name, file_sha256, file_rows "
            f"from working.{LEDGER_SCHEMA}.build_deliveries where invocation_id = ? "
            "order by source, file_name",
            [state.build_id],
        ).fetchall()
    finally:
        con.execute("detach working")  # the working database is free for the next build at once
    for table, column, description in descriptions:
        _comment(con, MARTS_SCHEMA, table, column, description)
    con.execute(
        f"create table {PUBLICATION_DELIVERIES_TABLE} (source varchar, delivery varchar, "
        "extract_date date, file_name varchar, file_sha256 varchar, file_rows bigint)"
    )
    if deliveries:
        con.executemany(f"insert into {PUBLICATION_DELIVERIES_TABLE} values (?, ?, ?, ?, ?, ?)", deliveries)
    return dt.datetime.now(dt.UTC), state.build_id


def _record_publication(
    con: duckdb.DuckDBPyConnection, working_db: Path, published_at: dt.datetime, build_id: str
) -> dict[str, tuple[int, str]]:
    hashes = mart_content_hashes(con)
    tables = {}
    for table, content_hash in hashes.items():
        (rows,) = first_row(
            con, f"select count(*) from {quote_identifier(MARTS_SCHEMA)}.{quote_identifier(table)}"
        )
        tables[table] = (rows, content_hash)
    con.execute(
        f"create table {PUBLICATION_TABLE} (published_at timestamptz, working_db varchar, "
        "build_id varchar, table_name varchar, row_count bigint, content_hash varchar)"
    )
    con.executemany(
        f"insert into {PUBLICATION_TABLE} values (?, ?, ?, ?, ?, ?)",
        [
            (published_at, str(working_db), build_id, table, rows, content_hash)
            for table, (rows, content_hash) in tables.items()
        ],
    )
    return tables


def _comment(
    con: duckdb.DuckDBPyConnection, schema: str, relation: str, column: str | None, description: str
) -> None:
    name = f"{quote_identifier(schema)}.{quote_identifier(relation)}"
    if column is None:
        kind = "view" if _is_view(con, schema, relation) else "table"
        con.execute(f"comment on {kind} {name} is {quote_literal(description.strip())}")
    else:
        con.execute(
            f"comment on column {name}.{quote_identifier(column)} is {quote_literal(description.strip())}"
        )


def _is_view(con: duckdb.DuckDBPyConnection, schema: str, relation: str) -> bool:
    return bool(
        con.execute(
            "select 1 from duckdb_views() where database_name = current_database() "
            "and schema_name = ? and view_name = ?",
            [schema, relation],
        ).fetchall()
    )


def _record_previous_publication(con: duckdb.DuckDBPyConnection, analyst_db: Path) -> None:
    """The publication being replaced (its time, build and data date), for the changes since
    it (analysis.perubahan_kelayakan). No row for a first publication; a previous file that
    cannot be read is reported, and the new publication goes ahead without it."""
    con.execute(
        f"create table {PREVIOUS_PUBLICATION_TABLE} "
        "(published_at timestamptz, build_id varchar, tanggal_data date)"
    )
    if not analyst_db.exists():
        return
    try:
        con.execute(f"attach {quote_literal(str(analyst_db))} as previous (read_only)")
    except duckdb.Error as error:
        print(
            f"warning: the previous publication {analyst_db} cannot be read ({error}); "
            "analysis.perubahan_kelayakan stays empty in this publication",
            file=sys.stderr,
        )
        return
    try:
        con.execute(
            f"insert into {PREVIOUS_PUBLICATION_TABLE} "
            f"select max(published_at), max(build_id), "
            f"(select max(tanggal_data) from previous.{MARTS_SCHEMA}.fct_eligibility) "
            f"from previous.main.{PUBLICATION_TABLE}"
        )
    except duckdb.CatalogException as error:
        print(
            f"warning: the previous publication {analyst_db} lacks what the changes since it "
            f"need ({error}); analysis.perubahan_kelayakan stays empty in this publication",
            file=sys.stderr,
        )
    finally:
        con.execute("detach previous")


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    """The analysts' views (dtsen.analyst_views) and the descriptions of everything publish
    adds beside the marts."""
    con.execute(f"create schema {quote_identifier(VIEWS_SCHEMA)}")
    for view in VIEWS:
        con.execute(
            f"create view {quote_identifier(VIEWS_SCHEMA)}.{quote_identifier(view.name)} as {view.sql}"
        )
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() where database_name = current_database() "
                "and schema_name = ? and table_name = ? order by column_index",
                [VIEWS_SCHEMA, view.name],
            ).fetchall()
        ]
        if columns != list(view.columns):  # a description for every column, in order
            raise AssertionError(
                f"view {view.name}: columns {columns} but descriptions of {list(view.columns)}"
            )
        _comment(con, VIEWS_SCHEMA, view.name, None, view.description)
        for column, description in view.columns.items():
            _comment(con, VIEWS_SCHEMA, view.name, column, description)
    for table, (description, columns) in PUBLICATION_DESCRIPTIONS.items():
        _comment(con, "main", table, None, description)
        for column, description in columns.items():
            _comment(con, "main", table, column, description)
