#!/usr/bin/env bash
# Creates .venv with the locked dependencies and the dtsen package, once; re-installs only
# when requirements.txt or pyproject.toml change (the DuckDB 1.x test client: when
# requirements-duckdb1.txt does). Needs nothing but python3 (>= 3.11).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.installed-$(cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r requirements.txt
    .venv/bin/python -m pip install --quiet --no-deps -e .
    rm -f .venv/.installed-*
    touch "$stamp"
fi
# A DuckDB 1.x client beside the venv, never on its path, for the test that opens the analyst
# database as the DuckDB 1.x bundled by R, DBeaver or the ODBC driver would
# (requirements-duckdb1.txt).
reader_stamp=.venv/duckdb1/.installed-$(sha256sum requirements-duckdb1.txt | cut -c1-16)
if [ ! -f "$reader_stamp" ]; then
    rm -rf .venv/duckdb1
    .venv/bin/python -m pip install --quiet --no-deps --target .venv/duckdb1 -r requirements-duckdb1.txt
    touch "$reader_stamp"
fi
# The scripts, stylesheets and icon font of GX's Data Docs, from the npm registry at the versions
# assets/datadocs/package-lock.json pins (dtsen.quality.datadocs serves them from the site, so
# the pages work offline). Without npm the pages stay readable but lose their run list and marks.
assets=assets/datadocs
stamp=$assets/node_modules/.installed-$(sha256sum <$assets/package-lock.json | cut -c1-16)
if [ ! -f "$stamp" ]; then
    if command -v npm >/dev/null 2>&1; then
        npm ci --prefix "$assets" --no-audit --no-fund --loglevel=error
        touch "$stamp"
    else
        echo "bootstrap.sh: npm not found: Data Docs will lack their scripts and icons offline" >&2
    fi
fi
