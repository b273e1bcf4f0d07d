"""The shipped pair: integrated is ahead on CAC, lead conversion and revenue growth over 120 seeds."""

from __future__ import annotations

import pandas as pd
import pytest

from gtmsim.experiments.comparison import (
    median_interval,
    paired_relative_differences,
    unpaired_relative_differences,
)
from gtmsim.experiments.runner import replicate_seeds, run_batch

#: Seeds per scenario: enough for test_paired_intervals_are_narrower_than_unpaired (see there).
SEEDS = 120


@pytest.fixture(scope="module")
def paired(separate, integrated) -> tuple[pd.DataFrame, pd.DataFrame]:
    seeds = replicate_seeds(separate.simulation.base_seed, SEEDS)
    summary = run_batch([separate, integrated], seeds, weeks=104, workers=2).summary()
    by_name = {name: frame.set_index("seed") for name, frame in summary.groupby("scenario")}
    return by_name["separate"], by_name["integrated"]


# Sign test: if integration made no difference, each seed's paired difference would be as
# likely positive as negative, and 108 or more of 120 with the same sign has probability
# 2 * P(Binomial(120, 0.5) >= 108) < 1e-19. Requiring 108/120 (90%, as 72/80 before)
# therefore fails a null effect while tolerating a few seeds where a single large deal (or, in
# the second year, the installed base's renewals) swings the outcome. Measured on 400 other
# seeds (200 each of roots 5000 and 6000): integrated ahead on all 400 for CAC, lead ->
# customer and MQL -> SQL, on 398 for revenue_growth and 397 for cum_revenue, so P(fail) <
# 1e-9 for each.
MIN_SEEDS_AHEAD = 108


@pytest.mark.parametrize(
    ("kpi", "better"),
    [
        ("cac", "lower"),
        ("lead_to_customer", "higher"),
        ("mql_to_sql", "higher"),
        ("revenue_growth", "higher"),
        ("cum_revenue", "higher"),
    ],
)
def test_integrated_ahead_on_paired_seeds(paired, kpi, better):
    separate, integrated = paired
    diff = integrated[kpi] - separate[kpi]
    ahead = int((diff < 0).sum() if better == "lower" else (diff > 0).sum())
    assert ahead >= MIN_SEEDS_AHEAD, f"{kpi}: integrated {better} on only {ahead}/{SEEDS} seeds"


def test_separate_lands_in_published_ranges(paired):
    """Medians over 120 seeds inside the ranges of ../shared/domain.md (B2B compilations).
    Measured on 3 x 20 other seeds (roots 1000, 2000, 3000): MQL->SQL 15.7-15.9%, win rate
    25.8-26.6%, SQL->opportunity 62-63%, sales cycle 4.8-4.9 weeks."""
    separate, _ = paired
    assert 0.13 <= separate["mql_to_sql"].median() <= 0.22  # MQL->SQL ~13-22%
    assert 0.20 <= separate["win_rate"].median() <= 0.30  # opportunity->won 20-30%
    assert (
        0.30 <= (separate["cum_opportunities"] / separate["cum_sqls"]).median() <= 0.75
    )  # SQL->opp
    assert 2 <= separate["sales_cycle_weeks"].median() <= 13  # SMB-heavy mix: 2 weeks-3 months


@pytest.mark.parametrize("kpi", ["cac", "cum_wins", "lead_to_customer"])
def test_paired_intervals_are_narrower_than_unpaired(paired, kpi):
    """Common random numbers: the same market and draws on both sides cancel seed-to-seed
    noise, so the 90% interval of paired differences is narrower than of unpaired ones.

    Measured on 400 other seeds (roots 5000 and 6000): paired vs unpaired widths, in points of
    relative difference, 22 vs 26 (CAC), 90 vs 113 (wins), 131 vs 167 (lead -> customer):
    ratios 0.78-0.83. A 5th-95th percentile of few seeds is noisy: in random subsets of those
    seeds the assertion failed for at least one of the three KPIs in 5.5% of 20-seed sets (each
    KPI 2.5-3%), 3.4% of 40-seed sets and 1.1% of 80-seed sets (lead -> customer 0.6%); in
    subsets of 800 seeds (roots 5000-8000), 0.7% of 80-seed sets, 0.7% of 100-seed sets and
    0.5% of 120-seed sets, hence the 120 seeds here."""
    separate, integrated = paired
    summary = pd.concat([separate.reset_index(), integrated.reset_index()])
    paired_d = paired_relative_differences(summary, kpi, "integrated", "separate")
    unpaired_d = unpaired_relative_differences(summary, kpi, "integrated", "separate")
    _, p_low, p_high = median_interval(paired_d)
    _, u_low, u_high = median_interval(unpaired_d)
    assert p_high - p_low < u_high - u_low
