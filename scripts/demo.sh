#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the main job: separate vs integrated organisation, 20 paired seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/gtmsim run separate integrated --seeds 20 "$@"
