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
from gtmsim.model.sales import response_hours

if TYPE_CHECKING:
    from gtmsim.model.firm import Firm
    from gtmsim.model.prospect import Prospect
    from gtmsim.model.sales import SalesRep


class Organisation:
    """Applies the organisation levers between marketing and sales each week."""

    def __init__(self, firm: Firm, params: OrganisationParams) -> None:
        self.firm = firm
        self.params = params
        self.stream = firm.streams["organisation"]
        n_channels = len(firm.params.marketing.channels)
        n_segments = len(firm.params.market.segments)
        # MQLs on their way to sales: (week they arrive, prospects, hour each became an MQL)
        self.in_flight: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.revenue_by_channel = np.zeros(n_channels)
        self.revenue_by_segment = np.zeros(n_segments)
        self.mqls_by_channel = np.zeros(n_channels)
        self.mqls_by_segment = np.zeros(n_segments)
        self.next_rep: dict[int, int] = {}
        self.retargetings = 0
        self.meetings = 0
        # what joint meetings have taught so far: the share of marketing's lead-scoring error
        # left (1 = none learned) and the two lead bars (they move toward each other)
        self.scoring_error_left = 1.0
        self.mql_bar = firm.params.marketing.mql_threshold
        self.acceptance_bar = firm.params.sales.acceptance_threshold

    @property
    def mql_threshold(self) -> float:
        """Lead-score bar marketing uses to call a lead an MQL."""
        p = self.params
        if p.lead_definition_agreed:
            return p.agreed_lead_threshold
        return self.mql_bar

    @property
    def acceptance_threshold(self) -> float:
        """Lead-score bar below which sales rejects or ignores a lead."""
        p = self.params
        if p.lead_definition_agreed:
            return p.agreed_lead_threshold
        return self.acceptance_bar

    @property
    def skill_factor(self) -> float:
        """Multiplier on every rep's skill from cross-skilling."""
        return 1.0 + self.params.cross_skilling * self.params.cross_skilling_skill_gain

    @property
    def scoring_noise_factor(self) -> float:
        """Multiplier on marketing's lead-scoring error: cross-skilling and what joint meetings
        have taught so far."""
        p = self.params
        learned = (
            p.feedback_scoring_floor + (1 - p.feedback_scoring_floor) * self.scoring_error_left
        )
        return (1.0 - p.cross_skilling * p.cross_skilling_noise_cut) * learned

    def hand_off(self, mqls: np.ndarray) -> None:
        """Send new MQLs toward sales; some leak on the way, the rest arrive after the delay."""
        if len(mqls) == 0:
            return
        pop = self.firm.population
        pop.lead_stage[mqls] = LeadStage.HANDOFF
        np.add.at(self.mqls_by_segment, pop.segment[mqls], 1)
        np.add.at(self.mqls_by_channel, pop.lead_channel[mqls], 1)
        leaked = self.stream.random(len(mqls)) < self.params.handoff_leakage
        # the hour of the week each inquiry became an MQL: time within the week is carried
        # as hours, so a handoff shorter than a week can still push a lead into the next one
        became_mql = (self.firm.week - 1 + self.stream.random(len(mqls))) * HOURS_PER_WEEK
        self.firm.return_to_nurture(mqls[leaked])
        self.firm.kpis.record_leaked(int(leaked.sum()))
        kept, since = mqls[~leaked], became_mql[~leaked]
        arrival = since + self.params.handoff_delay_hours
        arrival_week = np.floor(arrival / HOURS_PER_WEEK).astype(int) + 1
        for week in np.unique(arrival_week):
            batch = arrival_week == week
            self.in_flight.append((int(week), kept[batch], since[batch]))

    def deliver(self) -> None:
        """Leads whose handoff is complete reach sales, which accepts, rejects or ignores each."""
        week = self.firm.week
        due = [(batch, since) for arrival, batch, since in self.in_flight if arrival <= week]
        self.in_flight = [entry for entry in self.in_flight if entry[0] > week]
        if not due:
            return
        firm, kpis = self.firm, self.firm.kpis
        pop = firm.population
        arrived = np.concatenate([batch for batch, _ in due])
        became_mql = np.concatenate([since for _, since in due])
        staffed = [segment for segment, reps in firm.reps_by_segment.items() if reps]
        covered = np.isin(pop.segment[arrived], staffed)
        uncovered = arrived[~covered]  # no rep to judge them: never contacted, not rejected
        kpis.record_ignored(len(uncovered))
        arrived, became_mql = arrived[covered], became_mql[covered]
        above_bar = pop.lead_score[arrived] >= self.acceptance_threshold
        below = arrived[~above_bar]
        ignored = self.stream.random(len(below)) < firm.params.sales.below_bar_ignored_share
        kpis.record_ignored(int(ignored.sum()))
        kpis.record_rejected(int((~ignored).sum()))
        accepted, since = arrived[above_bar], became_mql[above_bar]
        pop.lead_stage[accepted] = LeadStage.QUEUED  # each waits in a rep's queue
        # a rep's queue is worked by expected value: score x deal value
        priority = pop.lead_score[accepted] * pop.deal_value[accepted]
        response = response_hours(firm.params.sales, firm.streams["sales"], len(accepted))
        handoff = self.params.handoff_delay_hours
        for index, mql_hour, hours, value in zip(
            accepted.tolist(), since.tolist(), response, priority.tolist(), strict=True
        ):
            prospect = firm.prospect(index)
            self.route(prospect).receive(
                prospect, week, mql_hour, mql_hour + handoff + hours, value
            )
        firm.return_to_nurture(np.concatenate([below, uncovered]))

    def route(self, prospect: Prospect) -> SalesRep:
        """Round-robin a lead to the next rep of its segment's territory (which has reps)."""
        reps = self.firm.reps_by_segment[prospect.segment]
        turn = self.next_rep.get(prospect.segment, 0)
        self.next_rep[prospect.segment] = turn + 1
        return reps[turn % len(reps)]

    def report_win(self, prospects: np.ndarray | int) -> None:
        """Sales records new customers (population indices) by their lead's source channel and
        segment (its CRM data): a deal it won, or customers who came over from a rival (their
        deal closed with this firm, or they switched at renewal) and signed with its sales. Each
        counts its contract value (currency/year); one with no source channel counts by segment
        only."""
        pop = self.firm.population
        prospects = np.atleast_1d(prospects)
        value = pop.arr[prospects]  # their new contracts (deal value x price)
        channel = pop.lead_channel[prospects]
        known = channel >= 0
        np.add.at(self.revenue_by_channel, channel[known], value[known])
        np.add.at(self.revenue_by_segment, pop.segment[prospects], value)

    def review(self) -> None:
        """End of week: joint meetings (at their cadence) carry sales' feedback, and marketing
        retargets if its goal's information is due.

        Every meeting teaches lead scoring and moves the two lead bars toward each other
        (:meth:`learn_from_feedback`), whatever marketing's goal. Lead goal: marketing reads its
        own MQL counts every ``replan_weeks``. Revenue goal: it can only learn what sales wins
        at a joint meeting.
        """
        week = self.firm.week
        marketing = self.firm.marketing
        interval = self.params.meeting_interval_weeks
        meeting = interval is not None and week % interval == 0
        if meeting:
            self.learn_from_feedback()
        if self.params.marketing_goal == "leads":
            if week % self.firm.params.marketing.replan_weeks == 0:
                marketing.retarget(self.mqls_by_channel, self.mqls_by_segment)
                self.retargetings += 1
            return
        if meeting:
            marketing.retarget(self.revenue_by_channel, self.revenue_by_segment)
            self.retargetings += 1

    def learn_from_feedback(self) -> None:
        """A joint meeting: sales says which leads converted, so marketing's scoring loses a
        share of its learnable error, and (without an agreed definition) the two bars close a
        share of their gap, each moving halfway."""
        p = self.params
        self.meetings += 1
        self.scoring_error_left *= 1.0 - p.feedback_scoring_gain
        gap = self.acceptance_bar - self.mql_bar
        self.mql_bar += p.feedback_bar_convergence * gap / 2
        self.acceptance_bar -= p.feedback_bar_convergence * gap / 2
