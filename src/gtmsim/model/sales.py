"""Sales: harvests demand one prospect at a time.

Each :class:`SalesRep` agent covers one segment (territory), has a weekly budget of
selling hours, a skill, and a queue of leads it works in order of expected value.
First contact qualifies a lead with odds that fall with the response delay (speed
to lead); qualified leads become opportunities that run a multi-week sales cycle,
during which the rep builds trust; the deal is then won or lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from gtmsim.model.parameters.base import HOURS_PER_WEEK, REFERENCE_LEVEL
from gtmsim.model.parameters.sales import SPEED_TO_LEAD_CURVES, SalesParams
from gtmsim.model.prospect import Prospect

if TYPE_CHECKING:
    from gtmsim.model.firm import Firm


@dataclass(slots=True)
class Deal:
    """An open opportunity: the prospect and the week its cycle ends."""

    prospect: Prospect
    opened_week: int
    close_week: int


@dataclass(slots=True)
class QueuedLead:
    """An accepted lead waiting for first contact. Times are hours since the run began."""

    prospect: Prospect
    arrived_week: int
    became_mql: float  # when marketing passed it on (hours)
    callable_from: float  # handoff done and the rep's response time passed (hours)
    priority: float


def odds_to_probability(odds: float) -> float:
    """Convert odds (p / (1 - p)) to a probability."""
    return odds / (1.0 + odds)


def response_hours(params: SalesParams, stream: np.random.Generator, count: int) -> list[float]:
    """A rep's response time to each of ``count`` newly accepted leads (hours): log-normal with
    median ``response_hours`` and log-sd ``response_hours_sigma``, one draw per lead in order."""
    median, sigma = params.response_hours, params.response_hours_sigma
    return [median * math.exp(sigma * z) for z in stream.standard_normal(count).tolist()]


def speed_to_lead(params: SalesParams) -> Callable[[float], float]:
    """The share of a lead's chance of qualifying left after ``hours`` to first contact:
    ``floor + (1 - floor) * (1 + hours / scale) ** -exponent`` (1 at once, falling to the
    floor), with the scenario's custom settings or a fitted curve (``speed_to_lead_curve``)."""
    if params.speed_to_lead_curve == "custom":
        scale = params.speed_to_lead_hours
        exponent, floor = params.speed_to_lead_exponent, params.speed_to_lead_floor
    else:
        scale, exponent, floor = SPEED_TO_LEAD_CURVES[params.speed_to_lead_curve]

    def remaining(hours: float) -> float:
        return floor + (1.0 - floor) * (1.0 + hours / scale) ** -exponent

    return remaining


