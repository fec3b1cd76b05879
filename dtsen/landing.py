"""Delivery intake: which delivery of each source is current, and why the others are not.

A delivery (``<root>/<source>/<extract_date>/``) is usable when its manifest exists and
matches the contract, and every file in it exists, hashes to the manifest's sha256, is
readable with the source's dialect (UTF-8 in every value, dates in the source's format),
has every contract column, and holds the manifest's row count. The newest usable delivery
of a source is current, older usable ones superseded; a source whose deliveries accumulate
(contract.ACCUMULATING_SOURCES) has every usable delivery current. Everything else is
reported with its problem. The SQL that reads a
file is built here once and stored with the file, so the staging models read each file
exactly as its rows were counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from dtsen.contract import (
    ACCUMULATING_SOURCES,
    CONTRACT_VERSIONS,
    DIALECTS,
    FILES,
    MANIFEST_NAME,
    OPTIONAL_SOURCES,
)
from dtsen.sql_text import quote_literal

# Catches rows with more fields than the header; staging quarantines them.
EXTRA_FIELDS_COLUMN = "_extra_fields"


class NoUsableDelivery(RuntimeError):
    """A source has no delivery the warehouse can use: the build must stop."""


@dataclass
class DeliveryFile:
    source: str  # for a folder that is no known source: the folder's name
    extract_date: dt.date | None
    delivery: str | None  # folder name as delivered; None for a folder that is no known source
    file_name: str | None  # None for a folder that is no known source
    file_path: str
    manifest_rows: int | None = None
    manifest_sha256: str | None = None
    file_sha256: str | None = None
    file_rows: int | None = None
    columns: str | None = None  # JSON list of the file's columns, as delivered
    read_sql: str | None = None
    file_bytes: int | None = None
    file_mtime_ns: int | None = None
    file_problem: str | None = None
    delivery_problem: str | None = None
    status: str = "refused"  # current | superseded | refused


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _csv_header(path: Path, delimiter: str) -> list[str]:
    """The header line's column names. Raises ValueError naming what makes it unreadable."""
    import csv

    with path.open("rb") as handle:
        chunk = handle.read(1 << 20)
    if not chunk:
        raise ValueError("file is empty (0 bytes)")
    # The header ends at the first line break of any kind: old spreadsheet exports end
    # lines in CR alone, which DuckDB (and Spark) read as line breaks too.
    line = chunk.split(b"\n", 1)[0].split(b"\r", 1)[0]
    if line.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("not UTF-8: the file starts with a UTF-16 byte-order mark")
    if b"\x00" in line:
        raise ValueError("not UTF-8: the header line holds NUL bytes (UTF-16 without byte-order mark?)")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"not UTF-8: byte 0x{error.object[error.start]:02x} at offset {error.start} of the header line"
        ) from None
    try:
        first = next(csv.reader([text], delimiter=delimiter), None)
    except csv.Error as error:
        raise ValueError(f"the header line is not CSV: {error}") from None
    if not first or first == [""]:
        raise ValueError("no header line (the first line is blank)")
    return [name.strip() for name in first]


