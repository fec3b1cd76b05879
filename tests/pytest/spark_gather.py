"""Run with the Spark venv's Python in the directory of a Spark build (its metastore_db/):
`spark_gather.py OUT CAP TABLE SMALL_TABLE`. Opens a session with spark.driver.maxResultSize
at CAP (bytes), as the comparison's build had, and tries to bring TABLE to the driver every
way pyspark gathers a whole frame (collect, toArrow, toPandas), and SMALL_TABLE by collect.
Writes {way: null when it worked, else the error's first line naming maxResultSize}."""

from __future__ import annotations

import json
import sys


def _first_line(error: Exception) -> str:
    text = str(error)
    at = text.find("maxResultSize")
    return text[max(0, at - 160) : at + 60].replace("\n", " ") if at >= 0 else text[:300]


def main(out: str, cap: str, table: str, small_table: str) -> None:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .enableHiveSupport()
        .config("spark.ui.enabled", "false")
        .config("spark.driver.maxResultSize", f"{cap}b")
        .getOrCreate()
    )
    frame = spark.table(table)
    ways = {
        "collect": frame.collect,
        "toArrow": frame.toArrow,
        "toPandas": frame.toPandas,
        "collect of " + small_table: spark.table(small_table).collect,
    }
    outcome = {}
    for way, gather in ways.items():
        try:
            gather()
            outcome[way] = None
        except Exception as error:  # pyspark raises several kinds; each is reported
            outcome[way] = _first_line(error)
    spark.stop()
    with open(out, "w", encoding="utf-8") as file:
        json.dump(outcome, file)


if __name__ == "__main__":
    main(*sys.argv[1:])
