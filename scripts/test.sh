#!/usr/bin/env bash
# The whole test suite: SQL lint, then pytest (which runs dbt for real on generated data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# Chromium for the report's headless-browser test; without it that test is skipped, saying why.
bash scripts/install_browser.sh || echo "test.sh: chromium could not be installed" >&2
export DTSEN_DB="${TMPDIR:-/tmp}/dtsen-lint-$$.duckdb"  # lint compiles against an empty database
.venv/bin/sqlfluff lint models tests/dbt --processes 2
rm -f "$DTSEN_DB"
unset DTSEN_DB
exec .venv/bin/pytest "$@"
