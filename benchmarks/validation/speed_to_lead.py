"""Feeds docs/validation.md, "Speed to lead: hours to first contact".

1. The mean hours to first contact at week 104 (`response_hours`) of `separate` and
   `integrated`, median over the README's 20 seeds (each scenario's `simulation.base_seed`).
2. The published ratios on the model's own qualification rates, as
   tests/model/test_speed_to_lead.py measures them: `integrated` in a 200,000-prospect market
   with five times its scaled budget, every inquiry an MQL, an instant handoff, a fixed
   response time and time for every lead, 52 weeks, 3 seeds of each root; the same leads
   contacted after the fast or the slow time. Prints each ratio, the first contacts per arm and
   the 60x case's slow-arm SQLs (relative sd 1 / sqrt(SQLs)).

    .venv/bin/python benchmarks/validation/speed_to_lead.py                  # both, a few minutes
    .venv/bin/python benchmarks/validation/speed_to_lead.py --skip-medians --roots 5 --cases 7x
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from gtmsim.experiments.runner import map_tasks, replicate_seeds, run_batch
from gtmsim.model.growth import GrowthModel
from gtmsim.model.scenario_files import load_scenario

# the test's market, defined once in the test (as scripts/game_screenshots.py reuses its helpers)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "model"))
from test_speed_to_lead import instant_handoff

CASES = {  # name: (curve, fast hours, slow hours, published ratio)
    "7x": ("hbr2011", 0.5, 1.5, 7.0),
    "60x": ("hbr2011", 0.5, 36.0, 60.0),
    "21x": ("mit2007", 5 / 60, 0.5, 21.0),
}


def sqls_and_contacts(task: tuple[str, float, int]) -> tuple[int, int]:
    """(SQLs, first contacts) of one run."""
    curve, hours, seed = task
    model = GrowthModel(instant_handoff(curve, hours), seed=seed)
    model.run()
    return int(model.kpis.sqls_by_delay.sum()), int(model.kpis.contacts_by_delay.sum())


def medians(workers: int) -> None:
    for name in ("separate", "integrated"):
        scenario = load_scenario(name)
        seeds = replicate_seeds(scenario.simulation.base_seed, 20)
        summary = run_batch([scenario], seeds, 104, workers=workers).summary()
        print(
            f"{name}: hours to first contact, median of 20 seeds {summary['response_hours'].median():.1f} h"
        )


def ratios(roots: list[int], cases: list[str], workers: int) -> None:
    tasks = {
        (root, case, arm, seed): (CASES[case][0], CASES[case][1 + arm], seed)
        for root in roots
        for case in cases
        for arm in (0, 1)
        for seed in replicate_seeds(root, 3)
    }
    done = map_tasks(sqls_and_contacts, tasks, workers)
    contacts_per_arm = []
    for root in roots:
        for case in cases:
            arm = [[0, 0], [0, 0]]
            for (r, c, a, _), (sqls, contacts) in done.items():
                if (r, c) == (root, case):
                    arm[a][0] += sqls
                    arm[a][1] += contacts
            ratio = (arm[0][0] / arm[0][1]) / (arm[1][0] / arm[1][1])
            contacts_per_arm += [arm[0][1], arm[1][1]]
            print(
                f"root {root} {case} (published {CASES[case][3]:g}): ratio {ratio:.1f}; "
                f"fast {arm[0][0]} SQLs of {arm[0][1]:,} contacts, slow {arm[1][0]} of "
                f"{arm[1][1]:,} (relative sd {100 / math.sqrt(arm[1][0]):.1f}%)"
            )
    print(f"first contacts per arm: {min(contacts_per_arm):,}-{max(contacts_per_arm):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roots", default="5,17")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-medians", action="store_true")
    parser.add_argument("--skip-ratios", action="store_true")
    args = parser.parse_args()
    if not args.skip_medians:
        medians(args.workers)
    if not args.skip_ratios:
        roots = [int(r) for r in args.roots.split(",")]
        ratios(roots, args.cases.split(","), args.workers)


if __name__ == "__main__":
    main()
