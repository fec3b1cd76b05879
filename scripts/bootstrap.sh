#!/usr/bin/env bash
# Creates .venv with the locked dependencies and the dtsen package, once; re-installs only
# when requirements.txt or pyproject.toml change. Needs nothing but python3 (>= 3.11).
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
