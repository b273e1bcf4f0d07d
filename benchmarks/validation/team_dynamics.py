"""Feeds docs/validation.md, "Sales team dynamics: attrition, backfill, ramp-up": reps who leave,
open deals sent back to nurture, new customers won by sales and CAC in `separate` with its
default attrition (30% a year) and without it (10 seeds of root 99, 104 weeks).

    .venv/bin/python benchmarks/validation/team_dynamics.py
"""

from __future__ import annotations

import argparse

import pandas as pd

from gtmsim.experiments.runner import replicate_seeds
from gtmsim.experiments.summary import summarise_run
from gtmsim.model.growth import GrowthModel
from gtmsim.model.scenario import with_levers
from gtmsim.model.scenario_files import load_scenario


def run(scenario, seed: int) -> dict:
    """One run's summary row, with the number of reps who left."""
    model = GrowthModel(scenario, seed=seed)
    model.run(104)
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "seed", seed)
    frame.insert(0, "scenario", scenario.name)
    return {**summarise_run(frame), "departures": model.team.departures}


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    base = load_scenario("separate")
    without = with_levers(base, {"sales.attrition_per_year": 0.0}, "no attrition")
    seeds = replicate_seeds(99, 10)
    att = pd.DataFrame([run(base, s) for s in seeds]).set_index("seed")
    off = pd.DataFrame([run(without, s) for s in seeds]).set_index("seed")
    print(f"reps leaving a run: mean {att['departures'].mean():.1f}")
    dropped = att["deals_dropped"]
    print(
        f"open deals back to nurture a run: mean {dropped.mean():.1f}, median {dropped.median():g}"
    )
    wins, wins_off = att["cum_wins"], off["cum_wins"]
    print(
        f"won by sales: mean {wins.mean():.1f} with attrition, {wins_off.mean():.1f} without"
        f" (medians {wins.median():g} and {wins_off.median():g})"
    )
    diff = wins_off - wins
    print(
        f"seed by seed (without minus with): {diff.min():+g} to {diff.max():+g},"
        f" mean {diff.mean():.1f}"
    )
    print(
        f"CAC (medians): {att['cac'].median() / 1e3:.1f}k with attrition,"
        f" {off['cac'].median() / 1e3:.1f}k without"
    )


if __name__ == "__main__":
    main()
