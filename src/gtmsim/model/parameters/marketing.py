"""Parameters of marketing: budget, channels (reach, carry-over, lifts), lead scoring, replanning."""

from __future__ import annotations

from pydantic import Field, model_validator

from gtmsim.model.parameters.base import Params, param
from gtmsim.model.parameters.limits import MAX_WEEKS


class ChannelParams(Params):
    """One marketing channel: what its money buys."""

    share: float = param(
        0.2, "share of budget", "Share of the annual budget spent here.", ge=0, le=1
    )
    saturation_spend_per_1000: float = param(
        250.0,
        "currency/week per 1,000 prospects",
        "Carried-over weekly spend, per 1,000 prospects in the market, at which the channel's "
        "reach is 63% of its maximum (diminishing returns: reach = max_weekly_reach * (1 - "
        "exp(-adstock / (saturation_spend_per_1000 * prospects / 1000)))). Priced per "
        "prospect, as media is bought per thousand reached: a market k times larger needs k "
        "times the spend for the same share, so shares, conversion and CAC do not depend on "
        "the market's size. At low spend a prospect reached costs about "
        "saturation_spend_per_1000 / (1000 * max_weekly_reach).",
        gt=0,
        le=1e9,
    )
    max_weekly_reach: float = param(
        0.3,
        "share of market/week",
        "Largest share of the market the channel can reach in a week, however much is spent.",
        ge=0,
        le=1,
    )
    carryover: float = param(
        0.5,
        "share/week",
        "Adstock: share of last week's effective spend still working this week.",
        ge=0,
        lt=1,
    )
    awareness_lift: float = param(
        0.3,
        "share of the awareness gap",
        "Share of the gap to full awareness closed by one exposure.",
        ge=0,
        le=1,
    )
    trust_lift: float = param(
        0.05,
        "share of the trust gap",
        "Share of the gap to full trust closed by one exposure, scaled by the prospect's awareness.",
        ge=0,
        le=1,
    )
    engagement_rate: float = param(
        0.05,
        "probability/exposure",
        "Probability that an exposure of a fully aware prospect with fit 1 leads to an inquiry "
        "(visitor->lead is 1-5% in B2B benchmark compilations).",
        ge=0,
        le=1,
    )
    fit_targeting: float = param(
        0.3,
        "0-1",
        "How strongly the channel's reach concentrates on well-fitting prospects (0 = untargeted).",
        ge=0,
        le=1,
    )


def _default_channels() -> dict[str, ChannelParams]:
    return {
        "ads": ChannelParams(
            share=0.30,
            saturation_spend_per_1000=400,
            max_weekly_reach=0.04,
            carryover=0.3,
            awareness_lift=0.15,
            trust_lift=0.02,
            engagement_rate=0.04,
            fit_targeting=0.1,
        ),
        "content": ChannelParams(
            share=0.20,
            saturation_spend_per_1000=200,
            max_weekly_reach=0.02,
            carryover=0.8,
            awareness_lift=0.10,
            trust_lift=0.25,
            engagement_rate=0.15,
            fit_targeting=0.4,
        ),
        "social": ChannelParams(
            share=0.15,
            saturation_spend_per_1000=150,
            max_weekly_reach=0.03,
            carryover=0.4,
            awareness_lift=0.12,
            trust_lift=0.08,
            engagement_rate=0.06,
            fit_targeting=0.2,
        ),
        "seo_sem": ChannelParams(
            share=0.20,
            saturation_spend_per_1000=200,
            max_weekly_reach=0.02,
            carryover=0.6,
            awareness_lift=0.15,
            trust_lift=0.05,
            engagement_rate=0.25,
            fit_targeting=0.6,
        ),
        "events": ChannelParams(
            share=0.15,
            saturation_spend_per_1000=300,
            max_weekly_reach=0.004,
            carryover=0.5,
            awareness_lift=0.30,
            trust_lift=0.35,
            engagement_rate=0.40,
            fit_targeting=0.7,
        ),
    }


class MarketingParams(Params):
    """The marketing department: budget, channel mix, lead scoring and replanning."""

    annual_budget: float = param(
        1_000_000.0,
        "currency/year",
        "Marketing budget per year, spent evenly over 52 weeks.",
        ge=0,
        le=1e12,
    )
    channels: dict[str, ChannelParams] = Field(
        default_factory=_default_channels,
        description="Marketing channels by name; their budget shares must sum to 1.",
    )
    direct_adoption_per_year: float = param(
        0.0,
        "hazard/year",
        "Bass innovation coefficient p: yearly hazard that an aware prospect reached by "
        "marketing this week buys on its own, with no sales contact (self-serve); so no "
        "budget, no self-serve. 0 in the journey scenarios; ~0.03 in Sultan, Farley & "
        "Lehmann's 1990 meta-analysis (the bass scenario reaches every prospect every week).",
        ge=0,
        le=10,
    )
    budget_cut_week: int | None = param(
        None,
        "week",
        "Week from which the budget is cut by budget_cut_fraction (unset: no cut).",
        ge=1,
        le=MAX_WEEKS,
    )
    budget_cut_fraction: float = param(
        0.5,
        "share of budget",
        "Share of the budget removed from budget_cut_week on.",
        ge=0,
        le=1,
        inert_when={"marketing.budget_cut_week": None},
    )
    mql_threshold: float = param(
        0.35,
        "lead score (0-1)",
        "Marketing's own lead-score bar for a marketing-qualified lead (used when the lead "
        "definition is not agreed with sales).",
        ge=0,
        le=1,
        inert_when={"organisation.lead_definition_agreed": True},
    )
    score_fit_weight: float = param(
        0.6,
        "weight (0-1)",
        "Weight of fit in the lead score; the rest is trust. Score = w*fit + (1-w)*trust + noise.",
        ge=0,
        le=1,
    )
    scoring_noise: float = param(
        0.15,
        "lead score units (sd)",
        "Standard deviation of the error in marketing's lead score (it sees behaviour, not fit). "
        "The error is drawn afresh at every inquiry, on purpose: each touch is scored on what "
        "marketing sees then, so a prospect below the bar once can pass it later.",
        ge=0,
        le=10,
    )
    replan_weeks: int = param(
        4,
        "weeks",
        "How often marketing reviews its own lead data when its goal is lead count.",
        ge=1,
        le=MAX_WEEKS,
        inert_when={"organisation.marketing_goal": "revenue"},  # see Organisation.review
    )
    retargeting_rate: float = param(
        0.3,
        "share per review",
        "Share of the way marketing moves its channel mix and segment focus toward what its "
        "goal signal rewards at each review.",
        ge=0,
        le=1,
    )
    retargeting_floor: float = param(
        0.67,
        "share of plan",
        "Retargeting never cuts a channel's budget share, or a segment's focus, below this "
        "share of the original plan, nor raises a segment's focus above its inverse (brand "
        "channels keep working even when leads credit others).",
        ge=0,
        le=1,
    )
    nurture_cooldown_weeks: int = param(
        8,
        "weeks",
        "Weeks a lost, rejected or ignored lead stays in nurture before it can qualify again.",
        ge=0,
        le=MAX_WEEKS,
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> MarketingParams:
        if not self.channels:
            raise ValueError("channels: at least one channel is needed")
        total = sum(c.share for c in self.channels.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"channels: the budget shares sum to {total:.4g}, they must sum to 1 "
                f"({', '.join(f'{k}={c.share:g}' for k, c in self.channels.items())})"
            )
        return self
