"""The engine under a dbt Python model: the build's DuckDB, or Spark (dtsen.spark_dbt).

On DuckDB the Python models work on the build's own connection. On Spark, resolution's
scoring and clustering run on Splink's Spark backend (dtsen.resolution_spark) and the
pseudonyms are Spark SQL (dtsen.pseudonym); what is small by design (the matcher's
training sample, the survey sample the PMT is fitted on) is handed over as Arrow to an
in-memory DuckDB on the driver, where the same code as on DuckDB runs, and the result goes
back to Spark as a data frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa


def is_spark(session) -> bool:
    """A SparkSession, not dbt-duckdb's cursor (pyspark is installed only beside dbt-spark)."""
    return type(session).__module__.startswith("pyspark.")


@contextmanager
def duckdb_inputs(
    session, cursor: bool = True, **refs
) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, str]]]:
    """A DuckDB connection, and for each of `refs` (name=dbt.ref(...): dbt finds a Python
    model's dependencies by its literal dbt.ref calls) a parenthesised query that reads it there.

    On DuckDB the connection is a cursor on the build's database, closed on leaving (so
    Splink's settings and views stay off the build's connection), or with cursor=False the
    build's connection itself, so that a model can return a relation still to be run."""
    if is_spark(session):
        con = duckdb.connect()
        for name, frame in refs.items():
            con.register(name, frame.toArrow())
        queries = {name: f"(select * from {name})" for name in refs}
    else:
        con = session.cursor() if cursor else session
        queries = {name: f"({relation.sql_query()})" for name, relation in refs.items()}
    try:
        yield con, queries
    finally:
        if con is not session:
            con.close()


def to_engine(session, result):
    """A model's result (an Arrow table, a DuckDB relation or a pandas frame) as what the
    engine saves: unchanged on DuckDB, a Spark data frame on Spark."""
    if not is_spark(session):
        return result
    if isinstance(result, duckdb.DuckDBPyRelation):
        result = result.to_arrow_table()
    elif not isinstance(result, pa.Table):
        result = pa.Table.from_pandas(result, preserve_index=False)
    return session.createDataFrame(result)
