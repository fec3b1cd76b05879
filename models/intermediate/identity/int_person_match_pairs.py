"""Candidate pairs of person records scored by the Fellegi-Sunter model of
int_person_match_model (Splink 5), for every record without a trusted NIK against all
records. One row per pair kept (probability at or above dtsen.resolution.KEEP_FLOOR); which
pairs become links is decided in int_person_clusters with the dbt var
`identity_match_threshold`.

Runs on the build's own DuckDB connection; Splink's working tables go to a scratch schema
and a temporary folder, both removed before the model returns. On Spark, Splink's Spark
backend scores the Spark tables (dtsen.resolution_spark).
"""

from dtsen.engine import duckdb_inputs, is_spark
from dtsen.resolution import matching_input_sql, splink_match_pairs


def model(dbt, session):
    dbt.config(materialized="table")
    features, links = dbt.ref("int_person_match_features"), dbt.ref("int_person_nik_links")
    trained = dbt.ref("int_person_match_model")
    if is_spark(session):
        from dtsen.resolution_spark import spark_match_pairs

        return spark_match_pairs(session, features, links, trained.first()["model_json"])
    with duckdb_inputs(session, features=features, links=links, trained=trained) as (con, inputs):
        input_sql = matching_input_sql(inputs["features"], inputs["links"])
        model_json = con.sql(f"select model_json from {inputs['trained']}").fetchall()[0][0]
        pairs = splink_match_pairs(con, input_sql, model_json)
    return pairs
