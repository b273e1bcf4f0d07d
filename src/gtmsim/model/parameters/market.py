"""Parameters of the market: its size, segments, memory (decay) and word of mouth."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from gtmsim.model.parameters.base import Params, param, weekly_rate_from_annual
from gtmsim.model.parameters.limits import MAX_PROSPECTS, MAX_TIES


class SegmentParams(Params):
    """One market segment (an industry or region): its size, deal values and fit."""

    share: float = param(
        0.5,
        "share of prospects",
        "Fraction of the market in this segment (0 switches a default segment off).",
        ge=0,
        le=1,
    )
    median_deal_value: float = param(
        20_000.0,
        "currency",
        "Median yearly contract value (ARR) of a won deal; deal values are log-normal "
        "(heavy-tailed).",
        gt=0,
        le=1e9,
    )
    deal_value_sigma: float = param(
        0.8,
        "log-units",
        "Standard deviation of log deal value: 0.8 puts the top 10% of deals above 2.8x the median.",
        ge=0,
        le=3,
    )
    fit_mean: float = param(
        0.5,
        "probability",
        "Mean fit (propensity) of a prospect: how well the product suits it; Beta-distributed.",
        gt=0,
        lt=1,
    )
    fit_concentration: float = param(
        4.0,
        "dimensionless",
        "Concentration (a+b) of the fit Beta distribution: larger means prospects are more alike.",
        gt=0,
        le=1e4,
    )
    sales_cycle_weeks: float = param(
        8.0,
        "weeks",
        "Mean length of an opportunity from opening to close. Published ranges: SMB 2-4 weeks, "
        "mid-market 1-3 months, enterprise 3-6 months (industry reports).",
        ge=1,
        le=104,
    )
    installed_share: float = param(
        0.01,
        "share of the segment",
        "Share of the segment's prospects that are already customers at week 0 (the installed "
        "base; 0 for a company at launch). Better-fitting prospects are likelier to be among them.",
        ge=0,
        le=1,
    )
    churn_per_year: float = param(
        0.14,
        "probability per year",
        "Chance that a customer of average fit (0.5) does not renew at its yearly renewal (logo "
        "churn; poor fit raises it: customers.churn_fit_effect). Quoted ranges: SMB 30-60% a "
        "year, mid-market 10-15%, enterprise under 5-10% (SaaS benchmark compilations).",
        ge=0,
        le=0.99,
    )
    expansion_per_year: float = param(
        0.2,
        "share per year",
        "Mean change of a renewing customer's contract value at renewal (upsell net of "
        "downsell; each renewal varies around it: customers.expansion_sd). With churn it sets "
        "net revenue retention, quoted at 90-100% (SMB), 100-110% (mid-market), 110-120%+ "
        "(enterprise).",
        ge=-0.9,
        le=10,
    )


def _default_segments() -> dict[str, SegmentParams]:
    return {
        # churn and expansion at renewal: realised churn lands in the quoted ranges (SMB
        # 30-60% a year, mid-market 10-15%, enterprise under 5-10%) once customers' better
        # than average fit is counted, and net revenue retention in the quoted 90-100%,
        # 100-110% and 110-120% (docs/validation.md, "Recurring revenue")
        "smb": SegmentParams(
            share=0.6,
            median_deal_value=6_000,
            fit_mean=0.5,
            sales_cycle_weeks=3,
            churn_per_year=0.40,
            expansion_per_year=0.35,
        ),
        "mid_market": SegmentParams(
            share=0.3,
            median_deal_value=25_000,
            fit_mean=0.45,
            sales_cycle_weeks=8,
            churn_per_year=0.13,
            expansion_per_year=0.2,
        ),
        "enterprise": SegmentParams(
            share=0.1,
            median_deal_value=120_000,
            fit_mean=0.45,
            sales_cycle_weeks=18,
            churn_per_year=0.07,
            expansion_per_year=0.22,
        ),
    }


class MarketParams(Params):
    """The market as a whole: its size, segments, memory and word of mouth."""

    prospects: int = param(
        20_000,
        "prospects",
        "Number of prospect companies in the market (how many fit in memory: docs/performance.md).",
        ge=10,
        le=MAX_PROSPECTS,
    )
    segments: dict[str, SegmentParams] = Field(
        default_factory=_default_segments,
        description="Market segments by name; their shares must sum to 1.",
    )
    initial_aware_share: float = param(
        0.25,
        "share of prospects",
        "Share of prospects already aware at week 0 (an established company, not a launch).",
        ge=0,
        le=1,
    )
    awareness_decay_per_year: float = param(
        0.33,
        "share per year",
        "Share of awareness lost per year without reinforcement (Capsim classroom rule: ~33%/year).",
        ge=0,
        lt=1,
    )
    trust_decay_per_year: float = param(
        0.20,
        "share per year",
        "Share of trust lost per year without reinforcement (assumed stickier than awareness).",
        ge=0,
        lt=1,
    )
    aware_threshold: float = param(
        0.3,
        "awareness level (0-1)",
        "Awareness at or above which a prospect counts as aware (recalls the brand unaided).",
        gt=0,
        le=1,
    )
    trust_threshold: float = param(
        0.5,
        "trust level (0-1)",
        "Trust at or above which an aware prospect counts as trusting (would consider buying).",
        gt=0,
        le=1,
    )
    ties_per_prospect: float = param(
        8.0,
        "ties",
        "Mean number of social ties per prospect (word-of-mouth network).",
        ge=0,
        le=MAX_TIES,
    )
    same_segment_ties: float = param(
        0.7,
        "share of ties",
        "Share of a prospect's ties inside its own segment (homophily).",
        ge=0,
        le=1,
    )
    word_of_mouth_rate: float = param(
        0.25,
        "conversations/week",
        "Rate of word-of-mouth conversations a prospect has when all its ties are customers.",
        ge=0,
        le=100,
    )
    trusting_voice: float = param(
        0.1,
        "relative weight",
        "Weight of a trusting (not yet buying) neighbour's voice relative to a customer's (1).",
        ge=0,
        le=1,
    )
    word_of_mouth_awareness_lift: float = param(
        0.5,
        "share of the awareness gap",
        "Share of the gap to full awareness closed by one word-of-mouth conversation.",
        ge=0,
        le=1,
    )
    word_of_mouth_trust_lift: float = param(
        0.15,
        "share of the trust gap",
        "Share of the gap to full trust closed by one word-of-mouth conversation "
        "(peers are trusted more than ads).",
        ge=0,
        le=1,
    )
    word_of_mouth_mixing: Literal["network", "well_mixed"] = param(
        "network",
        "network | well_mixed",
        "Who hears whom: 'network' = each prospect hears its social ties; 'well_mixed' = everyone "
        "hears the whole market (the Bass model's assumption).",
    )
    imitation_per_year: float = param(
        0.0,
        "hazard/year",
        "Bass imitation coefficient q: yearly hazard of buying directly (no sales contact) per unit "
        "share of customers among the prospect's contacts. 0 in the journey scenarios; ~0.38 in "
        "Sultan, Farley & Lehmann's 1990 meta-analysis.",
        ge=0,
        le=10,
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> MarketParams:
        total = sum(s.share for s in self.segments.values())
        if not self.segments:
            raise ValueError("segments: at least one segment is needed")
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"segments: the segment shares sum to {total:.4g}, they must sum to 1 "
                f"({', '.join(f'{k}={v.share:g}' for k, v in self.segments.items())})"
            )
        return self

    @property
    def awareness_decay_per_week(self) -> float:
        """Share of awareness lost per week without reinforcement (probability per week)."""
        return weekly_rate_from_annual(self.awareness_decay_per_year)

    @property
    def trust_decay_per_week(self) -> float:
        """Share of trust lost per week without reinforcement (probability per week)."""
        return weekly_rate_from_annual(self.trust_decay_per_year)
