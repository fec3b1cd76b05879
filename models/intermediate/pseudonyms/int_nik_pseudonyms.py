"""A keyed pseudonym for every well-formed NIK delivered, confirmed by the register or not:
duplicates of unconfirmed NIKs are reported too (dtsen.pseudonym)."""

from dtsen.pseudonym import pseudonyms_of


def model(dbt, session):
    dbt.config(materialized="table")
    return pseudonyms_of(
        session,
        "select distinct nik_clean as identifier from {records} where nik_clean is not null",
        dbt.config.get("rotate_pseudonym_key"),
        records=dbt.ref("int_person_records"),
    )
