"""The KPI registry: every KPI declared once, with what every table, plot, report and page needs.

Each :class:`Kpi` says what it measures (label, unit, description), whether it is a weekly
column of ``timeseries.csv`` and how a run reduces it to one value of ``summary.csv``
(``last`` week's value, ``sum`` over the weeks, or ``derived`` from the weekly table), whether
it is a headline KPI (and where it stands in headline tables), the mechanism behind it in one
sentence, and which parameters act on it directly. The comparison table, the summary, the
report, the figures and the dashboard all read this registry; nothing here imports numpy or
Mesa, so any layer may use it cheaply.
"""

from __future__ import annotations

from gtmsim.model import kpi_levers as levers
from gtmsim.model.kpi import Kpi, Reduction
from gtmsim.model.kpi_competition import COMPETITION_KPIS

__all__ = ["FUNNEL", "HEADLINE", "KPIS", "SUMMARY", "WEEKLY", "Kpi", "Reduction", "acts_on"]

_GROWTH = (
    "Revenue growth compares the second half of the run with the first: new business won on top "
    "of what the installed base keeps (renewals, churn and expansion), and what changes over "
    "time (marketing learning where revenue comes from, word of mouth from a growing customer "
    "base, budget changes mid-run)."
)

KPIS: dict[str, Kpi] = {
    "week": Kpi("Week", "week", "Simulation week (1 = end of the first week)."),
    "unaware": Kpi("Unaware", "prospects", "Prospects who do not know the product."),
    "aware": Kpi("Aware", "prospects", "Prospects who know it but do not yet trust it."),
    "trusting": Kpi("Trusting", "prospects", "Prospects who trust it but have not bought."),
    "customers": Kpi("Customers", "prospects", "Prospects who bought (absorbing).", summary="last"),
    "awareness_pct": Kpi(
        "Awareness", "% of market", "Share aware, trusting or customer.", summary="last"
    ),
    "trusting_pct": Kpi("Trust", "% of market", "Share trusting or customer.", summary="last"),
    "newly_aware": Kpi(
        "Newly aware",
        "prospects/week",
        "Prospects aware (or further) for the first time this week.",
        funnel_stage="Aware",
    ),
    "newly_trusting": Kpi(
        "Newly trusting",
        "prospects/week",
        "Prospects trusting (or customers) for the first time this week.",
        funnel_stage="Trusting",
    ),
    "inquiries": Kpi(
        "Inquiries",
        "leads/week",
        "Engaged prospects captured as leads this week.",
        funnel_stage="Inquiry",
    ),
    "mqls": Kpi(
        "MQLs",
        "leads/week",
        "Marketing-qualified leads passed toward sales this week.",
        funnel_stage="MQL",
    ),
    "sqls": Kpi(
        "SQLs",
        "leads/week",
        "Leads qualified by sales at first contact this week.",
        funnel_stage="SQL",
    ),
    "opportunities": Kpi(
        "Opportunities", "deals/week", "Opportunities opened this week.", funnel_stage="Opportunity"
    ),
    "wins": Kpi("Wins", "customers/week", "Deals won by sales this week.", funnel_stage="Won"),
    "self_serve": Kpi(
        "Self-serve purchases",
        "customers/week",
        "Prospects who bought without a sales contact this week (Bass).",
    ),
    "losses": Kpi("Losses", "deals/week", "Opportunities lost this week."),
    "sqls_dropped": Kpi(
        "SQLs dropped",
        "leads/week",
        "SQLs handed back to nurture this week because their rep left (headcount cut).",
        summary="sum",
    ),
    "deals_dropped": Kpi(
        "Deals dropped",
        "deals/week",
        "Open opportunities handed back to nurture this week because their rep left; "
        "opportunities = wins + losses + deals dropped + open.",
        summary="sum",
    ),
    "revenue": Kpi(
        "Weekly revenue",
        "currency/week",
        "Subscription revenue recognised this week: ARR at the end of the week / 52.",
    ),
    "new_arr": Kpi(
        "New ARR",
        "currency/year",
        "Yearly contract value of the customers won this week (by sales or self-serve).",
        summary="sum",
    ),
    "expansion_arr": Kpi(
        "Expansion ARR",
        "currency/year",
        "ARR added this week by renewing customers whose contracts grew.",
        summary="sum",
    ),
    "contraction_arr": Kpi(
        "Contraction ARR",
        "currency/year",
        "ARR lost this week by renewing customers whose contracts shrank.",
        summary="sum",
    ),
    "churned_arr": Kpi(
        "Churned ARR",
        "currency/year",
        "ARR of the customers who did not renew this week.",
        summary="sum",
    ),
    "churned_customers": Kpi(
        "Churned customers",
        "customers/week",
        "Customers who did not renew this week.",
        summary="sum",
    ),
    "marketing_spend": Kpi(
        "Marketing spend", "currency/week", "Marketing spend this week.", summary="sum"
    ),
    "sales_cost": Kpi(
        "Sales cost", "currency/week", "Cost of the sales team this week.", summary="sum"
    ),
    "leads_leaked": Kpi(
        "MQLs lost in handoff",
        "leads/week",
        "MQLs lost in the handoff this week (no CRM link).",
        summary="sum",
    ),
    "leads_rejected": Kpi(
        "MQLs rejected by sales",
        "leads/week",
        "MQLs sent back by sales as below its bar this week.",
        summary="sum",
    ),
    "leads_ignored": Kpi(
        "MQLs ignored by sales",
        "leads/week",
        "MQLs never contacted this week: below sales' bar, stale in a queue, in a territory "
        "without reps, or queued for a rep who left.",
        summary="sum",
    ),
    "pipeline_value": Kpi(
        "Pipeline", "currency", "Deal value of all open opportunities.", summary="last"
    ),
    "open_opportunities": Kpi(
        "Open opportunities", "deals", "Open opportunities at the end of the week."
    ),
    "queued_leads": Kpi("Queued leads", "leads", "Accepted leads waiting for first contact."),
    "arr": Kpi(
        "ARR",
        "currency/year",
        "Annual recurring revenue at the end of the week: the yearly value of every active "
        "contract; ARR = last week's + new + expansion - contraction - churned.",
        summary="last",
        headline=1,
        mechanism="ARR is the installed base's contracts after a year of renewals (churn, "
        "which poor fit raises, and expansion) plus every new customer's contract: new business "
        "grows with the good leads that reach a rep quickly, the reps' capacity and skill, and "
        "marketing's focus on segments with large contracts.",
        acted_on_by=levers.ARR,
    ),
    "arr_growth_pct": Kpi(
        "ARR growth rate",
        "%/year",
        "ARR now against ARR 52 weeks earlier, as a % change (undefined in the first year, or "
        "from no ARR).",
        summary="last",
        headline=2,
        mechanism="ARR growth rate is the last year's new ARR plus the installed base's net "
        "retention, on the ARR a year before: new business decides most of the difference "
        "between organisations, retention most of what a company keeps of its base.",
        acted_on_by=levers.ARR,
    ),
    "nrr": Kpi(
        "Net revenue retention",
        "%",
        "ARR now of the customers active at the last year mark, as a % of their ARR then "
        "(expansion included, churned ones count 0); the last completed year of the run.",
        summary="last",
        headline=3,
        mechanism="Net revenue retention is what a year's renewals keep of a cohort's ARR: each "
        "segment's churn and expansion, raised or lowered by how well its customers fit (an "
        "organisation that wins poorly fitting customers loses more of them), and the segment "
        "mix (enterprise customers churn least and expand most).",
        acted_on_by=levers.keys(levers.RETENTION, levers.DEALS, levers.BARS, levers.SCORING),
    ),
    "grr": Kpi(
        "Gross revenue retention",
        "%",
        "As net revenue retention but without expansion: each customer counts at most its ARR "
        "at the year mark (at most 100%).",
        summary="last",
    ),
    "logo_churn": Kpi(
        "Logo churn",
        "%/year",
        "Share of the customers active at the last year mark who were no longer customers a year "
        "later.",
        summary="last",
    ),
    "cac_payback_months": Kpi(
        "CAC payback",
        "months",
        "Months of a new customer's gross margin needed to repay the blended CAC: 12 x CAC / "
        "(new ARR per new customer x gross margin).",
        summary="last",
        headline=5,
        mechanism="CAC payback is CAC over a new customer's monthly gross margin: it falls when "
        "the same cost wins more customers (CAC) or larger contracts (segment mix).",
        acted_on_by=levers.keys(
            levers.WINS, levers.DEALS, levers.SELF_SERVE, "sales.annual_cost_per_rep", "customers"
        ),
    ),
    "ltv_to_cac": Kpi(
        "LTV:CAC",
        "ratio",
        "Lifetime gross margin of a new customer (new ARR per customer x gross margin / gross "
        "revenue churn of the last completed year) per unit of blended CAC; 3 is the quoted rule "
        "of thumb.",
        summary="last",
    ),
    "pipeline_coverage": Kpi(
        "Pipeline coverage",
        "x",
        "Open pipeline value per unit of new ARR won by sales in the last 13 weeks (3-4x is a "
        "commonly quoted target against the next quarter's).",
        summary="last",
    ),
    "cum_revenue": Kpi(
        "Revenue",
        "currency",
        "Subscription revenue recognised since week 0 (the installed base's and new customers').",
        summary="last",
        acted_on_by=levers.ARR,
    ),
    "cum_wins": Kpi(
        "New customers won by sales",
        "customers",
        "Deals won by sales since week 0.",
        summary="last",
        headline=6,
        mechanism="New customers (won by sales) are the leads that survive every step: "
        "marketing's lead flow, the handoff (lead bars, leakage, delay), sales' capacity to call "
        "them, and the odds of qualifying and winning, which rise with fit, trust, a fast "
        "response and skill.",
        acted_on_by=levers.keys(levers.WINS),
    ),
    "cum_mqls": Kpi("MQLs", "leads", "MQLs since week 0.", summary="last"),
    "cum_sqls": Kpi("SQLs", "leads", "SQLs since week 0.", summary="last"),
    "cum_opportunities": Kpi(
        "Opportunities", "deals", "Opportunities opened since week 0.", summary="last"
    ),
    "cum_cost": Kpi("Total cost", "currency", "Marketing spend plus sales cost since week 0."),
    "cost_per_lead": Kpi(
        "Cost per MQL",
        "currency/MQL",
        "Cumulative marketing spend per MQL.",
        summary="last",
        headline=7,
        mechanism="Cost per MQL is marketing spend per MQL: it depends on marketing's bar for an "
        "MQL and the accuracy of its lead scoring (how many leads pass), on the reach and "
        "engagement bought per unit of spend, and on a focus on channels and segments rich in "
        "leads.",
        acted_on_by=levers.keys(
            levers.REACH,
            levers.MQL_BAR,
            levers.SCORING,
            levers.TARGETING,
            "marketing.nurture_cooldown_weeks",
        ),
    ),
    "cac": Kpi(
        "CAC",
        "currency/customer",
        "Customer acquisition cost, blended: cumulative total cost per new customer, won by "
        "sales or self-serve.",
        summary="last",
        headline=4,
        mechanism="CAC is total cost (marketing budget plus sales team) per new customer, won by "
        "sales or self-serve: it falls when the same cost wins more customers and rises with "
        "budget or headcount.",
        acted_on_by=levers.keys(levers.WINS, levers.SELF_SERVE, "sales.annual_cost_per_rep"),
    ),
    "cac_sales_led": Kpi(
        "CAC, sales-led",
        "currency/customer",
        "Cumulative total cost per customer won by sales (self-serve purchases not counted); "
        "equal to the blended CAC when nobody buys self-serve.",
        summary="last",
    ),
    "win_rate": Kpi(
        "Win rate",
        "share",
        "Won / (won + lost) opportunities, cumulative.",
        summary="last",
        headline=10,
        mechanism="Win rate is won per closed opportunity: the win odds rise with the prospect's "
        "fit and trust and the rep's skill, reps build trust during the cycle, and the lead bars "
        "and scoring decide how well the prospects that reach an opportunity fit.",
        acted_on_by=levers.keys(
            "sales.win_odds sales.fit_effect sales.trust_effect sales.trust_lift_per_week",
            f"{levers.SKILL} market.segments sales.cycle_length_shape {levers.BARS} {levers.SCORING}",
        ),
    ),
    "mql_to_sql": Kpi(
        "MQL -> SQL",
        "share",
        "Cumulative SQLs per cumulative MQL.",
        summary="last",
        headline=8,
        mechanism="MQL -> SQL is the share of MQLs that sales qualifies at first contact: MQLs "
        "lost in the handoff or below sales' own bar are never qualified, and the odds of "
        "qualifying rise with the lead's fit and trust and fall with the response delay (handoff "
        "delay, waiting in a busy rep's queue, the rep's reaction time).",
        acted_on_by=levers.keys(levers.QUALIFY),
    ),
    "lead_to_customer": Kpi(
        "Lead -> customer",
        "share",
        "Cumulative wins per cumulative MQL.",
        summary="last",
        headline=9,
        mechanism="Lead -> customer is new customers per MQL: everything that decides MQL -> SQL, "
        "then the odds that an SQL becomes an opportunity and the opportunity is won, which rise "
        "with fit, trust and rep skill.",
        acted_on_by=levers.keys(levers.QUALIFY, levers.CLOSE),
    ),
    "avg_deal_size": Kpi(
        "Average deal size",
        "currency/year per deal",
        "New ARR per new customer (the yearly value of a new contract), cumulative.",
        summary="last",
        headline=11,
        mechanism="Average deal size is the yearly value of a new contract: it depends on which segments "
        "they come from (enterprise deals are far larger than SMB ones), set by the segments, the "
        "sales territories and marketing's focus, which follows its goal (MQL counts pull it "
        "toward SMB, won revenue reported at joint meetings toward large deals).",
        acted_on_by=levers.keys(levers.DEALS, levers.SELF_SERVE),
    ),
    "sales_cycle_weeks": Kpi(
        "Sales cycle",
        "weeks",
        "Mean weeks from opportunity to won deal, cumulative.",
        summary="last",
        headline=12,
        mechanism="Sales cycle is the mean weeks from opportunity to won deal: each segment has "
        "its own cycle length (enterprise the longest) and more skilled reps close faster, so a "
        "shift toward large deals lengthens it and cross-skilling shortens it.",
        acted_on_by=levers.keys(
            "market.segments sales.cycle_length_shape", levers.SKILL, levers.DEALS
        ),
    ),
    "engagement_rate": Kpi(
        "Engagement rate", "share", "Share of marketing exposures that led to engagement this week."
    ),
    "response_hours": Kpi(
        "Time to first call",
        "hours",
        "Mean hours from MQL to first sales contact, cumulative.",
        summary="last",
    ),
    "revenue_first_half": Kpi(
        "Revenue, first half",
        "currency",
        "Revenue won in the first half of the run.",
        weekly=False,
        summary="derived",
    ),
    "revenue_second_half": Kpi(
        "Revenue, second half",
        "currency",
        "Revenue won in the second half of the run.",
        weekly=False,
        summary="derived",
    ),
    "revenue_growth": Kpi(
        "Revenue growth, amount",
        "currency/year",
        "52 x (mean weekly revenue in the second half of the run minus the first): year 2 minus "
        "year 1 for a 104-week run.",
        weekly=False,
        summary="derived",
        mechanism=_GROWTH,
        acted_on_by=levers.ARR,
    ),
    "revenue_growth_pct": Kpi(
        "Revenue growth rate, 2nd vs 1st half",
        "%",
        "Second-half revenue as a % change on first-half revenue.",
        weekly=False,
        summary="derived",
        mechanism=_GROWTH,
        acted_on_by=levers.ARR,
    ),
}

KPIS.update(COMPETITION_KPIS)

#: Weekly columns of timeseries.csv, in column order (``spend_<channel>`` columns follow).
WEEKLY = tuple(name for name, kpi in KPIS.items() if kpi.weekly)
#: KPI columns of summary.csv (one value per run), in column order.
SUMMARY = tuple(name for name, kpi in KPIS.items() if kpi.summary is not None)
#: Headline KPIs in the order tables, figures and the report show them.
HEADLINE = tuple(
    sorted((n for n, k in KPIS.items() if k.headline is not None), key=lambda n: KPIS[n].headline)
)
#: Weekly counts that make the lead funnel, in funnel order, with their stage names.
FUNNEL = {name: kpi.funnel_stage for name, kpi in KPIS.items() if kpi.funnel_stage}


def acts_on(key: str, kpi: str) -> bool:
    """Whether the parameter at dotted ``key`` acts directly on ``kpi`` (a declared prefix)."""
    return any(key == p or key.startswith(p + ".") for p in KPIS[kpi].acted_on_by)
