"""SQL text built in Python: identifiers and string literals quoted as DuckDB and Spark SQL
read them. Every module that writes a name or a path into a statement quotes it here."""

from __future__ import annotations


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
