"""Identity resolution on Spark: dtsen.resolution's model run as Spark jobs.

The settings (comparisons, blocking rules, KEEP_FLOOR, the training rules) are
dtsen.resolution's, written once: only the few SQL expressions of DIALECT_SQL differ. Person
records stay in Spark:

* Training: the prior's counts are a Spark aggregation over every record; m and u are
  trained on the training sample (dtsen.resolution._in_training_sample, the same persons
  on both engines: those holding about TRAINING_SAMPLE_PAIRS x MAX_LABEL_PAIRS labelled
  pairs, so its size does not grow with the population) by the DuckDB code on the driver.
  Splink's u sampling is engine-specific (DuckDB's and Spark's random sampling pick
  different pairs), so training with Splink's Spark backend would give another model than
  the DuckDB build's; the bounded sample keeps one model for both.
* Scoring: Splink's Spark backend (SparkAPI) on the Spark tables.
* Clustering: connected components of the links with Splink's Spark backend. A component
  holding at most one register NIK is the cluster dtsen.resolution.cluster_untrusted makes
  (no link is dropped there); each component that joins two or more register persons,
  where links are taken strongest first, is resolved by cluster_untrusted itself on an
  executor (applyInArrow, one component at a time; the Python workers run the driver's
  Python, dtsen.spark_dbt).

Splink's Spark backend writes its working tables as Parquet under the Spark context's
checkpoint directory (profiles.yml: spark.checkpoint.dir); they hold names, birth dates and
NIKs, and each model removes its own before it returns.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from dtsen.resolution import (
    BLOCKING_RULES,
    CLUSTER_SCHEMA,
    KEEP_FLOOR,
    NIK_LIMIT,
    SCHEMA,
    _candidates_sql,
    _in_training_sample,
    _prior,
    cluster_untrusted,
    matching_input_sql,
    splink_settings,
    train_on_sample,
)

# Splink's working tables, under the checkpoint directory, start with this.
SPLINK_PREFIX = "__splink__"


def _checkpoint_dir(spark) -> str:
    """The Spark context's checkpoint directory, which Splink's Spark backend needs;
    profiles.yml sets it (spark.checkpoint.dir, by scripts/spark.sh under the build's folder)."""
    context = spark.sparkContext
    directory = context.getCheckpointDir()
    if not directory:
        raise RuntimeError(
            "Spark has no checkpoint directory for Splink's working tables: set spark.checkpoint.dir "
            "in the spark target of profiles.yml (scripts/spark.sh sets DTSEN_SPARK_CHECKPOINT_DIR)"
        )
    return directory


def _remove_splink_files(spark) -> None:
    """Remove Splink's Parquet files under the checkpoint directory (on any Hadoop file
    system: local, HDFS, S3)."""
    jvm = spark.sparkContext._jvm
    root = jvm.org.apache.hadoop.fs.Path(_checkpoint_dir(spark))
    fs = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(root):
        return
    for status in fs.listStatus(root):
        if status.getPath().getName().startswith(SPLINK_PREFIX):
            fs.delete(status.getPath(), True)


@contextmanager
def _spark_api(spark):
    """Splink's Spark backend on `spark`; its working tables removed on leaving. What the
    model returns is checkpointed locally first (`_detached`), so it no longer reads them."""
    from splink import SparkAPI

    _checkpoint_dir(spark)
    _remove_splink_files(spark)  # what a killed build left
    try:
        yield SparkAPI(spark_session=spark)
    finally:
        for table in spark.catalog.listTables():
            if table.isTemporary and table.name.startswith(SPLINK_PREFIX):
                spark.catalog.dropTempView(table.name)
        _remove_splink_files(spark)


def _detached(frame):
    """`frame` computed now and kept by the executors, cut from the files it was read from."""
    return frame.localCheckpoint(eager=True)


def _matching_input(spark, features, links):
    features.createOrReplaceTempView("dtsen_match_features")
    links.createOrReplaceTempView("dtsen_nik_links")
    return spark.sql(matching_input_sql("dtsen_match_features", "dtsen_nik_links"))


def train_matcher_spark(spark, features, links, training_pairs: int | None = None) -> tuple[str, int]:
    """dtsen.resolution.train_matcher on Spark: the prior counted by Spark over every record,
    m and u trained on the training sample (collected: its size is set by `training_pairs`,
    not by the population) with the DuckDB code, so both engines train the same model."""
    _matching_input(spark, features, links).createOrReplaceTempView("dtsen_match_input")
    records, nik_pairs = spark.sql("""
        select coalesce(sum(n), 0),
               coalesce(sum(case when trusted_nik is not null then n * (n - 1) div 2 else 0 end), 0)
        from (select trusted_nik, count(*) as n from dtsen_match_input group by trusted_nik)
    """).first()
    records, nik_pairs = int(records), int(nik_pairs)
    # The same persons as dtsen.resolution.train_matcher's sample on DuckDB.
    sample = spark.table("dtsen_match_input").where(_in_training_sample(nik_pairs, training_pairs))
    con = duckdb.connect()
    try:
        con.register("training_sample", sample.toArrow())
        return train_on_sample(con, "select * from training_sample", _prior(records, nik_pairs))
    finally:
        con.close()
        spark.catalog.dropTempView("dtsen_match_input")


def spark_model(model_json: str) -> dict:
    """A trained model (Splink's model JSON, trained on DuckDB) as Spark settings: the same
    comparisons and levels written in Spark SQL, with the trained m, u and prior."""
    trained = json.loads(model_json)
    settings = splink_settings("spark").create_settings_dict("spark")
    settings["probability_two_random_records_match"] = trained["probability_two_random_records_match"]
    for comparison, learnt in zip(settings["comparisons"], trained["comparisons"], strict=True):
        name = comparison["output_column_name"]
        levels = comparison["comparison_levels"]
        if name != learnt["output_column_name"] or len(levels) != len(learnt["comparison_levels"]):
            raise ValueError(
                f"the stored matcher's comparison {learnt['output_column_name']!r} does not fit the "
                f"code's {name!r}: retrain it (--vars '{{retrain_matcher: true}}')"
            )
        for level, learnt_level in zip(levels, learnt["comparison_levels"], strict=True):
            for key in ("m_probability", "u_probability", "fix_m_probability", "fix_u_probability"):
                if key in learnt_level:
                    level[key] = learnt_level[key]
    return settings


def spark_match_pairs(spark, features, links, model_json: str):
    """dtsen.resolution.splink_match_pairs on Spark: the candidate pairs scored by Splink's
    Spark backend with the trained model; a Spark data frame of dtsen.resolution.SCHEMA."""
    from pyspark.sql.pandas.types import from_arrow_schema
    from splink import Linker

    with _spark_api(spark) as db_api:
        records_frame = _matching_input(spark, features, links)
        records_frame.createOrReplaceTempView("dtsen_match_input")
        model = spark_model(model_json)
        records = db_api.register(records_frame, table_name="dtsen_splink_records")
        frequencies = Linker(records, json.loads(json.dumps(model)), log_level=logging.WARNING)
        name_frequencies = frequencies.table_management.compute_tf_table("name_key")
        candidates_frame = spark.sql(_candidates_sql("dtsen_match_input", semi_join="left semi join"))
        candidates = db_api.register(candidates_frame, table_name="dtsen_splink_candidates")
        scorer = Linker(candidates, model, log_level=logging.WARNING)
        scorer.table_management.register_term_frequency_lookup(name_frequencies, "name_key")
        predictions = scorer.inference.predict(threshold_match_probability=KEEP_FLOOR, warning_mode="never")
        rule_case = " ".join(f"when '{i}' then '{name}'" for i, name in enumerate(BLOCKING_RULES))
        columns = ", ".join(
            f"cast({field.name} as {field.dataType.simpleString()}) as {field.name}"
            for field in from_arrow_schema(SCHEMA)
            if field.name != "blocking_rule"
        )
        result = _detached(
            spark.sql(f"""
            select {columns},
                   case cast(match_key as string) {rule_case} end as blocking_rule
            from {predictions.physical_name}
        """).select(*SCHEMA.names)
        )
        spark.catalog.dropTempView("dtsen_match_input")
    return result


def spark_clusters(spark, links, pairs, threshold: float):
    """dtsen.resolution.cluster_untrusted's clusters on Spark (see the module's docstring);
    a Spark data frame of CLUSTER_SCHEMA, one row per record without a trusted NIK."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    links.createOrReplaceTempView("dtsen_cluster_links")
    pairs.createOrReplaceTempView("dtsen_cluster_pairs")
    # The edges of dtsen.resolution.cluster_sql_inputs: a record with a trusted NIK is the
    # node of its register person, the NIK as a number (below NIK_LIMIT; record keys are above).
    edges = spark.sql(f"""
        with nodes as (
            select record_key,
                   case when is_nik_trusted then cast(register_nik as bigint) else record_key end as node
            from dtsen_cluster_links
        )
        select p.match_probability, l.node as node_l, r.node as node_r, p.blocking_rule
        from dtsen_cluster_pairs as p
        join nodes as l on l.record_key = p.record_key_l
        join nodes as r on r.record_key = p.record_key_r
        where p.match_probability >= {float(threshold)!r} and l.node <> r.node
    """)
    nodes = (
        spark.sql("select record_key as node from dtsen_cluster_links where not is_nik_trusted")
        .union(
            edges.select(F.col("node_l").alias("node"))
            .union(edges.select(F.col("node_r").alias("node")))
            .where(f"node < {NIK_LIMIT}")
        )
        .distinct()
    )
    with _spark_api(spark) as db_api:
        components = (
            cluster_pairwise_predictions_at_threshold(
                nodes, edges.select("node_l", "node_r"), db_api, "node", "node_l", "node_r"
            )
            .as_spark_dataframe()
            .select("node", "cluster_id")
        )
        components = _detached(components)
    components.createOrReplaceTempView("dtsen_components")
    edges.createOrReplaceTempView("dtsen_cluster_edges")
    spark.sql(f"""
        select cluster_id,
               count(distinct case when node < {NIK_LIMIT} then node end) as niks,
               max(case when node < {NIK_LIMIT} then lpad(cast(node as string), 16, '0') end) as resolved_nik,
               min(case when node >= {NIK_LIMIT} then node end) as cluster_key
        from dtsen_components group by cluster_id
    """).createOrReplaceTempView("dtsen_component_facts")
    # Without a conflict every link is taken: a record's link is its strongest one, ties as
    # in cluster_untrusted (by the keys, then the rule).
    plain = spark.sql(f"""
        with ends as (
            select node_l as node, match_probability, node_l, node_r, blocking_rule from dtsen_cluster_edges
            union all
            select node_r, match_probability, node_l, node_r, blocking_rule from dtsen_cluster_edges
        ),
        strongest as (
            select node, match_probability, blocking_rule,
                   row_number() over (
                       partition by node
                       order by match_probability desc, node_l, node_r, coalesce(blocking_rule, '')
                   ) as rank
            from ends
        )
        select c.node as record_key, f.resolved_nik, f.cluster_key,
               s.match_probability, s.blocking_rule
        from dtsen_components as c
        join dtsen_component_facts as f on f.cluster_id = c.cluster_id and f.niks <= 1
        left join strongest as s on s.node = c.node and s.rank = 1
        where c.node >= {NIK_LIMIT}
    """)
    # Components joining two or more register persons: each component's links resolved
    # strongest first by cluster_untrusted, on an executor. Its decisions in one component
    # depend only on that component's links, so a component alone gives the rows the whole
    # graph gives it, and no component is gathered on the driver.
    conflicted = spark.sql("""
        select c.cluster_id, c.node, e.match_probability, e.node_l, e.node_r, e.blocking_rule
        from dtsen_components as c
        join dtsen_component_facts as f on f.cluster_id = c.cluster_id and f.niks > 1
        left join dtsen_cluster_edges as e on e.node_l = c.node
    """)
    resolved = conflicted.groupBy("cluster_id").applyInArrow(
        _resolve_component, from_arrow_schema(CLUSTER_SCHEMA)
    )
    return plain.select(*CLUSTER_SCHEMA.names).unionByName(resolved.select(*CLUSTER_SCHEMA.names))


def _resolve_component(component: pa.Table) -> pa.Table:
    """cluster_untrusted on one connected component: rows (node, and one link from it or
    NULLs), as spark_clusters' `conflicted` gives them."""
    rows = component.select(["node", "match_probability", "node_l", "node_r", "blocking_rule"]).to_pylist()
    untrusted = sorted({row["node"] for row in rows if row["node"] >= NIK_LIMIT})
    edges = [
        (row["match_probability"], row["node_l"], row["node_r"], row["blocking_rule"])
        for row in rows
        if row["node_l"] is not None
    ]
    return cluster_untrusted(untrusted, edges)
