"""Feeds docs/validation.md, "Stylized facts" (and "Limits of the lag"), and the calibration
comments of tests/behaviour/test_stylized_facts.py. Each part runs on its own:

    .venv/bin/python benchmarks/validation/stylized_facts.py adoption  # Bass, 5,000 x 15 y, 5 seeds
    .venv/bin/python benchmarks/validation/stylized_facts.py returns   # budget doublings, 8 seeds
    .venv/bin/python benchmarks/validation/stylized_facts.py delay     # handoff delay, 12 seeds
    .venv/bin/python benchmarks/validation/stylized_facts.py lag       # 3 x 40 seeds, the test's 70
    .venv/bin/python benchmarks/validation/stylized_facts.py limits    # `separate`, 40 and 12 seeds

`returns` and `delay` use seeds of root 99 (`replicate_seeds(99, n)`), `lag` base seeds 1000,
2000 and 3000 (40 each) against the uncut run, and the test's own 70 seeds (root 51) for its t;
`limits` 40 seeds of root 3000 (30% of the reps) and 12 of root 4000 (half of them), the seeds
the documented numbers were measured on.
`--workers` runs the batches on that many processes.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy import stats

from gtmsim.experiments.bass import run_bass_check
from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model.scenario import Scenario, resized, with_levers
from gtmsim.model.scenario_files import load_scenario

CUT_WEEK, EARLY, HORIZON = 52, 8, 26


def adoption(workers: int) -> None:
    """The test's Bass run: adopters per year, the peak year, the share adopted at the peak."""
    check = run_bass_check(0.03, 0.38, 5_000, 780, 5, workers=workers, base_seed=11)
    yearly = np.diff(np.concatenate([[0.0], check.mean[51::52]]))
    peak = int(np.argmax(yearly))
    print("adopters per year (share of the market):", np.round(yearly, 3).tolist())
    print(
        f"peak in year {peak + 1} (index {peak}), {100 * check.mean[52 * peak]:.0f}% adopted there;"
        f" last year {yearly[-1] / yearly[peak]:.2f} of the peak"
    )


def returns(workers: int) -> None:
    """Marginal awareness per extra 1M (of the 20,000-prospect budget) at each doubling."""
    budgets = [250_000, 500_000, 1_000_000, 2_000_000, 4_000_000]
    base = with_levers(
        resized(load_scenario("separate"), 4000), {"marketing.retargeting_rate": 0.0}
    )
    scenarios = [
        with_levers(base, {"marketing.annual_budget": b * 4000 / 20_000}, f"b{b}") for b in budgets
    ]
    summary = run_batch(scenarios, replicate_seeds(99, 8), 52, workers=workers).summary()
    awareness = summary.pivot(index="seed", columns="scenario", values="awareness_pct")
    awareness = awareness[[f"b{b}" for b in budgets]].to_numpy()
    marginal = np.diff(awareness, axis=1) / np.diff(budgets) * 1e6  # points per 1M
    print("points of awareness per extra 1M:", np.round(marginal.mean(axis=0), 1).tolist())
    print("seed-to-seed sd:", np.round(marginal.std(axis=0, ddof=1), 2).tolist())
    steps = np.diff(marginal, axis=1)
    print("every seed strictly decreasing:", bool(np.all(steps < 0)))
    last = -steps[:, -1]
    print(f"last gap: {last.mean():.1f} points, {last.mean() / last.std(ddof=1):.1f} sd wide")


