"""Parameters of life after the sale: the installed base, renewals, churn and expansion.

Per-segment rates (the share of a segment that is already a customer at week 0, its churn and
expansion at renewal) live with the segment (:class:`~gtmsim.model.parameters.market.SegmentParams`);
what holds for every customer is here. Ranges quoted are benchmark compilations of B2B
subscription companies (SaaS Capital, OpenView, KeyBanc, ChartMogul), which vary by source.
"""

from __future__ import annotations

from gtmsim.model.parameters.base import Params, param


class CustomerParams(Params):
    """What happens to customers after they buy: contracts renew yearly, some churn, the rest
    expand or contract; the installed base at week 0 has customers of every age."""

    installed_max_age_years: float = param(
        4.0,
        "years",
        "Customers of the installed base at week 0 bought between 0 and this many years ago "
        "(uniformly): their age sets the week of the year in which each contract renews.",
        gt=0,
        le=50,
    )
    installed_base_factor: float = param(
        1.0,
        "multiplier",
        "Multiplier on every segment's installed_share for this firm: 1 as the market says, 0 "
        "for a firm with no customers at week 0 (a new entrant). In a market of several firms "
        "each firm's base is drawn in turn from the prospects no firm has yet.",
        ge=0,
        le=100,
    )
    churn_fit_effect: float = param(
        2.0,
        "log-odds per unit of fit",
        "How much poor fit raises churn: a customer's odds of leaving at renewal are its "
        "segment's (at fit 0.5) times exp(effect x (0.5 - fit)); 2 doubles the odds at fit 0.15 "
        "and halves them at 0.85. This is how an organisation that pushes poorly fitting "
        "prospects through its pipeline pays later, in churn.",
        ge=0,
        le=20,
    )
    expansion_sd: float = param(
        0.25,
        "log-units",
        "Spread of the change in a renewing customer's contract value around its segment's "
        "mean expansion (log-normal): with 0.25 and +20% mean, about a third of renewals contract.",
        ge=0,
        le=3,
    )
    winback_weeks: int = param(
        52,
        "weeks",
        "Weeks after churning before a former customer can become a lead again.",
        ge=0,
        le=2_080,
    )
    gross_margin: float = param(
        0.75,
        "share of revenue",
        "Gross margin on subscription revenue, for CAC payback and LTV (SaaS companies typically "
        "70-80%: benchmark compilations such as KeyBanc's SaaS survey).",
        gt=0,
        le=1,
    )
