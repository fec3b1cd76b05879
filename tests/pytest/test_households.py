"""Families assembled on the family card, the household fact table and the analysts'
marts, on the session's generated build, checked against the truth."""

from __future__ import annotations

import hashlib
import hmac

from dtsen.evaluate import household_assembly_scores
from dtsen.project import dbt_build
from dtsen.pseudonym import KEY_VARIABLE


def test_families_are_assembled_as_in_the_truth(generated_build):
    scores = household_assembly_scores(generated_build[0])
    assert scores["families"] > 4_000
    assert scores["exactly_assembled"] >= 0.95, scores
    assert scores["pair_precision"] >= 0.99, scores
    assert scores["pair_f1"] >= 0.97, scores


def test_dead_members_are_not_counted_as_living(generated_build):
    con = generated_build[0]
    living, members_counted, dead = con.sql("""
        select
            (select count(*) from intermediate.int_family_members where is_living),
            (select sum(jumlah_anggota) from marts.fct_household),
            (select count(*) from intermediate.int_family_members where not is_living)
    """).fetchall()[0]
    assert dead > 0, "the generator makes deaths"
    assert members_counted == living


def test_receipt_comes_from_dtks(generated_build):
    con = generated_build[0]
    families_with_pkh, dtks_households_with_pkh = con.sql("""
        select
            (select count(*) from marts.fct_household where penerima_pkh),
            (select count(*) from staging.stg_dtks__rumah_tangga where penerima_pkh)
    """).fetchall()[0]
    # Two DTKS households of one family are one family: never more families than households.
    assert 0 < families_with_pkh <= dtks_households_with_pkh


def test_pseudonyms_are_keyed_hmacs_of_the_nik(generated_build, pseudonym_key):
    con = generated_build[0]
    rows = con.sql("""
        select persons.resolved_nik, dim.nik_pseudonym
        from intermediate.int_persons as persons
        join intermediate.int_person_pseudonyms as ids on ids.identifier = persons.person_id
        join marts.dim_person as dim on dim.person_id = ids.pseudonym
        where persons.resolved_nik is not null
        order by persons.person_id limit 50
    """).fetchall()
    assert len(rows) == 50
    for nik, pseudonym in rows:
        expected = hmac.new(pseudonym_key.encode(), nik.encode(), hashlib.sha256).hexdigest()[:32]
        assert pseudonym == expected
        assert pseudonym != hashlib.sha256(nik.encode()).hexdigest()[:32]


def test_marts_refuse_to_build_without_a_pseudonym_key(generated_build, monkeypatch):
    _, _, root = generated_build
    scratch = root / "no-key"
    scratch.mkdir()
    (scratch / "warehouse.duckdb").write_bytes((root / "warehouse.duckdb").read_bytes())
    monkeypatch.delenv(KEY_VARIABLE)
    pseudonym_models = ["int_nik_pseudonyms", "int_family_pseudonyms", "int_person_pseudonyms"]
    result = dbt_build(
        root / "landing", scratch / "warehouse.duckdb", ["-s", *pseudonym_models], isolated=True, capture=True
    )
    assert result.returncode != 0
    assert f"{KEY_VARIABLE} is not set" in result.stdout
