"""Keyed pseudonyms for NIK and family-card numbers (UU 27/2022 on personal data).

HMAC-SHA256 with a key read from the environment at run time: the key is never written to
the database, the compiled SQL or a log, so a pseudonym cannot be reversed by hashing all
possible NIKs without it. The build computes it inside DuckDB (`hmac_sql`, tens of
millions of identifiers without moving them into Python), with the key's two HMAC pads
bound as query parameters so they never appear in SQL text; on Spark as Spark SQL
(`hmac_spark`), the pads a one-row data frame made in the driver's JVM (`spark_pads`), so
no identifier is collected on the driver; `pseudonymise` is the same function in Python.

The key must hold at least 256 bits (a short key is found by brute force from one published
pseudonym). The working database keeps a keyed fingerprint of the key its snapshot history
was made with (FINGERPRINT_TABLE, written by the snapshot in the transaction that writes
the history): a build with another key stops before writing any pseudonym, unless a
rotation is asked for (dbt var rotate_pseudonym_key, the previous key in
DTSEN_PSEUDONYM_KEY_PREVIOUS); the snapshot's families are then re-keyed to their new
pseudonyms in that same transaction, so their history continues.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from pathlib import Path

from dtsen.engine import duckdb_inputs, is_spark, to_engine

KEY_VARIABLE = "DTSEN_PSEUDONYM_KEY"
PREVIOUS_KEY_VARIABLE = "DTSEN_PSEUDONYM_KEY_PREVIOUS"
ROTATE_VAR = "rotate_pseudonym_key"  # dbt var asking for a key rotation
PSEUDONYM_HEX_DIGITS = 32  # 128 bits: no collisions at national scale
MIN_KEY_BYTES = 32  # 256 bits
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'
# The fingerprint of the key the working database's history was made with. Outside the
# marts schema: publish copies the marts, and analysts have no use for it.
FINGERPRINT_TABLE = "main.dtsen_pseudonym_key"
_FINGERPRINT_MESSAGE = b"dtsen pseudonym key fingerprint v1"
_HMAC_BLOCK = 64  # bytes: SHA-256's block size (RFC 2104)
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
_BASE64_KEY = re.compile(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}")
_MIN_BASE64_CHARACTERS = 44  # 32 bytes with their padding


class PseudonymKeyError(RuntimeError):
    """The pseudonym key in the environment cannot be used; the message is one line."""


class MissingPseudonymKey(PseudonymKeyError):
    """The marts cannot be built without a pseudonym key."""


class WeakPseudonymKey(PseudonymKeyError):
    """The key holds less than 256 bits, or is not written as hexadecimal or base64."""


class ChangedPseudonymKey(PseudonymKeyError):
    """The key is not the one the working database's pseudonyms and history were made with."""


def _key_bytes_of_text(text: str) -> int:
    """How many bytes of key material the text carries: as hexadecimal, else as standard or
    url-safe base64 (padding optional); 0 when it is neither. Text of hexadecimal digits only
    is judged as hexadecimal (4 bits a character), although it also reads as base64."""
    if _HEX_DIGITS.fullmatch(text):
        return len(text) // 2
    if len(text) >= _MIN_BASE64_CHARACTERS and _BASE64_KEY.fullmatch(text):
        unpadded = text.rstrip("=").replace("-", "+").replace("_", "/")
        try:
            return len(base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True))
        except (binascii.Error, ValueError):
            return 0
    return 0


def _checked_key(variable: str) -> bytes:
    """The key in `variable`, refused when missing or weak. The HMAC key is the text's UTF-8
    bytes (not the decoded bytes), so pseudonyms made with a valid key before keys were
    checked stay the same."""
    text = os.environ.get(variable, "")
    if not text:
        raise MissingPseudonymKey(
            f"{variable} is not set: the marts carry keyed pseudonyms instead of NIK and KK, "
            f"and refuse to build without the key. Set {variable} to the secret key, made with "
            f"{MAKE_A_KEY} (the synthetic demo, dtsen run, makes a throwaway key for itself)."
        )
    if text != text.strip():
        # Not trimmed silently: a key with a stray newline is another HMAC key, and trimming
        # here but not in another tool would give two sets of pseudonyms for one key.
        raise WeakPseudonymKey(
            f"{variable} has whitespace around the key: remove it (the key is used exactly as written); "
            f"make a key with {MAKE_A_KEY}"
        )
    if _key_bytes_of_text(text) < MIN_KEY_BYTES:
        raise WeakPseudonymKey(
            f"{variable} is too weak: a pseudonym key needs at least 256 bits, written as at least 64 "
            f"hexadecimal characters or 44 base64 characters (a short key is found by brute force from "
            f"one published pseudonym); make one with {MAKE_A_KEY}"
        )
    return text.encode("utf-8")


