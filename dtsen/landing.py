"""Delivery intake: which delivery of each source is current, and why the others are not.

A delivery (``<root>/<source>/<extract_date>/``) is usable when its manifest exists and
matches the contract, and every file in it exists, hashes to the manifest's sha256, is
readable with the source's dialect, has every contract column, and holds the manifest's
row count. The newest usable delivery of a source is current; everything else is reported
with its problem. The SQL that reads a file is built here once and stored with the file,
so the staging models read each file exactly as its rows were counted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from dtsen.contract import CONTRACT_VERSION, DIALECTS, FILES, MANIFEST_NAME

# Catches rows with more fields than the header; staging quarantines them.
EXTRA_FIELDS_COLUMN = "_extra_fields"


class NoUsableDelivery(RuntimeError):
    """A source has no delivery the warehouse can use: the build must stop."""


@dataclass
class DeliveryFile:
    source: str
    extract_date: dt.date | None
    delivery: str  # folder name as delivered
    file_name: str
    file_path: str
    manifest_rows: int | None = None
    manifest_sha256: str | None = None
    file_sha256: str | None = None
    file_rows: int | None = None
    columns: str | None = None  # JSON list of the file's columns, as delivered
    read_sql: str | None = None
    file_problem: str | None = None
    delivery_problem: str | None = None
    status: str = "refused"  # current | superseded | refused


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _csv_header(path: Path, delimiter: str) -> list[str]:
    import csv

    with path.open(newline="", encoding="utf-8-sig") as handle:
        first = next(csv.reader(handle, delimiter=delimiter), None)
    if not first:
        raise ValueError("file is empty (no header line)")
    return [name.strip() for name in first]


def csv_read_sql(path: Path, header: list[str], delimiter: str) -> str:
    """The read_csv call staging uses: every column as text, nothing skipped or guessed.

    Rows with too few fields are padded with NULL and rows with too many keep the surplus
    in EXTRA_FIELDS_COLUMN, so every data row comes through in file order (single-threaded
    scan, because padding and quoted newlines need it) and staging can quarantine it.
    """
    columns = ", ".join(f"{_sql_str(name)}: 'VARCHAR'" for name in [*header, EXTRA_FIELDS_COLUMN])
    return (
        f"read_csv({_sql_str(str(path))}, delim={_sql_str(delimiter)}, header=true, "
        f"auto_detect=false, columns={{{columns}}}, quote='\"', escape='\"', "
        "strict_mode=false, null_padding=true, parallel=false, encoding='utf-8')"
    )


def parquet_read_sql(path: Path) -> str:
    return f"read_parquet({_sql_str(str(path))})"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def _inspect_file(con: duckdb.DuckDBPyConnection, record: DeliveryFile, path: Path) -> None:
    """Fill hash, columns, read SQL and row count; set file_problem on the first failure."""
    if not path.is_file():
        record.file_problem = "file listed in the manifest is missing"
        return
    record.file_sha256 = _sha256(path)
    if record.manifest_sha256 and record.file_sha256 != record.manifest_sha256.lower():
        record.file_problem = "sha256 does not match the manifest"
        return
    dialect = DIALECTS[record.source]
    try:
        if dialect.format == "csv":
            header = _csv_header(path, dialect.delimiter)
            record.read_sql = csv_read_sql(path, header, dialect.delimiter)
        else:
            record.read_sql = parquet_read_sql(path)
            header = [row[0] for row in con.sql(f"describe select * from {record.read_sql}").fetchall()]
        record.columns = json.dumps(header)
        missing = [name for name in FILES[record.source][record.file_name] if name not in header]
        if missing:
            record.file_problem = "missing required column(s): " + ", ".join(missing)
            return
        duplicated = sorted({name for name in header if header.count(name) > 1})
        if duplicated:
            record.file_problem = "duplicated column(s): " + ", ".join(duplicated)
            return
        record.file_rows = con.sql(f"select count(*) from {record.read_sql}").fetchall()[0][0]
    except (UnicodeDecodeError, ValueError, duckdb.Error) as error:
        record.file_problem = "unreadable: " + _first_line(error)
        return
    if record.file_rows != record.manifest_rows:
        record.file_problem = (
            f"row count {record.file_rows} does not match the manifest's {record.manifest_rows}"
        )


def _read_manifest(folder: Path, source: str, extract_date: dt.date | None) -> tuple[dict, str | None]:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}, "no _manifest.json (delivery incomplete)"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return {}, f"_manifest.json is not valid JSON: {error}"
    if manifest.get("contract_version") != CONTRACT_VERSION:
        return manifest, f"_manifest.json contract_version is {manifest.get('contract_version')!r}, expected {CONTRACT_VERSION}"
    if manifest.get("source") != source:
        return manifest, f"_manifest.json names source {manifest.get('source')!r}"
    if extract_date and manifest.get("extract_date") != extract_date.isoformat():
        return manifest, f"_manifest.json extract_date {manifest.get('extract_date')!r} differs from the folder"
    if not isinstance(manifest.get("files"), dict):
        return manifest, "_manifest.json has no files object"
    return manifest, None


def _parse_folder_date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name) if len(name) == 10 else None
    except ValueError:
        return None


def inspect_delivery(con: duckdb.DuckDBPyConnection, source: str, folder: Path) -> list[DeliveryFile]:
    """One record per contract file of one delivery folder, with the delivery's verdict."""
    extract_date = _parse_folder_date(folder.name)
    records = [
        DeliveryFile(source, extract_date, folder.name, name, str((folder / name).resolve()))
        for name in FILES[source]
    ]
    if extract_date is None:
        problem = "delivery folder name is not a date (YYYY-MM-DD)"
    else:
        manifest, problem = _read_manifest(folder, source, extract_date)
    if problem is None:
        for record in records:
            entry = manifest["files"].get(record.file_name)
            if not isinstance(entry, dict) or "rows" not in entry or "sha256" not in entry:
                record.file_problem = "not listed with rows and sha256 in the manifest"
                continue
            record.manifest_rows = int(entry["rows"])
            record.manifest_sha256 = str(entry["sha256"])
            _inspect_file(con, record, folder / record.file_name)
        failed = [r for r in records if r.file_problem]
        if failed:
            problem = "; ".join(f"{r.file_name}: {r.file_problem}" for r in failed)
    for record in records:
        record.delivery_problem = problem
    return records


def scan_landing(root: Path, con: duckdb.DuckDBPyConnection) -> list[DeliveryFile]:
    """Inspect every delivery of every source and mark the current one of each.

    Raises NoUsableDelivery naming each source that has none, with what was wrong.
    """
    records: list[DeliveryFile] = []
    unusable: list[str] = []
    for source in FILES:
        folders = sorted(p for p in (root / source).glob("*") if p.is_dir()) if (root / source).is_dir() else []
        source_records = [r for folder in folders for r in inspect_delivery(con, source, folder)]
        usable = sorted({r.extract_date for r in source_records if r.delivery_problem is None})
        for record in source_records:
            if record.delivery_problem is None:
                record.status = "current" if record.extract_date == usable[-1] else "superseded"
        if not usable:
            reasons = sorted({f"{r.delivery}: {r.delivery_problem}" for r in source_records})
            where = root / source
            unusable.append(
                f"source {source} has no usable delivery in {where}"
                + (" (" + " | ".join(reasons) + ")" if reasons else " (no delivery folders)")
            )
        records.extend(source_records)
    if unusable:
        raise NoUsableDelivery("; ".join(unusable))
    return records


def as_rows(records: list[DeliveryFile]) -> list[dict]:
    return [asdict(r) for r in records]
