"""Feeds docs/validation.md, section "Competition: several firms in one market" (and the
tolerances quoted in tests/model/test_competition.py's docstring).

Two `separate` firms a and b in the default 20,000-prospect market, 104 weeks, seeds given as
plain integers as the test gives them:

* the symmetric split: the sd over seeds of firm b's end-of-run share of the market's
  customers, over seeds 100-119 and over seeds 1-30;
* one lever of firm b moved (integrated; twice the budget; 1.5 times the budget; price x0.8;
  price x1.25): the paired change of b's customer share (and ARR share and share of voice for
  the budget levers, the section's "share of voice against a rule of thumb"), mean and sd over
  seeds 100-119, against the symmetric market on the same seed;
* how young the market is: the share of prospects who are customers of either firm after two
  years in the symmetric market;
* lesson 6's "how much do rivals take" (docs/lessons/make_answers.py, lesson_6): in `duopoly` on
  the 20 seeds `gtmsim compare` uses, the medians of the deals we win and of those lost to the
  rival, lost / (won + lost), and the share of prospects customers of either firm.

About 190 runs of two firms, a few minutes on two cores:

    .venv/bin/python benchmarks/validation/competition.py [--workers 2]
"""

from __future__ import annotations

import argparse

import pandas as pd

from gtmsim.experiments.plan import load_unit
from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model import load_scenario, with_levers
from gtmsim.model.market_scenario import MarketScenario

WEEKS = 104
SEEDS = list(range(100, 120))
WIDE_SEEDS = list(range(1, 31))
SHARES = ["market_share_customers", "market_share_arr", "share_of_voice"]


def markets() -> dict[str, MarketScenario]:
    separate = load_scenario("separate")
    budget = separate.marketing.annual_budget
    rivals = {
        "symmetric": separate,
        "integrated": load_scenario("integrated"),
        "twice the budget": with_levers(separate, {"marketing.annual_budget": 2 * budget}),
        "1.5 times the budget": with_levers(separate, {"marketing.annual_budget": 1.5 * budget}),
        "price x0.8": with_levers(separate, {"pricing.price": 0.8}),
        "price x1.25": with_levers(separate, {"pricing.price": 1.25}),
    }
    return {
        label: MarketScenario(name=f"m{i}", firms={"a": separate, "b": b})
        for i, (label, b) in enumerate(rivals.items())
    }


def firm_b(summary: pd.DataFrame, market: MarketScenario) -> pd.DataFrame:
    return summary[summary["scenario"] == f"{market.name}:b"].set_index("seed")


def competition(workers: int) -> None:
    units = markets()
    summary = run_batch(list(units.values()), SEEDS, WEEKS, workers).summary()
    symmetric = firm_b(summary, units["symmetric"])
    wide = run_batch([units["symmetric"]], WIDE_SEEDS, WEEKS, workers).summary()
    wide_b = firm_b(wide, units["symmetric"])
    for label, shares in [("100-119", symmetric), ("1-30", wide_b)]:
        s = shares["market_share_customers"]
        print(
            f"symmetric, seeds {label}: firm b's customer share mean {s.mean():.1f},"
            f" sd {s.std(ddof=1):.1f} points"
        )
    prospects = units["symmetric"].first.market.prospects
    both = summary[summary["scenario"].str.startswith("m0:")].groupby("seed")["customers"].sum()
    print(
        f"symmetric market: {100 * both.mean() / prospects:.1f}% of prospects customers after"
        f" two years (median {100 * both.median() / prospects:.1f}%)"
    )
    print("paired change of firm b's shares (points, seeds 100-119, mean and sd):")
    for label, market in units.items():
        if label == "symmetric":
            continue
        b = firm_b(summary, market)
        parts = []
        for kpi in SHARES:
            diff = b[kpi] - symmetric[kpi].reindex(b.index)
            part = f"{kpi} {diff.mean():+.1f} (sd {diff.std(ddof=1):.1f}"
            if kpi != "share_of_voice":
                part += f"; {diff.mean() / (WEEKS / 52):+.2f} a year"
            parts.append(part + ")")
        voice = b["share_of_voice"].mean()
        print(f"  {label}: " + ", ".join(parts) + f"; b's share of voice {voice:.1f}%")


def lesson_6(workers: int) -> None:
    duopoly = load_unit("duopoly")
    seeds = replicate_seeds(duopoly.simulation.base_seed, 20)
    summary = run_batch([duopoly], seeds, duopoly.simulation.weeks, workers).summary()
    us = summary[summary["scenario"] == "duopoly:us"]
    won, lost = us["cum_wins"].median(), us["lost_to_rivals"].median()
    bought = summary.groupby("seed")["customers"].sum().median()
    print(
        f"lesson 6, duopoly (20 seeds, medians): we win {won:.0f} deals, lose {lost:.0f} to the"
        f" rival: {100 * lost / (won + lost):.0f}% of what we could have had;"
        f" {100 * bought / duopoly.first.market.prospects:.1f}% of prospects customers"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    competition(args.workers)
    lesson_6(args.workers)


if __name__ == "__main__":
    main()
