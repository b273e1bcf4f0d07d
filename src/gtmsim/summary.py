"""End-of-run KPIs: one row per (scenario, seed), computed from that run's weekly KPIs."""

from __future__ import annotations

import pandas as pd

from gtmsim.params import WEEKS_PER_YEAR

#: Last-week KPIs carried into the summary.
FINAL = [
    "awareness_pct",
    "trusting_pct",
    "customers",
    "cum_revenue",
    "cum_wins",
    "cum_mqls",
    "cum_sqls",
    "cum_opportunities",
    "pipeline_value",
    "cost_per_lead",
    "cac",
    "win_rate",
    "mql_to_sql",
    "lead_to_customer",
    "avg_deal_size",
    "sales_cycle_weeks",
    "response_hours",
]

#: Run totals carried into the summary (sums over all weeks).
TOTALS = ("leads_leaked", "leads_rejected", "leads_ignored", "marketing_spend", "sales_cost")
#: Every KPI column of summary.csv (one value per run).
SUMMARY_KPIS = (
    *FINAL,
    "revenue_first_half",
    "revenue_second_half",
    "revenue_growth",
    "revenue_growth_pct",
    *TOTALS,
)


def summarise_run(run: pd.DataFrame) -> dict[str, float | str | int]:
    """Summarise one run's weekly KPIs (rows in week order, one scenario and seed).

    Besides the last week's KPIs (:data:`FINAL`): revenue in each half of the run (currency),
    ``revenue_growth`` = 52 x (mean weekly revenue in the second half minus the first;
    currency/year, year 2 minus year 1 for 104 weeks), ``revenue_growth_pct`` (the same as a
    % of the first half), and run totals of leads leaked, rejected and ignored, marketing
    spend and sales cost.
    """
    last = run.iloc[-1]
    half = len(run) // 2
    first = float(run["revenue"].iloc[:half].sum())
    second = float(run["revenue"].iloc[half:].sum())
    row: dict[str, float | str | int] = {"scenario": last["scenario"], "seed": int(last["seed"])}
    row["weeks"] = int(last["week"])
    for key in FINAL:
        row[key] = float(last[key])
    row["revenue_first_half"] = first
    row["revenue_second_half"] = second
    second_weeks = len(run) - half
    row["revenue_growth"] = WEEKS_PER_YEAR * (second / max(second_weeks, 1) - first / max(half, 1))
    row["revenue_growth_pct"] = 100.0 * (second / first - 1.0) if first > 0 else float("nan")
    for key in TOTALS:
        row[key] = float(run[key].sum())
    return row
