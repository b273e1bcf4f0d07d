"""The organisation levers: the only thing that differs between a separate and an integrated company.

Five practices join marketing and sales (see ``docs`` and the README): shared goals, an
agreed lead definition with a clean handoff, regular meetings that carry sales'
feedback to marketing, connected CRM (fast, leak-free handoff) and cross-skilling.
:class:`Organisation` applies them between the two departments every week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gtmsim.model.journey import LeadStage
from gtmsim.model.parameters.base import HOURS_PER_WEEK
from gtmsim.model.parameters.organisation import OrganisationParams

if TYPE_CHECKING:
    from gtmsim.model.growth import GrowthModel
    from gtmsim.model.prospect import Prospect
    from gtmsim.model.sales import SalesRep


class Organisation:
    """Applies the organisation levers between marketing and sales each week."""

    def __init__(self, model: GrowthModel, params: OrganisationParams) -> None:
        self.model = model
        self.params = params
        self.stream = model.streams["organisation"]
        n_channels = len(model.params.marketing.channels)
        n_segments = len(model.params.market.segments)
        self.in_flight: list[tuple[int, np.ndarray]] = []
        self.revenue_by_channel = np.zeros(n_channels)
        self.revenue_by_segment = np.zeros(n_segments)
        self.mqls_by_channel = np.zeros(n_channels)
        self.mqls_by_segment = np.zeros(n_segments)
        self.next_rep: dict[int, int] = {}
        self.retargetings = 0

    @property
    def mql_threshold(self) -> float:
        """Lead-score bar marketing uses to call a lead an MQL."""
        p = self.params
        if p.lead_definition_agreed:
            return p.agreed_lead_threshold
        return self.model.params.marketing.mql_threshold

    @property
    def acceptance_threshold(self) -> float:
        """Lead-score bar below which sales rejects or ignores a lead."""
        p = self.params
        if p.lead_definition_agreed:
            return p.agreed_lead_threshold
        return self.model.params.sales.acceptance_threshold

    @property
    def skill_factor(self) -> float:
        """Multiplier on every rep's skill from cross-skilling."""
        return 1.0 + self.params.cross_skilling * self.params.cross_skilling_skill_gain

    @property
    def scoring_noise_factor(self) -> float:
        """Multiplier on marketing's lead-scoring error from cross-skilling."""
        return 1.0 - self.params.cross_skilling * self.params.cross_skilling_noise_cut

    def hand_off(self, mqls: np.ndarray) -> None:
        """Send new MQLs toward sales; some leak on the way, the rest arrive after the delay."""
        if len(mqls) == 0:
            return
        pop = self.model.population
        pop.lead_stage[mqls] = LeadStage.HANDOFF
        np.add.at(self.mqls_by_segment, pop.segment[mqls], 1)
        np.add.at(self.mqls_by_channel, pop.lead_channel[mqls], 1)
        leaked = self.stream.random(len(mqls)) < self.params.handoff_leakage
        self.model.return_to_nurture(mqls[leaked])
        self.model.kpis.record_leaked(int(leaked.sum()))
        arrival = self.model.week + int(self.params.handoff_delay_hours // HOURS_PER_WEEK)
        self.in_flight.append((arrival, mqls[~leaked]))

    def deliver(self) -> None:
        """Leads whose handoff is complete reach sales, which accepts, rejects or ignores each."""
        week = self.model.week
        due = [batch for arrival, batch in self.in_flight if arrival <= week]
        self.in_flight = [(a, b) for a, b in self.in_flight if a > week]
        if not due:
            return
        model, kpis = self.model, self.model.kpis
        pop = model.population
        arrived = np.concatenate(due)
        above_bar = pop.lead_score[arrived] >= self.acceptance_threshold
        below = arrived[~above_bar]
        ignored = self.stream.random(len(below)) < model.params.sales.below_bar_ignored_share
        kpis.record_ignored(int(ignored.sum()))
        kpis.record_rejected(int((~ignored).sum()))
        uncovered = []
        for index in arrived[above_bar]:
            prospect = model.prospect(int(index))
            rep = self.route(prospect)
            if rep is None:
                uncovered.append(index)
            else:
                rep.receive(prospect, week, self.params.handoff_delay_hours)
        kpis.record_ignored(len(uncovered))
        back = np.concatenate([below, np.asarray(uncovered, dtype=arrived.dtype)])
        model.return_to_nurture(back)

    def route(self, prospect: Prospect) -> SalesRep | None:
        """Round-robin a lead to the next rep of its segment's territory (None if uncovered)."""
        reps = self.model.reps_by_segment.get(prospect.segment, [])
        if not reps:
            return None
        turn = self.next_rep.get(prospect.segment, 0)
        self.next_rep[prospect.segment] = turn + 1
        return reps[turn % len(reps)]

    def report_win(self, prospect: Prospect) -> None:
        """Sales records a win by the lead's source channel and segment (its CRM data)."""
        channel = int(self.model.population.lead_channel[prospect.index])
        if channel >= 0:
            self.revenue_by_channel[channel] += prospect.deal_value
        self.revenue_by_segment[prospect.segment] += prospect.deal_value

    def review(self) -> None:
        """End of week: marketing retargets if its goal's information is due.

        Lead goal: marketing reads its own MQL counts every ``replan_weeks``. Revenue goal:
        it can only learn what sales wins at a joint meeting (``meeting_cadence``).
        """
        week = self.model.week
        marketing = self.model.marketing
        if self.params.marketing_goal == "leads":
            if week % self.model.params.marketing.replan_weeks == 0:
                marketing.retarget(self.mqls_by_channel, self.mqls_by_segment)
                self.retargetings += 1
            return
        interval = self.params.meeting_interval_weeks
        if interval is not None and week % interval == 0:
            marketing.retarget(self.revenue_by_channel, self.revenue_by_segment)
            self.retargetings += 1
