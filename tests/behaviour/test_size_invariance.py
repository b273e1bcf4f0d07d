"""Size invariance: a market k times larger, with k times the budget and reps, behaves the same.

Channels are priced per 1,000 prospects (``saturation_spend_per_1000``), word of mouth and
self-serve adoption act per prospect, and :func:`gtmsim.model.scenario.resized` scales budget and
reps with the market, so shares, conversion rates and CAC must not move with the size. Before
channels were priced per prospect, the same company in a market 20 times larger won 6.8 times
as many customers per 1,000 prospects (1.6 at 5k, 10.8 at 100k) and its CAC fell from 152k to
20k.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model.scenario import resized
from gtmsim.model.scenario_files import load_scenario

SIZES = (20_000, 40_000, 80_000)  # reps 4/4/2 scale exactly to 8/8/4 and 16/16/8
SEEDS = 10


def per_size(name: str) -> dict[int, pd.DataFrame]:
    summaries = {}
    for size in SIZES:
        scenario = resized(load_scenario(name), size)
        batch = run_batch([scenario], replicate_seeds(2024, SEEDS), 104, workers=2)
        summary = batch.summary()
        summary["customers_per_1000"] = summary["customers"] / size * 1000
        summaries[size] = summary
    return summaries


@pytest.mark.parametrize("name", ["separate", "integrated"])
def test_shares_rates_and_cac_do_not_depend_on_market_size(name):
    """Each KPI's mean over 10 seeds at 40k and 80k prospects is within 4 standard errors of
    its mean at 20k (independent draws at each size, so the standard error of a difference of
    means is sqrt(sd1^2/10 + sd2^2/10)). Measured on seeds of root 99 (12 seeds, separate):
    customers per 1,000 prospects (the installed base's 10 included) 10.47, 10.10, 10.17 (sd
    0.83, 0.54, 0.37); CAC 44.1k, 46.6k, 44.4k (sd 6.7k, 3.0k, 2.4k); MQL->SQL 16.0%, 15.9%,
    15.9%. On 40 seeds of root 99 the largest of the 24 gaps is 2.2 standard errors
    (integrated awareness, 94.7% at 20k vs 95.0% at 80k); drawing 10 of those 40 seeds per
    size, the assertion failed in 0.6% (separate) and 0.8% (integrated) of draws, 0.26-0.3%
    with each size's mean first moved to 20k's (gaps that are pure noise;
    benchmarks/validation/size_invariance.py --seeds 40 --resample 10). The old pricing moved
    customers per 1,000 by a factor of 6.8 over a 20-fold size range, hundreds of standard
    errors."""
    summaries = per_size(name)
    kpis = ["customers_per_1000", "cac", "mql_to_sql", "win_rate", "awareness_pct", "trusting_pct"]
    base = summaries[SIZES[0]]
    for size in SIZES[1:]:
        other = summaries[size]
        for kpi in kpis:
            a, b = base[kpi].to_numpy(float), other[kpi].to_numpy(float)
            se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
            gap = b.mean() - a.mean()
            assert abs(gap) <= 4 * se + 1e-9, (
                f"{name} {kpi}: {a.mean():.4g} at {SIZES[0]:,} vs {b.mean():.4g} at {size:,} (se {se:.3g})"
            )


def test_resized_scales_budget_and_reps_and_keeps_every_territory_covered():
    separate = load_scenario("separate")
    half = resized(separate, 10_000)
    assert half.market.prospects == 10_000
    assert half.marketing.annual_budget == separate.marketing.annual_budget / 2
    assert half.sales.territories == {"smb": 2, "mid_market": 2, "enterprise": 1}
    tiny = resized(separate, 1_000)
    assert tiny.sales.territories == {"smb": 1, "mid_market": 1, "enterprise": 1}
    assert tiny.marketing.channels == separate.marketing.channels  # priced per 1,000 prospects
