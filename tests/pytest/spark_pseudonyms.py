"""The pseudonym models' bodies on a local Spark session, without dbt.

Run with the Spark venv's Python: `spark_pseudonyms.py IN OUT EVENT_LOG_DIR`. IN is JSON
{"keys": [key text, ...], "identifiers": [text or null, ...]}. The identifiers are written
to Parquet and read back, so that a result computed from them in Spark (not from a copy
collected on the driver) names those files among its inputs. For each key, dtsen.pseudonym's
pseudonyms_of (with previous_pseudonym) and key_model run with the key in
DTSEN_PSEUDONYM_KEY, and the same pseudonyms during a rotation from the next key in the
list (which only a build with history does: Spark's has none). OUT gets {"<key>":
{"columns": [...], "rows": [[identifier, pseudonym, previous], ...], "rotated": [...],
"input_files": [...], "fingerprint": [...]}}. The session writes its event log,
uncompressed, to EVENT_LOG_DIR, for the caller to search for the key's pads.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from pyspark.sql import SparkSession

from dtsen.pseudonym import KEY_VARIABLE, _pseudonyms_on_spark, key_model, pseudonyms_of


def main(source: Path, out: Path, event_log: Path) -> None:
    given = json.loads(source.read_text(encoding="utf-8"))
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", event_log.as_uri())
        .config("spark.eventLog.compress", "false")
        .getOrCreate()
    )
    results = {}
    with tempfile.TemporaryDirectory() as work:
        parquet = str(Path(work) / "identifiers")
        spark.createDataFrame(
            [(value,) for value in given["identifiers"]], "identifier string"
        ).write.parquet(parquet)
        identifiers = spark.read.parquet(parquet)
        query = "select identifier from {ids}"
        for key, old_key in zip(given["keys"], given["keys"][1:] + given["keys"][:1]):
            os.environ[KEY_VARIABLE] = key
            frame = pseudonyms_of(spark, query, None, previous=True, ids=identifiers)
            rotated = _pseudonyms_on_spark(
                spark, query, key.encode(), old_key.encode(), True, {"ids": identifiers}
            )
            results[key] = {
                "columns": frame.columns,
                "rows": [list(row) for row in frame.collect()],
                "rotated": [list(row) for row in rotated.collect()],
                "input_files": frame.inputFiles(),
                "fingerprint": [list(row) for row in key_model(spark, None).collect()],
            }
    spark.stop()
    out.write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
