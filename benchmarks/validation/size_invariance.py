"""Feeds docs/validation.md, "Size invariance: results hold at any market size".

`separate` and `integrated` scaled with their market (`gtmsim.model.scenario.resized`) to
20,000, 40,000 and 80,000 prospects, 12 seeds of root 99 at each size, 104 weeks. Prints the
section's table (mean, seed-to-seed sd in brackets) and, for the 28 differences from 20,000
prospects (new and all customers per 1,000, CAC, MQL -> SQL, win rate, awareness and trust at
two sizes, two scenarios), each gap in standard errors of a difference of independent means.

    .venv/bin/python benchmarks/validation/size_invariance.py            # about 2 minutes on 2 cores
    .venv/bin/python benchmarks/validation/size_invariance.py --scenarios separate --sizes 20000
    .venv/bin/python benchmarks/validation/size_invariance.py --seeds 40 --resample 10  # ~5 min

The third form feeds the docstring of tests/behaviour/test_size_invariance.py (40 seeds of
root 99; its 24 gaps are the list's lines other than "new per 1,000").
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model.scenario import resized
from gtmsim.model.scenario_files import load_scenario

KPIS = {  # summary column: label in the gap list
    "new_per_1000": "new per 1,000",
    "customers_per_1000": "customers per 1,000",
    "cac": "CAC",
    "mql_to_sql": "MQL -> SQL",
    "win_rate": "win rate",
    "awareness_pct": "awareness",
    "trusting_pct": "trust",
}
TEST_KPIS = ["customers_per_1000", "cac", "mql_to_sql", "win_rate", "awareness_pct", "trusting_pct"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="separate,integrated")
    parser.add_argument("--sizes", default="20000,40000,80000")
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--root", type=int, default=99)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--resample", type=int, default=0, help="seeds per size drawn, e.g. 10")
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--replace", action="store_true", help="draw seeds with replacement")
    parser.add_argument("--save", help="write the runs' summaries to this CSV")
    parser.add_argument("--load", help="read the summaries from this CSV instead of running")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = replicate_seeds(args.root, args.seeds)
    summaries = {}
    loaded = pd.read_csv(args.load) if args.load else None
    for name in args.scenarios.split(","):
        for size in sizes:
            if loaded is not None:
                summary = loaded[(loaded["scenario"] == name) & (loaded["prospects"] == size)]
                summaries[name, size] = summary.reset_index(drop=True)
                continue
            scenario = resized(load_scenario(name), size)
            summary = run_batch([scenario], seeds, 104, workers=args.workers).summary()
            summary["prospects"] = size
            summary["new_per_1000"] = summary["cum_wins"] / size * 1000
            summary["customers_per_1000"] = summary["customers"] / size * 1000
            summaries[name, size] = summary
    if args.save:
        pd.concat(summaries.values()).to_csv(args.save, index=False)

    print(
        "| scenario | prospects | new per 1,000 | customers per 1,000 | CAC | MQL -> SQL | win rate |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for (name, size), s in summaries.items():
        new, cust, cac = s["new_per_1000"], s["customers_per_1000"], s["cac"] / 1000
        print(
            f"| {name} | {size:,} | {new.mean():.2f} ({new.std(ddof=1):.2f}) "
            f"| {cust.mean():.2f} ({cust.std(ddof=1):.2f}) "
            f"| {cac.mean():.1f}k ({cac.std(ddof=1):.1f}k) "
            f"| {100 * s['mql_to_sql'].mean():.1f}% | {100 * s['win_rate'].mean():.1f}% |"
        )

    gaps = []
    for (name, size), other in summaries.items():
        base = summaries.get((name, sizes[0]))
        if size == sizes[0] or base is None:
            continue
        for kpi, label in KPIS.items():
            a, b = base[kpi].to_numpy(float), other[kpi].to_numpy(float)
            se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
            gaps.append(((b.mean() - a.mean()) / se, name, size, label, a.mean(), b.mean()))
    if gaps:
        beyond = [g for g in gaps if abs(g[0]) > 2]
        print(
            f"\n{len(gaps)} differences from {sizes[0]:,} prospects; {len(gaps) - len(beyond)} "
            f"within two standard errors; {len(gaps) * math.erfc(2 / math.sqrt(2)):.1f} expected beyond two"
        )
        for z, name, size, label, a, b in sorted(gaps, key=lambda g: -abs(g[0])):
            print(f"  {z:+5.2f} se  {name} {label} at {size:,}: {a:.4g} -> {b:.4g}")
    if args.resample:
        resample(summaries, sizes, args.resample, args.draws, args.replace)


def resample(summaries: dict, sizes: list[int], n: int, draws: int, replace: bool) -> None:
    """How often the assertion of tests/behaviour/test_size_invariance.py (each of its KPIs at
    every other size within 4 standard errors of the first size's mean, ``n`` seeds each)
    fails when each size's ``n`` seeds are drawn from the ones run here, as measured and with
    each size's mean first moved to the first size's (gaps that are pure noise)."""
    rng = np.random.default_rng(0)
    for name in dict.fromkeys(name for name, _ in summaries):
        values = {size: summaries[name, size][TEST_KPIS].to_numpy(float) for size in sizes}
        centred = {
            size: v - v.mean(axis=0) + values[sizes[0]].mean(axis=0) for size, v in values.items()
        }
        for label, table in (("as measured", values), ("means moved to the first size's", centred)):
            failed = 0
            for _ in range(draws):
                picked = {
                    size: v[rng.choice(len(v), n, replace=replace)] for size, v in table.items()
                }
                a = picked[sizes[0]]
                for size in sizes[1:]:
                    b = picked[size]
                    se = np.sqrt(a.var(axis=0, ddof=1) / n + b.var(axis=0, ddof=1) / n)
                    if np.any(np.abs(b.mean(axis=0) - a.mean(axis=0)) > 4 * se + 1e-9):
                        failed += 1
                        break
            print(
                f"{name}: {n} of the seeds per size, {label}: failed in {100 * failed / draws:.2f}% of {draws:,} draws"
            )


if __name__ == "__main__":
    main()
