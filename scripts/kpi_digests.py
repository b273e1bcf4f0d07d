"""Digests of the weekly KPI table (and the per-run summary) of every shipped and lesson
scenario and market on its first three replicate seeds: a change that should not alter results must leave
every line unchanged. Run: .venv/bin/python scripts/kpi_digests.py > /tmp/after.txt

Each line: scenario, seed, sha256 of the summary row (columns sorted by name, so a change of
column order alone does not count), sha256 of the weekly table as timeseries.csv writes it.
A change that adds KPIs can show that the others did not move: ``--without new_a,new_b`` drops
those columns before hashing (run it on both sides).
"""

from __future__ import annotations

import argparse
import hashlib
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from gtmsim.experiments.plan import load_unit
from gtmsim.experiments.runner import replicate_seeds, run_one
from gtmsim.experiments.summary import summarise_run
from gtmsim.model.scenario_files import shipped_markets, shipped_scenarios
from gtmsim.outputs.results import FLOAT_FORMAT

LESSONS = Path(__file__).resolve().parents[1] / "docs" / "lessons" / "scenarios"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def digest(task: tuple[str, int], without: tuple[str, ...] = ()) -> str:
    name, seed = task
    weekly = run_one(load_unit(name), seed)  # a market: every firm's weeks
    summary = pd.DataFrame(
        [summarise_run(firm) for _, firm in weekly.groupby("scenario", sort=False)]
    )
    weekly = weekly.drop(columns=[c for c in without if c in weekly.columns])
    summary = summary.drop(columns=[c for c in without if c in summary.columns])
    summary = summary[sorted(summary.columns)]
    row = sha(summary.to_csv(index=False, float_format=FLOAT_FORMAT))[:8]
    table = sha(weekly.to_csv(index=False, float_format=FLOAT_FORMAT))[:16]
    return f"{Path(name).stem} {seed} {row} {table}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--without", default="", help="comma-separated columns not to hash")
    without = tuple(c for c in parser.parse_args().without.split(",") if c)
    lessons = [str(p) for p in sorted(LESSONS.glob("*.toml"))]
    names = [*shipped_scenarios(), *lessons, *shipped_markets()]
    tasks = [
        (name, seed)
        for name in names
        for seed in replicate_seeds(load_unit(name).simulation.base_seed, 3)
    ]
    with ProcessPoolExecutor(2) as pool:
        for line in pool.map(partial(digest, without=without), tasks):
            print(line)


if __name__ == "__main__":
    main()
