"""Comparing scenarios run on common seeds: medians, 90% intervals and paired differences.

Everything here is a pure function of a summary table (one row per scenario and seed),
so the printed table, the report and any re-computation from ``summary.csv`` agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtmsim.model.kpis import HEADLINE, KPIS

#: Headline KPIs compared, in table order: summary column -> (label, unit), from the registry.
COMPARED = {name: (KPIS[name].label, KPIS[name].unit) for name in HEADLINE}

#: Central interval reported everywhere: 90%, i.e. the 5th to 95th percentile over seeds.
INTERVAL = (5.0, 95.0)


def median_interval(values: pd.Series | np.ndarray) -> tuple[float, float, float]:
    """(median, 5th percentile, 95th percentile) of the non-missing values; NaNs if none."""
    clean = pd.Series(values, dtype=float).dropna().to_numpy()
    if len(clean) == 0:
        return (float("nan"),) * 3
    low, mid, high = np.percentile(clean, [INTERVAL[0], 50.0, INTERVAL[1]])
    return float(mid), float(low), float(high)


#: KPIs for which lower is better (costs, times, losses); for every other KPI higher is better.
LOWER_IS_BETTER = frozenset(
    {
        "cac",
        "cac_sales_led",
        "cac_payback_months",
        "cost_per_lead",
        "sales_cycle_weeks",
        "response_hours",
        "churned_arr",
        "churned_customers",
        "logo_churn",
        "leads_leaked",
        "leads_rejected",
        "leads_ignored",
        "marketing_spend",
        "sales_cost",
    }
)
#: Confidence level of the interval around a median difference.
CI_LEVEL = 0.95


def median_ci(values: pd.Series | np.ndarray, level: float = CI_LEVEL) -> tuple[float, float]:
    """Distribution-free confidence interval of the median (order statistics): the j-th and
    k-th smallest values, with j and k the binomial(n, 1/2) quantiles that cover at least
    ``level`` (20 values: the 6th and 15th smallest, 95.9%). NaNs with fewer than 6 values (no
    interval reaches 95% then)."""
    from scipy import stats  # here, not at import: the CLI's start stays fast

    clean = np.sort(pd.Series(values, dtype=float).dropna().to_numpy())
    n = len(clean)
    # [x_(k), x_(n-k+1)] covers the median with probability 1 - 2 P(B <= k - 1), B ~ Bin(n, 1/2)
    ks = [k for k in range(1, n // 2 + 1) if 1 - 2 * stats.binom.cdf(k - 1, n, 0.5) >= level]
    if not ks:
        return float("nan"), float("nan")
    k = max(ks)
    return float(clean[k - 1]), float(clean[n - k])


def better_count(summary: pd.DataFrame, kpi: str, scenario: str, baseline: str) -> tuple[int, int]:
    """On how many paired seeds ``scenario`` is better than ``baseline`` on ``kpi`` (lower for
    :data:`LOWER_IS_BETTER` KPIs, else higher; ties are not better), and out of how many
    seeds on which both are defined."""
    a = summary.loc[summary["scenario"] == baseline].set_index("seed")[kpi]
    b = summary.loc[summary["scenario"] == scenario].set_index("seed")[kpi]
    a, b = a.align(b, join="inner")
    both = a.notna() & b.notna()
    better = b[both] < a[both] if kpi in LOWER_IS_BETTER else b[both] > a[both]
    return int(better.sum()), int(both.sum())


def paired_relative_differences(
    summary: pd.DataFrame, kpi: str, scenario: str, baseline: str
) -> pd.Series:
    """Per seed: 100 * (scenario - baseline) / |baseline| for ``kpi``, over seeds both ran."""
    a = summary.loc[summary["scenario"] == baseline].set_index("seed")[kpi]
    b = summary.loc[summary["scenario"] == scenario].set_index("seed")[kpi]
    a, b = a.align(b, join="inner")
    return 100.0 * (b - a) / a.abs().replace(0.0, np.nan)


def unpaired_relative_differences(
    summary: pd.DataFrame, kpi: str, scenario: str, baseline: str
) -> pd.Series:
    """Differences as above but between every seed of one and every other seed of the other
    (what an unpaired comparison sees): used to show what common random numbers gain."""
    a = summary.loc[summary["scenario"] == baseline].set_index("seed")[kpi]
    b = summary.loc[summary["scenario"] == scenario].set_index("seed")[kpi]
    values = [
        100.0 * (b[j] - a[i]) / abs(a[i]) for i in a.index for j in b.index if i != j and a[i] != 0
    ]
    return pd.Series(values, dtype=float)


def comparison_table(summary: pd.DataFrame, scenarios: list[str]) -> pd.DataFrame:
    """One row per (KPI, scenario): median and 90% interval over seeds, and against the first
    scenario (NaN or 0 for the first itself): the median paired % difference, the 90% interval
    of the paired differences over seeds (their spread), the 95% confidence interval of their
    median, and on how many of the paired seeds it is better."""
    baseline = scenarios[0]
    rows = []
    for kpi, (label, unit) in COMPARED.items():
        for name in scenarios:
            mid, low, high = median_interval(summary.loc[summary["scenario"] == name, kpi])
            if name == baseline:
                d_mid = d_low = d_high = ci_low = ci_high = float("nan")
                better = paired = 0
            else:
                diffs = paired_relative_differences(summary, kpi, name, baseline)
                d_mid, d_low, d_high = median_interval(diffs)
                ci_low, ci_high = median_ci(diffs)
                better, paired = better_count(summary, kpi, name, baseline)
            rows.append(
                {
                    "kpi": kpi,
                    "label": label,
                    "unit": unit,
                    "scenario": name,
                    "median": mid,
                    "low": low,
                    "high": high,
                    "diff_pct_median": d_mid,
                    "diff_pct_low": d_low,
                    "diff_pct_high": d_high,
                    "diff_pct_ci_low": ci_low,
                    "diff_pct_ci_high": ci_high,
                    "better": better,
                    "paired": paired,
                }
            )
    return pd.DataFrame(rows)
