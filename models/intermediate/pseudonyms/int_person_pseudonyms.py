"""A keyed pseudonym for every resolved person: internal person ids may be a NIK, so
analysts see them only keyed (dtsen.pseudonym). The key is the id's text (its decimal
digits), which the marts join on."""

from dtsen.pseudonym import pseudonyms_of


def model(dbt, session):
    dbt.config(materialized="table")
    return pseudonyms_of(
        session,
        "select cast(person_id as string) as identifier from {persons}",
        dbt.config.get("rotate_pseudonym_key"),
        persons=dbt.ref("int_persons"),
    )
