"""Benchmark GrowthModel: build time, run time, throughput and peak memory on one core.

Each measurement runs in a fresh child process (this script re-invoked with ``--worker``),
so peak RSS belongs to that one case and no case warms caches for another. Numerical
libraries are limited to one thread (OMP/OPENBLAS/MKL_NUM_THREADS=1) before numpy is
imported; ``--cpu N`` additionally pins each child to CPU ``N``.

The company is scaled with its market (``resized``: budget and reps in proportion, so
1,000,000 prospects get 500 reps); a market file's firms are each scaled so. Targets (build +
run, one core): 100,000 prospects x 104 weeks in at most 1.5 s and 1,000,000 x 104 weeks in at
most 10 s, under 1 GB; a market of 3 firms at 1,000,000 prospects x 104 weeks in at most 20 s
and 2.5 GB (issue 14); one firm at 10,000,000 prospects within 8 GB.

Usage::

    .venv/bin/python benchmarks/bench_model.py
    .venv/bin/python benchmarks/bench_model.py --sizes 10000,100000 --repeats 3 --json out.json
    .venv/bin/python benchmarks/bench_model.py --sizes 100000,1000000 --cpu 1 --fail-on-miss
    .venv/bin/python benchmarks/bench_model.py --sizes 1000000 --scenarios benchmarks/three-firms.toml
    .venv/bin/python benchmarks/bench_model.py --sizes 10000000 --scenarios separate --weeks 104

Not part of the pytest suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# One thread for numerical libraries, set before numpy is imported (only children import it,
# and they inherit this environment).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

TARGET_WEEKS = 104
TARGET_RSS_MB = 1024.0
#: (firms, prospects) -> (most seconds or None, most peak RSS in MB) for runs of TARGET_WEEKS.
TARGETS: dict[tuple[int, int], tuple[float | None, float]] = {
    (1, 100_000): (1.5, TARGET_RSS_MB),
    (1, 1_000_000): (10.0, TARGET_RSS_MB),
    (3, 1_000_000): (20.0, 2.5 * 1024),
    (1, 10_000_000): (None, 8 * 1024),
}
SRC = Path(__file__).resolve().parents[1] / "src"


def _maxrss_mb(who: int) -> float:
    """Peak resident set size in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    import resource

    raw = resource.getrusage(who).ru_maxrss
    return raw / 2**20 if sys.platform == "darwin" else raw / 1024


