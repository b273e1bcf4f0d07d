#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite with lint checks. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/python -m pytest -n 2 "$@"
