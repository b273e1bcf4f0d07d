"""The shipped pair: integrated is ahead on CAC, lead conversion and revenue growth over 20 seeds."""

from __future__ import annotations

import pandas as pd
import pytest

from gtmsim.experiments.comparison import (
    median_interval,
    paired_relative_differences,
    unpaired_relative_differences,
)
from gtmsim.experiments.runner import replicate_seeds, run_batch


@pytest.fixture(scope="module")
def paired(separate, integrated) -> tuple[pd.DataFrame, pd.DataFrame]:
    seeds = replicate_seeds(separate.simulation.base_seed, 20)
    summary = run_batch([separate, integrated], seeds, weeks=104, workers=1).summary()
    by_name = {name: frame.set_index("seed") for name, frame in summary.groupby("scenario")}
    return by_name["separate"], by_name["integrated"]


# Sign test: if integration made no difference, each seed's paired difference would be as
# likely positive as negative, and 18 or more of 20 with the same sign has probability
# 2 * P(Binomial(20, 0.5) >= 18) = 0.0004. Requiring 18/20 therefore fails a null effect
# while tolerating a couple of seeds where a single large deal swings the outcome.
MIN_SEEDS_AHEAD = 18


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
    assert ahead >= MIN_SEEDS_AHEAD, f"{kpi}: integrated {better} on only {ahead}/20 seeds"


def test_separate_lands_in_published_ranges(paired):
    """Medians over 20 seeds inside the ranges of ../shared/domain.md (B2B compilations)."""
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
    noise, so the 90% interval of paired differences is narrower than of unpaired ones."""
    separate, integrated = paired
    summary = pd.concat([separate.reset_index(), integrated.reset_index()])
    paired_d = paired_relative_differences(summary, kpi, "integrated", "separate")
    unpaired_d = unpaired_relative_differences(summary, kpi, "integrated", "separate")
    _, p_low, p_high = median_interval(paired_d)
    _, u_low, u_high = median_interval(unpaired_d)
    assert p_high - p_low < u_high - u_low
