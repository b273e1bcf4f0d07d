"""End-of-run KPIs: one row per (scenario, seed), computed from that run's weekly KPIs.

Which KPIs a summary holds and how each is reduced over a run (its last week's value, or its
sum over the weeks, or derived from the weekly table) is declared in the KPI registry
(:data:`gtmsim.model.kpis.KPIS`); this module only carries the reductions out.
"""

from __future__ import annotations

import pandas as pd

from gtmsim.model.kpis import KPIS, SUMMARY
from gtmsim.model.parameters.base import WEEKS_PER_YEAR


def derived(run: pd.DataFrame) -> dict[str, float]:
    """The KPIs derived from the whole weekly table: revenue in each half of the run
    (currency), ``revenue_growth`` = 52 x (mean weekly revenue in the second half minus the
    first; currency/year, year 2 minus year 1 for 104 weeks), and ``revenue_growth_pct`` (the
    same as a % change on the first half; NaN when the first half had no revenue)."""
    half = len(run) // 2
    first = float(run["revenue"].iloc[:half].sum())
    second = float(run["revenue"].iloc[half:].sum())
    second_weeks = len(run) - half
    return {
        "revenue_first_half": first,
        "revenue_second_half": second,
        "revenue_growth": WEEKS_PER_YEAR * (second / max(second_weeks, 1) - first / max(half, 1)),
        "revenue_growth_pct": 100.0 * (second / first - 1.0) if first > 0 else float("nan"),
    }


def summarise_run(run: pd.DataFrame) -> dict[str, float | str | int]:
    """Summarise one run's weekly KPIs (rows in week order, one scenario and seed): scenario,
    seed, weeks, then every KPI of :data:`gtmsim.model.kpis.SUMMARY` reduced as the registry declares."""
    last = run.iloc[-1]
    row: dict[str, float | str | int] = {"scenario": last["scenario"], "seed": int(last["seed"])}
    row["weeks"] = int(last["week"])
    extra = derived(run)
    for name in SUMMARY:
        reduction = KPIS[name].summary
        if reduction == "last":
            row[name] = float(last[name])
        elif reduction == "sum":
            row[name] = float(run[name].sum())
        else:
            row[name] = extra[name]
    return row
