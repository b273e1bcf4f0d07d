"""Stylized facts the model must show (Rand & Rust 2011: validation against known patterns).

Covered here: S-shaped adoption, diminishing returns to marketing spend, conversion falling with
response delay, and marketing's lagged effect (a budget cut costs wins later than a sales cut of
equal cost).
"""

from __future__ import annotations

import numpy as np
import pytest

from gtmsim.experiments.bass import run_bass_check
from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model.scenario import resized, with_levers
from gtmsim.model.scenario_files import load_scenario


def test_adoption_is_s_shaped():
    """Weekly adoption first rises, peaks in the middle, then falls (Bass: the peak is where
    F = (q - p) / 2q = 46% for p=0.03, q=0.38). Adoption is counted per year, over 15 years."""
    check = run_bass_check(0.03, 0.38, 5_000, 780, 5, workers=1, base_seed=11)
    yearly = np.diff(np.concatenate([[0.0], check.mean[51::52]]))  # adopters per year
    peak = int(np.argmax(yearly))
    assert 3 <= peak <= 8  # the busiest year is in the middle, not at the start or the end
    assert np.all(np.diff(yearly[: peak + 1]) > 0)  # rising before the peak
    assert yearly[-1] < yearly[peak] / 2  # and falling well after it
    share_at_peak = check.mean[52 * peak]
    assert 0.25 < share_at_peak < 0.65


def test_diminishing_returns_to_marketing_spend():
    """Each doubling of the budget buys less extra awareness per currency than the one before.
    The company is scaled to a 4,000-prospect market (budgets too, so each buys the reach its
    20,000-prospect equivalent buys there). Measured on other seeds (8 of root 99): marginal
    awareness per 1M (of the 20,000-prospect budget) of 78.3, 31.4, 7.5, 1.1 points with
    seed-to-seed sd 4.1, 1.6, 1.1, 0.5, so every seed shows the strict decrease (the smallest
    gap, 7.5 vs 1.1, is 4 sd of the seed-to-seed difference wide)."""
    budgets = [250_000, 500_000, 1_000_000, 2_000_000, 4_000_000]  # for 20,000 prospects
    base = with_levers(
        resized(load_scenario("separate"), 4000), {"marketing.retargeting_rate": 0.0}
    )
    budgets = [b * 4000 / 20_000 for b in budgets]  # the same spend per prospect
    scenarios = [with_levers(base, {"marketing.annual_budget": b}, f"b{b}") for b in budgets]
    summary = run_batch(scenarios, replicate_seeds(21, 4), 52, workers=1).summary()
    awareness = summary.pivot(index="seed", columns="scenario", values="awareness_pct")
    awareness = awareness[[f"b{b}" for b in budgets]].to_numpy()
    marginal = np.diff(awareness, axis=1) / np.diff(budgets)
    assert np.all(marginal > 0)  # more money still buys some awareness
    assert np.all(np.diff(marginal, axis=1) < 0)  # but less per currency at every step


def test_longer_response_delay_lowers_conversion():
    """MQL -> SQL falls as the handoff delay grows from 1 hour to 2 weeks (speed to lead).
    Measured on other seeds (12 of root 99): paired steps 1->48->168->336 h of -0.202,
    -0.169, -0.055 with seed-to-seed sd 0.033, 0.021, 0.030; with 12 seeds the expected t is
    21, 27 and 6.2, so the one-sided t > 3.0 required here (alpha < 0.01, 11 df) fails if
    the effect vanished, and otherwise with probability 0.003 (noncentral t, the last step)."""
    delays = [1, 48, 168, 336]
    base = with_levers(load_scenario("integrated"), {"market.prospects": 4000})
    scenarios = [
        with_levers(base, {"organisation.handoff_delay_hours": d}, f"d{d}") for d in delays
    ]
    summary = run_batch(scenarios, replicate_seeds(31, 12), 52, workers=1).summary()
    rates = summary.pivot(index="seed", columns="scenario", values="mql_to_sql")
    steps = np.diff(rates[[f"d{d}" for d in delays]].to_numpy(), axis=1)
    t = steps.mean(axis=0) / (steps.std(axis=0, ddof=1) / np.sqrt(len(steps)))
    assert np.all(t < -3.0), t


