"""The pseudonym computed inside DuckDB is the Python HMAC, for any text and key length; weak
keys are refused; the pre-flight refuses a key that is not the working database's; the
analyst database shows no agency's record id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtsen.pseudonym import (
    FINGERPRINT_TABLE,
    KEY_VARIABLE,
    PREVIOUS_KEY_VARIABLE,
    ChangedPseudonymKey,
    MissingPseudonymKey,
    PseudonymKeyError,
    WeakPseudonymKey,
    hmac_pads,
    hmac_sql,
    key_fingerprint,
    key_from_environment,
    preflight_key,
    pseudonymise,
)


@pytest.mark.parametrize("key", [b"k", b"test-only-key-not-secret", b"x" * 64, b"y" * 65, bytes(range(200))])
def test_sql_hmac_equals_python_hmac_for_every_key_length(key):
    texts = ["3171014501900001", "", "dukcapil/RT000000005244", "Siti Aminah é 漢字"]
    con = duckdb.connect()
    sql = f"select {hmac_sql('text')} from unnest($texts) as t(text)"
    got = [row[0] for row in con.sql(sql, params={**hmac_pads(key), "texts": texts}).fetchall()]
    assert got == pseudonymise(texts, key)


@settings(max_examples=50, deadline=None)
@given(
    text=st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    key=st.binary(min_size=1, max_size=100),
)
def test_sql_hmac_equals_python_hmac(text, key):
    con = duckdb.connect()
    got = con.sql(f"select {hmac_sql('$text')}", params={**hmac_pads(key), "text": text}).fetchall()[0][0]
    assert got == pseudonymise([text], key)[0]


# Keys: at least 256 bits, written as hexadecimal or base64; anything else is refused with
# one line saying why and how to make a key.
STRONG_KEYS = [
    "0f" * 32,
    "A1b2" * 16 + "c3d4",
    base64.b64encode(bytes(range(32))).decode(),
    base64.urlsafe_b64encode(bytes(range(200, 233))).decode(),
]
WEAK_KEYS = [
    "a",
    "k3y",
    "test-only-key-not-secret",
    "correct horse battery staple",
    "0f" * 31,
    base64.b64encode(bytes(range(31))).decode(),
    "not base64 at all, even if it is long enough!!",
]
WHITESPACE_KEYS = [" ", "\t", " " + "0f" * 32, "0f" * 32 + "\n"]


@pytest.mark.parametrize("key", STRONG_KEYS)
def test_strong_keys_are_accepted_as_their_text(monkeypatch, key):
    monkeypatch.setenv(KEY_VARIABLE, key)
    # The HMAC key stays the text's bytes: pseudonyms made with a valid key do not change.
    assert key_from_environment() == key.encode("utf-8")


@pytest.mark.parametrize("key", WEAK_KEYS)
def test_weak_keys_are_refused_with_how_to_make_one(monkeypatch, key):
    monkeypatch.setenv(KEY_VARIABLE, key)
    with pytest.raises(WeakPseudonymKey) as refused:
        key_from_environment()
    message = str(refused.value)
    assert "\n" not in message and (len(key) < 4 or key not in message)  # the key is never echoed
    assert f"{KEY_VARIABLE} is too weak: a pseudonym key needs at least 256 bits" in message
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message


@pytest.mark.parametrize("key", WHITESPACE_KEYS)
def test_whitespace_around_a_key_is_refused_not_trimmed(monkeypatch, key):
    monkeypatch.setenv(KEY_VARIABLE, key)
    with pytest.raises(WeakPseudonymKey, match=f"^{KEY_VARIABLE} has whitespace around the key: remove it"):
        key_from_environment()


def test_a_missing_key_is_refused(monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE)
    with pytest.raises(MissingPseudonymKey, match=f"^{KEY_VARIABLE} is not set"):
        key_from_environment()
    assert all(
        issubclass(error, PseudonymKeyError)
        for error in (MissingPseudonymKey, WeakPseudonymKey, ChangedPseudonymKey)
    )
    assert issubclass(PseudonymKeyError, RuntimeError)


def test_the_fingerprint_is_keyed():
    key, other = b"0f" * 32, b"1e" * 32
    message = b"dtsen pseudonym key fingerprint v1"
    assert key_fingerprint(key) == hmac.new(key, message, hashlib.sha256).hexdigest()
    assert key_fingerprint(key) != key_fingerprint(other)
    assert key_fingerprint(key) not in (hashlib.sha256(key).hexdigest(), key.decode())


# preflight_key: the key checks before dbt starts, against the fingerprint in the database.
OLD_KEY, NEW_KEY = "0f" * 32, "1e" * 32


def _database_with_fingerprint(path: Path, key: str | None) -> Path:
    """A working database holding the fingerprint of `key` (None: the table, empty)."""
    con = duckdb.connect(str(path))
    con.execute(f"create table {FINGERPRINT_TABLE} (fingerprint varchar not null, stored_at timestamp)")
    if key is not None:
        con.execute(
            f"insert into {FINGERPRINT_TABLE} values (?, current_timestamp)", [key_fingerprint(key.encode())]
        )
    con.close()
    return path


def _hold(db: Path, read_only: bool) -> subprocess.Popen:
    """Another process holding `db` open until its stdin closes."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; "
            f"con = duckdb.connect({str(db)!r}, read_only={read_only}); "
            "print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "open\n"
    return holder


