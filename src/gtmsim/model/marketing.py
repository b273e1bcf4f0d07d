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

from gtmsim.model.journey import LeadStage, Stage
from gtmsim.model.parameters.base import WEEKS_PER_YEAR
from gtmsim.model.parameters.marketing import MarketingParams

if TYPE_CHECKING:
    from gtmsim.model.firm import Firm


def bernoulli_positions(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """The indices 0..n-1 at which n independent Bernoulli(p) trials succeed, in order (0 < p <
    1): the gaps between successes are geometric, so the cost grows with the successes (n p),
    not with n."""
    expected = n * p
    batch = int(expected + 5.0 * np.sqrt(expected) + 16)  # almost always enough at once
    # summed as floats: gaps for a tiny p can be near the int64 limit, whose sum would wrap
    positions = np.cumsum(rng.geometric(p, size=batch), dtype=np.float64) - 1
    while positions[-1] < n:  # rare: draw on until past the end
        more = np.cumsum(rng.geometric(p, size=batch), dtype=np.float64) + positions[-1]
        positions = np.concatenate([positions, more])
    return positions[: np.searchsorted(positions, n)].astype(np.int64)


class MarketingDepartment(mesa.Agent):
    """Spends the budget, builds awareness and trust, and turns engagement into MQLs.

    Attributes:
        channel_share: current budget share per channel (moves when marketing retargets).
        segment_focus: relative targeting weight per segment (mean 1 over the market).
        adstock: carried-over effective spend per channel (currency/week).
        saturation: spend at which each channel reaches 63% of its maximum in this market
            (currency/week): its saturation_spend_per_1000 times the market in thousands.
    """

    def __init__(self, firm: Firm, params: MarketingParams) -> None:
        super().__init__(firm.model)
        self.firm = firm
        self.params = params
        self.channel_names = list(params.channels)
        self.channels = list(params.channels.values())
        self.planned_share = np.array([c.share for c in self.channels])
        self.channel_share = self.planned_share.copy()
        self.segment_focus = np.ones(len(firm.population.segment_names))
        self.adstock = np.zeros(len(self.channels))
        self.carryover = np.array([c.carryover for c in self.channels])
        # Spend that brings each channel's reach to 63% of its maximum in this market
        # (currency/week): priced per 1,000 prospects, so reach shares do not depend on size.
        self.saturation = [
            c.saturation_spend_per_1000 * firm.population.n / 1000 for c in self.channels
        ]
        self.stream = firm.streams["marketing"]
        #: whether to mark who a channel reached each week (``population.marketed``): only
        #: self-serve purchases read it, so without them the marks would be a wasted pass
        self.tracks_reach = params.direct_adoption_per_year > 0
        self.exposures_by_segment = np.zeros(len(firm.population.segment_names))
        pop = firm.population
        self.fit_ratio = pop.fit / pop.fit.mean()  # fit never changes
        # each channel's fit part of the exposure weight, 1 - fit_targeting + fit_targeting *
        # fit_ratio, per prospect: fixed, so computed once (None: the channel ignores fit)
        self.fit_weight = [
            1 - c.fit_targeting + c.fit_targeting * self.fit_ratio if c.fit_targeting else None
            for c in self.channels
        ]
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
        firm = self.firm
        pop = firm.population
        book = firm.kpis
        spend = self.weekly_budget(firm.week) * self.channel_share
        book.record_spend(spend)
        self.adstock = spend + self.carryover * self.adstock
        if self.tracks_reach:  # only self-serve reads who was reached this week
            pop.marketed[:] = False
        for c, channel in enumerate(self.channels):
            reach = channel.max_weekly_reach * -np.expm1(-self.adstock[c] / self.saturation[c])
            idx = self.draw_exposed(c, reach)
            self.exposures_by_segment += np.bincount(
                pop.segment[idx], minlength=len(self.exposures_by_segment)
            )
            if firm.touches is not None:
                firm.touches.add(idx, firm.week, c)
            awareness = pop.awareness[idx]  # read each array once (gathers dominate here)
            if channel.awareness_lift > 0:
                awareness += channel.awareness_lift * (1 - awareness)
                pop.awareness[idx] = awareness
            if channel.trust_lift > 0:
                trust = pop.trust[idx]
                pop.trust[idx] = trust + channel.trust_lift * awareness * (1 - trust)
            pop.reinforced[idx] = True
            if self.tracks_reach:
                pop.marketed[idx] = True
            if channel.engagement_rate > 0:
                engage_p = channel.engagement_rate * awareness * pop.fit[idx]
                engaged = idx[self.stream.random(len(idx)) < engage_p]
            else:  # a channel that makes no leads (e.g. the bass scenario's)
                engaged = idx[:0]
            book.record_exposures(len(idx), len(engaged))
            self.capture_inquiries(engaged, c)

    def replan(self, annual_budget: float, shares: np.ndarray | None = None) -> None:
        """From this week spend ``annual_budget`` (currency/year); with ``shares`` (one per
        channel, summing to 1) split it so: the new plan, from which a revenue goal retargets
        (without, the current split stays, retargeting included). What was spent before still
        carries over (adstock)."""
        self.params = self.params.model_copy(update={"annual_budget": annual_budget})
        if shares is not None:
            self.planned_share = np.asarray(shares, dtype=float).copy()
            self.channel_share = self.planned_share.copy()

    def update_targeting(self) -> None:
        """Recompute the targeting weights after the segment focus moved.

        A prospect's exposure weight for a channel is ``focus_by_segment[segment] * (1 -
        fit_targeting + fit_targeting * fit_ratio)`` (mean focus 1 over the market); it is
        evaluated only for the candidates drawn (:meth:`draw_exposed`). Rounding is monotone,
        so each channel's largest weight is that of the best-fitting prospect of a segment.
        """
        pop = self.firm.population
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
        draw is exact but cheap (thinning): every prospect is a candidate with probability
        p_max, drawn as geometric gaps between candidates (so they come sorted), and each
        candidate is kept with probability p_i / p_max; the cost grows with the number exposed,
        not with the market size. When p_max is 1 everyone is a candidate, and when every p_i
        is 1 all are kept, with no draw (the bass scenario's always-on channel).
        """
        pop = self.firm.population
        p_max = min(1.0, reach * self.max_weights[channel])
        if p_max <= 0:
            return np.empty(0, dtype=np.int64)
        if p_max >= 1.0:  # everyone is a candidate: no need to draw which
            candidates = np.arange(pop.n)
        else:
            candidates = bernoulli_positions(pop.n, p_max, self.stream)
        weight = self.focus_by_segment[pop.segment[candidates]]
        fit_weight = self.fit_weight[channel]
        if fit_weight is not None:
            weight *= fit_weight[candidates]
        p_i = np.minimum(1.0, reach * weight)
        if p_i.min(initial=1.0) < 1.0:  # some are reached only by chance
            candidates = candidates[self.stream.random(len(candidates)) * p_max < p_i]
        return candidates[pop.stage[candidates] != Stage.CUSTOMER]

    def capture_inquiries(self, engaged: np.ndarray, channel: int) -> None:
        """Score engaged prospects that are free to become leads; pass MQLs to sales."""
        firm = self.firm
        pop = firm.population
        free = pop.lead_stage[engaged] == LeadStage.NONE
        free |= (pop.lead_stage[engaged] == LeadStage.NURTURE) & (
            pop.nurture_until[engaged] <= firm.week
        )
        free &= pop.buyers.owner[engaged] < 0  # a rival's customer is under contract
        leads = engaged[free & (pop.stage[engaged] >= Stage.AWARE)]
        if len(leads) == 0:
            return
        p = self.params
        noise = p.scoring_noise * firm.organisation.scoring_noise_factor
        score = (
            p.score_fit_weight * pop.fit[leads]
            + (1 - p.score_fit_weight) * pop.trust[leads]
            + noise * self.stream.standard_normal(len(leads))
        )
        pop.lead_score[leads] = score
        pop.lead_channel[leads] = channel
        mqls = leads[score >= firm.organisation.mql_threshold]
        pop.lead_stage[leads] = LeadStage.NONE
        firm.kpis.record_leads(len(leads), len(mqls))
        firm.organisation.hand_off(mqls)

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
        spent = self.firm.kpis.cumulative_spend_by_channel
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
