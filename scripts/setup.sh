#!/usr/bin/env bash
# Create .venv with Python >= 3.12 (Mesa 3.5 needs it) and install gtmsim with its test tools
# and the classroom dashboard's packages.
# Safe to run again: it reuses a working .venv and only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

is_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidate
  for candidate in "${GTMSIM_PYTHON:-}" python3.13 python3.12 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && is_ok "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then   # pyenv keeps versions it has not activated
    local root version
    root=$(pyenv root)
    for version in $(pyenv versions --bare 2>/dev/null | sort -rV); do
      candidate="$root/versions/$version/bin/python3"
      if [ -x "$candidate" ] && is_ok "$candidate"; then echo "$candidate"; return 0; fi
    done
  fi
  return 1
}

if [ ! -x .venv/bin/python ] || ! is_ok .venv/bin/python; then
  if ! python=$(find_python); then
    cat >&2 <<'MSG'
gtmsim needs Python 3.12 or newer (Mesa 3.5 requires it), and none was found: tried
$GTMSIM_PYTHON, python3.13, python3.12, python3, python and pyenv's installed versions.
Install one (for example `pyenv install 3.12`, or your system's python3.12 package) and
run this script again, or point GTMSIM_PYTHON at an interpreter: GTMSIM_PYTHON=/path/to/python3.12
MSG
    exit 1
  fi
  echo "Creating .venv with $python ($("$python" --version))"
  rm -rf .venv
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,dashboard]" 2>&1 \
  | grep -v "^WARNING: Location .* is ignored" || true
.venv/bin/python -c 'import gtmsim, mesa; print(f"gtmsim ready: mesa {mesa.__version__}")'