def key_fingerprint(key: bytes) -> str:
    """A keyed fingerprint of the key: HMAC(key, a fixed message). Tells keys apart without
    revealing them (an unkeyed hash of a key could be checked against guesses)."""
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def key_from_environment(stored_fingerprint: str | None = None, rotate: bool = False) -> bytes:
    """The pseudonym key of DTSEN_PSEUDONYM_KEY. Raises MissingPseudonymKey or
    WeakPseudonymKey; given the fingerprint stored in the working database (None: first
    build), ChangedPseudonymKey when the key is another, unless `rotate` and
    DTSEN_PSEUDONYM_KEY_PREVIOUS holds the stored key (or the rotation already happened:
    the key is the stored one)."""
    key = _checked_key(KEY_VARIABLE)
    if stored_fingerprint is None or hmac.compare_digest(key_fingerprint(key), stored_fingerprint):
        return key
    if not rotate:
        raise ChangedPseudonymKey(
            f"{KEY_VARIABLE} is not the key the working database's pseudonyms and history were made "
            f"with (its fingerprint differs from the stored one): set the previous key, or to rotate "
            f"the key say so explicitly: --vars '{{{ROTATE_VAR}: true}}' with the previous key in "
            f"{PREVIOUS_KEY_VARIABLE}"
        )
    previous = _checked_key(PREVIOUS_KEY_VARIABLE)
    if not hmac.compare_digest(key_fingerprint(previous), stored_fingerprint):
        raise ChangedPseudonymKey(
            f"{PREVIOUS_KEY_VARIABLE} is not the key the working database's pseudonyms and history were "
            f"made with: a rotation needs the previous key there, to carry the history over to {KEY_VARIABLE}"
        )
    return key


def stored_fingerprint(con) -> str | None:
    """The fingerprint the working database holds; None before the first snapshot of history."""
    schema, table = FINGERPRINT_TABLE.split(".")
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = con.execute(f"select fingerprint from {FINGERPRINT_TABLE}").fetchall()
    return rows[0][0] if rows else None


def preflight_key(db: Path, rotate: bool = False) -> None:
    """Before dbt starts: raise PseudonymKeyError when the key is missing, weak, or not the
    one `db`'s history was made with (unless `rotate`). Reads `db` read-only, so a running
    build keeps its lock; a missing database or fingerprint is a first build. A database
    another process holds open for writing cannot be read: the build checks it itself."""
    import duckdb

    fingerprint = None
    if Path(db).exists():
        try:
            con = duckdb.connect(str(db), read_only=True)
        except duckdb.IOException:
            con = None  # locked by another process: the lock is another pre-flight's message
        if con is not None:
            try:
                fingerprint = stored_fingerprint(con)
            finally:
                con.close()
    key_from_environment(fingerprint, rotate)


def rotation_asked(config_value) -> bool:
    """The dbt var rotate_pseudonym_key, as dbt_project.yml passes it on to the models'
    config. A Python model reads it with a literal dbt.config.get("rotate_pseudonym_key"):
    dbt hands a Python model only the config keys its own code names."""
    return str(config_value).lower() == "true"


def build_key(session, rotate: bool) -> tuple[bytes, bytes | None, str | None]:
    """In a model: the key, the previous key when a rotation is to be done now (else None),
    and the stored fingerprint. On Spark none is stored: Spark builds are compared, not published,
    and keep no history."""
    stored = None
    if not is_spark(session):
        cursor = session.cursor()  # the build's connection must be left with no pending result
        try:
            stored = stored_fingerprint(cursor)
        finally:
            cursor.close()
    key = key_from_environment(stored, rotate)
    # A key accepted with another fingerprint stored is a rotation still to be done, from the
    # previous key (key_from_environment has checked it is the stored one).
    rekey = stored is not None and not hmac.compare_digest(key_fingerprint(key), stored)
    return key, _checked_key(PREVIOUS_KEY_VARIABLE) if rekey else None, stored


def pseudonymise(values: list[str], key: bytes) -> list[str]:
    return [
        hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]
        for value in values
    ]


def hmac_pads(key: bytes, prefix: str = "") -> dict[str, bytes]:
    """The parameters of hmac_sql: the key's inner and outer HMAC pads (RFC 2104), named
    <prefix>inner_pad and <prefix>outer_pad."""
    block = (hashlib.sha256(key).digest() if len(key) > _HMAC_BLOCK else key).ljust(_HMAC_BLOCK, b"\0")
    return {
        f"{prefix}inner_pad": bytes(byte ^ 0x36 for byte in block),
        f"{prefix}outer_pad": bytes(byte ^ 0x5C for byte in block),
    }


def hmac_sql(text: str, prefix: str = "") -> str:
    """DuckDB SQL for the pseudonym of the text expression `text`, equal to pseudonymise:
    sha256(outer pad || sha256(inner pad || text)). Bind hmac_pads(key, prefix) as its parameters."""
    return (
        f"left(sha256(${prefix}outer_pad || unhex(sha256(${prefix}inner_pad || encode({text})))), "
        f"{PSEUDONYM_HEX_DIGITS})"
    )


