"""The KPIs of a market with rivals: customers won from and lost to them, market shares and
share of voice. A firm alone in its market has 0, 0, 100, 100 and 100 (part of the registry,
:data:`gtmsim.model.kpis.KPIS`)."""

from __future__ import annotations

from gtmsim.model.kpi import Kpi

COMPETITION_KPIS: dict[str, Kpi] = {
    "won_from_rivals": Kpi(
        "Won from rivals",
        "customers/week",
        "Customers gained from rivals this week: prospects who bought from this firm when a "
        "rival's deal closed, and rivals' customers who switched to it at renewal (0 alone).",
        summary="sum",
    ),
    "lost_to_rivals": Kpi(
        "Lost to rivals",
        "deals/week",
        "Opportunities, leads and renewing customers that went to a rival this week (0 alone).",
        summary="sum",
    ),
    "market_share_customers": Kpi(
        "Market share, customers",
        "% of customers",
        "This firm's customers as a % of every firm's customers (100 alone).",
        summary="last",
    ),
    "market_share_arr": Kpi(
        "Market share, ARR",
        "% of ARR",
        "This firm's ARR as a % of every firm's ARR (100 alone).",
        summary="last",
    ),
    "share_of_voice": Kpi(
        "Share of voice",
        "% of spend",
        "This firm's marketing spend since week 0 as a % of every firm's (100 alone).",
        summary="last",
    ),
}

#: The market-share KPIs, in table order.
MARKET_SHARES = ("market_share_customers", "market_share_arr", "share_of_voice")
