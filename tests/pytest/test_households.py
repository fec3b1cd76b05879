"""Families assembled on the family card, the household fact table and the analysts'
marts, on the session's generated build, checked against the truth."""

from __future__ import annotations

import hashlib
import hmac

from dtsen.evaluate import _PERSON_TRUTH, household_assembly_scores
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


def test_register_only_families_are_those_no_source_household_describes(generated_build):
    """status_pendataan REGISTER_SAJA marks the families no DTKS, P3KE or Regsosek household
    describes, as the truth knows them (a family stands for the true family most of its
    living members belong to). A family that left its parents' card lately is still listed
    under the parents' household by the sources, hence not exactly all."""
    con = generated_build[0]
    counts = {
        (marked, undescribed): families
        for marked, undescribed, families in con.sql(f"""
        with {_PERSON_TRUTH},
        votes as (
            select members.family_key, mode(persons.family_id) as true_family_id
            from intermediate.int_family_members as members
            join person_truth using (person_id)
            join truth_persons as persons on persons.person_id = person_truth.true_person_id
            where members.is_living
            group by members.family_key
        ),
        described as (select distinct family_id as true_family_id from truth_household_records)
        select
            household.status_pendataan = 'REGISTER_SAJA' as marked,
            described.true_family_id is null as truly_undescribed,
            count(*)
        from votes
        join intermediate.int_family_pseudonyms as pseudonyms on pseudonyms.identifier = votes.family_key
        join marts.fct_household as household on household.family_id = pseudonyms.pseudonym
        left join described using (true_family_id)
        group by all
    """).fetchall()
    }
    both = counts.get((True, True), 0)
    assert both > 100, counts
    assert both / (both + counts.get((True, False), 0)) >= 0.95, counts
    assert both / (both + counts.get((False, True), 0)) >= 0.95, counts


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
        join intermediate.int_person_pseudonyms as ids
            on ids.identifier = 'person:' || cast(persons.person_id as varchar)
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