def read_column_names(header: list[str], contract_columns: list[str]) -> list[str]:
    """Names under which staging reads a file's columns: a contract column by its own name,
    any other column as `_extra_column_<position>` (1-based), so that a column the contract
    does not know can never be blank, collide with another or shadow a lineage column
    (`_source`, `_row_number`, `_reject_reasons`, ...). Its values still reach the
    quarantine's delivered row; stg_landing__delivery_files.columns keeps the header."""
    return [
        name if name in contract_columns else f"_extra_column_{position}"
        for position, name in enumerate(header, start=1)
    ]


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def csv_read_sql(path: Path, header: list[str], delimiter: str, contract_columns: list[str]) -> str:
    """The read_csv call staging uses: every column as text, nothing skipped or guessed.

    Rows with too few fields are padded with NULL and rows with too many keep the surplus
    in EXTRA_FIELDS_COLUMN (the surplus fields joined by the delimiter; NULL when there are
    none or all are blank), so every data row comes through in file order (single-threaded
    scan, because padding and quoted newlines need it) and staging can quarantine it.
    DuckDB drops fields beyond the declared columns without a word, so the surplus is read
    into as many catch columns as the header has columns: a row would have to carry more
    than twice the header's fields, all the surplus ones within that width blank, to lose
    anything. Columns are read by header position under read_column_names().
    """
    names = read_column_names(header, contract_columns)
    catch = [f"{EXTRA_FIELDS_COLUMN}_{position}" for position in range(1, len(header) + 1)]
    columns = ", ".join(f"{quote_literal(name)}: 'VARCHAR'" for name in [*names, *catch])
    read = (
        f"read_csv({quote_literal(str(path))}, delim={quote_literal(delimiter)}, header=true, "
        f"auto_detect=false, columns={{{columns}}}, quote='\"', escape='\"', "
        "strict_mode=false, null_padding=true, parallel=false, encoding='utf-8')"
    )
    surplus = ", ".join(f"coalesce({_sql_name(name)}, '')" for name in catch)
    extra = (
        f"case when coalesce({', '.join(_sql_name(name) for name in catch)}) is not null "
        f"then rtrim(concat_ws({quote_literal(delimiter)}, {surplus}), {quote_literal(delimiter)}) end"
    )
    columns = ", ".join(_sql_name(name) for name in names)
    return f"(select {columns}, {extra} as {EXTRA_FIELDS_COLUMN} from {read})"


def parquet_read_sql(
    path: Path, header: list[str] | None = None, contract_columns: list[str] | None = None
) -> str:
    """read_parquet; with the file's columns given, a select naming them by read_column_names()."""
    call = f"read_parquet({quote_literal(str(path))})"
    if header is None or contract_columns is None:
        return call
    names = read_column_names(header, contract_columns)
    if names == header:
        return call
    columns = ", ".join(
        _sql_name(name) if name == read else f"{_sql_name(name)} as {_sql_name(read)}"
        for name, read in zip(header, names)
    )
    return f"(select {columns} from {call})"