def delay(workers: int) -> None:
    """Paired steps of MQL -> SQL from a 1-hour handoff to 48 h, a week and two weeks."""
    delays = [1, 48, 168, 336]
    base = with_levers(load_scenario("integrated"), {"market.prospects": 4000})
    scenarios = [
        with_levers(base, {"organisation.handoff_delay_hours": d}, f"d{d}") for d in delays
    ]
    n = 12
    summary = run_batch(scenarios, replicate_seeds(99, n), 52, workers=workers).summary()
    rates = summary.pivot(index="seed", columns="scenario", values="mql_to_sql")
    steps = np.diff(rates[[f"d{d}" for d in delays]].to_numpy(), axis=1)
    mean, sd = steps.mean(axis=0), steps.std(axis=0, ddof=1)
    expected = np.abs(mean) / sd * np.sqrt(n)
    print("paired steps 1->48->168->336 h:", np.round(mean, 3).tolist())
    print("seed-to-seed sd:", np.round(sd, 3).tolist())
    print("expected t with 12 seeds:", np.round(expected, 1).tolist())
    fail = stats.nct.cdf(3.0, n - 1, expected)
    print("P(t > -3.0 fails), each step:", [f"{p:.2g}" for p in fail])


def cut_scenarios(name: str, fraction: float, uncut: bool) -> list[Scenario]:
    """`name` (20,000 prospects, no attrition) cutting ``fraction`` of its reps at CUT_WEEK, and
    cutting its marketing budget by the same money (and, with ``uncut``, neither)."""
    base = with_levers(
        load_scenario(name), {"market.prospects": 20_000, "sales.attrition_per_year": 0.0}
    )
    sales = base.sales
    leaving = sum(round(fraction * reps) for reps in sales.territories.values())
    budget_cut = leaving * sales.annual_cost_per_rep / base.marketing.annual_budget
    print(f"{name}: {fraction:.0%} of the reps ({leaving}) = {budget_cut:.0%} of the budget")
    marketing = {
        "marketing.budget_cut_week": CUT_WEEK,
        "marketing.budget_cut_fraction": budget_cut,
    }
    scenarios = [
        with_levers(base, marketing, "marketing"),
        with_levers(
            base,
            {"sales.headcount_cut_week": CUT_WEEK, "sales.headcount_cut_fraction": fraction},
            "sales",
        ),
    ]
    return [with_levers(base, {}, "uncut"), *scenarios] if uncut else scenarios


