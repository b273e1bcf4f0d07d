"""How long the validation commands take at their acceptance sizes.

Targets (issue "Scientific credibility"): `gtmsim check bass` at p=0.03, q=0.38, 100,000
prospects, 20 years and 10 seeds runs "in seconds, not minutes"; `gtmsim calibrate` with its
defaults is a long job, reported so users know what to expect. Each command runs in a child
process, as a user would start it, and its wall-clock time is printed (CPU time is not: the
worker processes belong to a fork server that the command does not wait for).

    .venv/bin/python benchmarks/bench_validation.py                 # Bass check only
    .venv/bin/python benchmarks/bench_validation.py --calibrate     # also a full calibration
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GTMSIM = Path(sys.executable).with_name("gtmsim")


def timed(args: list[str]) -> tuple[float, str]:
    """Wall-clock seconds and the last output line of ``gtmsim args``."""
    start = time.perf_counter()
    done = subprocess.run([str(GTMSIM), *args], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="worker processes (CI has 2)")
    parser.add_argument("--calibrate", action="store_true", help="also time a full calibration")
    args = parser.parse_args()
    jobs = {"check bass (100k, 20 y, 10 seeds)": ["check", "bass"]}
    if args.calibrate:
        jobs["calibrate (defaults, no refits)"] = ["calibrate"]
    print("| command | workers | wall s | last line |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for i, (name, command) in enumerate(jobs.items()):
            options = ["--workers", str(args.workers), "--out", f"{scratch}/{i}"]
            wall, last = timed([*command, *options])
            print(f"| {name} | {args.workers} | {wall:.1f} | {last[:60]} |")


if __name__ == "__main__":
    main()
