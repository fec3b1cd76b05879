"""Hand-written deliveries for tests: a few explicit rows per file, written in each
agency's dialect with a correct manifest, so a test can state exactly what it feeds in."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dtsen.contract import CONTRACT_VERSION, DIALECTS, FILES, MANIFEST_NAME

_BPS_TYPES = {
    "jumlah_art": pa.int32(), "no_urut": pa.int32(), "tahun": pa.int32(),
    "luas_lantai_m2": pa.float64(), "pengeluaran_perkapita": pa.float64(), "bobot": pa.float64(),
    "tanggal_pencacahan": pa.date32(), "tanggal_lahir": pa.date32(),
}
_BPS_TEXT = {"id_keluarga", "no_kk", "kode_desa", "nik", "nama"}


def _bps_type(column: str) -> pa.DataType:
    if column in _BPS_TEXT:
        return pa.string()
    return _BPS_TYPES.get(column, pa.int32())


def csv_bytes(source: str, header: list[str], rows: list[list[str]]) -> bytes:
    dialect = DIALECTS[source]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if dialect.bom else "").encode() + buffer.getvalue().encode("utf-8")


def parquet_bytes(header: list[str], rows: list[dict]) -> bytes:
    schema = pa.schema([(name, _bps_type(name)) for name in header])
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def write_delivery(
    root: Path,
    source: str,
    extract_date: str,
    rows: dict[str, list],
    raw: dict[str, bytes] | None = None,
    manifest_rows: dict[str, int] | None = None,
) -> Path:
    """Write one delivery. `rows[file]` is a list of dicts (column -> value); `raw[file]`
    replaces a file's bytes outright; `manifest_rows[file]` overrides its declared count.
    The manifest's sha256 is always that of the bytes written."""
    folder = root / source / extract_date
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"contract_version": CONTRACT_VERSION, "source": source, "extract_date": extract_date, "files": {}}
    for file_name, header in FILES[source].items():
        file_rows = rows.get(file_name, [])
        if raw and file_name in raw:
            content = raw[file_name]
        elif DIALECTS[source].format == "csv":
            content = csv_bytes(source, header, [[_text(row.get(c)) for c in header] for row in file_rows])
        else:
            content = parquet_bytes(header, file_rows)
        (folder / file_name).write_bytes(content)
        count = (manifest_rows or {}).get(file_name, len(file_rows))
        manifest["files"][file_name] = {"rows": count, "sha256": hashlib.sha256(content).hexdigest()}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
