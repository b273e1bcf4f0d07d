"""Marketing: sows and tends demand across the whole market.

The :class:`MarketingDepartment` agent spends an annual budget over channels. Each
channel's spend carries over from week to week (adstock) and buys reach with
diminishing returns; reached prospects grow in awareness and trust, and some engage
(an inquiry). Marketing scores inquiries and passes those above its MQL threshold to
sales. Everything here is one numpy pass over the population per channel and week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from pydantic import Field, model_validator

from gtmsim.model.journey import LeadStage, Stage
from gtmsim.model.params import WEEKS_PER_YEAR, Params, param

if TYPE_CHECKING:
    from gtmsim.model.growth import GrowthModel


class ChannelParams(Params):
    """One marketing channel: what its money buys."""

    share: float = param(
        0.2, "share of budget", "Share of the annual budget spent here.", ge=0, le=1
    )
    saturation_spend: float = param(
        5_000.0,
        "currency/week",
        "Carried-over weekly spend at which reach is 63% of its maximum (diminishing returns: "
        "reach = max_weekly_reach * (1 - exp(-adstock / saturation_spend))).",
        gt=0,
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
            saturation_spend=8_000,
            max_weekly_reach=0.04,
            carryover=0.3,
            awareness_lift=0.15,
            trust_lift=0.02,
            engagement_rate=0.04,
            fit_targeting=0.1,
        ),
        "content": ChannelParams(
            share=0.20,
            saturation_spend=4_000,
            max_weekly_reach=0.02,
            carryover=0.8,
            awareness_lift=0.10,
            trust_lift=0.25,
            engagement_rate=0.15,
            fit_targeting=0.4,
        ),
        "social": ChannelParams(
            share=0.15,
            saturation_spend=3_000,
            max_weekly_reach=0.03,
            carryover=0.4,
            awareness_lift=0.12,
            trust_lift=0.08,
            engagement_rate=0.06,
            fit_targeting=0.2,
        ),
        "seo_sem": ChannelParams(
            share=0.20,
            saturation_spend=4_000,
            max_weekly_reach=0.02,
            carryover=0.6,
            awareness_lift=0.15,
            trust_lift=0.05,
            engagement_rate=0.25,
            fit_targeting=0.6,
        ),
        "events": ChannelParams(
            share=0.15,
            saturation_spend=6_000,
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
        1_000_000.0, "currency/year", "Marketing budget per year, spent evenly over 52 weeks.", ge=0
    )
    channels: dict[str, ChannelParams] = Field(
        default_factory=_default_channels,
        description="Marketing channels by name; their budget shares must sum to 1.",
    )
    direct_adoption_per_year: float = param(
        0.0,
        "hazard/year",
        "Bass innovation coefficient p: yearly hazard that a prospect buys on its own through "
        "marketing's broad influence, with no sales contact (self-serve). 0 in the journey "
        "scenarios; ~0.03 in Sultan, Farley & Lehmann's 1990 meta-analysis.",
        ge=0,
        le=10,
    )
    budget_cut_week: int | None = param(
        None,
        "week",
        "Week from which the budget is cut by budget_cut_fraction (unset: no cut).",
        ge=1,
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
        "Standard deviation of the error in marketing's lead score (it sees behaviour, not fit).",
        ge=0,
    )
    replan_weeks: int = param(
        4,
        "weeks",
        "How often marketing reviews its own lead data when its goal is lead count.",
        ge=1,
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


class MarketingDepartment(mesa.Agent):
    """Spends the budget, builds awareness and trust, and turns engagement into MQLs.

    Attributes:
        channel_share: current budget share per channel (moves when marketing retargets).
        segment_focus: relative targeting weight per segment (mean 1 over the market).
        adstock: carried-over effective spend per channel (currency/week).
    """

    def __init__(self, model: GrowthModel, params: MarketingParams) -> None:
        super().__init__(model)
        self.params = params
        self.channel_names = list(params.channels)
        self.channels = list(params.channels.values())
        self.planned_share = np.array([c.share for c in self.channels])
        self.channel_share = self.planned_share.copy()
        self.segment_focus = np.ones(len(model.population.segment_names))
        self.adstock = np.zeros(len(self.channels))
        self.carryover = np.array([c.carryover for c in self.channels])
        self.stream = model.streams["marketing"]
        self.exposures_by_segment = np.zeros(len(model.population.segment_names))
        pop = model.population
        self.fit_ratio = pop.fit / pop.fit.mean()  # fit never changes
        # Largest fit ratio in each segment (0 for an empty segment, which is never drawn).
        self.segment_max_fit_ratio = np.zeros(len(self.segment_focus))
        np.maximum.at(self.segment_max_fit_ratio, pop.segment, self.fit_ratio)
        self.segment_present = np.bincount(pop.segment, minlength=len(self.segment_focus)) > 0
        self.focus_by_segment = np.ones(len(self.segment_focus))
        self.max_weights: list[float] = []
        self.update_targeting()

    def weekly_budget(self, week: int) -> float:
        """Money available this week (currency/week), after any budget cut."""
        p = self.params
        budget = p.annual_budget / WEEKS_PER_YEAR
        if p.budget_cut_week is not None and week >= p.budget_cut_week:
            budget *= 1.0 - p.budget_cut_fraction
        return budget

    def step(self) -> None:
        """One week: spend, expose, build awareness and trust, generate and score inquiries."""
        model = self.model
        pop = model.population
        book = model.kpis
        spend = self.weekly_budget(model.week) * self.channel_share
        book.record_spend(spend)
        self.adstock = spend + self.carryover * self.adstock
        for c, channel in enumerate(self.channels):
            reach = channel.max_weekly_reach * -np.expm1(
                -self.adstock[c] / channel.saturation_spend
            )
            idx = self.draw_exposed(c, reach)
            self.exposures_by_segment += np.bincount(
                pop.segment[idx], minlength=len(self.exposures_by_segment)
            )
            if model.touches is not None:
                model.touches.add(idx, model.week, c)
            pop.awareness[idx] += channel.awareness_lift * (1 - pop.awareness[idx])
            pop.trust[idx] += channel.trust_lift * pop.awareness[idx] * (1 - pop.trust[idx])
            pop.reinforced[idx] = True
            engage_p = channel.engagement_rate * pop.awareness[idx] * pop.fit[idx]
            engaged = idx[self.stream.random(len(idx)) < engage_p]
            book.record_exposures(len(idx), len(engaged))
            self.capture_inquiries(engaged, c)

    def update_targeting(self) -> None:
        """Recompute the targeting weights after the segment focus moved.

        A prospect's exposure weight for a channel is ``focus_by_segment[segment] * (1 -
        fit_targeting + fit_targeting * fit_ratio)`` (mean focus 1 over the market); it is
        evaluated only for the candidates drawn (:meth:`draw_exposed`). Rounding is monotone,
        so each channel's largest weight is that of the best-fitting prospect of a segment.
        """
        pop = self.model.population
        focus = self.segment_focus.take(pop.segment)
        self.focus_by_segment = self.segment_focus / focus.mean()
        f = self.focus_by_segment[self.segment_present]
        x = self.segment_max_fit_ratio[self.segment_present]
        self.max_weights = [
            float((f * (1 - ch.fit_targeting + ch.fit_targeting * x)).max()) for ch in self.channels
        ]

    def draw_exposed(self, channel: int, reach: float) -> np.ndarray:
        """Indices of non-customers exposed to ``channel`` this week.

        Prospect i is exposed with probability min(1, reach * weight_i), independently. The
        draw is exact but cheap (thinning): a Binomial(n, p_max) number of distinct candidates
        is picked uniformly, and each is kept with probability p_i / p_max, so the cost grows
        with the number exposed, not with the market size.
        """
        pop = self.model.population
        p_max = min(1.0, reach * self.max_weights[channel])
        if p_max <= 0:
            return np.empty(0, dtype=np.int64)
        k = int(self.stream.binomial(pop.n, p_max))
        candidates = np.sort(self.stream.choice(pop.n, size=k, replace=False))
        ft = self.channels[channel].fit_targeting
        weight = self.focus_by_segment[pop.segment[candidates]] * (
            1 - ft + ft * self.fit_ratio[candidates]
        )
        p_i = np.minimum(1.0, reach * weight)
        kept = candidates[self.stream.random(k) * p_max < p_i]
        return kept[pop.stage[kept] != Stage.CUSTOMER]

    def capture_inquiries(self, engaged: np.ndarray, channel: int) -> None:
        """Score engaged prospects that are free to become leads; pass MQLs to sales."""
        model = self.model
        pop = model.population
        free = pop.lead_stage[engaged] == LeadStage.NONE
        free |= (pop.lead_stage[engaged] == LeadStage.NURTURE) & (
            pop.nurture_until[engaged] <= model.week
        )
        leads = engaged[free & (pop.stage[engaged] >= Stage.AWARE)]
        if len(leads) == 0:
            return
        p = self.params
        noise = p.scoring_noise * model.organisation.scoring_noise_factor
        score = (
            p.score_fit_weight * pop.fit[leads]
            + (1 - p.score_fit_weight) * pop.trust[leads]
            + noise * self.stream.standard_normal(len(leads))
        )
        pop.lead_score[leads] = score
        pop.lead_channel[leads] = channel
        mqls = leads[score >= model.organisation.mql_threshold]
        pop.lead_stage[leads] = LeadStage.NONE
        model.kpis.record_leads(len(leads), len(mqls))
        model.organisation.hand_off(mqls)

    def retarget(self, by_channel: np.ndarray, by_segment: np.ndarray) -> None:
        """Move the channel mix and segment focus toward what the goal signal rewards.

        ``by_channel`` and ``by_segment`` are totals of the signal marketing optimises (MQL
        counts for a lead goal, won revenue for a revenue goal). Channels are ranked by
        signal per unit of spend so far, segments by signal per exposure they received so far
        (per unit of effort, so a segment does not look better merely because it was targeted
        more).
        """
        rate = self.params.retargeting_rate
        floor = self.params.retargeting_floor
        spent = self.model.kpis.cumulative_spend_by_channel
        if by_channel.sum() > 0 and spent.sum() > 0:
            per_cost = np.divide(by_channel, spent, out=np.zeros_like(by_channel), where=spent > 0)
            target = per_cost / per_cost.sum()
            share = (1 - rate) * self.channel_share + rate * target
            share = np.maximum(share, floor * self.planned_share)
            self.channel_share = share / share.sum()
        if by_segment.sum() > 0:
            effort = np.maximum(self.exposures_by_segment, 1.0)
            per_effort = by_segment / effort
            target = per_effort / per_effort.mean()
            focus = (1 - rate) * self.segment_focus + rate * target
            self.segment_focus = np.clip(focus, floor, 1.0 / floor if floor > 0 else np.inf)
            self.update_targeting()