def _spark_str(value: str) -> str:
    """A Spark SQL string literal: Spark reads backslash escapes in literals."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _spark_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def spark_read_sql(record: DeliveryFile) -> str:
    """The Spark statements that read a file checked by the intake, as a JSON list whose
    last element is the query (Spark cannot give a CSV file a schema inside a query, so a
    temporary view comes first). The query reads what csv_read_sql() / parquet_read_sql()
    read, in the same columns, led by `_row_number`, the 1-based data-row number in file
    order: a multi-line CSV read is one unsplit partition, so monotonically_increasing_id()
    counts its rows from 0; Parquet has its row index."""
    path, header = Path(record.file_path), json.loads(record.columns)
    contract_columns = FILES[record.source][record.file_name]
    names = read_column_names(header, contract_columns)
    dialect = DIALECTS[record.source]
    if dialect.format != "csv":
        columns = ", ".join(
            _spark_name(name) if name == read else f"{_spark_name(name)} as {_spark_name(read)}"
            for name, read in zip(header, names)
        )
        return json.dumps(
            [
                f"select _metadata.row_index + 1 as _row_number, {columns} "
                f"from parquet.{_spark_name(str(path))}"
            ]
        )
    # One view per delivery: an accumulating source's deliveries are read in one query.
    delivery = re.sub(r"[^0-9A-Za-z]", "_", record.delivery or "")
    view = _spark_name(f"landing_{record.source}__{path.stem}__{delivery}")
    catch = [f"{EXTRA_FIELDS_COLUMN}_{position}" for position in range(1, len(header) + 1)]
    schema = ", ".join(f"{_spark_name(name)} string" for name in [*names, *catch])
    # RFC 4180 quoting; empty fields (quoted or not) are NULL, as DuckDB reads them.
    options = {
        "path": str(path),
        "header": "true",
        "sep": dialect.delimiter,
        "quote": '"',
        "escape": '"',
        "multiLine": "true",
        "mode": "PERMISSIVE",
        "encoding": "UTF-8",
    }
    create = (
        f"create or replace temporary view {view} ({schema}) using csv options ("
        + ", ".join(f"{_spark_str(key)} {_spark_str(value)}" for key, value in options.items())
        + ")"
    )
    surplus = ", ".join(f"coalesce({_spark_name(name)}, '')" for name in catch)
    extra = (
        f"case when coalesce({', '.join(_spark_name(name) for name in catch)}) is not null "
        f"then trim(trailing {_spark_str(dialect.delimiter)} from "
        f"concat_ws({_spark_str(dialect.delimiter)}, {surplus})) end"
    )
    query = (
        f"select monotonically_increasing_id() + 1 as _row_number, "
        f"{', '.join(_spark_name(name) for name in names)}, {extra} as {EXTRA_FIELDS_COLUMN} from {view}"
    )
    return json.dumps([create, query])


# Date columns of each file (checked by the base_ models in the source's date format) and
# the timestamp columns with theirs. A file in which such a column holds values but not
# one of them is a date in that format was written in another dialect: refused whole.
DATE_COLUMNS: dict[str, list[str]] = {
    "penduduk.csv": ["tanggal_lahir", "tanggal_meninggal"],
    "rumah_tangga.csv": ["tanggal_verivali"],
    "anggota.csv": ["tanggal_lahir"],
    "keluarga.csv": ["tanggal_pendataan"],
    "individu.csv": ["tgl_lahir"],
    "regsosek_keluarga.parquet": ["tanggal_pencacahan"],
    "regsosek_individu.parquet": ["tanggal_lahir"],
    "hasil_verifikasi.csv": ["tanggal_kunjungan"],
    "anggota_usulan.csv": ["tanggal_lahir"],
}
TIMESTAMP_COLUMNS: dict[str, dict[str, str]] = {
    "penduduk.csv": {"tanggal_update": "%Y-%m-%d %H:%M:%S"},
}
PARQUET_DATE_FORMAT = "%Y-%m-%d"  # a DATE cast to text


def _readable_format(date_format: str) -> str:
    for code, text in (("%Y", "YYYY"), ("%m", "MM"), ("%d", "DD"), ("%H", "HH"), ("%M", "MI"), ("%S", "SS")):
        date_format = date_format.replace(code, text)
    return date_format


def _date_formats(source: str, file_name: str) -> dict[str, str]:
    date_format = DIALECTS[source].date_format or PARQUET_DATE_FORMAT
    formats = dict.fromkeys(DATE_COLUMNS.get(file_name, []), date_format)
    return {**formats, **TIMESTAMP_COLUMNS.get(file_name, {})}


def _scan(
    con: duckdb.DuckDBPyConnection, read_sql: str, columns: list[str], date_formats: dict[str, str]
) -> tuple[int, dict[str, tuple[int, int]]]:
    """Read every value of every column once (so that bytes that are not UTF-8 anywhere in
    the file fail here, not in staging): the row count and, per date column, how many
    values are given and how many of them parse in its format (as staging parses them)."""
    counts = [f"count({_sql_name(name)})" for name in columns]
    dates = []
    for column, date_format in date_formats.items():
        clean = f"nullif(trim(cast({_sql_name(column)} as varchar)), '')"
        dates += [f"count({clean})", f"count(try_strptime({clean}, {quote_literal(date_format)}))"]
    row = con.sql(f"select count(*), {', '.join(counts + dates) or '0'} from {read_sql}").fetchall()[0]
    found = row[1 + len(counts) :]
    return row[0], {column: (found[2 * i], found[2 * i + 1]) for i, column in enumerate(date_formats)}


def _describe_error(error: Exception) -> str:
    """One line saying what is wrong, never a delivered value (DuckDB's CSV errors quote
    the offending line, which may hold a NIK or a name: that line is left out)."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    first = lines[0].removeprefix("Invalid Input Error: ")
    if first.startswith("CSV Error on Line"):
        after = [line for line in lines[1:] if not line.startswith("Original Line")]
        if after:
            return f"{first}: {after[0]}"
    return first


