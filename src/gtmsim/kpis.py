"""KPI definitions and the weekly book-keeping behind them.

:class:`KpiBook` counts events as the departments report them; :func:`weekly_row`
turns the counts and the population into one row of KPIs, which the model's Mesa
``DataCollector`` records every week. :data:`KPIS` names each column with its unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gtmsim.market import Stage

if TYPE_CHECKING:
    from gtmsim.market import Prospect
    from gtmsim.model import GrowthModel


@dataclass(frozen=True)
class Kpi:
    """A KPI column: its unit and what it measures."""

    unit: str
    description: str


KPIS: dict[str, Kpi] = {
    "week": Kpi("week", "Simulation week (1 = end of the first week)."),
    "unaware": Kpi("prospects", "Prospects who do not know the product."),
    "aware": Kpi("prospects", "Prospects who know it but do not yet trust it."),
    "trusting": Kpi("prospects", "Prospects who trust it but have not bought."),
    "customers": Kpi("prospects", "Prospects who bought (absorbing)."),
    "awareness_pct": Kpi("% of market", "Share aware, trusting or customer."),
    "trusting_pct": Kpi("% of market", "Share trusting or customer."),
    "newly_aware": Kpi(
        "prospects/week", "Prospects aware (or further) for the first time this week."
    ),
    "newly_trusting": Kpi(
        "prospects/week", "Prospects trusting (or customers) for the first time this week."
    ),
    "inquiries": Kpi("leads/week", "Engaged prospects captured as leads this week."),
    "mqls": Kpi("leads/week", "Marketing-qualified leads passed toward sales this week."),
    "sqls": Kpi("leads/week", "Leads qualified by sales at first contact this week."),
    "opportunities": Kpi("deals/week", "Opportunities opened this week."),
    "wins": Kpi("deals/week", "Deals won by sales this week."),
    "self_serve": Kpi(
        "customers/week", "Prospects who bought without a sales contact this week (Bass)."
    ),
    "losses": Kpi("deals/week", "Opportunities lost this week."),
    "revenue": Kpi("currency/week", "Value of deals won this week."),
    "marketing_spend": Kpi("currency/week", "Marketing spend this week."),
    "sales_cost": Kpi("currency/week", "Cost of the sales team this week."),
    "leads_leaked": Kpi("leads/week", "MQLs lost in the handoff this week (no CRM link)."),
    "leads_rejected": Kpi("leads/week", "MQLs sent back by sales as below its bar this week."),
    "leads_ignored": Kpi("leads/week", "MQLs never contacted this week (below bar or stale)."),
    "pipeline_value": Kpi("currency", "Deal value of all open opportunities."),
    "open_opportunities": Kpi("deals", "Open opportunities at the end of the week."),
    "queued_leads": Kpi("leads", "Accepted leads waiting for first contact."),
    "cum_revenue": Kpi("currency", "Revenue won since week 0."),
    "cum_wins": Kpi("deals", "Deals won by sales since week 0."),
    "cum_mqls": Kpi("leads", "MQLs since week 0."),
    "cum_sqls": Kpi("leads", "SQLs since week 0."),
    "cum_opportunities": Kpi("deals", "Opportunities opened since week 0."),
    "cum_cost": Kpi("currency", "Marketing spend plus sales cost since week 0."),
    "cost_per_lead": Kpi("currency/MQL", "Cumulative marketing spend per MQL."),
    "cac": Kpi(
        "currency/customer", "Customer acquisition cost: cumulative total cost per new customer."
    ),
    "win_rate": Kpi("share", "Won / (won + lost) opportunities, cumulative."),
    "mql_to_sql": Kpi("share", "Cumulative SQLs per cumulative MQL."),
    "lead_to_customer": Kpi("share", "Cumulative wins per cumulative MQL."),
    "avg_deal_size": Kpi("currency/deal", "Cumulative revenue per new customer."),
    "sales_cycle_weeks": Kpi("weeks", "Mean weeks from opportunity to won deal, cumulative."),
    "engagement_rate": Kpi(
        "share", "Share of marketing exposures that led to engagement this week."
    ),
    "response_hours": Kpi("hours", "Mean hours from MQL to first sales contact, cumulative."),
}


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, or NaN when the denominator is zero (undefined, not zero)."""
    return numerator / denominator if denominator else float("nan")


