"""Every file of every delivery in the landing zone, with its checks and status.

Runs the delivery intake (dtsen.landing) on the build's own DuckDB connection. The build
stops here, naming the source, when a source has no usable delivery at all.
"""
from pathlib import Path

import pyarrow as pa

from dtsen.landing import as_rows, scan_landing

SCHEMA = pa.schema([
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
    ("file_problem", pa.string()),
    ("delivery_problem", pa.string()),
    ("status", pa.string()),
])


def model(dbt, session):
    dbt.config(materialized="table")
    root = Path(dbt.config.get("landing_root")).resolve()
    return pa.Table.from_pylist(as_rows(scan_landing(root, session)), schema=SCHEMA)