def _inspect_file(
    con: duckdb.DuckDBPyConnection, record: DeliveryFile, path: Path, verified: dict[str, dict] | None = None
) -> None:
    """Fill hash, columns, read SQL and row count; set file_problem on the first failure.

    verified: files an earlier intake found usable, by path. One whose size, modification
    time and manifest entry are unchanged is taken as verified without reading it again:
    a landing zone keeps every month's deliveries, and hashing and scanning all of them
    on every build would make the intake grow with the history."""
    if not path.is_file():
        record.file_problem = "file listed in the manifest is missing"
        return
    stat = path.stat()
    record.file_bytes, record.file_mtime_ns = stat.st_size, stat.st_mtime_ns
    known = (verified or {}).get(record.file_path)
    if known and (
        known["file_bytes"],
        known["file_mtime_ns"],
        known["manifest_sha256"],
        known["manifest_rows"],
    ) == (record.file_bytes, record.file_mtime_ns, record.manifest_sha256, record.manifest_rows):
        for field in ("file_sha256", "file_rows", "columns", "read_sql"):
            setattr(record, field, known[field])
        return
    try:
        record.file_sha256 = _sha256(path)
    except OSError as error:
        record.file_problem = f"unreadable: {error.strerror or type(error).__name__}"
        return
    if record.manifest_sha256 and record.file_sha256 != record.manifest_sha256.lower():
        record.file_problem = "sha256 does not match the manifest"
        return
    if path.stat().st_size == 0:
        record.file_problem = "unreadable: file is empty (0 bytes)"
        return
    dialect = DIALECTS[record.source]
    contract_columns = FILES[record.source][record.file_name]
    try:
        if dialect.format == "csv":
            header = _csv_header(path, dialect.delimiter)
            record.read_sql = csv_read_sql(path, header, dialect.delimiter, contract_columns)
            read_columns = [*read_column_names(header, contract_columns), EXTRA_FIELDS_COLUMN]
        else:
            plain = parquet_read_sql(path)
            described = [row[:2] for row in con.sql(f"describe select * from {plain}").fetchall()]
            header = [name for name, _ in described]
            dates = DATE_COLUMNS.get(record.file_name, [])
            mistyped = [f"{name} is {kind}" for name, kind in described if name in dates and kind != "DATE"]
            if mistyped:
                record.columns = json.dumps(header)
                record.file_problem = "date column(s) not of type DATE as the contract says: " + ", ".join(
                    mistyped
                )
                return
            record.read_sql = parquet_read_sql(path, header, contract_columns)
            read_columns = read_column_names(header, contract_columns)
        record.columns = json.dumps(header)
        missing = [name for name in contract_columns if name not in header]
        if missing:
            record.file_problem = "missing required column(s): " + ", ".join(missing)
            if dialect.format == "csv" and len(header) == 1:
                record.file_problem += (
                    f" (the header is a single field: not delimited by {dialect.delimiter!r})"
                )
            return
        duplicated = sorted({name for name in contract_columns if header.count(name) > 1})
        if duplicated:
            record.file_problem = "duplicated column(s): " + ", ".join(duplicated)
            return
        date_formats = _date_formats(record.source, record.file_name)
        record.file_rows, dates = _scan(con, record.read_sql, read_columns, date_formats)
    except (ValueError, duckdb.Error) as error:
        record.file_problem = "unreadable: " + _describe_error(error)
        return
    if record.file_rows != record.manifest_rows:
        record.file_problem = (
            f"row count {record.file_rows} does not match the manifest's {record.manifest_rows}"
        )
        return
    for column, (given, parsed) in dates.items():
        # Not one date in the source's format, in most of the rows: the file's dates are
        # written in another dialect (a single garbled value is a row's problem instead).
        if given and not parsed and 2 * given > record.file_rows:
            record.file_problem = (
                f"dates in the wrong format: no value of {column} is a date in the source's format "
                f"{_readable_format(date_formats[column])} ({given} of {record.file_rows} rows)"
            )
            return


