"""Records without a trusted NIK grouped into persons: connected components of the scored
pairs at or above the dbt var `identity_match_threshold`, where every record with a trusted
NIK stands for its register person. A cluster never holds two register NIKs: links are
taken strongest first and one that would join two register persons is dropped
(dtsen.resolution.cluster_untrusted). One row per record without a trusted NIK.
"""
from dtsen.resolution import cluster_sql_inputs, cluster_untrusted


def model(dbt, session):
    dbt.config(materialized="table")
    threshold = float(dbt.config.get("match_threshold"))
    con = session.cursor()
    try:
        untrusted, edges = cluster_sql_inputs(con, dbt.ref("int_person_nik_links").sql_query(),
                                              dbt.ref("int_person_match_pairs").sql_query(), threshold)
    finally:
        con.close()
    return cluster_untrusted(untrusted, edges)
