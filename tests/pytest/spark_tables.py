"""Tables of a build as comparable rows, on either engine.

`canonical()` turns a value fetched from DuckDB or collected from Spark into the same
text: dates, timestamps, decimals, integers and booleans as text (floats stay floats), JSON
text parsed and rewritten with sorted keys (the engines print numbers and key order
differently). Run as a script with
the Spark venv's Python, in the directory of a Spark build (its metastore_db/), it writes
every table of the given schemas as JSON: {"<schema>.<table>": {"columns": [...],
"rows": [[...], ...]}}.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys

JSON_COLUMNS = {"delivered_row", "columns"}


def canonical(column: str, value: object) -> str | float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return value  # compared with a tolerance by the full build's comparison
    if isinstance(value, decimal.Decimal):
        return repr(float(value))
    if isinstance(value, str) and column in JSON_COLUMNS:
        return json.dumps(json.loads(value), sort_keys=True)
    return str(value)


def canonical_row(columns: list[str], row) -> list[str | float | None]:
    return [canonical(column, value) for column, value in zip(columns, row)]


def _dump_spark(out: str, schemas: list[str]) -> None:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .enableHiveSupport()
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    tables = {}
    for schema in schemas:
        if not spark.catalog.databaseExists(schema):  # a build up to staging has no marts
            continue
        for table in spark.catalog.listTables(schema):
            frame = spark.table(f"{schema}.{table.name}")
            tables[f"{schema}.{table.name}"] = {
                "columns": frame.columns,
                "rows": [canonical_row(frame.columns, row) for row in frame.collect()],
            }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(tables, handle)


if __name__ == "__main__":
    _dump_spark(sys.argv[1], sys.argv[2:])
