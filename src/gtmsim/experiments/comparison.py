"""Comparing scenarios run on common seeds: medians, 90% intervals and paired differences.

Everything here is a pure function of a summary table (one row per scenario and seed),
so the printed table, the report and any re-computation from ``summary.csv`` agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gtmsim.model.kpi_competition import MARKET_SHARES
from gtmsim.model.kpis import HEADLINE, KPIS

#: Headline KPIs compared, in table order: summary column -> (label, unit), from the registry.
COMPARED = {name: (KPIS[name].label, KPIS[name].unit) for name in HEADLINE}
#: What a comparison of firms in markets adds: their market shares and share of voice.
COMPARED_IN_MARKETS = {
    **COMPARED,
    **{name: (KPIS[name].label, KPIS[name].unit) for name in MARKET_SHARES},
}


def firm_of(name: str) -> tuple[str, str] | None:
    """(market, firm) of a result named ``market:firm`` (a firm in a market of several), else
    None (a scenario alone in its market)."""
    market, sep, firm = name.partition(":")
    return (market, firm) if sep and market and firm else None


def paired_baselines(scenarios: list[str]) -> dict[str, str | None]:
    """What each result is compared with, seed by seed: the first result is the baseline, and
    when it is a firm in a market, every firm of that market is a baseline of its own (None)
    and a firm of a later market is compared with the firm of the same name in the first
    market (if it has one); everything else is compared with the first result."""
    first = firm_of(scenarios[0]) if scenarios else None
    baselines: dict[str, str | None] = {}
    for name in scenarios:
        firm = firm_of(name)
        if name == scenarios[0] or (first and firm and firm[0] == first[0]):
            baselines[name] = None
        elif first and firm and f"{first[0]}:{firm[1]}" in scenarios:
            baselines[name] = f"{first[0]}:{firm[1]}"
        else:
            baselines[name] = scenarios[0]
    return baselines


def compared_kpis(scenarios: list[str]) -> dict[str, tuple[str, str]]:
    """The KPIs a comparison of ``scenarios`` shows: the headline ones, and market shares when
    a firm competes in a market."""
    return COMPARED_IN_MARKETS if any(firm_of(n) for n in scenarios) else COMPARED


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
    seeds on which both are defined. Values equal to within rounding (relative 1e-9: a share
    summed in another order) are ties."""
    a = summary.loc[summary["scenario"] == baseline].set_index("seed")[kpi]
    b = summary.loc[summary["scenario"] == scenario].set_index("seed")[kpi]
    a, b = a.align(b, join="inner")
    both = a.notna() & b.notna()
    a, b = a[both], b[both]
    differs = ~np.isclose(b, a, rtol=1e-9, atol=0.0)
    better = differs & ((b < a) if kpi in LOWER_IS_BETTER else (b > a))
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
    """One row per (KPI, scenario): median and 90% interval over seeds, and against its
    baseline (:func:`paired_baselines`; NaN or 0 for a baseline itself): the median paired %
    difference, the 90% interval of the paired differences over seeds (their spread), the 95%
    confidence interval of their median, and on how many of the paired seeds it is better."""
    baselines = paired_baselines(scenarios)
    rows = []
    for kpi, (label, unit) in compared_kpis(scenarios).items():
        for name in scenarios:
            mid, low, high = median_interval(summary.loc[summary["scenario"] == name, kpi])
            baseline = baselines[name]
            if baseline is None:
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
                    "baseline": baseline or "",
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
