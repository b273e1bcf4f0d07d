"""Feeds docs/validation.md, "Recurring revenue: installed base, renewals, churn and expansion"
(all but its last paragraph, "What it changes", which quotes the README's comparison).

- "Defaults and what they give": churn at renewal pooled over every renewal of two years, and
  year-2 net and gross revenue retention by segment of the customers active at week 52 (pooled
  over seeds), in `separate` and `integrated` `resized` to 200,000 prospects, 4 seeds of "root
  300" (seeds 300-303, on which the documented numbers were measured); the binomial standard
  errors of the pooled churn; the mean fit of the installed base, of the customers won in the
  run and of the market.
- "Mechanism": installed customers of seeds 1-5 holding the same contract after 104 weeks in
  `separate` and `integrated` (common random numbers for renewals).

    .venv/bin/python benchmarks/validation/recurring_revenue.py
"""

from __future__ import annotations

import argparse

import numpy as np

from gtmsim.model.growth import GrowthModel
from gtmsim.model.journey import Stage
from gtmsim.model.scenario import resized
from gtmsim.model.scenario_files import load_scenario

SEGMENTS = ("smb", "mid_market", "enterprise")
QUOTED = {"smb": (0.30, 0.60), "mid_market": (0.10, 0.15), "enterprise": (0.0, 0.10)}


def defaults(name: str) -> dict:
    """Pooled renewals, churn, retention by segment and fits of `name` at 200,000 prospects."""
    scenario = resized(load_scenario(name), 200_000)
    due, churned = np.zeros(3), np.zeros(3)
    then, now, kept = np.zeros(3), np.zeros(3), np.zeros(3)
    fit_installed, fit_won, fit_market = [], [], []
    for seed in range(300, 304):
        model = GrowthModel(scenario, seed=seed)
        pop = model.population
        fit_installed.append(pop.fit[pop.stage == Stage.CUSTOMER])
        fit_market.append(pop.fit)
        model.run(52)
        cohort = np.flatnonzero(pop.arr > 0)
        arr_then = pop.arr[cohort].copy()
        model.run(52)
        arr_now = pop.arr[cohort]
        for s in range(3):
            mine = pop.segment[cohort] == s
            then[s] += arr_then[mine].sum()
            now[s] += arr_now[mine].sum()
            kept[s] += np.minimum(arr_now, arr_then)[mine].sum()
        due += model.customers.renewals_due
        churned += model.customers.churned
        fit_won.append(pop.fit[(pop.stage == Stage.CUSTOMER) & (pop.bought_week >= 0)])
    return {
        "due": due,
        "churn": churned / due,
        "nrr": 100 * now / then,
        "grr": 100 * kept / then,
        "fit_installed": np.concatenate(fit_installed).mean(),
        "fit_won": np.concatenate(fit_won).mean(),
        "fit_market": np.concatenate(fit_market).mean(),
    }


def same_contracts() -> tuple[int, int]:
    """Installed customers of seeds 1-5, and how many hold the same contract after 104 weeks in
    `separate` and `integrated`."""
    separate, integrated = load_scenario("separate"), load_scenario("integrated")
    installed = same = 0
    for seed in range(1, 6):
        a, b = GrowthModel(separate, seed=seed), GrowthModel(integrated, seed=seed)
        base = np.flatnonzero(a.population.stage == Stage.CUSTOMER)
        a.run(104)
        b.run(104)
        installed += len(base)
        same += np.count_nonzero(np.isclose(a.population.arr[base], b.population.arr[base]))
    return same, installed


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    same, installed = same_contracts()
    print(f"seeds 1-5: {same} of the {installed} installed customers hold the same contract\n")
    sep, integ = defaults("separate"), defaults("integrated")
    print(
        "| segment | churn at renewal, separate / integrated | year-2 NRR, separate / integrated",
        end="",
    )
    print(" | year-2 GRR, separate |")
    for s, name in enumerate(SEGMENTS):
        print(
            f"| {name} | {100 * sep['churn'][s]:.1f}% / {100 * integ['churn'][s]:.1f}% |"
            f" {sep['nrr'][s]:.1f}% / {integ['nrr'][s]:.1f}% | {sep['grr'][s]:.1f}% |"
        )
    print()
    distances = []
    for s, name in enumerate(SEGMENTS):
        p, n = sep["churn"][s], sep["due"][s]
        se = np.sqrt(p * (1 - p) / n)
        low, high = QUOTED[name]
        edge = min(p - low, high - p) if low > 0 else high - p
        distances.append((edge / se, name))
        print(
            f"separate {name}: {n:.0f} renewals, churn {100 * p:.1f}%, standard error"
            f" {100 * se:.2f} points, nearest quoted edge {edge / se:.1f} of them away"
        )
    print(f"nearest edge: {min(distances)[1]}, {min(distances)[0]:.1f} standard errors away")
    print(
        f"\nmean fit: installed base {sep['fit_installed']:.2f}, customers won in the run"
        f" {sep['fit_won']:.2f} (separate) / {integ['fit_won']:.2f} (integrated),"
        f" market {sep['fit_market']:.2f}"
    )


if __name__ == "__main__":
    main()
