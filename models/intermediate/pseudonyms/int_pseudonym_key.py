"""The fingerprint of this build's pseudonym key, and while the key is rotated the stored
fingerprint it replaces (dtsen.pseudonym). The eligibility snapshot stores the fingerprint
in the transaction that writes its history (macros/pseudonym_key.sql)."""

from dtsen.pseudonym import key_model


def model(dbt, session):
    dbt.config(materialized="table")
    return key_model(session, dbt.config.get("rotate_pseudonym_key"))
