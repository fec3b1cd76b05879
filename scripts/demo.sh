#!/usr/bin/env bash
# The main job on a synthetic national sample: generate the agencies' deliveries,
# dbt build (staging, quarantine, tests), and report what was built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/dtsen run "$@"