class SalesRep(mesa.Agent):
    """One sales rep working a territory (segment).

    Each week the rep first advances open deals (which also consume hours), then moves
    last week's SQLs on, then calls queued leads by expected value until the hours run out.
    """

    def __init__(
        self,
        firm: Firm,
        params: SalesParams,
        segment: int,
        skill: float,
        hired_week: int | None = None,
    ) -> None:
        super().__init__(firm.model)
        self.firm = firm
        self.params = params
        self.segment = segment
        self.skill = skill
        self.hired_week = hired_week  # None: on the team from the start, fully ramped
        self.queue: list[QueuedLead] = []
        self.sqls: list[tuple[Prospect, int]] = []
        self.deals: list[Deal] = []
        self.stream = firm.streams["sales"]
        self.speed_to_lead = speed_to_lead(params)

    @property
    def effective_skill(self) -> float:
        """Skill including cross-skilling (multiplier on win odds and cycle speed)."""
        return self.skill * self.firm.organisation.skill_factor

    def odds(self, base: float, prospect: Prospect) -> float:
        """Odds at a sales stage: ``base`` shifted by the prospect's fit and trust."""
        p = self.params
        return base * math.exp(
            p.fit_effect * (prospect.fit - REFERENCE_LEVEL)
            + p.trust_effect * (prospect.trust - REFERENCE_LEVEL)
        )

    def receive(
        self,
        prospect: Prospect,
        week: int,
        became_mql: float,
        callable_from: float,
        priority: float,
    ) -> None:
        """Accept a lead into the queue. ``became_mql`` is the hour it became an MQL,
        ``callable_from`` the hour the rep can first call (handoff and response time done),
        ``priority`` its expected value (score x deal value; the queue is worked by it)."""
        self.queue.append(QueuedLead(prospect, week, became_mql, callable_from, priority))

    def leave(self) -> None:
        """The rep leaves the company: its leads and deals go back to marketing's nurture, and
        the books record each (queued leads as ignored, SQLs and open deals as dropped)."""
        self.firm.kpis.record_dropped(len(self.queue), len(self.sqls), len(self.deals))
        prospects = [lead.prospect for lead in self.queue]
        prospects += [prospect for prospect, _ in self.sqls]
        prospects += [deal.prospect for deal in self.deals]
        for prospect in prospects:
            prospect.return_to_nurture()
        self.queue, self.sqls, self.deals = [], [], []
        self.remove()

    @property
    def ramp(self) -> float:
        """Share of full selling capacity: grows linearly over ``ramp_weeks`` from the hire."""
        if self.hired_week is None or self.params.ramp_weeks == 0:
            return 1.0
        return min(1.0, (self.firm.week - self.hired_week) / self.params.ramp_weeks)

    def step(self) -> None:
        week = self.firm.week
        hours = self.params.selling_hours_per_week * self.ramp
        hours -= self.work_deals(week)
        self.advance_sqls(week)
        self.call_leads(week, hours)

    def work_deals(self, week: int) -> float:
        """Build trust on every open deal and close those whose cycle ends. Returns hours used:
        ``hours_per_open_deal`` for each deal worked (a deal whose prospect is already a
        customer, a rival's or this firm's by another route, is dropped unworked and costs
        none)."""
        p = self.params
        lift = min(1.0, p.trust_lift_per_week * self.effective_skill)
        still_open = []
        touches = self.firm.touches
        worked = 0
        for deal in self.deals:
            if self.claimed(deal.prospect):
                continue
            worked += 1
            deal.prospect.build_trust(lift)
            if touches is not None:
                touches.add_one(deal.prospect.index, week, touches.sales)
            if week >= deal.close_week:
                self.close(deal, week)
            else:
                still_open.append(deal)
        used = worked * p.hours_per_open_deal
        self.deals = still_open
        return used

    def close(self, deal: Deal, week: int) -> None:
        """Decide a deal at the end of its cycle: won makes a customer, lost goes to nurture.

        Whether the prospect buys is decided as if the firm were alone: with probability
        o / (1 + o), o the win odds at the prospect's fit and trust, times the rep's skill and
        what the firm's price does to them. Where it buys is then a choice between this firm and
        the rivals the prospect trusts (summed odds r, :meth:`gtmsim.model.firm.Firm.pull`): this
        firm with o / (o + r), each rival in proportion to its odds (the prospect buys there; a
        nested choice, so rivals take deals from the seller but never add demand of their own).
        """
        firm, prospect = self.firm, deal.prospect
        odds = self.odds(self.params.win_odds, prospect) * self.effective_skill * firm.price_odds
        kpis = firm.kpis
        buys = odds_to_probability(odds)
        trusted = [(r, pull) for r in firm.rivals if (pull := r.pull(prospect.index)) > 0]
        rival_odds = sum(pull for _, pull in trusted)
        won = buys if not trusted else buys * odds / (odds + rival_odds)
        draw = self.stream.random()
        if draw < won:
            prospect.buy()
            kpis.record_win(prospect.deal_value * firm.price, week - deal.opened_week)
            firm.organisation.report_win(prospect.index)
            return
        prospect.return_to_nurture()
        kpis.record_loss()
        if draw >= buys:  # no decision
            return
        threshold = won
        for rival, pull in trusted:  # the same draw picks the rival (the last if rounding)
            threshold += buys * pull / (odds + rival_odds)
            if draw < threshold or rival is trusted[-1][0]:
                kpis.record_lost_to_rival()
                rival.win_from_rival(prospect.index)
                return

    def claimed(self, prospect: Prospect) -> bool:
        """Whether ``prospect`` became a customer (of a rival, or of this firm by another path)
        since it entered the pipeline; a rival's win is recorded as lost to a rival and the lead
        goes back to nurture. Always False for a firm alone in its market."""
        firm = self.firm
        if not firm.competing:
            return False
        owner = firm.owner[prospect.index]
        if owner < 0:
            return False
        if owner != firm.index:
            prospect.return_to_nurture()
            firm.kpis.record_lost_to_rival()
        return True

    def advance_sqls(self, week: int) -> None:
        """SQLs from earlier weeks either open an opportunity or go back to nurture."""
        segment_cycle = self.firm.segment_cycle_weeks[self.segment]
        for prospect, _ in self.sqls:
            if self.claimed(prospect):
                continue
            if self.stream.random() < odds_to_probability(
                self.odds(self.params.opportunity_odds, prospect)
            ):
                mean_cycle = segment_cycle / self.effective_skill
                shape = self.params.cycle_length_shape
                length = max(1, round(self.stream.gamma(shape, mean_cycle / shape)))
                self.deals.append(Deal(prospect, week, week + length))
                prospect.open_opportunity()
                self.firm.kpis.record_opportunity()
            else:
                prospect.return_to_nurture()
        self.sqls = []

    def hours_to_contact(self, lead: QueuedLead, week: int) -> float:
        """Hours from MQL to a first call this week: the handoff and the rep's response time,
        or, for a lead that waited for free hours, until this week's start."""
        week_start = HOURS_PER_WEEK * (week - 1)
        return max(lead.callable_from, week_start) - lead.became_mql

    def call_leads(self, week: int, hours: float) -> None:
        """Contact, by priority while hours remain, the queued leads whose call falls in this
        week; leads whose call falls in a later week wait for it; drop stale ones."""
        p = self.params
        week_end = HOURS_PER_WEEK * week
        self.queue.sort(key=lambda lead: -lead.priority)
        waiting = []
        for lead in self.queue:
            if self.claimed(lead.prospect):
                continue
            if lead.callable_from >= week_end:
                waiting.append(lead)  # not due yet: the rep responds in a later week
            elif hours >= p.hours_per_first_contact:
                hours -= p.hours_per_first_contact
                self.qualify(lead, week)
            elif week - lead.arrived_week >= p.max_queue_weeks:
                lead.prospect.return_to_nurture()
                self.firm.kpis.record_ignored()
            else:
                waiting.append(lead)
        self.queue = waiting

    def qualify(self, lead: QueuedLead, week: int) -> None:
        """First contact: the lead becomes an SQL with a chance that falls with the hours to
        first contact (speed to lead)."""
        delay = self.hours_to_contact(lead, week)
        chance = odds_to_probability(self.odds(self.params.qualification_odds, lead.prospect))
        qualified = self.stream.random() < chance * self.speed_to_lead(delay)
        self.firm.kpis.record_contact(delay, qualified)
        if self.firm.touches is not None:
            self.firm.touches.add_one(lead.prospect.index, week, self.firm.touches.sales)
        if qualified:
            lead.prospect.qualify()
            self.sqls.append((lead.prospect, week))
            self.firm.kpis.record_sql()
        else:
            lead.prospect.return_to_nurture()
