"""Keyed pseudonyms for NIK and family-card numbers (UU 27/2022 on personal data).

HMAC-SHA256 with a key read from the environment at run time: the key is never written to
the database, the compiled SQL or a log, so a pseudonym cannot be reversed by hashing all
possible NIKs without it.
"""
from __future__ import annotations

import hashlib
import hmac
import os

KEY_VARIABLE = "DTSEN_PSEUDONYM_KEY"
PSEUDONYM_HEX_DIGITS = 32  # 128 bits: no collisions at national scale


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
