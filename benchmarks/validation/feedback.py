"""Feeds docs/validation.md, "Feedback that teaches: joint meetings": the table of `separate`
with only its meeting cadence changed (10 seeds of root 99, 104 weeks, medians) and the
paired comparison of monthly against quarterly meetings.

    .venv/bin/python benchmarks/validation/feedback.py [--workers 2]
"""

from __future__ import annotations

import argparse

from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model.scenario import with_levers
from gtmsim.model.scenario_files import load_scenario

CADENCES = {
    "never": "never",
    "quarterly (`separate`)": "quarterly",
    "monthly": "monthly",
    "weekly": "weekly",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    base = load_scenario("separate")
    scenarios = [
        with_levers(base, {"organisation.meeting_cadence": cadence}, cadence)
        for cadence in CADENCES.values()
    ]
    summary = run_batch(scenarios, replicate_seeds(99, 10), 104, workers=args.workers).summary()
    by = {name: frame.set_index("seed") for name, frame in summary.groupby("scenario")}
    medians = {name: frame.median(numeric_only=True) for name, frame in by.items()}

    print("| meetings | MQL -> SQL | MQLs rejected by sales | lead -> customer |", end="")
    print(" new customers | CAC |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, cadence in CADENCES.items():
        m = medians[cadence]
        print(
            f"| {label} | {100 * m['mql_to_sql']:.1f}% | {m['leads_rejected']:.0f} |"
            f" {100 * m['lead_to_customer']:.1f}% | {m['cum_wins']:g} | {m['cac'] / 1e3:.1f}k |"
        )
    never, weekly = medians["never"], medians["weekly"]
    print(
        f"\nmedians, weekly against never: {weekly['cum_wins'] - never['cum_wins']:+g} customers,"
        f" CAC {(weekly['cac'] - never['cac']) / 1e3:+.1f}k"
    )
    diff = by["monthly"]["cum_wins"] - by["quarterly"]["cum_wins"]
    median_gap = medians["monthly"]["cum_wins"] - medians["quarterly"]["cum_wins"]
    print(
        f"paired, monthly minus quarterly new customers: mean {diff.mean():+.1f},"
        f" sd {diff.std(ddof=1):.1f}; medians differ by {median_gap:+g}"
    )


if __name__ == "__main__":
    main()
