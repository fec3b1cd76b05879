"""Candidate pairs of person records scored by the Fellegi-Sunter model of
int_person_match_model (Splink 5), for every record without a trusted NIK against all
records. One row per pair kept (probability at or above dtsen.resolution.KEEP_FLOOR); which
pairs become links is decided in int_person_clusters with the dbt var
`identity_match_threshold`.

Runs on the build's own DuckDB connection (on Spark, dtsen.engine); Splink's working tables
go to a scratch schema and a temporary folder, both removed before the model returns.
"""

from dtsen.engine import duckdb_inputs, to_engine
from dtsen.resolution import matching_input_sql, splink_match_pairs


def model(dbt, session):
    dbt.config(materialized="table")
    with duckdb_inputs(
        session,
        features=dbt.ref("int_person_match_features"),
        links=dbt.ref("int_person_nik_links"),
        trained=dbt.ref("int_person_match_model"),
    ) as (con, inputs):
        input_sql = matching_input_sql(inputs["features"], inputs["links"])
        model_json = con.sql(f"select model_json from {inputs['trained']}").fetchall()[0][0]
        pairs = splink_match_pairs(con, input_sql, model_json)
    return to_engine(session, pairs)