def _read_manifest(folder: Path, source: str, extract_date: dt.date | None) -> tuple[dict, str | None]:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}, "no _manifest.json (delivery incomplete)"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return {}, f"_manifest.json is not valid JSON: {error}"
    except (OSError, RecursionError) as error:
        return {}, f"_manifest.json cannot be read: {type(error).__name__}"
    if not isinstance(manifest, dict):
        return {}, f"_manifest.json is not a JSON object (it is {_json_kind(manifest)})"
    expected_version = CONTRACT_VERSIONS[source]
    if manifest.get("contract_version") != expected_version:
        return manifest, (
            f"_manifest.json contract_version is {_shown(manifest.get('contract_version'))}, "
            f"expected {expected_version}"
        )
    if manifest.get("source") != source:
        return manifest, f"_manifest.json names source {_shown(manifest.get('source'))}"
    if extract_date and manifest.get("extract_date") != extract_date.isoformat():
        return (
            manifest,
            f"_manifest.json extract_date {_shown(manifest.get('extract_date'))} differs from the folder",
        )
    if not isinstance(manifest.get("files"), dict):
        return manifest, "_manifest.json has no files object"
    return manifest, None


def _json_kind(value) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def _shown(value, limit: int = 40) -> str:
    """A manifest value as the message shows it: repr, cut short (a manifest is the
    agency's text, not personal data, but a message stays one readable line)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _manifest_entry(entry) -> tuple[int | None, str | None, str | None]:
    """(rows, sha256, problem) of one file's manifest entry. rows must be a whole number
    written as one (JSON integer, not 4955.9, "4,955", null or true), sha256 64 hex digits."""
    if not isinstance(entry, dict) or "rows" not in entry or "sha256" not in entry:
        return None, None, "not listed with rows and sha256 in the manifest"
    rows, sha256 = entry["rows"], entry["sha256"]
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
        return None, None, f"the manifest's rows is not a whole number of rows: {_shown(rows)}"
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        return rows, None, f"the manifest's sha256 is not 64 hexadecimal digits: {_shown(sha256)}"
    return rows, sha256, None


_FOLDER_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_folder_date(name: str) -> dt.date | None:
    """YYYY-MM-DD exactly (date.fromisoformat alone also reads 2026-W45-1 and 20261102)."""
    if not _FOLDER_DATE.fullmatch(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def _outside(path: Path, root: Path) -> bool:
    """Whether `path`, with every symbolic link followed, lies outside `root` (resolved)."""
    return not path.resolve().is_relative_to(root)


def inspect_delivery(
    con: duckdb.DuckDBPyConnection,
    source: str,
    folder: Path,
    verified: dict[str, dict] | None = None,
    root: Path | None = None,
    today: dt.date | None = None,
) -> list[DeliveryFile]:
    """One record per contract file of one delivery folder, with the delivery's verdict.

    root: the landing root (resolved); a delivery folder, manifest or file that resolves
    outside it (a symbolic link) is refused before anything of it is read.
    today: a delivery dated after it is held (refused until that date): otherwise a
    mistyped future date would stay current for ever, superseding every later delivery.
    """
    root = (root or folder.parent.parent).resolve()
    today = today or dt.date.today()
    extract_date = _parse_folder_date(folder.name)
    records = [
        DeliveryFile(source, extract_date, folder.name, name, str(folder.absolute() / name))
        for name in FILES[source]
    ]
    try:
        problem = _check_delivery(con, source, folder, records, verified, root, today)
    except Exception as error:
        problem = f"the intake could not inspect this delivery ({type(error).__name__}): refused"
    for record in records:
        record.delivery_problem = problem
    return records


def _check_delivery(
    con,
    source: str,
    folder: Path,
    records: list[DeliveryFile],
    verified: dict | None,
    root: Path,
    today: dt.date,
) -> str | None:
    """Inspect the delivery's manifest and files; the delivery's problem, or None."""
    extract_date = records[0].extract_date
    if extract_date is None:
        return "delivery folder name is not a date (YYYY-MM-DD)"
    if extract_date > today:
        return (
            f"dated after today ({today.isoformat()}): held, not used before that date "
            "(a mistyped folder name?)"
        )
    if _outside(folder, root) or _outside(folder / MANIFEST_NAME, root):
        return (
            "the delivery folder or its _manifest.json is a link to outside the landing root: refused unread"
        )
    manifest, problem = _read_manifest(folder, source, extract_date)
    if problem is not None:
        return problem
    for record in records:
        path = folder / record.file_name
        record.manifest_rows, record.manifest_sha256, record.file_problem = _manifest_entry(
            manifest["files"].get(record.file_name)
        )
        if record.file_problem is None and _outside(path, root):
            record.file_problem = "the file is a link to outside the landing root: refused unread"
        if record.file_problem is None:
            record.file_path = str(path.resolve())
            _inspect_file(con, record, path, verified)
    failed = [r for r in records if r.file_problem]
    return "; ".join(f"{r.file_name}: {r.file_problem}" for r in failed) if failed else None


def scan_landing(
    root: Path, con: duckdb.DuckDBPyConnection, verified: dict[str, dict] | None = None
) -> list[DeliveryFile]:
    """Inspect every delivery of every source and mark the current one of each (files in
    `verified`, unchanged, are not read again: see _inspect_file).

    Deliveries are inspected side by side, one DuckDB cursor and one core each: a file is
    scanned on one thread (csv_read_sql), and the civil register's file alone is most of
    the landing zone, so one delivery after another left a core idle for most of the intake.

    Raises NoUsableDelivery naming each source that has none, with what was wrong (an
    optional source without any delivery folder has none to use, and that is fine).
    """
    root = root.resolve()
    today = dt.date.today()
    deliveries = [(source, folder) for source in FILES for folder in _delivery_folders(root, source)]

    def inspect(delivery: tuple[str, Path]) -> list[DeliveryFile]:
        with con.cursor() as cursor:
            return inspect_delivery(cursor, *delivery, verified, root, today)

    by_source: dict[str, list[DeliveryFile]] = {source: [] for source in FILES}
    workers = max(1, min(len(deliveries), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for (source, _), found in zip(deliveries, pool.map(inspect, deliveries)):
            by_source[source].extend(found)

    records: list[DeliveryFile] = []
    unusable: list[str] = []
    for source, source_records in by_source.items():
        usable = sorted({r.extract_date for r in source_records if r.delivery_problem is None})
        for record in source_records:
            if record.delivery_problem is None:
                newest = source in ACCUMULATING_SOURCES or record.extract_date == usable[-1]
                record.status = "current" if newest else "superseded"
        if not usable and source not in OPTIONAL_SOURCES:
            reasons = sorted({f"{r.delivery}: {r.delivery_problem}" for r in source_records})
            where = root / source
            unusable.append(
                f"source {source} has no usable delivery in {where}"
                + (" (" + " | ".join(reasons) + ")" if reasons else " (no delivery folders)")
            )
        records.extend(source_records)
    records.extend(unknown_folders(root))
    if unusable:
        raise NoUsableDelivery("; ".join(unusable))
    return records


def _delivery_folders(root: Path, source: str) -> list[Path]:
    return sorted(p for p in (root / source).glob("*") if p.is_dir()) if (root / source).is_dir() else []


def unknown_folders(root: Path) -> list[DeliveryFile]:
    """A refused record for each folder under the landing root that is no source this
    version reads (a misspelt `Dukcapil/`, a newer contract's source): its rows would
    otherwise vanish without a word. Hidden folders (`.snapshot`, `.Trash`) are left alone."""
    known = ", ".join(sorted(FILES))
    return (
        [
            DeliveryFile(
                folder.name,
                None,
                None,
                None,
                str(folder),
                delivery_problem=f"folder {folder.name}/ is not a source this warehouse reads ({known}): "
                "nothing in it is staged",
            )
            for folder in sorted(root.iterdir())
            if folder.is_dir() and not folder.name.startswith(".") and folder.name not in FILES
        ]
        if root.is_dir()
        else []
    )


def as_rows(records: list[DeliveryFile]) -> list[dict]:
    return [asdict(r) for r in records]


def write_spark_intake(root: Path, out: Path) -> list[DeliveryFile]:
    """Run the intake (on DuckDB, exactly as the Python model does) for a build on Spark,
    which cannot run Python models: the records go to `out` as JSON lines, read by the
    Spark variant of stg_landing__delivery_files, with each file's Spark statements as
    read_sql. Raises NoUsableDelivery as the model does."""
    records = scan_landing(root, duckdb.connect())
    for record in records:
        record.read_sql = spark_read_sql(record) if record.columns else None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "".join(json.dumps(asdict(record), default=str) + "\n" for record in records), encoding="utf-8"
    )
    return records
