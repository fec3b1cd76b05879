"""A keyed pseudonym for every delivered record of a duplicate group (int_duplicate_records),
named '<source>/<file>/<record id>': mart_duplicates shows it instead of the agency's own
record id, which stays in the working database (dtsen.pseudonym)."""

from dtsen.pseudonym import pseudonyms_of


def model(dbt, session):
    dbt.config(materialized="table")
    return pseudonyms_of(
        session,
        "select distinct record_name as identifier from {duplicates}",
        dbt.config.get("rotate_pseudonym_key"),
        duplicates=dbt.ref("int_duplicate_records"),
    )
