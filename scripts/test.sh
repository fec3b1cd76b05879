#!/usr/bin/env bash
# The whole test suite: SQL lint, then pytest (which runs dbt for real on generated data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DTSEN_DB="${TMPDIR:-/tmp}/dtsen-lint-$$.duckdb"  # lint compiles against an empty database
.venv/bin/sqlfluff lint models tests/dbt --processes 2
rm -f "$DTSEN_DB"
unset DTSEN_DB
exec .venv/bin/pytest "$@"
