"""KPI tables for the terminal, rendered from :func:`gtmsim.experiments.comparison.comparison_table`."""

from __future__ import annotations

import math

import pandas as pd
from rich.console import Group
from rich.table import Table

from gtmsim.experiments.comparison import comparison_table, paired_baselines
from gtmsim.outputs.terminal import compact, shown


def format_value(value: float, unit: str) -> str:
    """A KPI value in its unit's natural format, short enough for an 80-column table: shares
    as %, 10,000 and more as 47.7k or 8.82M, smaller numbers whole or to one decimal."""
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{value:.1%}"
    if abs(value) >= 10_000:
        return compact(value)
    if unit in ("weeks", "%") or unit.startswith("% of"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def format_diff(
    mid: float,
    low: float,
    high: float,
    ci: tuple[float, float] | None = None,
    better: tuple[int, int] | None = None,
) -> str:
    """A paired % difference with the 90% interval of the differences over seeds, e.g.
    ``-30% [-45, -15]``, and optionally the 95% CI of the median and the seeds it is better on:
    ``-30% [-45, -15]; 95% CI [-34, -27]; better on 20/20``."""
    if math.isnan(mid):
        return "n/a"
    text = f"{whole(mid)}% {span(low, high)}"
    if ci is not None and not math.isnan(ci[0]):
        text += f"; 95% CI {span(*ci)}"
    if better is not None and better[1]:
        text += f"; better on {better[0]}/{better[1]}"
    return text


def kpi_table(summary: pd.DataFrame, scenarios: list[str]) -> Group:
    """The terminal's comparison, readable at 80 columns: a table of each headline KPI's median
    [90% interval over seeds] per scenario, then for every scenario after the first a table
    of its paired differences from the first: the median paired % difference, the 95%
    confidence interval of that median, the spread of the differences over seeds (90%
    interval) and on how many seeds it is better."""
    table_data = comparison_table(summary, scenarios)
    title = f"KPIs at end of run: median [90% of seeds] over {seeds_in(summary, scenarios)}"
    values = Table(title=shown(title), title_justify="left")
    values.add_column("KPI (unit)")
    for name in scenarios:
        values.add_column(shown(name), justify="right")
    for _, kpi in table_data.groupby("kpi", sort=False):
        cells = [f"{kpi.iloc[0]['label']} ({kpi.iloc[0]['unit']})"]
        for r in kpi.itertuples():
            mid, low, high = (format_value(v, r.unit) for v in (r.median, r.low, r.high))
            cells.append(f"{mid} [{low}, {high}]")
        values.add_row(*map(shown, cells))
    parts: list[Table] = [values]
    for name, baseline in paired_baselines(scenarios).items():
        if baseline is not None:
            parts.append(difference_table(table_data, name, baseline))
    return Group(*parts)


def difference_table(table_data: pd.DataFrame, name: str, baseline: str) -> Table:
    """Paired differences of ``name`` from ``baseline``, each measure in its own labelled column."""
    title = f"{name} vs {baseline}, paired on the same seeds: % difference"
    table = Table(title=shown(title), title_justify="left")
    for column in ("KPI", "median", "95% CI of median", "90% of seeds", "better on"):
        table.add_column(column, justify="left" if column == "KPI" else "right")
    rows = table_data[table_data["scenario"] == name]
    for r in rows.itertuples():
        table.add_row(
            shown(r.label),
            "n/a" if math.isnan(r.diff_pct_median) else f"{whole(r.diff_pct_median)}%",
            span(r.diff_pct_ci_low, r.diff_pct_ci_high),
            span(r.diff_pct_low, r.diff_pct_high),
            f"{r.better}/{r.paired}" if r.paired else "n/a",
        )
    return table


def span(low: float, high: float) -> str:
    """``[-60, -43]`` for an interval of % differences; ``n/a`` if undefined."""
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    return f"[{whole(low)}, {whole(high)}]"


def whole(value: float) -> str:
    """A signed whole number of percent: +5, -12, +0 (never -0)."""
    return f"{round(value) + 0:+d}"


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
    """The rows of the report's KPI table: label (unit), then per scenario median [interval]
    and, for each with a baseline, the paired difference."""
    rows = []
    for _, kpi in table.groupby("kpi", sort=False):
        cells = [f"{kpi.iloc[0]['label']} ({kpi.iloc[0]['unit']})"]
        for r in kpi.itertuples():
            mid, low, high = (format_value(v, r.unit) for v in (r.median, r.low, r.high))
            cells.append(f"{mid} [{low}, {high}]")
            diff = format_diff(
                r.diff_pct_median,
                r.diff_pct_low,
                r.diff_pct_high,
                (r.diff_pct_ci_low, r.diff_pct_ci_high),
                (r.better, r.paired),
            )
            cells += [diff] * bool(r.baseline)
        rows.append(cells)
    return rows
