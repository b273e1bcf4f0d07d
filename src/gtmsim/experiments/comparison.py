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
    """One row per (KPI, scenario): median and 90% interval, and the paired % difference
    against the first scenario with its 90% interval (NaN for the first scenario itself)."""
    baseline = scenarios[0]
    rows = []
    for kpi, (label, unit) in COMPARED.items():
        for name in scenarios:
            mid, low, high = median_interval(summary.loc[summary["scenario"] == name, kpi])
            if name == baseline:
                d_mid = d_low = d_high = float("nan")
            else:
                diffs = paired_relative_differences(summary, kpi, name, baseline)
                d_mid, d_low, d_high = median_interval(diffs)
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
                }
            )
    return pd.DataFrame(rows)