class KpiBook:
    """Counters of everything the departments do, this week and since week 0."""

    #: Weekly counters reported as KPIs, in column order.
    REPORTED = (
        "inquiries",
        "mqls",
        "sqls",
        "opportunities",
        "wins",
        "self_serve",
        "losses",
        "revenue",
        "marketing_spend",
        "sales_cost",
        "leads_leaked",
        "leads_rejected",
        "leads_ignored",
    )
    #: Every weekly counter: the reported ones and those only used inside the model.
    WEEKLY = (*REPORTED, "exposures", "engagements")

    def __init__(self, n_channels: int) -> None:
        self.week = dict.fromkeys(self.WEEKLY, 0.0)
        self.total = dict.fromkeys(self.WEEKLY, 0.0)
        self.spend_by_channel = np.zeros(n_channels)
        self.cumulative_spend_by_channel = np.zeros(n_channels)
        self.cycle_weeks_total = 0.0
        self.contacts = 0
        self.contact_hours_total = 0.0

    def add(self, key: str, amount: float) -> None:
        self.week[key] += amount
        self.total[key] += amount

    def start_week(self) -> None:
        """Reset the weekly counters (cumulative ones keep counting)."""
        self.week = dict.fromkeys(self.WEEKLY, 0.0)

    def record_spend(self, by_channel: np.ndarray) -> None:
        self.spend_by_channel = by_channel.copy()
        self.cumulative_spend_by_channel += by_channel
        self.add("marketing_spend", float(by_channel.sum()))

    def record_sales_cost(self, amount: float) -> None:
        self.add("sales_cost", amount)

    def record_exposures(self, exposed: int, engaged: int) -> None:
        self.add("exposures", exposed)
        self.add("engagements", engaged)

    def record_leads(self, inquiries: int, mqls: int) -> None:
        self.add("inquiries", inquiries)
        self.add("mqls", mqls)

    def record_leaked(self, n: int) -> None:
        self.add("leads_leaked", n)

    def record_rejected(self, n: int) -> None:
        self.add("leads_rejected", n)

    def record_ignored(self, n: int = 1) -> None:
        self.add("leads_ignored", n)

    def record_contact(self, delay_hours: float) -> None:
        self.contacts += 1
        self.contact_hours_total += delay_hours

    def record_sql(self) -> None:
        self.add("sqls", 1)

    def record_opportunity(self) -> None:
        self.add("opportunities", 1)

    def record_win(self, prospect: Prospect, cycle_weeks: int) -> None:
        self.add("wins", 1)
        self.add("revenue", prospect.deal_value)
        self.cycle_weeks_total += cycle_weeks

    def record_self_serve(self, deal_values: np.ndarray) -> None:
        self.add("self_serve", len(deal_values))
        self.add("revenue", float(deal_values.sum()))

    def record_loss(self) -> None:
        self.add("losses", 1)


def weekly_row(model: GrowthModel) -> dict[str, float]:
    """One week's KPIs (see :data:`KPIS`), plus ``spend_<channel>`` per marketing channel."""
    book = model.kpis
    counts = model.population.stage_counts()
    n = model.population.n
    week, total = book.week, book.total
    deals = [deal for rep in model.reps for deal in rep.deals]
    cum_cost = total["marketing_spend"] + total["sales_cost"]
    row: dict[str, float] = {
        "week": model.week,
        "unaware": int(counts[Stage.UNAWARE]),
        "aware": int(counts[Stage.AWARE]),
        "trusting": int(counts[Stage.TRUSTING]),
        "customers": int(counts[Stage.CUSTOMER]),
        "awareness_pct": 100.0 * (n - counts[Stage.UNAWARE]) / n,
        "trusting_pct": 100.0 * (counts[Stage.TRUSTING] + counts[Stage.CUSTOMER]) / n,
        "newly_aware": model.population.newly_aware,
        "newly_trusting": model.population.newly_trusting,
    }
    for key in KpiBook.REPORTED:
        row[key] = week[key]
    row.update(
        pipeline_value=float(sum(d.prospect.deal_value for d in deals)),
        open_opportunities=len(deals),
        queued_leads=sum(len(rep.queue) for rep in model.reps),
        cum_revenue=total["revenue"],
        cum_wins=total["wins"],
        cum_mqls=total["mqls"],
        cum_sqls=total["sqls"],
        cum_opportunities=total["opportunities"],
        cum_cost=cum_cost,
        cost_per_lead=ratio(total["marketing_spend"], total["mqls"]),
        cac=ratio(cum_cost, total["wins"] + total["self_serve"]),
        win_rate=ratio(total["wins"], total["wins"] + total["losses"]),
        mql_to_sql=ratio(total["sqls"], total["mqls"]),
        lead_to_customer=ratio(total["wins"], total["mqls"]),
        avg_deal_size=ratio(total["revenue"], total["wins"] + total["self_serve"]),
        sales_cycle_weeks=ratio(book.cycle_weeks_total, total["wins"]),
        engagement_rate=ratio(week["engagements"], week["exposures"]),
        response_hours=ratio(book.contact_hours_total, book.contacts),
    )
    for name, spend in zip(model.marketing.channel_names, book.spend_by_channel, strict=True):
        row[f"spend_{name}"] = float(spend)
    return row
