"""The pseudonym computed inside DuckDB is the Python HMAC, for any text and key length."""
from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtsen.pseudonym import hmac_pads, hmac_sql, pseudonymise


@pytest.mark.parametrize("key", [b"k", b"test-only-key-not-secret", b"x" * 64, b"y" * 65, bytes(range(200))])
def test_sql_hmac_equals_python_hmac_for_every_key_length(key):
    texts = ["3171014501900001", "", "dukcapil/RT000000005244", "Siti Aminah é 漢字"]
    con = duckdb.connect()
    sql = f"select {hmac_sql('text')} from unnest($texts) as t(text)"
    got = [row[0] for row in con.sql(sql, params={**hmac_pads(key), "texts": texts}).fetchall()]
    assert got == pseudonymise(texts, key)


@settings(max_examples=50, deadline=None)
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=40), key=st.binary(min_size=1, max_size=100))
def test_sql_hmac_equals_python_hmac(text, key):
    con = duckdb.connect()
    got = con.sql(f"select {hmac_sql('$text')}", params={**hmac_pads(key), "text": text}).fetchall()[0][0]
    assert got == pseudonymise([text], key)[0]

