"""Candidate pairs of person records scored by the Fellegi-Sunter model of
int_person_match_model (Splink 5), for every record without a trusted NIK against all
records. One row per pair kept (probability at or above dtsen.resolution.KEEP_FLOOR); which
pairs become links is decided in int_person_clusters with the dbt var
`identity_match_threshold`.

Runs on the build's own DuckDB connection; Splink's working tables go to a scratch schema
and a temporary folder, both removed before the model returns.
"""
from dtsen.resolution import matching_input_sql, splink_match_pairs


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("int_person_match_features").sql_query()
    links = dbt.ref("int_person_nik_links").sql_query()
    trained = dbt.ref("int_person_match_model").sql_query()
    input_sql = matching_input_sql(f"({features})", f"({links})")
    con = session.cursor()  # Splink wants a DuckDBPyConnection: a cursor on the build's database
    try:
        model_json = con.sql(f"select model_json from ({trained})").fetchall()[0][0]
        pairs = splink_match_pairs(con, input_sql, model_json)
    finally:
        con.close()
    return pairs