def wins_after_cut(scenarios: list[Scenario], seeds: list[int], weeks: int, workers: int):
    """Per seed and scenario: wins in the first EARLY, HORIZON and ``weeks - CUT_WEEK + 1``
    weeks from the cut (the test's windows: weeks >= CUT_WEEK)."""
    runs = run_batch(scenarios, seeds, weeks, workers=workers).timeseries()
    runs = runs[runs["week"] >= CUT_WEEK]

    def wins(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby(["seed", "scenario"])["wins"].sum().unstack()

    return (
        wins(runs[runs["week"] < CUT_WEEK + EARLY]),
        wins(runs[runs["week"] < CUT_WEEK + HORIZON]),
        wins(runs),
    )


def front_loading(early: pd.DataFrame, horizon: pd.DataFrame) -> pd.Series:
    """The test's statistic per seed: D = 8-week gap - 8/26 x 26-week gap (marketing - sales)."""
    gap8 = early["marketing"] - early["sales"]
    gap26 = horizon["marketing"] - horizon["sales"]
    return gap8 - EARLY / HORIZON * gap26


def lag(workers: int) -> None:
    """Losses of each cut against the uncut run on 3 x 40 seeds; D, its pooled m/s and what it
    implies for the test's 70 seeds; the test's own t."""
    scenarios = cut_scenarios("integrated", 0.5, uncut=True)
    weeks = CUT_WEEK + HORIZON - 1
    pooled, own = [], []
    for root in (1000, 2000, 3000):
        early, horizon, _ = wins_after_cut(scenarios, replicate_seeds(root, 40), weeks, workers)
        d = front_loading(early, horizon)
        pooled.append(d)
        sales_own = (early["uncut"] - early["sales"]) - EARLY / HORIZON * (
            horizon["uncut"] - horizon["sales"]
        )
        own.append(sales_own)
        print(
            f"root {root}: 8 weeks: uncut {early['uncut'].mean():.1f} wins, sales cut lost"
            f" {(early['uncut'] - early['sales']).mean():.1f}, marketing cut"
            f" {(early['uncut'] - early['marketing']).mean():.1f}; 26 weeks: uncut"
            f" {horizon['uncut'].mean():.1f}, sales cut lost"
            f" {(horizon['uncut'] - horizon['sales']).mean():.1f}, marketing cut"
            f" {(horizon['uncut'] - horizon['marketing']).mean():.1f};"
            f" D = {d.mean():.1f} (sd {d.std(ddof=1):.1f});"
            f" sales cut's own front-loading {sales_own.mean():.1f};"
            f" share of the 8 weeks' wins lost: sales"
            f" {(early['uncut'] - early['sales']).mean() / early['uncut'].mean():.0%},"
            f" marketing {(early['uncut'] - early['marketing']).mean() / early['uncut'].mean():.0%}"
        )
    d = pd.concat(pooled)
    ms = d.mean() / d.std(ddof=1)
    se = np.sqrt(1 / len(d) + ms**2 / (2 * (len(d) - 1)))  # standard error of m/s
    print(f"pooled m/s = {ms:.2f} (standard error {se:.2f})")
    for n in (70, 21):
        ncp = ms * np.sqrt(n)
        low = (ms - se) * np.sqrt(n)
        fail, fail_low = stats.nct.cdf(3.0, n - 1, ncp), stats.nct.cdf(3.0, n - 1, low)
        print(
            f"  {n} seeds: expected t {ncp:.1f}, P(fail t > 3.0) {fail:.2g}"
            f" ({fail_low:.2g} if m/s were one standard error lower)"
        )
    sales_own = pd.concat(own)
    own_ms = sales_own.mean() / d.std(ddof=1)
    own_ncp = own_ms * np.sqrt(70)
    print(
        f"pro-rata marketing loss: D = sales cut's front-loading, pooled {sales_own.mean():.1f},"
        f" expected t {own_ncp:.1f}, pass probability {1 - stats.nct.cdf(3.0, 69, own_ncp):.0%}"
    )
    scenarios = scenarios[1:]
    test_seeds = replicate_seeds(51, 70)
    early, horizon, _ = wins_after_cut(scenarios, test_seeds, weeks, workers)
    for n in (70, 21):
        d = front_loading(early, horizon).loc[test_seeds[:n]]
        print(
            f"the test's first {n} seeds (root 51): t = {d.mean() / d.std(ddof=1) * np.sqrt(n):.1f}"
        )


def limits(workers: int, roots: tuple[int, int]) -> None:
    """`separate`: wins lost in the year after a 30% (40 seeds of root 3000) or 50% (12 seeds of
    root 4000) headcount cut and after the equal-cost budget cut, against the uncut run; D of
    each pair (the test's statistic)."""
    weeks = CUT_WEEK + 52 - 1
    for (fraction, n), root in zip(((0.3, 40), (0.5, 12)), roots, strict=True):
        scenarios = cut_scenarios("separate", fraction, uncut=True)
        early, horizon, year = wins_after_cut(scenarios, replicate_seeds(root, n), weeks, workers)
        print(
            f"  year after the cut ({n} seeds of root {root}): sales cut lost"
            f" {(year['uncut'] - year['sales']).mean():.1f}, marketing cut"
            f" {(year['uncut'] - year['marketing']).mean():.1f} of {year['uncut'].mean():.1f} wins"
        )
        d = front_loading(early, horizon)
        print(f"  D = {d.mean():.1f}, sd {d.std(ddof=1):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["adoption", "returns", "delay", "lag", "limits"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--root", type=int, default=3000, help="`limits`: root of the 30%% cut")
    parser.add_argument(
        "--half-root", type=int, default=4000, help="`limits`: root of the 50%% cut"
    )
    args = parser.parse_args()
    if args.part == "limits":
        limits(args.workers, (args.root, args.half_root))
    else:
        globals()[args.part](args.workers)


if __name__ == "__main__":
    main()
