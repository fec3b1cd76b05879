"""A keyed pseudonym for every family key: families with members and families known only as
a delivered household (dtsen.pseudonym). While the key is rotated, also each family's
pseudonym under the previous key, by which the snapshot carries its history over."""

from dtsen.pseudonym import pseudonyms_of


def model(dbt, session):
    dbt.config(materialized="table")
    return pseudonyms_of(
        session,
        "select family_key as identifier from {members} union select family_key from {households}",
        dbt.config.get("rotate_pseudonym_key"),
        previous=True,
        members=dbt.ref("int_family_members"),
        households=dbt.ref("int_household_families"),
    )
