"""A keyed pseudonym for every resolved person, NIK and family key the marts show.

The key comes from the environment at run time (dtsen.pseudonym); without it the build
stops here, before any mart is written.
"""
import pyarrow as pa

from dtsen.pseudonym import key_from_environment, pseudonymise


def model(dbt, session):
    dbt.config(materialized="table")
    key = key_from_environment()
    # Every well-formed NIK delivered, not only those the register confirms: duplicates
    # of unconfirmed NIKs are reported too.
    niks = dbt.ref("int_person_records").filter("nik_clean is not null").project("nik_clean").distinct()
    families = dbt.ref("int_family_members").project("family_key").union(
        dbt.ref("int_household_families").project("family_key")).distinct()
    # Internal person ids may be derived from a NIK: analysts see them only keyed.
    persons = dbt.ref("int_persons").project("person_id")
    identifiers = (
        [("nik", value) for (value,) in niks.fetchall()]
        + [("family", value) for (value,) in families.fetchall()]
        + [("person", value) for (value,) in persons.fetchall()]
    )
    return pa.table({
        "identifier_kind": [kind for kind, _ in identifiers],
        "identifier": [value for _, value in identifiers],
        "pseudonym": pseudonymise([value for _, value in identifiers], key),
    })