def test_marketing_cut_costs_wins_later_than_an_equal_cost_sales_cut():
    """Marketing effects lag: from week 52 `integrated` either loses half its reps or cuts its
    marketing budget by the same money (5 reps x 120k = 60% of 1M, as in `budget-cut`; computed
    from the parameters below). The sales cut costs wins at once: the leavers' open deals go back
    to nurture and the smaller team is short of time. The marketing cut's leads fall at once, but
    its wins only after the pipeline built before the cut has closed.

    Per seed (common random numbers), gap = wins of the marketing-cut run minus wins of the
    sales-cut run, and D = gap over the first 8 weeks - 8/26 x gap over the first 26 weeks: the
    part of the gap that opened early, beyond a steady pro-rata share. D is 0 when both losses
    accrue at the same pace and > 0 when the sales cut's comes first and the marketing cut's later.

    Measured on the current model (an established company: installed base, renewals) on other
    seeds (3 x 40, base seeds 1000, 2000 and 3000, against the uncut run): by week 8 after the
    cut the sales cut had lost 5.8, 5.1 and 6.9 of 17.8, 17.0 and 18.1 wins, the marketing cut
    1.1, 1.0 and 1.4; by week 26 the sales cut still a little more, 13.1, 15.9 and 17.5 vs
    11.1, 13.2 and 12.9 (of 65.3, 66.8 and 67.6). D = 4.1, 3.2 and 4.1, seed-to-seed sd 4.1,
    4.5 and 4.0 (pooled m/s = 0.91, standard error about 0.1), so with 70 seeds the expected t
    is 7.7 against the one-sided t > 3.0 required here (alpha 0.002, 69 df): a fresh seed set
    fails with probability 3e-6 (0.0001 if m/s were one standard error lower; with the 21
    seeds used before, 13%: their t was 4.3). The 70 seeds used here give t = 10.9. If both
    losses came at the same pace (e.g. at once) D would be 0; if the marketing cut's loss had
    no lag (pro rata from the cut), D would shrink to the sales cut's own front-loading, 1.8,
    0.2 and 1.5 (pooled 1.2, expected t 2.3): the test would then pass about 26% of the time.

    Why `integrated` and half the team: `separate`'s reps have so much slack that a sales cut
    costs fewer wins in the first year than the equal-cost marketing cut (30% of reps: 1.2 vs
    9.0 of 76.3, n = 40; half: 8.5 vs 16.7 of 74.8, n = 12). Its early gap is there but weaker
    (30% pair, the same 40 seeds: D = 1.9, sd 2.7), and over several years the sales cut's loss there comes
    later, as demand grows into the smaller team. Integrated reps are busier (better handoff,
    more SQLs), so halving the team binds at once.
    """
    cut_week, early, horizon = 52, 8, 26
    base = with_levers(
        load_scenario("integrated"),
        {"market.prospects": 20_000, "sales.attrition_per_year": 0.0},  # only the cut removes reps
    )
    sales = base.sales
    leaving = sum(round(0.5 * reps) for reps in sales.territories.values())  # as the model rounds
    budget_cut = leaving * sales.annual_cost_per_rep / base.marketing.annual_budget
    cuts = [
        with_levers(
            base,
            {"marketing.budget_cut_week": cut_week, "marketing.budget_cut_fraction": budget_cut},
            "marketing",
        ),
        with_levers(
            base,
            {"sales.headcount_cut_week": cut_week, "sales.headcount_cut_fraction": 0.5},
            "sales",
        ),
    ]
    runs = run_batch(cuts, replicate_seeds(51, 70), cut_week + horizon - 1, workers=2).timeseries()
    runs = runs[runs["week"] >= cut_week]
    cost = runs.groupby("scenario")[["marketing_spend", "sales_cost"]].sum().sum(axis=1)
    assert cost["marketing"] == pytest.approx(cost["sales"])  # the same money saved every week

    def gap(frame):  # per seed: wins of the marketing-cut run minus wins of the sales-cut run
        wins = frame.groupby(["seed", "scenario"])["wins"].sum().unstack()
        return wins["marketing"] - wins["sales"]

    d = gap(runs[runs["week"] < cut_week + early]) - early / horizon * gap(runs)
    t = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
    assert t > 3.0, (t, d.tolist())
