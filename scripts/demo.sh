#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job: separate vs integrated on 20 paired seeds, with figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gtmsim compare separate integrated --seeds 20 "$@"
