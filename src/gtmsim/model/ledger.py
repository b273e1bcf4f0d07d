"""The weekly book-keeping behind the KPIs.

:class:`KpiBook` counts events as the departments report them; :func:`weekly_row` turns the
counts and the population into one row of KPIs (the columns of :data:`gtmsim.model.kpis.KPIS`),
which the model's Mesa ``DataCollector`` records every week.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

import numpy as np

from gtmsim.model.journey import Stage

if TYPE_CHECKING:
    from gtmsim.model.firm import Firm


#: Lower edges of the bands in which first contacts are counted by hours to first contact:
#: 0-5 min, 5-10 min, 10-30 min, 30-60 min, 1-2 h, 2-24 h, 1-2 days, 2-7 days, a week or more
#: (the bands of the speed-to-lead studies: MIT 2007's 5 and 30 minutes, HBR 2011's hours).
DELAY_BANDS_HOURS = np.array([0.0, 5 / 60, 10 / 60, 0.5, 1.0, 2.0, 24.0, 48.0, 168.0])
_DELAY_EDGES = tuple(DELAY_BANDS_HOURS.tolist())


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
        "sqls_dropped",
        "deals_dropped",
        "revenue",
        "new_arr",
        "expansion_arr",
        "contraction_arr",
        "churned_arr",
        "churned_customers",
        "marketing_spend",
        "sales_cost",
        "leads_leaked",
        "leads_rejected",
        "leads_ignored",
        "won_from_rivals",
        "lost_to_rivals",
    )
    #: Every weekly counter: the reported ones and those only used inside the model.
    WEEKLY = (*REPORTED, "exposures", "engagements", "new_arr_sales")

    def __init__(self, n_channels: int) -> None:
        self.week = dict.fromkeys(self.WEEKLY, 0.0)
        self.total = dict.fromkeys(self.WEEKLY, 0.0)
        self.spend_by_channel = np.zeros(n_channels)
        self.cumulative_spend_by_channel = np.zeros(n_channels)
        self.cycle_weeks_total = 0.0
        self.contacts = 0
        self.contact_hours_total = 0.0
        # first contacts and the SQLs among them, by hours to first contact (DELAY_BANDS_HOURS)
        self.contacts_by_delay = np.zeros(len(DELAY_BANDS_HOURS), dtype=np.int64)
        self.sqls_by_delay = np.zeros(len(DELAY_BANDS_HOURS), dtype=np.int64)

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

    def record_contact(self, delay_hours: float, qualified: bool) -> None:
        """A first contact after ``delay_hours`` from MQL, and whether the lead qualified."""
        self.contacts += 1
        self.contact_hours_total += delay_hours
        band = bisect.bisect_right(_DELAY_EDGES, delay_hours) - 1  # a scalar: faster than numpy
        self.contacts_by_delay[band] += 1
        self.sqls_by_delay[band] += qualified

    def record_sql(self) -> None:
        self.add("sqls", 1)

    def record_opportunity(self) -> None:
        self.add("opportunities", 1)

    def record_win(self, contract_value: float, cycle_weeks: int) -> None:
        """Sales won a deal: a new customer, whose contract (currency/year) adds to ARR."""
        self.add("wins", 1)
        self.add("new_arr", contract_value)
        self.add("new_arr_sales", contract_value)
        self.cycle_weeks_total += cycle_weeks

    def record_won_from_rival(self, customers: int, contract_value: float) -> None:
        """``customers`` bought from this firm when a rival's deal closed, or switched to it from
        a rival at renewal, with contracts worth ``contract_value`` (currency/year)."""
        self.add("won_from_rivals", customers)
        self.add("new_arr", contract_value)

    def record_lost_to_rival(self, n: int = 1) -> None:
        """``n`` deals, leads or customers went to a rival."""
        self.add("lost_to_rivals", n)

    def record_self_serve(self, deal_values: np.ndarray) -> None:
        self.add("self_serve", len(deal_values))
        self.add("new_arr", float(deal_values.sum()))

    def record_revenue(self, amount: float) -> None:
        """Subscription revenue recognised this week (currency)."""
        self.add("revenue", amount)

    def record_renewals(self, expansion: float, contraction: float) -> None:
        """Renewing contracts grew by ``expansion`` and shrank by ``contraction`` (ARR)."""
        self.add("expansion_arr", expansion)
        self.add("contraction_arr", contraction)

    def record_churn(self, customers: int, arr: float) -> None:
        """``customers`` did not renew, taking ``arr`` of ARR with them."""
        self.add("churned_customers", customers)
        self.add("churned_arr", arr)

    def record_loss(self) -> None:
        self.add("losses", 1)

    def record_dropped(self, queued: int, sqls: int, deals: int) -> None:
        """Work a leaving rep hands back: queued leads (never contacted, so counted as
        ignored), SQLs and open opportunities."""
        self.add("leads_ignored", queued)
        self.add("sqls_dropped", sqls)
        self.add("deals_dropped", deals)


def weekly_row(firm: Firm) -> dict[str, float]:
    """One week's KPIs of ``firm`` (see :data:`KPIS`), plus ``spend_<channel>`` per marketing
    channel."""
    book = firm.kpis
    counts = firm.population.counts  # as of this week's stage update
    n = firm.population.n
    week, total = book.week, book.total
    deals = [deal for rep in firm.reps for deal in rep.deals]
    cum_cost = total["marketing_spend"] + total["sales_cost"]
    new_customers = total["wins"] + total["self_serve"] + total["won_from_rivals"]
    row: dict[str, float] = {
        "week": firm.week,
        "unaware": int(counts[Stage.UNAWARE]),
        "aware": int(counts[Stage.AWARE]),
        "trusting": int(counts[Stage.TRUSTING]),
        "customers": int(counts[Stage.CUSTOMER]),
        "awareness_pct": 100.0 * (n - counts[Stage.UNAWARE]) / n,
        "trusting_pct": 100.0 * (counts[Stage.TRUSTING] + counts[Stage.CUSTOMER]) / n,
        "newly_aware": firm.population.newly_aware,
        "newly_trusting": firm.population.newly_trusting,
    }
    for key in KpiBook.REPORTED:
        row[key] = week[key]
    row.update(
        pipeline_value=float(sum(d.prospect.deal_value for d in deals)) * firm.price,
        open_opportunities=len(deals),
        queued_leads=sum(len(rep.queue) for rep in firm.reps),
        cum_revenue=total["revenue"],
        cum_wins=total["wins"],
        cum_mqls=total["mqls"],
        cum_sqls=total["sqls"],
        cum_opportunities=total["opportunities"],
        cum_cost=cum_cost,
        cost_per_lead=ratio(total["marketing_spend"], total["mqls"]),
        cac=ratio(cum_cost, new_customers),
        cac_sales_led=ratio(cum_cost, total["wins"]),
        win_rate=ratio(total["wins"], total["wins"] + total["losses"]),
        mql_to_sql=ratio(total["sqls"], total["mqls"]),
        lead_to_customer=ratio(total["wins"], total["mqls"]),
        avg_deal_size=ratio(total["new_arr"], new_customers),
        sales_cycle_weeks=ratio(book.cycle_weeks_total, total["wins"]),
        engagement_rate=ratio(week["engagements"], week["exposures"]),
        response_hours=ratio(book.contact_hours_total, book.contacts),
    )
    row.update(recurring_revenue(firm, cum_cost, pipeline=row["pipeline_value"]))
    row.update(market_shares(firm))
    for name, spend in zip(firm.marketing.channel_names, book.spend_by_channel, strict=True):
        row[f"spend_{name}"] = float(spend)
    return row


def market_shares(firm: Firm) -> dict[str, float]:
    """The firm's share of the market's customers and ARR now, and its share of all firms'
    marketing spend since week 0 (share of voice), in % (NaN where the market has none)."""
    firms = firm.model.firms
    customers = [int(f.population.counts[Stage.CUSTOMER]) for f in firms]
    arr = [f.customers.arr for f in firms]
    spend = [f.kpis.total["marketing_spend"] for f in firms]
    own = firm.index
    return {
        "market_share_customers": 100.0 * ratio(customers[own], sum(customers)),
        "market_share_arr": 100.0 * ratio(arr[own], sum(arr)),
        "share_of_voice": 100.0 * ratio(spend[own], sum(spend)),
    }


def recurring_revenue(firm: Firm, cum_cost: float, pipeline: float) -> dict[str, float]:
    """The week's recurring-revenue KPIs: ARR and its growth, the last completed year's
    retention, CAC payback, LTV:CAC and pipeline coverage (see :data:`KPIS`)."""
    base, total = firm.customers, firm.kpis.total
    margin = firm.params.customers.gross_margin
    new_customers = total["wins"] + total["self_serve"] + total["won_from_rivals"]
    # a new customer's yearly gross margin, on average (currency/year)
    margin_per_customer = margin * ratio(total["new_arr"], new_customers)
    cac = ratio(cum_cost, new_customers)
    gross_churn = 1.0 - base.retention["grr"] / 100.0  # share of ARR lost in the last year
    lifetime_margin = margin_per_customer / gross_churn if gross_churn > 0 else float("nan")
    return {
        "arr": base.arr,
        "arr_growth_pct": base.arr_growth_pct(),
        "nrr": base.retention["nrr"],
        "grr": base.retention["grr"],
        "logo_churn": base.retention["logo_churn"],
        "cac_payback_months": ratio(12.0 * cac, margin_per_customer),
        "ltv_to_cac": ratio(lifetime_margin, cac),
        "pipeline_coverage": ratio(pipeline, base.sales_new_arr_last_quarter()),
    }
