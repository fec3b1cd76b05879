#!/usr/bin/env bash
# The whole test suite: Python and SQL lint, pytest (which runs dbt for real on generated
# data), then, when called without arguments, the Spark comparison (scripts/spark.sh; needs
# Java 17).
# Arguments go to pytest and leave Spark out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# Chromium for the report's headless-browser test; without it that test is skipped, saying why.
bash scripts/install_browser.sh || echo "test.sh: chromium could not be installed" >&2
.venv/bin/ruff check .           # Python lint (pyproject.toml [tool.ruff])
.venv/bin/ruff format --check .  # and format: `ruff format .` rewrites what it lists
export DTSEN_DB="${TMPDIR:-/tmp}/dtsen-lint-$$.duckdb"  # lint compiles against an empty database
.venv/bin/sqlfluff lint models tests/dbt --processes 2
rm -f "$DTSEN_DB"
unset DTSEN_DB
# Convention checks (conventions/): dbt parse into a scratch target (kept, so that the next
# run parses only what changed), then dbt-score's rules and dtsen's over its manifest.json;
# a violation that conventions/exceptions.csv does not explain fails the test command.
.venv/bin/dbt parse --quiet --target-path target/conventions
.venv/bin/python scripts/check_conventions.py --manifest target/conventions/manifest.json
# Two workers, each taking whole test files (so a file's module-scoped builds are made once):
# a build is mostly single-threaded Python (dbt, Splink's orchestration) and small queries, so
# a second worker uses the second core. DTSEN_TEST_WORKERS=0 runs the tests in one process.
# The 30 slowest tests are listed at the end, to see where CI time goes.
.venv/bin/pytest -n "${DTSEN_TEST_WORKERS:-2}" --dist loadfile --durations=30 "$@"
if [ $# -gt 0 ]; then
    exit 0
fi
if ! command -v java >/dev/null 2>&1; then
    echo "test.sh: no java on PATH: the Spark comparison (bash scripts/spark.sh) did not run" >&2
    exit 1
fi
bash scripts/spark.sh --durations=10
