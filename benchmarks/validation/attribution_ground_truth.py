"""Feeds docs/validation.md, section "Attribution": the ground-truth "dud channel" numbers
(paragraph **Ground truth**, and the docstring of
tests/experiments/test_attribution.py::test_a_channel_with_zero_effect_contributes_zero_within_noise),
and, read from the two documented `gtmsim attribute` runs, the numbers the section's prose
quotes beside its table.

Ground truth: the test's one-segment 10,000-prospect market with a channel that does nothing
(`dud_scenario`, imported from the test so the set-up is the same), 104 weeks, new ARR of the
base run and of the runs without the dud and without content on 5 x 12 seeds other than the
test's (replicate seeds of roots 1000-5000), then on the test's 12 seeds (root 11); 180 + 36
runs, about ten minutes on two cores:

    .venv/bin/python benchmarks/validation/attribution_ground_truth.py [--workers 2]

The prose numbers (standard errors of the single-channel contributions, their sum, the Shapley
split against last touch, the Shapley run's own counterfactuals, mean new ARR), after the two
documented runs:

    .venv/bin/gtmsim attribute separate --seeds 20 --out results/attribution-20
    .venv/bin/gtmsim attribute separate --shapley --out results/attribution-shapley
    .venv/bin/python benchmarks/validation/attribution_ground_truth.py \
        --results results/attribution-20 results/attribution-shapley
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from gtmsim.experiments.attribution import without
from gtmsim.experiments.attribution_rules import MARKETING, SALES
from gtmsim.experiments.runner import replicate_seeds, run_batch

TESTS = Path(__file__).resolve().parents[2] / "tests"
OTHER_SEEDS = [s for root in range(1000, 5001, 1000) for s in replicate_seeds(root, 12)]
TEST_SEEDS = replicate_seeds(11, 12)
CHANNELS = ["ads", "content", "social", "seo_sem", "events"]


def dud_scenario():
    """The test's scenario (tests/experiments/test_attribution.py::dud_scenario)."""
    sys.path.insert(0, str(TESTS))  # the test module imports tests/conftest.py
    spec = importlib.util.spec_from_file_location(
        "test_attribution", TESTS / "experiments" / "test_attribution.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dud_scenario()


def new_arr(scenarios, seeds: list[int], workers: int) -> list[np.ndarray]:
    """Each scenario's total new ARR on each seed, in seed order."""
    summary = run_batch(scenarios, seeds, 104, workers).summary()
    out = []
    for i, _ in enumerate(scenarios):
        rows = summary.iloc[i * len(seeds) : (i + 1) * len(seeds)]
        assert list(rows["seed"]) == list(seeds)
        out.append(rows["new_arr"].to_numpy())
    return out


def k(x: float) -> str:
    return f"{x / 1e3:+.1f}k"


def ground_truth(workers: int) -> None:
    scenario = dud_scenario()
    scenarios = [scenario, without(scenario, ["dud"]), without(scenario, ["content"])]
    for label, seeds in [
        ("5 x 12 other seeds (roots 1000-5000)", OTHER_SEEDS),
        ("the test's 12 seeds", TEST_SEEDS),
    ]:
        base, no_dud, no_content = new_arr(scenarios, seeds, workers)
        dud, content = base - no_dud, base - no_content
        se12 = dud.std(ddof=1) / math.sqrt(12)
        t = dud.mean() / (dud.std(ddof=1) / math.sqrt(len(dud)))
        low, high = np.percentile(dud, [5, 95])
        print(f"{label}:")
        print(
            f"  base new ARR {base.mean() / 1e3:.0f}k (about {base.mean() / 6000:.0f} customers"
            f" of 6k), seed-to-seed sd {base.std(ddof=1) / 1e3:.0f}k"
        )
        print(
            f"  dud: mean {k(dud.mean())}, sd {dud.std(ddof=1) / 1e3:.0f}k, standard error of"
            f" a 12-seed mean {se12 / 1e3:.0f}k, t = {t:.1f}, 90% interval [{k(low)}, {k(high)}]"
        )
        print(
            f"  content: mean {k(content.mean())}, sd {content.std(ddof=1) / 1e3:.0f}k,"
            f" {(content <= 0).sum()} of {len(content)} at or below 0,"
            f" 5th percentile {k(np.percentile(content, 5))}"
        )
        print(
            f"  |dud mean| / content mean {abs(dud.mean()) / content.mean():.1%};"
            f" 12-seed dud se / content mean {se12 / content.mean():.1%}"
        )


def prose(twenty: Path, shapley: Path) -> None:
    table = pd.read_csv(twenty / "attribution.csv").set_index(["source", "method"])
    runs = pd.read_csv(twenty / "runs.csv", keep_default_na=False)
    base = runs[runs["removed"] == ""].set_index("seed")["revenue"]
    print(f"mean new ARR over {len(base)} seeds: {base.mean() / 1e6:.2f}M")
    for channel in CHANNELS:
        without_it = runs[runs["removed"] == channel].set_index("seed")["revenue"]
        diff = base - without_it.reindex(base.index)
        t = diff.mean() / (diff.std(ddof=1) / math.sqrt(len(diff)))
        share = table.loc[(channel, "counterfactual"), "share_pct"]
        print(f"  without {channel}: {share:.1f}% of new ARR, {t:.1f} standard errors above 0")
    total = sum(table.loc[(c, "counterfactual"), "share_pct"] for c in CHANNELS)
    print(f"single channels' contributions add up to {total:.1f}%")
    for method in ("first_touch", "last_touch"):
        print(
            f"{method}: marketing {table.loc[(MARKETING, method), 'share_pct']:.1f}%,"
            f" sales {table.loc[(SALES, method), 'share_pct']:.1f}%,"
            f" word of mouth {table.loc[('word_of_mouth', method), 'share_pct']:.1f}%"
        )
    other = pd.read_csv(shapley / "attribution.csv").set_index(["source", "method"])
    marketing = other.loc[(MARKETING, "shapley"), "share_pct"]
    sales = other.loc[(SALES, "shapley"), "share_pct"]
    last = table.loc[(MARKETING, "last_touch"), "share_pct"]
    print(
        f"Shapley (5 seeds): marketing {marketing:.1f}%, sales {sales:.1f}%;"
        f" {marketing / last:.1f} times last touch's credit to marketing over 20 seeds"
    )
    own = ", ".join(f"{c} {other.loc[(c, 'counterfactual'), 'share_pct']:.1f}%" for c in CHANNELS)
    print(f"the Shapley run's own counterfactuals: {own}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--results",
        nargs=2,
        type=Path,
        metavar=("TWENTY_SEEDS", "SHAPLEY"),
        help="print the prose numbers from these two `gtmsim attribute` folders instead",
    )
    args = parser.parse_args()
    if args.results:
        prose(*args.results)
    else:
        ground_truth(args.workers)


if __name__ == "__main__":
    main()
