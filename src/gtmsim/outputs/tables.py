"""KPI tables for the terminal, rendered from :func:`gtmsim.experiments.comparison.comparison_table`."""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from gtmsim.experiments.comparison import comparison_table
from gtmsim.outputs.terminal import shown


def format_value(value: float, unit: str) -> str:
    """A KPI value in its unit's natural format (shares as %, money without decimals)."""
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    if unit in ("weeks", "%"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def format_diff(mid: float, low: float, high: float) -> str:
    """A paired % difference with its interval, e.g. ``-30% [-45, -15]``."""
    if math.isnan(mid):
        return "n/a"
    return f"{mid:+.0f}% [{low:+.0f}, {high:+.0f}]"


def kpi_table(summary: pd.DataFrame, scenarios: list[str]) -> Table:
    """One row per headline KPI; per scenario its median [90% interval] over seeds and, for
    every scenario after the first, the paired % difference against the first."""
    table_data = comparison_table(summary, scenarios)
    title = f"KPIs at end of run: median [90% interval] over {seeds_in(summary, scenarios)}"
    if len(scenarios) > 1:
        title += f"; paired difference vs {scenarios[0]}"
    table = Table(title=shown(title))
    table.add_column("KPI (unit)")
    for i, name in enumerate(scenarios):
        table.add_column(shown(name), justify="right")
        if i > 0:
            table.add_column(shown(f"{name} vs {scenarios[0]}"), justify="right")
    for cells in kpi_rows(table_data):
        table.add_row(*map(shown, cells))
    return table


def seeds_in(summary: pd.DataFrame, scenarios: list[str]) -> str:
    """How many seeds the summary holds, e.g. ``20 seeds``, or per scenario when they differ
    (an interrupted run): ``5 seeds for separate, 3 for integrated``."""
    counts = summary.groupby("scenario").size() if len(summary) else pd.Series(dtype=int)
    per = [int(counts.get(name, 0)) for name in scenarios]
    if len(set(per)) <= 1:
        return f"{per[0] if per else 0} seeds"
    first, *rest = zip(scenarios, per, strict=True)
    return f"{first[1]} seeds for {first[0]}, " + ", ".join(f"{n} for {s}" for s, n in rest)


def kpi_rows(table: pd.DataFrame) -> list[list[str]]:
    """The rows of the terminal's KPI table: label (unit), then per scenario median [interval]
    and, after the first, the paired difference."""
    rows = []
    for _, kpi in table.groupby("kpi", sort=False):
        cells = [f"{kpi.iloc[0]['label']} ({kpi.iloc[0]['unit']})"]
        for i, r in enumerate(kpi.itertuples()):
            mid, low, high = (format_value(v, r.unit) for v in (r.median, r.low, r.high))
            cells.append(f"{mid} [{low}, {high}]")
            cells += [format_diff(r.diff_pct_median, r.diff_pct_low, r.diff_pct_high)] * (i > 0)
        rows.append(cells)
    return rows
