"""A keyed pseudonym for every resolved person: internal person ids may be derived from a
NIK, so analysts see them only keyed (dtsen.pseudonym)."""

from dtsen.pseudonym import pseudonyms_of


def model(dbt, session):
    dbt.config(materialized="table")
    return pseudonyms_of(
        session,
        "select person_id as identifier from {persons}",
        dbt.config.get("rotate_pseudonym_key"),
        persons=dbt.ref("int_persons"),
    )
