"""What the marts of a working database are: their content hashes, and the build that made
them (the build ledger, macros/build_ledger.sql).

Both the quality checks (which record what they judged) and publishing (which publishes only
what quality judged) read these, so they live here rather than in either of them.
"""

from __future__ import annotations

import dataclasses
import hashlib

import duckdb

from dtsen.sql_text import quote_identifier

MARTS_SCHEMA = "marts"
LEDGER_SCHEMA = "build_ledger"  # macros/build_ledger.sql


@dataclasses.dataclass(frozen=True)
class BuildState:
    """What the build ledger says of the marts of a working database."""

    build_id: str | None  # the one successful build that wrote every mart, else None
    builds: dict[str, list[str]]  # invocation -> the marts it wrote
    problem: str | None  # why the marts are not one complete build (one line), else None


def first_row(con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None) -> tuple:
    return con.execute(sql, parameters or []).fetchall()[0]


def mart_content_hashes(
    con: duckdb.DuckDBPyConnection, schema: str = MARTS_SCHEMA, database: str | None = None
) -> dict[str, str]:
    """An order-independent content hash of every table of `schema`: md5 over the column
    names and types, the row count, and the exact sums of the two 64-bit halves of each
    row's md5 (of its values as text, separated by U+001F, NULL as U+001E; duplicate rows
    count).

    Equal hashes mean equal tables whatever order the rows were written in. The sums are
    exact integers, aggregated on every core (sorting the rows' digests into one string
    would be a sort and a single-threaded concatenation over every row). Stable for one DuckDB
    version (the text form of a DOUBLE or a nested value could change between versions);
    it does not depend on DuckDB's internal hash().
    """
    database = database or first_row(con, "select current_database()")[0]
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from duckdb_columns() where database_name = ? "
        "and schema_name = ? order by table_name, column_index",
        [database, schema],
    ).fetchall():
        columns.setdefault(table, []).append((column, data_type))
    hashes = {}
    for table, table_columns in columns.items():
        row_text = (
            "concat_ws(chr(31), "
            + ", ".join(
                f"coalesce(cast({quote_identifier(column)} as varchar), chr(30))"
                for column, _ in table_columns
            )
            + ")"
        )
        rows, high_sum, low_sum = first_row(
            con,
            f"select count(*), coalesce(sum((row_md5 >> 64)::ubigint), 0), "
            f"coalesce(sum((row_md5 & {2**64 - 1}::uhugeint)::ubigint), 0) from "
            f"(select md5_number({row_text}) as row_md5 "
            f"from {quote_identifier(database)}.{quote_identifier(schema)}.{quote_identifier(table)})",
        )
        signature = ", ".join(f"{column} {data_type}" for column, data_type in table_columns)
        hashes[table] = hashlib.md5(f"{signature}\n{rows} {high_sum} {low_sum}".encode()).hexdigest()
    return hashes


def build_state(con: duckdb.DuckDBPyConnection, database: str | None = None) -> BuildState:
    """Whether the marts of `database` are all of one build that succeeded, from its build
    ledger (macros/build_ledger.sql): every table of marts must be stamped by the same dbt
    invocation, and that invocation must have finished with every node passing."""
    database = database or first_row(con, "select current_database()")[0]
    marts = [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ? "
            "union select view_name from duckdb_views() where database_name = ? and schema_name = ? "
            "order by 1",
            [database, MARTS_SCHEMA, database, MARTS_SCHEMA],
        ).fetchall()
    ]
    ledger = f"{quote_identifier(database)}.{LEDGER_SCHEMA}"
    try:
        stamps = dict(con.execute(f"select table_name, invocation_id from {ledger}.mart_builds").fetchall())
        runs = {
            row[0]: row[1:]
            for row in con.execute(
                f"select invocation_id, status, started_at, problem from {ledger}.builds"
            ).fetchall()
        }
    except duckdb.CatalogException:
        return BuildState(
            None,
            {},
            "it has no build ledger, so its marts cannot be traced to a build "
            "(built by an older version?): run a complete dbt build",
        )
    builds: dict[str, list[str]] = {}
    for mart in marts:
        builds.setdefault(stamps.get(mart, "no build"), []).append(mart)
    if not marts:
        return BuildState(None, builds, f"it has no {MARTS_SCHEMA} tables")
    if len(builds) > 1:
        parts = "; ".join(
            f"{invocation} ({runs.get(invocation, ('?',))[0]}): {', '.join(tables[:3])}"
            + (f" and {len(tables) - 3} more" if len(tables) > 3 else "")
            for invocation, tables in sorted(builds.items(), key=lambda item: -len(item[1]))
        )
        return BuildState(
            None,
            builds,
            f"its marts are of {len(builds)} builds ({parts}), a build was "
            "interrupted or only part of the project was built: run a complete dbt build",
        )
    (invocation,) = builds
    status, started_at, problem = runs.get(invocation, ("unknown", None, None))
    if status == "success":
        return BuildState(invocation, builds, None)
    if status == "running":
        return BuildState(
            None,
            builds,
            f"its marts are of build {invocation} (started "
            f"{started_at:%Y-%m-%d %H:%M:%S}), which never finished (killed or "
            "crashed): run a complete dbt build",
        )
    because = f" ({problem})" if problem else ""
    return BuildState(
        None,
        builds,
        f"its marts are of build {invocation}, which {status}{because}: fix it and run a complete dbt build",
    )
