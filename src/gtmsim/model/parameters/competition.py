"""Parameters of price and competition: a firm's price lever, and how buyers respond to prices
and to rivals.

A firm sets its price (``pricing.price``, a multiplier on the market's list prices); how buyers
respond to price and to rivals is a property of the market (``competition``), shared by every
firm in it. With one firm at the list price, none of these has any effect.

Defaults are argued, not fitted (docs/validation.md, "Competition"): the price responses are in
odds, so a 10% higher price lowers a 25% win rate to 22.4% (demand elasticity about -1.1 at that
win rate, inside the -1 to -2 usually quoted for B2B software) and raises 13% churn to 14.1%.
"""

from __future__ import annotations

from gtmsim.model.parameters.base import Params, param


class PricingParams(Params):
    """A firm's price."""

    price: float = param(
        1.0,
        "multiplier",
        "The firm's price as a multiple of the market's list prices (each prospect's deal value "
        "is at list price): a customer's contract is worth deal value x price; the odds of "
        "winning it and of keeping it respond through competition.price_win_elasticity and "
        "competition.price_churn_elasticity.",
        ge=0.1,
        le=10,
    )


class CompetitionParams(Params):
    """How buyers weigh firms against each other and respond to price (the market's, shared by
    every firm in it)."""

    price_win_elasticity: float = param(
        1.5,
        "log-odds per log-price",
        "How price moves a buyer's choice: the odds of buying from a firm (a deal's win odds, a "
        "self-serve purchase, a rival's pull) are multiplied by price^-elasticity; 1.5 lowers "
        "the odds by 13% at a 10% higher price.",
        ge=0,
        le=10,
    )
    price_churn_elasticity: float = param(
        1.0,
        "log-odds per log-price",
        "How price moves churn: a customer's odds of leaving at renewal are multiplied by "
        "price^elasticity; 1 raises them by 10% at a 10% higher price.",
        ge=0,
        le=10,
    )
    rival_pull: float = param(
        1.0,
        "multiplier",
        "Strength of a rival the prospect trusts when another firm's deal closes: whether the "
        "prospect buys is decided by the selling firm's odds o alone; it buys from the seller "
        "with o / (o + r) and from a rival with that rival's share of r, where a rival's odds "
        "are its win odds at the prospect's fit and trust in it, times price^-elasticity, times "
        "this (no rep of its own in the deal, so no skill). 0 switches rivals out of deals.",
        ge=0,
        le=10,
    )
    switching_odds: float = param(
        0.15,
        "odds per renewal",
        "Odds that a renewing customer leaves for a rival it trusts fully, at the same price "
        "(0.15: 13% of such renewals); scaled by its trust in each rival (0-1) and by (own "
        "price / rival's price)^price_win_elasticity, summed over rivals. Drawn after churn: "
        "a customer who stays may still switch.",
        ge=0,
        le=100,
    )
