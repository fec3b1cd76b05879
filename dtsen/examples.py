"""The example queries of the README's part for analysts, with their output regenerated from a
published analyst database (`dtsen examples`), so that the output shown is what the query
returns from the current code's publication.

An example is an HTML comment naming it, the query in a ```sql block right below, and its
output in a ```text block right below that (written when missing):

    <!-- example: pkh-bandung -->            or  <!-- example: pkh-bandung rows=5 -->
    ```sql
    select ...
    ```
    ```text
    ...
    ```

The query runs read-only, with no access to files (a page cannot make the command read or
write anything but the analyst database). Its output is a fixed-width table of its first
rows (MAX_ROWS, or the marker's rows=N), followed by "(N of M rows)" when there are more: a
query returning more than one row must say its order (ORDER BY), so the table is the same
every time the same publication is read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import re
from pathlib import Path

import duckdb

MAX_ROWS = 10
# A marker stands on a line of its own: one quoted inside a sentence is not an example.
MARKER = re.compile(r"^<!-- example: ([A-Za-z0-9_-]+)(?: rows=(\d+))? -->$", flags=re.M)
# A marker, its query, and the output block (optional: a new example has none yet).
EXAMPLE = re.compile(
    MARKER.pattern + r"\n```sql\n(?P<sql>.*?)```\n(?:```text\n(?P<output>.*?)```\n)?", flags=re.S | re.M
)
ORDER_BY = re.compile(r"\border\s+by\b", flags=re.I)


class ExampleError(RuntimeError):
    """An example cannot be regenerated: a marker without its query, a query that fails or
    has no stable order, an analyst database that cannot be opened."""


@dataclasses.dataclass(frozen=True)
class Example:
    name: str
    sql: str
    output: str | None  # the output block as written in the page (None: none yet)
    rows: int  # at most this many rows are shown
    line: int  # the marker's line in the page, from 1
    start: int  # the example's span in the page's text (marker to the end of its output block)
    end: int
    output_start: int  # where the output block is (or goes)


@dataclasses.dataclass(frozen=True)
class Refreshed:
    path: Path
    examples: list[str]  # every example's name, in page order
    stale: list[Example]  # whose output block was not what the query returns (rewritten unless check)


def find_examples(text: str, source: str = "page") -> list[Example]:
    """Every example of `text`; ExampleError naming `source` and the line of a marker that is
    not followed by its ```sql block, or of a name used twice."""
    examples = []
    for match in EXAMPLE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        output_start = match.start("output") - len("```text\n") if match.group("output") is not None else None
        examples.append(
            Example(
                name=match.group(1),
                sql=match.group("sql"),
                output=match.group("output"),
                rows=int(match.group(2)) if match.group(2) else MAX_ROWS,
                line=line,
                start=match.start(),
                end=match.end(),
                output_start=output_start if output_start is not None else match.end(),
            )
        )
    found = {example.start for example in examples}
    for marker in MARKER.finditer(text):
        if marker.start() not in found:
            line = text.count("\n", 0, marker.start()) + 1
            raise ExampleError(
                f"{source} line {line}: example {marker.group(1)!r} is not followed by its ```sql block "
                "(the marker, then the query, then its ```text output block, each on the next line)"
            )
    for first, example in enumerate(examples):
        again = [other for other in examples[first + 1 :] if other.name == example.name]
        if again:
            raise ExampleError(
                f"{source} line {example.line}: example {example.name!r}: the name is used again on "
                f"line {again[0].line}; each example needs a name of its own"
            )
    return examples


def connect(analyst_db: Path) -> duckdb.DuckDBPyConnection:
    """The analyst database, read-only and without file access; ExampleError when absent."""
    if not analyst_db.exists():
        raise ExampleError(
            f"no analyst database at {analyst_db}: publish one first (`dtsen run`, or `dtsen publish`)"
        )
    try:
        return duckdb.connect(str(analyst_db), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as error:
        raise ExampleError(f"cannot open the analyst database {analyst_db}: {error}") from None


def output(con: duckdb.DuckDBPyConnection, example: Example, source: str = "page") -> str:
    """The example's output block: the query's first rows as a fixed-width table."""
    where = f"{source} line {example.line}: example {example.name!r}"
    try:
        result = con.execute(example.sql)
        columns = [column[0] for column in result.description]
        rows = result.fetchall()
    except duckdb.Error as error:
        raise ExampleError(f"{where}: the query fails: {error}") from None
    if len(rows) > 1 and not ORDER_BY.search(example.sql):
        raise ExampleError(
            f"{where}: the query returns {len(rows):,} rows but has no ORDER BY, so its output "
            "would differ from one run to the next: order it by a key"
        )
    return format_table(columns, rows[: example.rows], len(rows))


def format_table(columns: list[str], rows: list[tuple], total: int) -> str:
    """A fixed-width table: a header, dashes under it, one line per row; numbers right-aligned,
    other values left-aligned, NULL for a missing value; "(N of M rows)" below when rows is
    not the whole result."""
    cells = [[_cell(value) for value in row] for row in rows]
    numeric = [
        any(row[i] is not None for row in rows) and all(row[i] is None or _is_number(row[i]) for row in rows)
        for i in range(len(columns))
    ]
    widths = [max([len(column), *(len(row[i]) for row in cells)]) for i, column in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric)
        ).rstrip()

    lines = [line(columns), "  ".join("-" * width for width in widths)]
    lines += [line(row) for row in cells]
    if total > len(rows):
        lines.append(f"({len(rows):,} of {total:,} rows)")
    elif not rows:
        lines.append("(no rows)")
    return "\n".join(lines) + "\n"


def _is_number(value) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _cell(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def refresh(path: Path, analyst_db: Path, check: bool = False) -> Refreshed:
    """Run every example of the page `path` against `analyst_db` and rewrite the output blocks
    that differ (none with check=True: the page is left as it is). The page is written only
    when something changed, and only after every example ran."""
    text = path.read_text(encoding="utf-8")
    examples = find_examples(text, str(path))
    if not examples:
        return Refreshed(path, [], [])
    con = connect(analyst_db)
    try:
        outputs = [output(con, example, str(path)) for example in examples]
    finally:
        con.close()
    stale = [example for example, new in zip(examples, outputs) if example.output != new]
    if stale and not check:
        parts, position = [], 0
        for example, new in zip(examples, outputs):
            parts += [text[position : example.output_start], f"```text\n{new}```\n"]
            position = example.end
        parts.append(text[position:])
        path.write_text("".join(parts), encoding="utf-8")
    return Refreshed(path, [example.name for example in examples], stale)
