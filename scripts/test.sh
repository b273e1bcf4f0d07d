#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite with lint checks. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -x /usr/bin/chromium ]; then  # the dashboard's browser test drives Debian's chromium
  echo "Installing Debian's chromium for the dashboard's browser test"
  { [ "$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq chromium >/dev/null; } \
    || echo "warning: could not install chromium (needs root and apt-get); the browser test will fail" >&2
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -n 2 "$@"
