#!/usr/bin/env bash
# Installs Debian's chromium for the headless-browser test of the data-quality report
# (tests/pytest/test_quality_report.py). Idempotent and quiet: does nothing when a chromium
# is already on PATH; needs root (or sudo) and the Debian package mirror otherwise.
set -euo pipefail
for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
        exit 0
    fi
done
if [ "$(id -u)" -eq 0 ]; then
    run_as_root=()
elif command -v sudo >/dev/null 2>&1; then
    run_as_root=(sudo -n)
else
    echo "install_browser.sh: chromium missing and not root: the browser test will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { "${run_as_root[@]}" apt-get update -qq && \
       "${run_as_root[@]}" apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
command -v chromium >/dev/null
