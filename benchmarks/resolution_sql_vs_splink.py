"""Splink 5 against a hand-written SQL Fellegi-Sunter, on the same records.

usage: .venv/bin/python benchmarks/resolution_sql_vs_splink.py --db WAREHOUSE.duckdb --truth TRUTH_DIR
       [--threshold 0.9] [--repeat 1]

Reads a built warehouse read-only (int_person_match_features, int_person_nik_links,
int_person_records) in an in-memory DuckDB session (2 threads), runs both implementations
of the same model (dtsen/resolution.py and benchmarks/resolution_sql.py: same blocking rules,
comparison levels, m from pairs sharing a trusted NIK, u from random pairs, name
term-frequency adjustment), clusters each
the way the build does (int_person_clusters, int_person_identity), and prints pairwise
precision, recall and F1 per class of records (dtsen.evaluate.resolution_scores) and the
seconds each took to score pairs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from dtsen.evaluate import attach_truth, resolution_scores
from dtsen.resolution import cluster_sql_inputs, cluster_untrusted, matching_input_sql, splink_match_pairs
from resolution_sql import sql_match_pairs  # beside this file: `python benchmarks/...` puts it on the path

INPUT_SQL = matching_input_sql(
    "w.intermediate.int_person_match_features", "w.intermediate.int_person_nik_links"
)
LINKS_SQL = "select record_key, is_nik_trusted, register_nik from w.intermediate.int_person_nik_links"


def resolve(con: duckdb.DuckDBPyConnection, method: str, threshold: float) -> dict:
    timings: dict = {}
    started = time.perf_counter()
    if method == "splink":
        pairs = splink_match_pairs(con, INPUT_SQL, work_schema="bench_splink", timings=timings)
    else:
        pairs = sql_match_pairs(con, INPUT_SQL, timings=timings)
    scored = time.perf_counter()
    con.register("bench_pairs", pairs)
    untrusted, edges = cluster_sql_inputs(con, LINKS_SQL, "select * from bench_pairs", threshold)
    clusters = cluster_untrusted(untrusted, edges)
    con.register("bench_clusters", clusters)
    con.execute(f"""create or replace temp table identity_{method} as
        select l.record_key,
               -- as int_person_identity: the register NIK as a number, else the cluster's key
               coalesce(
                   cast(case when l.is_nik_trusted then l.register_nik else c.resolved_nik end as bigint),
                   c.cluster_key
               ) as person_id
        from w.intermediate.int_person_nik_links as l
        left join bench_clusters as c using (record_key)""")
    finished = time.perf_counter()
    con.unregister("bench_pairs")
    con.unregister("bench_clusters")
    return {
        "pairs": pairs.num_rows,
        "links": len(edges),
        "score_s": scored - started,
        "cluster_s": finished - scored,
        "total_s": finished - started,
        "scores": resolution_scores(con, f"identity_{method}", "w.intermediate.int_person_records"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--truth", required=True, type=Path)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--repeat", type=int, default=1, help="runs per method (best time kept)")
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute(f"attach '{args.db.resolve()}' as w (read_only)")
    attach_truth(con, args.truth)
    records, untrusted = con.sql(
        "select count(*), count_if(not is_nik_trusted) from w.intermediate.int_person_nik_links"
    ).fetchall()[0]
    print(f"{records:,} records, {untrusted:,} without a trusted NIK; threshold {args.threshold}")
    results = {}
    for method in ("splink", "sql"):
        runs = [resolve(con, method, args.threshold) for _ in range(args.repeat)]
        results[method] = min(runs, key=lambda r: r["score_s"])
    print(
        f"\n{'method':<8} {'pairs kept':>10} {'links':>8} {'score s':>8} {'cluster s':>9}  "
        f"{'class':<24} {'precision':>9} {'recall':>8} {'F1':>8}"
    )
    for method, result in results.items():
        for i, (name, _, _, _, _, precision, recall, f1) in enumerate(result["scores"]):
            head = (
                f"{method:<8} {result['pairs']:>10,} {result['links']:>8,} {result['score_s']:>8.1f} "
                f"{result['cluster_s']:>9.1f}"
                if i == 0
                else " " * 47
            )
            print(f"{head}  {name:<24} {precision:>9.4f} {recall:>8.4f} {f1:>8.4f}")


if __name__ == "__main__":
    main()
