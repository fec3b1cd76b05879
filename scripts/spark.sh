#!/usr/bin/env bash
# The project on Spark (dbt-spark, method session, local pyspark; needs Java 17). dbt runs
# through dtsen.spark_dbt, which lets the Python models run in the Spark session.
# Creates .venv-spark once (beside .venv, which the DuckDB side uses), then
#   bash scripts/spark.sh [PYTEST ARGS]          builds a generated population whole, and two
#                                                damaged landing zones up to staging, on DuckDB
#                                                and on Spark, and compares every table
#                                                (tests/pytest/test_spark.py)
#   bash scripts/spark.sh build LANDING [ARGS]   dbt build on Spark from LANDING in
#                                                $DTSEN_SPARK_DIR (default warehouse/spark),
#                                                ARGS passed to dbt build (e.g. --select); the
#                                                pseudonym key in DTSEN_PSEUDONYM_KEY, as on DuckDB
set -euo pipefail
cd "$(dirname "$0")/.."
project=$PWD
stamp=.venv-spark/.installed-$(cat requirements.txt pyproject.toml scripts/spark.sh | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    python3 -m venv .venv-spark
    .venv-spark/bin/python -m pip install --quiet --upgrade pip
    # The intake (dtsen.landing) runs on DuckDB before the Spark build: the locked duckdb.
    .venv-spark/bin/python -m pip install --quiet "dbt-core==1.11.16" "dbt-spark[session]==1.11.0" \
        "pyspark==4.3.0" "$(grep '^duckdb==' requirements.txt)"
    # The Python models (Splink, the PMT fit) at the versions the DuckDB side locks.
    .venv-spark/bin/python -m pip install --quiet -c requirements.txt splink pyarrow pandas numpy
    .venv-spark/bin/python -m pip install --quiet --no-deps -e .
    rm -f .venv-spark/.installed-*
    touch "$stamp"
fi
export SPARK_LOCAL_IP=127.0.0.1
if [ "${1:-}" = build ]; then
    landing=$(realpath "$2")
    shift 2
    work=$(realpath -m "${DTSEN_SPARK_DIR:-warehouse/spark}")
    mkdir -p "$work"
    export DTSEN_SPARK_CHECKPOINT_DIR="${DTSEN_SPARK_CHECKPOINT_DIR:-$work/checkpoints}"
    DTSEN_SPLINK_JAR=$(.venv-spark/bin/python -c \
        "from splink.backends.spark import similarity_jar_location as j; print(j())")
    export DTSEN_SPLINK_JAR
    .venv-spark/bin/dtsen intake --landing "$landing" --out "$work/intake.jsonl"
    # Spark keeps its metastore (metastore_db/) and tables in the directory it runs in.
    cd "$work"
    DTSEN_INTAKE="$work/intake.jsonl" exec "$project/.venv-spark/bin/python" -m dtsen.spark_dbt build \
        --target spark --profiles-dir "$project" --project-dir "$project" --target-path "$work/target" \
        --log-path "$work/logs" "$@"
fi
bash scripts/bootstrap.sh  # the DuckDB side of the comparison
exec .venv/bin/pytest -m spark tests/pytest/test_spark.py "$@"
