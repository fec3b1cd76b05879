"""Every file of every delivery in the landing zone, with its checks and status.

Runs the delivery intake (dtsen.landing) on the build's own DuckDB connection. The build
stops here, naming the source, when a source has no usable delivery at all.
"""

from pathlib import Path

import pyarrow as pa

from dtsen.landing import as_rows, scan_landing

SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("extract_date", pa.date32()),
        ("delivery", pa.string()),
        ("file_name", pa.string()),
        ("file_path", pa.string()),
        ("manifest_rows", pa.int64()),
        ("manifest_sha256", pa.string()),
        ("file_sha256", pa.string()),
        ("file_rows", pa.int64()),
        ("columns", pa.string()),
        ("read_sql", pa.string()),
        ("file_bytes", pa.int64()),
        ("file_mtime_ns", pa.int64()),
        ("file_problem", pa.string()),
        ("delivery_problem", pa.string()),
        ("status", pa.string()),
    ]
)


def verified_files(session, this) -> dict[str, dict]:
    """The files the previous intake (this table, before it is replaced) found usable."""
    exists = session.sql(
        "select count(*) from duckdb_tables() where database_name = $db and schema_name = $schema "
        "and table_name = $table",
        params={"db": this.database, "schema": this.schema, "table": this.identifier},
    ).fetchall()[0][0]
    if not exists:
        return {}
    columns = set(session.sql(f"select * from {this} limit 0").columns)
    if not {"file_bytes", "file_mtime_ns"} <= columns:  # built before the cache existed
        return {}
    rows = session.sql(f"select * from {this} where status <> 'refused'").to_arrow_table().to_pylist()
    return {row["file_path"]: row for row in rows}


def model(dbt, session):
    dbt.config(materialized="table")
    root = Path(dbt.config.get("landing_root")).resolve()
    verified = {} if dbt.config.get("reverify_deliveries") else verified_files(session, dbt.this)
    return pa.Table.from_pylist(as_rows(scan_landing(root, session, verified)), schema=SCHEMA)
