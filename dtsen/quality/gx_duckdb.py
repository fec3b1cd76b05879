"""Great Expectations 1.x on DuckDB through its SQL path: the small compatibility layer.

GX 1.24 has no DuckDB support of its own (https://github.com/fivetran/great_expectations/issues/10738
asks for it). Through duckdb-engine (SQLAlchemy) two things break; `apply()` fixes both and
is idempotent, and a third break, in duckdb-engine's column reflection, that makes GX
lose the schema of a table. Everything else runs on GX's own SQL code: metrics are computed in DuckDB,
no table is loaded into pandas. Measured in shared/reference/stack-feasibility-2026-11.md §3.
"""

from __future__ import annotations

import sys

import duckdb_engine
import sqlalchemy as sa
from great_expectations.execution_engine import sqlalchemy_execution_engine as _engine
from great_expectations.expectations.metrics import util as _metrics_util

_ORIGINAL_REGEX = getattr(
    _metrics_util.get_dialect_regex_expression, "__wrapped__", _metrics_util.get_dialect_regex_expression
)


class _DuckDBDialectName(str):
    """'duckdb' as GX's dialect enum members are used: compared to a string, and `.value`
    (GXSqlDialect has no DuckDB member to add to the tuple below)."""

    @property
    def value(self) -> str:
        return str(self)


DUCKDB = _DuckDBDialectName("duckdb")


def _patch_persisted_connection() -> None:
    """Fix 1 -- every metric failed with `IndexError: list index out of range`
    (https://github.com/fivetran/great_expectations/issues/11579, also #10738).
    GX executes a metric query inside `with engine.connect()` and fetches the rows after
    that block; duckdb-engine discards a closed connection's pending result, so GX reads
    no rows. GX already keeps one open connection (StaticPool) for the dialects in
    `_PERSISTED_CONNECTION_DIALECTS` (sqlite, mssql, bigquery, databricks: introduced by
    https://github.com/fivetran/great_expectations/pull/7607); DuckDB joins that list."""
    if DUCKDB not in _engine._PERSISTED_CONNECTION_DIALECTS:
        _engine._PERSISTED_CONNECTION_DIALECTS = (*_engine._PERSISTED_CONNECTION_DIALECTS, DUCKDB)


def _duckdb_regex_expression(column, regex, dialect, positive=True):
    """Fix 2 -- regex expectations raised `Regex is not supported for dialect duckdb`:
    `get_dialect_regex_expression` has one branch per dialect and none for DuckDB (the same
    gap fixed for Oracle in https://github.com/fivetran/great_expectations/pull/12103 and
    reported for ClickHouse in issue #12217). DuckDB's `regexp_matches` searches like the
    postgres `~` branch and pandas' `str.contains`, so a pattern means the same on every
    path (anchor with ^...$ for a full match)."""
    if getattr(getattr(dialect, "dialect", dialect), "name", None) == DUCKDB:
        expression = sa.func.regexp_matches(column, sa.literal(regex))
        return expression if positive else sa.not_(expression)
    return _ORIGINAL_REGEX(column, regex, dialect, positive)


_duckdb_regex_expression.__wrapped__ = _ORIGINAL_REGEX


def _patch_regex() -> None:
    # The regex metric modules import the function by name: rebind it wherever it was bound.
    for module in list(sys.modules.values()):
        if getattr(module, "get_dialect_regex_expression", None) is _ORIGINAL_REGEX:
            module.get_dialect_regex_expression = _duckdb_regex_expression


def _get_columns(self, connection, table_name, schema=None, **kw):
    """Fix 3 -- column reflection failed (`Referenced table "pg_catalog.pg_collation" not
    found`): duckdb-engine reuses SQLAlchemy's PostgreSQL reflection query, which gained a
    pg_collation subquery in SQLAlchemy 2.0.45 (https://github.com/Mause/duckdb_engine/issues/1391,
    fix proposed in https://github.com/Mause/duckdb_engine/pull/1393). GX then falls back to
    `SELECT * FROM <table>` without the schema, so no column of a table outside `main` is found.
    Read DuckDB's own information_schema instead."""
    rows = connection.execute(
        sa.text(
            "select column_name, data_type, is_nullable = 'YES' from information_schema.columns "
            "where table_schema = coalesce(:schema, current_schema()) and table_name = :table "
            "order by ordinal_position"
        ),
        {"schema": schema, "table": str(table_name)},
    ).fetchall()
    if not rows:
        raise sa.exc.NoSuchTableError(f"{schema}.{table_name}" if schema else str(table_name))
    return [
        {
            "name": name,
            "type": self.ischema_names.get(data_type.split("(")[0].lower(), sa.types.NullType)(),
            "nullable": nullable,
            "default": None,
        }
        for name, data_type, nullable in rows
    ]


def apply() -> None:
    """Make GX's SQL path work on DuckDB (all three fixes; safe to call more than once)."""
    import great_expectations.expectations.metrics  # noqa: F401  (load every metric module first)

    _patch_persisted_connection()
    _patch_regex()
    duckdb_engine.Dialect.get_columns = _get_columns
