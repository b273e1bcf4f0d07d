"""KPI tables for the terminal: median and 90% interval per scenario over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rich.table import Table

#: Headline KPIs shown in tables: summary column -> (label, format).
HEADLINE = {
    "cum_revenue": ("Revenue", "{:,.0f}"),
    "revenue_growth": ("Revenue growth (currency/year)", "{:,.0f}"),
    "revenue_growth_pct": ("Revenue growth, 2nd vs 1st half (%)", "{:,.1f}"),
    "cum_wins": ("New customers", "{:,.0f}"),
    "cac": ("CAC (currency/customer)", "{:,.0f}"),
    "cost_per_lead": ("Cost per MQL", "{:,.0f}"),
    "mql_to_sql": ("MQL -> SQL", "{:.1%}"),
    "lead_to_customer": ("Lead -> customer", "{:.2%}"),
    "win_rate": ("Win rate", "{:.1%}"),
    "avg_deal_size": ("Average deal size", "{:,.0f}"),
    "sales_cycle_weeks": ("Sales cycle (weeks)", "{:.1f}"),
    "awareness_pct": ("Aware at end (% of market)", "{:.1f}"),
    "response_hours": ("Response time (hours)", "{:.0f}"),
}


def median_interval(values: pd.Series, level: float = 0.9) -> tuple[float, float, float]:
    """Median and central ``level`` interval (5th-95th percentiles for 0.9) of ``values``."""
    clean = values.dropna().to_numpy(dtype=float)
    if len(clean) == 0:
        return (float("nan"),) * 3
    tail = (1 - level) / 2 * 100
    low, mid, high = np.percentile(clean, [tail, 50, 100 - tail])
    return float(mid), float(low), float(high)


def kpi_table(summary: pd.DataFrame, scenarios: list[str]) -> Table:
    """Rich table: one row per headline KPI, one column per scenario (median [5%, 95%])."""
    n = summary.groupby("scenario").size().max() if len(summary) else 0
    table = Table(title=f"KPIs at end of run: median [90% interval] over {n} seeds")
    table.add_column("KPI")
    for name in scenarios:
        table.add_column(name, justify="right")
    for key, (label, fmt) in HEADLINE.items():
        cells = []
        for name in scenarios:
            mid, low, high = median_interval(summary.loc[summary["scenario"] == name, key])
            cells.append(f"{fmt.format(mid)} [{fmt.format(low)}, {fmt.format(high)}]")
        table.add_row(label, *cells)
    return table
