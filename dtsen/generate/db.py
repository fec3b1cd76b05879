"""The DuckDB session the generator works in, and its seeded random-number macros.

Randomness never comes from DuckDB's random(): under parallel execution its sequence
depends on thread scheduling. Every draw is a hash of (seed, entity key, salt) instead,
so a value depends only on what it describes and the output is identical run to run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dtsen.sql_text import quote_literal

_TWO_53 = 9007199254740992.0


def connect(workdir: Path, seed: int, memory_limit: str = "8GB") -> duckdb.DuckDBPyConnection:
    """An in-memory database that spills to workdir beyond memory_limit, with the macros:

    u(k, salt) uniform [0, 1); u2(k1, k2, salt) the same for a two-part key;
    nrm(k, salt) standard normal; pick(k, salt, n) an integer in [0, n).
    """
    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute("set preserve_insertion_order = true")
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{workdir / 'spill'}'")
    seed = int(seed)
    # hash() of several values only combines their hashes: draws with different salts come
    # out strongly correlated (about -0.9). Hashing the combination again mixes it fully.
    con.execute(f"create macro mix(k, salt) as hash(hash({seed}, k, salt))")
    con.execute("create macro pick(k, salt, n) as (mix(k, salt) % n)::INTEGER")
    con.execute(f"create macro u(k, salt) as (mix(k, salt) >> 11)::DOUBLE / {_TWO_53}")
    con.execute(
        f"create macro u2(k1, k2, salt) as (hash(hash({seed}, k1, k2, salt)) >> 11)::DOUBLE / {_TWO_53}"
    )
    # Box-Muller; the first uniform is kept away from 0 so ln() stays finite.
    con.execute(
        "create macro nrm(k, salt) as "
        "sqrt(-2 * ln(greatest(u(k, salt || ':a'), 1e-300))) * cos(2 * pi() * u(k, salt || ':b'))"
    )
    return con


def sql_str(value) -> str:
    """A SQL string literal."""
    return quote_literal(str(value))


def sql_list(values) -> str:
    """A SQL list literal of strings."""
    return "[" + ", ".join(sql_str(v) for v in values) + "]"


def one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    """The single row of a query (DuckDB 2 relations have no fetchone())."""
    return con.sql(sql).fetchall()[0]


def drop(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    """Free intermediate tables as soon as they are used: at 10 M persons they add up."""
    for table in tables:
        con.execute(f"drop table if exists {table}")