def _cpu_seconds(who: int) -> float:
    import resource

    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# --- child process -------------------------------------------------------------------------


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Build and run one case in this (fresh) process; return its measurements."""
    import resource

    if spec.get("cpu") is not None:
        os.sched_setaffinity(0, {spec["cpu"]})
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    import hashlib
    import tracemalloc

    from gtmsim.experiments.plan import load_unit
    from gtmsim.model import GrowthModel, Scenario
    from gtmsim.model.market_scenario import MarketScenario
    from gtmsim.model.scenario import resized

    def scaled(one: Scenario) -> Scenario:
        # the company scaled with its market (budget and reps: 1M prospects get 500 reps)
        data = resized(one, spec["prospects"]).model_dump()
        data["simulation"]["weeks"] = spec["weeks"]
        return Scenario.model_validate(data)

    unit = load_unit(spec["scenario"])
    if isinstance(unit, MarketScenario):
        firms = {name: scaled(firm) for name, firm in unit.firms.items()}
        scenario = unit.model_copy(update={"firms": firms})
    else:
        scenario = scaled(unit)

    baseline_rss = _maxrss_mb(resource.RUSAGE_SELF)
    if spec["tracemalloc"]:
        tracemalloc.start()
    cpu0 = _cpu_seconds(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    model = GrowthModel(scenario, seed=spec["seed"])
    t1 = time.perf_counter()
    cpu1 = _cpu_seconds(resource.RUSAGE_SELF)
    model.run(spec["weeks"])
    t2 = time.perf_counter()
    cpu2 = _cpu_seconds(resource.RUSAGE_SELF)
    result: dict[str, Any] = {
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "cpu_build_s": cpu1 - cpu0,
        "cpu_run_s": cpu2 - cpu1,
        "cpu_s": cpu2 - cpu0,
        "baseline_rss_mb": baseline_rss,
        "peak_rss_mb": _maxrss_mb(resource.RUSAGE_SELF),
    }
    if spec["tracemalloc"]:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    # Fingerprint of the output, to check that an optimisation did not change behaviour.
    import pandas as pd

    frame = model.datacollector.get_model_vars_dataframe()
    hashed = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    result["firms"] = len(model.firms)
    result["customers"] = int(model.kpi_row.get("customers", -1))
    result["cum_revenue"] = float(model.kpi_row.get("cum_revenue", float("nan")))
    result["digest"] = hashlib.sha256(hashed.tobytes()).hexdigest()[:12]
    return result


# --- parent process ------------------------------------------------------------------------


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one case in a fresh interpreter and return what it measured."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark case {spec} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(
    scenario: str,
    prospects: int,
    weeks: int,
    seed: int,
    repeats: int,
    cpu: int | None,
    with_tracemalloc: bool,
) -> dict[str, Any]:
    """Best-of-``repeats`` times and the largest peak RSS for one case."""
    spec = {
        "scenario": scenario,
        "prospects": prospects,
        "weeks": weeks,
        "seed": seed,
        "cpu": cpu,
        "tracemalloc": False,
    }
    runs = [run_child(spec) for _ in range(repeats)]
    best = min(runs, key=lambda r: r["build_s"] + r["run_s"])
    digests = {r["digest"] for r in runs}
    if len(digests) != 1:
        raise RuntimeError(f"{scenario}/{prospects}: runs on one seed differ: {digests}")
    work = prospects * weeks
    total = best["build_s"] + best["run_s"]
    row: dict[str, Any] = {
        "scenario": Path(scenario).stem,
        "firms": best["firms"],
        "prospects": prospects,
        "weeks": weeks,
        "seed": seed,
        "repeats": repeats,
        "build_s": best["build_s"],
        "run_s": best["run_s"],
        "total_s": total,
        "cpu_s": best["cpu_s"],
        "cpu_build_s": best["cpu_build_s"],
        "cpu_run_s": best["cpu_run_s"],
        "week_ms": 1000 * best["run_s"] / weeks,
        "prospect_weeks_per_s": work / total,
        "prospect_weeks_per_s_run": work / best["run_s"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "baseline_rss_mb": min(r["baseline_rss_mb"] for r in runs),
        "tracemalloc_peak_mb": None,
        "customers": best["customers"],
        "cum_revenue": best["cum_revenue"],
        "digest": best["digest"],
    }
    if with_tracemalloc:  # separate run: tracing slows the model several-fold
        traced = run_child({**spec, "tracemalloc": True})
        row["tracemalloc_peak_mb"] = traced["tracemalloc_peak_mb"]
    target = TARGETS.get((row["firms"], prospects)) if weeks == TARGET_WEEKS else None
    if target is not None:
        seconds, rss_mb = target
        fast = seconds is None or total <= seconds
        row["target_met"] = fast and row["peak_rss_mb"] <= rss_mb
    else:
        row["target_met"] = None
    return row


def _rate(value: float) -> str:
    return f"{value / 1e6:.2f} M"


def markdown(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table."""
    header = (
        "| scenario | firms | prospects | weeks | build s | run s | total s | CPU s build+run | ms/week "
        "| prospect-weeks/s | (run only) | peak RSS MB | import RSS MB | tracemalloc MB "
        "| customers | digest | target |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in rows:
        traced = r["tracemalloc_peak_mb"]
        target = {None: "-", True: "pass", False: "**MISS**"}[r["target_met"]]
        lines.append(
            f"| {r['scenario']} | {r['firms']} | {r['prospects']:,} | {r['weeks']} | {r['build_s']:.2f} "
            f"| {r['run_s']:.2f} | {r['total_s']:.2f} "
            f"| {r['cpu_build_s']:.2f}+{r['cpu_run_s']:.2f} | {r['week_ms']:.1f} "
            f"| {_rate(r['prospect_weeks_per_s'])} | {_rate(r['prospect_weeks_per_s_run'])} "
            f"| {r['peak_rss_mb']:.0f} | {r['baseline_rss_mb']:.0f} "
            f"| {'-' if traced is None else f'{traced:.0f}'} | {r['customers']:,} "
            f"| `{r['digest']}` | {target} |"
        )
    return "\n".join(lines)


def _git_revision() -> str | None:
    """The checkout's commit, with ``+dirty`` if src/ has uncommitted changes (None outside git)."""
    root = SRC.parent

    def git(*args: str) -> str:
        cmd = ["git", "-C", str(root), *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "src")
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+dirty" if dirty else "")


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=_ints, default=[10_000, 100_000], help="prospects, comma-separated"
    )
    parser.add_argument("--weeks", type=int, default=104, help="weeks per run (default 104)")
    parser.add_argument(
        "--scenarios", type=_names, default=["separate", "integrated"], help="comma-separated"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="fresh runs per case; best time")
    parser.add_argument("--cpu", type=int, default=None, help="pin each child to this CPU")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="extra traced run per case (several x slower)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit 1 if a 100k or 1M x 104 target is missed"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    rows = []
    for prospects in args.sizes:
        for scenario in args.scenarios:
            print(
                f"  {scenario} x {prospects:,} prospects x {args.weeks} weeks ...", file=sys.stderr
            )
            rows.append(
                measure(
                    scenario,
                    prospects,
                    args.weeks,
                    args.seed,
                    args.repeats,
                    args.cpu,
                    args.tracemalloc,
                )
            )
    print(markdown(rows))
    targets = "; ".join(
        f"{firms} firm{'s' * (firms > 1)} x {n:,} x {TARGET_WEEKS} weeks: "
        + (f"<= {sec:g} s, " if sec else "")
        + f"<= {rss / 1024:g} GB"
        for (firms, n), (sec, rss) in TARGETS.items()
    )
    print(
        f"\nTargets (build + run, company scaled to its market, one core): {targets}. Best of "
        f"{args.repeats}; one thread per process; python {platform.python_version()}."
    )
    busy = [r for r in rows if r["total_s"] > 1.2 * r["cpu_s"] + 0.05]
    if busy:
        print(
            "Note: wall time exceeds CPU time by > 20% in some cases; the machine was busy, "
            "so the CPU-s column is the better estimate there (or rerun with --repeats)."
        )
    if args.json:
        meta = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpu_pinned": args.cpu,
            "git": _git_revision(),
            "target": {
                "by_firms_and_prospects": {f"{f}x{n}": t for (f, n), t in TARGETS.items()},
                "weeks": TARGET_WEEKS,
            },
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        args.json.write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    missed = [r for r in rows if r["target_met"] is False]
    return 1 if args.fail_on_miss and missed else 0


if __name__ == "__main__":
    sys.exit(main())