def hmac_spark(text: str, prefix: str = ""):
    """The Spark column for the pseudonym of the string column `text`, equal to hmac_sql (the
    same lower-case hex digits): the pads are the binary columns <prefix>inner_pad and
    <prefix>outer_pad of spark_pads. NULL for NULL, as in DuckDB."""
    from pyspark.sql import functions as F

    inner = F.sha2(F.concat(F.col(f"{prefix}inner_pad"), F.encode(F.col(text), "UTF-8")), 256)
    outer = F.sha2(F.concat(F.col(f"{prefix}outer_pad"), F.unhex(inner)), 256)
    return F.left(outer, F.lit(PSEUDONYM_HEX_DIGITS))


def spark_pads(session, pads: dict[str, bytes]):
    """A one-row Spark data frame of `pads` (binary columns named by its keys), made in the
    driver's JVM from the driver's memory. Not createDataFrame, which spools Python rows to a
    temporary file, nor lit(), which prints its bytes into the query plan (explain, the Spark
    UI, the event log): a local relation's rows are not printed."""
    from pyspark.sql import DataFrame
    from pyspark.sql.types import BinaryType, StructField, StructType

    jvm = session._jvm
    values = session.sparkContext._gateway.new_array(jvm.java.lang.Object, len(pads))
    for i, pad in enumerate(pads.values()):
        values[i] = bytearray(pad)
    rows = jvm.java.util.ArrayList()
    rows.add(jvm.org.apache.spark.sql.RowFactory.create(values))
    schema = StructType([StructField(name, BinaryType(), False) for name in pads])
    java_schema = jvm.org.apache.spark.sql.types.DataType.fromJson(schema.json())
    return DataFrame(session._jsparkSession.createDataFrame(rows, java_schema), session)


def _pseudonyms_on_spark(session, identifiers: str, key: bytes, old_key: bytes | None, previous: bool, refs):
    """pseudonyms_of as Spark SQL: the identifiers stay on the executors, and the pads reach
    them as a broadcast one-row data frame."""
    from pyspark.sql import functions as F

    pads = hmac_pads(key)
    columns = [F.col("identifier"), hmac_spark("identifier").alias("pseudonym")]
    if previous:
        previous_pseudonym = F.lit(None).cast("string")
        if old_key is not None:
            pads |= hmac_pads(old_key, "previous_")
            previous_pseudonym = hmac_spark("identifier", "previous_")
        columns.append(previous_pseudonym.alias("previous_pseudonym"))
    # pyspark's sql() reads each {name} as the data frame passed by that name.
    frame = session.sql(identifiers, **refs)
    return frame.crossJoin(F.broadcast(spark_pads(session, pads))).select(*columns)


def pseudonyms_of(session, identifiers: str, rotate, previous: bool = False, **refs):
    """The body of the int_*_pseudonyms models: every identifier the query `identifiers`
    names (one column, `identifier`; `{name}` stands for each of `refs`) with its pseudonym.
    The HMAC runs in DuckDB with the key's pads bound as parameters, or on Spark as Spark SQL
    with the pads in a broadcast one-row data frame, so identifiers never leave the engine
    and the key never enters SQL text. One table per kind of identifier: the marts join the
    kind they show, and the planner counts its rows instead of guessing how many a filter on
    the kind keeps.
    A key the working database's history was not made with stops the model before it
    writes anything, unless `rotate` (its config rotate_pseudonym_key; build_key).
    previous: add previous_pseudonym, the pseudonym under the previous key while a rotation
    is being done (else NULL), for the snapshot to re-key its history by."""
    key, old_key, _ = build_key(session, rotation_asked(rotate))
    if is_spark(session):
        return _pseudonyms_on_spark(session, identifiers, key, old_key, previous, refs)
    params = hmac_pads(key)
    previous_column = ""
    if previous:
        previous_column = ", cast(null as varchar) as previous_pseudonym"
        if old_key is not None:
            params |= hmac_pads(old_key, "previous_")
            previous_column = f", {hmac_sql('identifier', 'previous_')} as previous_pseudonym"
    with duckdb_inputs(session, cursor=False, **refs) as (con, inputs):
        query = identifiers.format(**inputs)
        return to_engine(
            session,
            con.sql(
                f"select identifier, {hmac_sql('identifier')} as pseudonym{previous_column} from ({query})",
                params=params,
            ),
        )


def key_model(session, rotate):
    """The body of int_pseudonym_key: one row, the fingerprint of this build's key and, while
    a rotation is being done, the stored fingerprint it replaces (else NULL). The snapshot
    stores the first and re-keys its history when the second is the one stored."""
    key, old_key, stored = build_key(session, rotation_asked(rotate))
    replaces = stored if old_key is not None else None
    if is_spark(session):
        return session.createDataFrame(
            [(key_fingerprint(key), replaces)], "fingerprint string, replaces_fingerprint string"
        )
    with duckdb_inputs(session, cursor=False) as (con, _):
        return to_engine(
            session,
            con.sql(
                "select $fingerprint as fingerprint, cast($replaces as varchar) as replaces_fingerprint",
                params={"fingerprint": key_fingerprint(key), "replaces": replaces},
            ),
        )
