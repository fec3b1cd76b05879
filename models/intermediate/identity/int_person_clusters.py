"""Records without a trusted NIK grouped into persons: connected components of the scored
pairs at or above the dbt var `identity_match_threshold`, where every record with a trusted
NIK stands for its register person. A cluster never holds two register NIKs: links are
taken strongest first and one that would join two register persons is dropped
(dtsen.resolution.cluster_untrusted). One row per record without a trusted NIK. On Spark,
connected components as Spark jobs (dtsen.resolution_spark.spark_clusters), the same clusters.
"""

from dtsen.engine import duckdb_inputs, is_spark
from dtsen.resolution import cluster_sql_inputs, cluster_untrusted


def model(dbt, session):
    dbt.config(materialized="table")
    threshold = float(dbt.config.get("match_threshold"))
    links, pairs = dbt.ref("int_person_nik_links"), dbt.ref("int_person_match_pairs")
    if is_spark(session):
        from dtsen.resolution_spark import spark_clusters

        return spark_clusters(session, links, pairs, threshold)
    with duckdb_inputs(session, links=links, pairs=pairs) as (con, inputs):
        untrusted, edges = cluster_sql_inputs(con, inputs["links"], inputs["pairs"], threshold)
    return cluster_untrusted(untrusted, edges)
