"""Keyed pseudonyms for NIK and family-card numbers (UU 27/2022 on personal data).

HMAC-SHA256 with a key read from the environment at run time: the key is never written to
the database, the compiled SQL or a log, so a pseudonym cannot be reversed by hashing all
possible NIKs without it. The build computes it inside DuckDB (`hmac_sql`, tens of
millions of identifiers without moving them into Python), with the key's two HMAC pads
bound as query parameters so they never appear in SQL text; `pseudonymise` is the same
function in Python.
"""
from __future__ import annotations

import hashlib
import hmac
import os

from dtsen.engine import duckdb_inputs, to_engine

KEY_VARIABLE = "DTSEN_PSEUDONYM_KEY"
PSEUDONYM_HEX_DIGITS = 32  # 128 bits: no collisions at national scale
_HMAC_BLOCK = 64  # bytes: SHA-256's block size (RFC 2104)


class MissingPseudonymKey(RuntimeError):
    """The marts cannot be built without a pseudonym key."""


def key_from_environment() -> bytes:
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        raise MissingPseudonymKey(
            f"{KEY_VARIABLE} is not set: the marts carry keyed pseudonyms instead of NIK and KK, "
            f"and refuse to build without the key. Set {KEY_VARIABLE} to the secret key "
            "(the synthetic demo, dtsen run, makes a throwaway key for itself)."
        )
    return key.encode("utf-8")


def pseudonymise(values: list[str], key: bytes) -> list[str]:
    return [hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]
            for value in values]


def hmac_pads(key: bytes) -> dict[str, bytes]:
    """The parameters of hmac_sql: the key's inner and outer HMAC pads (RFC 2104)."""
    block = (hashlib.sha256(key).digest() if len(key) > _HMAC_BLOCK else key).ljust(_HMAC_BLOCK, b"\0")
    return {"inner_pad": bytes(byte ^ 0x36 for byte in block), "outer_pad": bytes(byte ^ 0x5C for byte in block)}


def hmac_sql(text: str) -> str:
    """DuckDB SQL for the pseudonym of the text expression `text`, equal to pseudonymise:
    sha256(outer pad || sha256(inner pad || text)). Bind hmac_pads(key) as its parameters."""
    return (f"left(sha256($outer_pad || unhex(sha256($inner_pad || encode({text})))), "
            f"{PSEUDONYM_HEX_DIGITS})")


def pseudonyms_of(session, identifiers: str, **refs):
    """The body of the int_*_pseudonyms models: every identifier the query `identifiers`
    names (one column, `identifier`; `{name}` stands for each of `refs`) with its pseudonym.
    The HMAC runs in DuckDB with the key's pads bound as parameters (dtsen.engine: on Spark,
    in a DuckDB on the driver), so identifiers never leave the database and the key never
    enters SQL text. One table per kind of identifier: the marts join the kind they show, and
    the planner counts its rows instead of guessing how many a filter on the kind keeps."""
    pads = hmac_pads(key_from_environment())
    with duckdb_inputs(session, cursor=False, **refs) as (con, inputs):
        query = identifiers.format(**inputs)
        return to_engine(session, con.sql(
            f"select identifier, {hmac_sql('identifier')} as pseudonym from ({query})", params=pads))
