"""Benchmark sweeps: runs per minute on 1 and 2 local workers and on a Dask LocalCluster, what
the store costs the parent, and the parent's memory over many runs.

Throughput runs the default scenario (``separate``, 20,000 prospects x 104 weeks) as a sweep of
one inert factor (the agreed lead threshold, unused when the lead definition is not agreed) over
``--runs`` seeds, into a fresh store each time; it also times the same runs through
``run_batch`` (the engine `gtmsim run` uses, no store) on the same workers. Store cost is the
parent's time inside the store (commits and Parquet batches) over the sweep's wall time.

Memory runs ``--memory-runs`` tiny runs (500 prospects x 4 weeks) through one sweep and samples
the parent's resident memory (VmRSS) every tenth of the way: flat means the parent keeps no
result.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py                       # throughput, 240 runs
    .venv/bin/python benchmarks/bench_sweep.py --runs 120 --memory-runs 10000

Numbers go to docs/performance.md ("Sweeps"). Not part of the pytest suite.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from gtmsim.experiments import store as store_module
from gtmsim.experiments.design import Factors
from gtmsim.experiments.executors import DaskExecutor, LocalExecutor
from gtmsim.experiments.runner import run_batch
from gtmsim.experiments.sweep import run_sweep
from gtmsim.experiments.sweep_spec import SweepSpec

INERT = {"organisation.agreed_lead_threshold": [0.5]}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class StoreTimer:
    """Adds up the parent's time inside SweepStore.record and flush_series."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.originals = {}

    def __enter__(self):
        for name in ("record", "flush_series"):
            original = getattr(store_module.SweepStore, name)
            self.originals[name] = original

            def timed(self_store, *args, _original=original, **kwargs):
                start = time.perf_counter()
                try:
                    return _original(self_store, *args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - start

            setattr(store_module.SweepStore, name, timed)
        return self

    def __exit__(self, *exc):
        for name, original in self.originals.items():
            setattr(store_module.SweepStore, name, original)


def sweep_rate(runs: int, executor, folder: Path) -> tuple[float, float]:
    """Runs per minute of a sweep of ``runs`` default runs, and the store's share of wall time."""
    spec = SweepSpec("separate", Factors(INERT), seeds=runs)
    shutil.rmtree(folder, ignore_errors=True)
    with StoreTimer() as timer:
        start = time.perf_counter()
        outcome = run_sweep(spec, folder, executor)
        wall = time.perf_counter() - start
    assert outcome.done_now == runs, outcome
    return 60 * runs / wall, timer.seconds / wall


def batch_rate(runs: int, workers: int) -> float:
    spec = SweepSpec("separate", Factors(INERT), seeds=runs)
    start = time.perf_counter()
    run_batch([spec.base], spec.seed_list(), spec.run_weeks, workers)
    return 60 * runs / (time.perf_counter() - start)


def memory_profile(runs: int, folder: Path) -> list[tuple[int, float]]:
    spec = SweepSpec("separate", Factors(INERT), seeds=runs, weeks=4, prospects=500)
    samples: list[tuple[int, float]] = []
    done = [0]
    step = max(1, runs // 10)

    def on_result(_result) -> None:
        done[0] += 1
        if done[0] % step == 0:
            samples.append((done[0], rss_mb()))

    shutil.rmtree(folder, ignore_errors=True)
    run_sweep(spec, folder, LocalExecutor(2), on_result=on_result)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=240, help="runs per throughput case")
    parser.add_argument("--memory-runs", type=int, default=0, help="tiny runs for the memory case")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        print(f"{args.runs} runs of separate, 20,000 prospects x 104 weeks")
        print("| engine | workers | runs/min | store share of wall time |")
        print("|---|---|---|---|")
        rates = {}
        for workers in (1, 2):
            rate = batch_rate(args.runs, workers)
            print(f"| run_batch (gtmsim run) | {workers} | {rate:,.0f} | - |", flush=True)
            rate, share = sweep_rate(args.runs, LocalExecutor(workers), work / f"w{workers}")
            rates[workers] = rate
            print(f"| sweep, local pool | {workers} | {rate:,.0f} | {share:.1%} |", flush=True)
        if not args.skip_dask:
            rate, share = sweep_rate(args.runs, DaskExecutor("local:2"), work / "dask")
            rates["dask"] = rate
            print(f"| sweep, Dask LocalCluster | 2 | {rate:,.0f} | {share:.1%} |", flush=True)
        print(
            f"\nparallel efficiency 1 -> 2 workers: {rates[2] / (2 * rates[1]):.0%} (target >= 90%)"
        )
        if "dask" in rates:
            print(f"Dask vs local pool (2 workers): {rates['dask'] / rates[2]:.0%} (target >= 85%)")
        if args.memory_runs:
            samples = memory_profile(args.memory_runs, work / "memory")
            print(f"\nparent RSS over {args.memory_runs:,} tiny runs (runs done: MB)")
            print(", ".join(f"{n:,}: {mb:.0f}" for n, mb in samples))
            growth = samples[-1][1] - samples[0][1]
            print(f"growth from the first to the last sample: {growth:+.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
