"""A keyed pseudonym for every resolved person, NIK and family key the marts show.

The key comes from the environment at run time (dtsen.pseudonym); without it the build
stops here, before any mart is written. The HMAC runs inside DuckDB with the key's pads
bound as parameters: identifiers never leave the database and the key never enters SQL text.
On Spark the same query runs in an in-memory DuckDB on the driver (dtsen.engine).
"""
from dtsen.engine import duckdb_inputs, to_engine
from dtsen.pseudonym import hmac_pads, hmac_sql, key_from_environment


def model(dbt, session):
    dbt.config(materialized="table")
    pads = hmac_pads(key_from_environment())
    with duckdb_inputs(session, cursor=False, records=dbt.ref("int_person_records"),
                       members=dbt.ref("int_family_members"), households=dbt.ref("int_household_families"),
                       persons=dbt.ref("int_persons")) as (con, inputs):
        # Every well-formed NIK delivered, not only those the register confirms: duplicates of
        # unconfirmed NIKs are reported too. Internal person ids may be derived from a NIK:
        # analysts see them only keyed.
        identifiers = f"""
            select distinct 'nik' as identifier_kind, nik_clean as identifier
            from {inputs['records']} where nik_clean is not null
            union all
            select 'family', family_key
            from (select family_key from {inputs['members']}
                  union select family_key from {inputs['households']})
            union all
            select 'person', person_id from {inputs['persons']}
        """
        pseudonyms = to_engine(session, con.sql(
            f"select identifier_kind, identifier, {hmac_sql('identifier')} as pseudonym from ({identifiers})",
            params=pads))
    return pseudonyms
