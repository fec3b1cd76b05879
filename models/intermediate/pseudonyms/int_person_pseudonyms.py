"""A keyed pseudonym for every resolved person: internal person ids may be a NIK, so
analysts see them only keyed (dtsen.pseudonym). The key is 'person:' and the id's decimal
digits (macro person_pseudonym_identifier, which the marts join on): a register person's id
is its NIK, and the prefix keeps its person pseudonym apart from its NIK pseudonym."""

from dtsen.pseudonym import pseudonyms_of


def model(dbt, session):
    dbt.config(materialized="table")
    return pseudonyms_of(
        session,
        "select 'person:' || cast(person_id as string) as identifier from {persons}",
        dbt.config.get("rotate_pseudonym_key"),
        persons=dbt.ref("int_persons"),
    )