def test_preflight_treats_a_missing_database_or_fingerprint_as_a_first_build(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, NEW_KEY)
    preflight_key(tmp_path / "absent.duckdb")
    assert not (tmp_path / "absent.duckdb").exists()
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    preflight_key(tmp_path / "empty.duckdb")
    preflight_key(_database_with_fingerprint(tmp_path / "no_row.duckdb", None))
    monkeypatch.setenv(KEY_VARIABLE, "a")
    with pytest.raises(WeakPseudonymKey):
        preflight_key(tmp_path / "absent.duckdb")
    monkeypatch.delenv(KEY_VARIABLE)
    with pytest.raises(MissingPseudonymKey):
        preflight_key(tmp_path / "empty.duckdb")


def test_preflight_refuses_a_changed_key_unless_rotated_with_the_previous_one(tmp_path, monkeypatch):
    db = _database_with_fingerprint(tmp_path / "w.duckdb", OLD_KEY)
    monkeypatch.setenv(KEY_VARIABLE, OLD_KEY)
    started = time.perf_counter()
    preflight_key(db)
    assert time.perf_counter() - started < 1
    monkeypatch.setenv(KEY_VARIABLE, NEW_KEY)
    with pytest.raises(ChangedPseudonymKey) as refused:
        preflight_key(db)
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith(f"{KEY_VARIABLE} is not the key the working database's pseudonyms")
    assert "--vars '{rotate_pseudonym_key: true}'" in str(refused.value)
    assert PREVIOUS_KEY_VARIABLE in str(refused.value)
    # A rotation needs the previous key, and it must be the stored one.
    with pytest.raises(MissingPseudonymKey, match=f"^{PREVIOUS_KEY_VARIABLE} is not set"):
        preflight_key(db, rotate=True)
    monkeypatch.setenv(PREVIOUS_KEY_VARIABLE, "2d" * 32)
    with pytest.raises(ChangedPseudonymKey, match=f"^{PREVIOUS_KEY_VARIABLE} is not the key"):
        preflight_key(db, rotate=True)
    monkeypatch.setenv(PREVIOUS_KEY_VARIABLE, "b")
    with pytest.raises(WeakPseudonymKey, match=f"^{PREVIOUS_KEY_VARIABLE} is too weak"):
        preflight_key(db, rotate=True)
    monkeypatch.setenv(PREVIOUS_KEY_VARIABLE, OLD_KEY)
    preflight_key(db, rotate=True)
    # Once rotated (the new key stored), asking again is harmless.
    _database_with_fingerprint(tmp_path / "rotated.duckdb", NEW_KEY)
    preflight_key(tmp_path / "rotated.duckdb", rotate=True)


def test_preflight_reads_the_database_without_its_write_lock(tmp_path, monkeypatch):
    db = _database_with_fingerprint(tmp_path / "w.duckdb", OLD_KEY)
    monkeypatch.setenv(KEY_VARIABLE, NEW_KEY)
    reader = _hold(db, read_only=True)  # a writer could not open it now; a reader can
    try:
        with pytest.raises(ChangedPseudonymKey):
            preflight_key(db)
    finally:
        reader.communicate("")
    # Held for writing (a build running): the fingerprint is the build's to check, the key's
    # strength is checked here.
    writer = _hold(db, read_only=False)
    try:
        preflight_key(db)
        monkeypatch.setenv(KEY_VARIABLE, "a")
        with pytest.raises(WeakPseudonymKey):
            preflight_key(db)
    finally:
        writer.communicate("")


def test_mart_duplicates_carries_no_raw_record_id(generated_build, pseudonym_key):
    con = generated_build[0]
    raw = con.sql(
        "select record_name, source_record_id, source || '/' || source_file || '/' || source_record_id"
        " from intermediate.int_duplicate_records"
    ).fetchall()
    shown = con.sql("select source_record_id from marts.mart_duplicates").fetchall()
    assert len(raw) == len(shown) > 0
    raw_ids = {record_id for _, record_id, _ in raw}
    assert not raw_ids & {record_id for (record_id,) in shown}
    # Each is the keyed pseudonym of its record's text (source, file and the agency's id), no
    # more: the same text whatever numeric record_key identity resolution gives the record.
    assert all(name == text for name, _, text in raw)
    expected = pseudonymise([text for _, _, text in raw], pseudonym_key.encode())
    assert {record_id for (record_id,) in shown} == set(expected)
