"""Clusters of hand-made and random link graphs on both engines, for test_spark.py.

Run with the Spark venv's Python: `python spark_clusters.py OUT CHECKPOINT_DIR SPLINK_JAR`. For each
graph it clusters the same links (records with and without a trusted NIK, scored pairs)
with the DuckDB code (dtsen.resolution.cluster_sql_inputs and cluster_untrusted) and on
Spark (dtsen.resolution_spark.spark_clusters: Splink's connected components, conflicts
resolved strongest first), and writes both as JSON: {"<graph>": {"duckdb": rows, "spark": rows}}.
"""

from __future__ import annotations

import json
import os
import random
import sys

import duckdb
import pyarrow as pa

from dtsen.resolution import cluster_sql_inputs, cluster_untrusted
from dtsen.resolution_spark import spark_clusters

THRESHOLD = 0.8


def key(name: str) -> int:
    """A record key (a BIGINT at or above 2^59, macros/staging.sql person_record_key) for a
    graph's record named 't<n>' (trusted NIK) or 'u<n>' (untrusted)."""
    return 2**59 + (0 if name[0] == "t" else 1000) + int(name[1:])


def nik(name: str) -> str:
    """A register NIK (16 digits) for a register person named by letters or digits."""
    return f"31710{int(name, 36):011d}"


def handmade() -> tuple[list[tuple], list[tuple]]:
    """links (record_key, is_nik_trusted, register_nik), pairs (key_l, key_r, probability, rule)."""
    links = [
        (key("t1"), True, nik("A")),
        (key("t2"), True, nik("A")),
        (key("t3"), True, nik("B")),
        (key("t4"), True, nik("C")),
        *((key(f"u{i}"), False, None) for i in range(1, 10)),
    ]
    pairs = [
        (key("t1"), key("u1"), 0.99, "village_name"),  # u1 joins A first ...
        (
            key("t3"),
            key("u1"),
            0.95,
            "village_name",
        ),  # ... so this link, which would join A and B, is dropped
        (key("t3"), key("u2"), 0.97, "village_name"),  # u2 joins B ...
        (key("u1"), key("u2"), 0.96, "name_birth_date"),  # ... and is not joined to u1 (A)
        (key("t2"), key("u3"), 0.90, "village_birth_date"),  # two records of A, equally strong
        (key("t1"), key("u3"), 0.90, "name_birth_date"),
        (key("t4"), key("u4"), 0.92, "village_name"),
        (key("u4"), key("u5"), 0.91, "village_name"),
        (key("u6"), key("u7"), 0.93, "village_name"),
        (key("u7"), key("u8"), 0.85, "village_birth_year_initial"),
        (key("u6"), key("u8"), 0.50, "village_name"),  # below the threshold
        (key("t1"), key("t2"), 0.99, "village_name"),  # one register person
    ]
    return links, pairs


def random_graph(seed: int) -> tuple[list[tuple], list[tuple]]:
    """Many register persons joined by chains of untrusted records: most components hold
    two or more NIKs, with tied probabilities."""
    rng = random.Random(seed)
    links = [(key(f"t{i}"), True, nik(f"{i % 30}")) for i in range(60)]
    links += [(key(f"u{i}"), False, None) for i in range(200)]
    keys = [record for record, _, _ in links]
    pairs = set()
    for _ in range(400):
        left, right = sorted(rng.sample(keys, 2))
        pairs.add((left, right, rng.choice([0.81, 0.9, 0.95, 0.99, rng.random()]), rng.choice(["a", "b"])))
    return links, sorted(pairs)


def _tables(links, pairs):
    return (
        pa.table(
            {
                name: list(column)
                for name, column in zip(["record_key", "is_nik_trusted", "register_nik"], zip(*links))
            },
            schema=pa.schema(
                [("record_key", pa.int64()), ("is_nik_trusted", pa.bool_()), ("register_nik", pa.string())]
            ),
        ),
        pa.table(
            {
                name: list(column)
                for name, column in zip(
                    ["record_key_l", "record_key_r", "match_probability", "blocking_rule"], zip(*pairs)
                )
            },
            schema=pa.schema(
                [
                    ("record_key_l", pa.int64()),
                    ("record_key_r", pa.int64()),
                    ("match_probability", pa.float64()),
                    ("blocking_rule", pa.string()),
                ]
            ),
        ),
    )


def main(out: str, checkpoints: str, jar: str) -> None:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # as dtsen.spark_dbt: the workers' Python
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.checkpoint.dir", checkpoints)
        .config("spark.jars", jar)
        .getOrCreate()
    )
    results = {}
    for name, (links, pairs) in {"handmade": handmade(), "random": random_graph(7)}.items():
        link_table, pair_table = _tables(links, pairs)
        con = duckdb.connect()
        con.register("links", link_table)
        con.register("pairs", pair_table)
        on_duckdb = cluster_untrusted(
            *cluster_sql_inputs(con, "select * from links", "select * from pairs", THRESHOLD)
        )
        con.close()
        on_spark = spark_clusters(
            spark, spark.createDataFrame(link_table), spark.createDataFrame(pair_table), THRESHOLD
        )
        results[name] = {
            "duckdb": sorted(on_duckdb.to_pylist(), key=lambda row: row["record_key"]),
            "spark": sorted((row.asDict() for row in on_spark.collect()), key=lambda row: row["record_key"]),
        }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main(*sys.argv[1:4])
