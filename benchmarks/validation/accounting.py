"""Feeds docs/validation.md, "Every lead and deal accounted for".

Full-size 104-week runs of `separate` and `integrated` in which half the reps leave in week 20,
3 seeds of root 99 each: checks every week that every MQL so far was leaked, rejected, ignored,
contacted, or is still queued or on its way, and that every opportunity was won, lost, dropped
or is still open (the identities of tests/model/test_growth.py), and prints each run's
customers churned.

    .venv/bin/python benchmarks/validation/accounting.py        # about half a minute
"""

from __future__ import annotations

import argparse

from gtmsim.experiments.runner import map_tasks, replicate_seeds
from gtmsim.model.growth import GrowthModel
from gtmsim.model.scenario import with_levers
from gtmsim.model.scenario_files import load_scenario

WEEKS = 104


def audit(task: tuple[str, int]) -> tuple[int, int]:
    """(weeks on which an identity failed, customers churned) of one run."""
    name, seed = task
    scenario = with_levers(
        load_scenario(name), {"sales.headcount_cut_week": 20, "sales.headcount_cut_fraction": 0.5}
    )
    model = GrowthModel(scenario, seed=seed)
    failures = 0
    for _ in range(WEEKS):
        model.step()
        failures += model.firm.unaccounted() != (0, 0)
    return failures, int(model.kpis.total["churned_customers"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=int, default=99)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tasks = {
        (name, seed): (name, seed)
        for name in ("separate", "integrated")
        for seed in replicate_seeds(args.root, args.seeds)
    }
    done = map_tasks(audit, tasks, args.workers)
    for (name, seed), (failures, churned) in sorted(done.items()):
        print(
            f"{name} seed {seed}: weeks failing an identity {failures}, customers churned {churned}"
        )
    churned = [c for _, c in done.values()]
    failed = sum(f for f, _ in done.values())
    print(
        f"identities fail on {failed} run-weeks; {min(churned)}-{max(churned)} customers churned per run"
    )


if __name__ == "__main__":
    main()
