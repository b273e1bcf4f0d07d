"""Sales: harvests demand one prospect at a time.

Each :class:`SalesRep` agent covers one segment (territory), has a weekly budget of
selling hours, a skill, and a queue of leads it works in order of expected value.
First contact qualifies a lead with odds that fall with the response delay (speed
to lead); qualified leads become opportunities that run a multi-week sales cycle,
during which the rep builds trust; the deal is then won or lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import mesa
from pydantic import Field

from gtmsim.model.journey import LeadStage
from gtmsim.model.params import HOURS_PER_WEEK, REFERENCE_LEVEL, Params, param
from gtmsim.model.prospect import Prospect

if TYPE_CHECKING:
    from gtmsim.model.growth import GrowthModel


def _default_territories() -> dict[str, int]:
    return {"smb": 4, "mid_market": 4, "enterprise": 2}


class SalesParams(Params):
    """The sales team: headcount per territory, capacity, skill and conversion odds."""

    territories: dict[str, Annotated[int, Field(ge=0, le=10_000)]] = Field(
        default_factory=_default_territories,
        description="Number of reps per segment (territory); keys are segment names.",
        json_schema_extra={"unit": "reps"},
    )
    headcount_cut_week: int | None = param(
        None,
        "week",
        "Week in which headcount_cut_fraction of the reps in every territory leave (unset: "
        "none). Their queued leads, SQLs and open deals go back to nurture.",
        ge=1,
    )
    headcount_cut_fraction: float = param(
        0.3,
        "share of reps",
        "Share of each territory's reps (rounded to whole reps) who leave at headcount_cut_week.",
        ge=0,
        le=1,
        inert_when={"sales.headcount_cut_week": None},
    )
    annual_cost_per_rep: float = param(
        120_000.0, "currency/year", "Fully loaded cost of one rep per year.", ge=0
    )
    selling_hours_per_week: float = param(
        25.0, "hours/week", "Hours a rep spends selling each week (the rest is admin).", ge=0, le=80
    )
    hours_per_first_contact: float = param(
        1.0, "hours", "Time to contact and qualify one new lead.", gt=0
    )
    hours_per_open_deal: float = param(
        2.0, "hours/week", "Time each open opportunity takes every week of its cycle.", ge=0
    )
    skill_mean: float = param(
        1.0, "multiplier", "Mean rep skill: multiplies win odds and speeds the cycle.", gt=0
    )
    skill_sd: float = param(
        0.15,
        "log-units (sd)",
        "Spread of skill across reps: skill is log-normal with mean skill_mean.",
        ge=0,
        le=2,
    )
    cycle_length_shape: float = param(
        4.0,
        "dimensionless",
        "Shape of the gamma distribution of sales-cycle lengths around the segment's mean "
        "(4 gives a coefficient of variation of 0.5).",
        gt=0,
    )
    acceptance_threshold: float = param(
        0.55,
        "lead score (0-1)",
        "Sales' own bar for a worthwhile lead (used when the lead definition is not agreed).",
        ge=0,
        le=1,
        inert_when={"organisation.lead_definition_agreed": True},
    )
    below_bar_ignored_share: float = param(
        0.5,
        "probability",
        "Of leads below sales' bar, the share silently ignored; the rest are rejected back.",
        ge=0,
        le=1,
    )
    max_queue_weeks: int = param(
        4, "weeks", "A lead not contacted within this many weeks is dropped as stale.", ge=1
    )
    response_hours: float = param(
        24.0,
        "hours",
        "Typical time from a lead reaching a rep with free capacity to the first call attempt.",
        ge=0,
    )
    speed_to_lead_hours: float = param(
        48.0,
        "hours",
        "Response delay that halves the odds of qualifying a lead: odds multiplier = "
        "(1 + delay/this)^-speed_to_lead_exponent. HBR 2011 found far steeper decay for web "
        "leads (60x lower odds after 24 h); this gentler default suits weekly steps.",
        gt=0,
    )
    speed_to_lead_exponent: float = param(
        1.0,
        "dimensionless",
        "Steepness of the speed-to-lead decay (0 = delay does not matter).",
        ge=0,
    )
    qualification_odds: float = param(
        1.2,
        "odds",
        "Odds that an average lead (fit 0.5, trust 0.5) contacted at once qualifies as an SQL.",
        gt=0,
    )
    opportunity_odds: float = param(
        1.0,
        "odds",
        "Odds that an average SQL becomes an opportunity (SQL->opportunity 30-75% in benchmarks).",
        gt=0,
    )
    win_odds: float = param(
        0.12,
        "odds",
        "Odds that an average opportunity is won (opportunity->won 20-30% mid-market).",
        gt=0,
    )
    fit_effect: float = param(
        3.0, "log-odds per unit fit", "How much fit raises the odds at every sales stage.", ge=0
    )
    trust_effect: float = param(
        2.0, "log-odds per unit trust", "How much trust raises the odds at every sales stage.", ge=0
    )
    trust_lift_per_week: float = param(
        0.08,
        "share of the trust gap/week",
        "Trust a rep builds with an open opportunity each week, scaled by skill.",
        ge=0,
        le=1,
    )


@dataclass
class Deal:
    """An open opportunity: the prospect and the week its cycle ends."""

    prospect: Prospect
    opened_week: int
    close_week: int


@dataclass
class QueuedLead:
    """An accepted lead waiting for first contact."""

    prospect: Prospect
    arrived_week: int
    handoff_hours: float
    priority: float


def odds_to_probability(odds: float) -> float:
    """Convert odds (p / (1 - p)) to a probability."""
    return odds / (1.0 + odds)


class SalesRep(mesa.Agent):
    """One sales rep working a territory (segment).

    Each week the rep first advances open deals (which also consume hours), then moves
    last week's SQLs on, then calls queued leads by expected value until the hours run out.
    """

    def __init__(self, model: GrowthModel, params: SalesParams, segment: int, skill: float) -> None:
        super().__init__(model)
        self.params = params
        self.segment = segment
        self.skill = skill
        self.queue: list[QueuedLead] = []
        self.sqls: list[tuple[Prospect, int]] = []
        self.deals: list[Deal] = []
        self.stream = model.streams["sales"]

    @property
    def effective_skill(self) -> float:
        """Skill including cross-skilling (multiplier on win odds and cycle speed)."""
        return self.skill * self.model.organisation.skill_factor

    def odds(self, base: float, prospect: Prospect) -> float:
        """Odds at a sales stage: ``base`` shifted by the prospect's fit and trust."""
        p = self.params
        return base * math.exp(
            p.fit_effect * (prospect.fit - REFERENCE_LEVEL)
            + p.trust_effect * (prospect.trust - REFERENCE_LEVEL)
        )

    def receive(self, prospect: Prospect, week: int, handoff_hours: float) -> None:
        """Accept a lead into the queue, prioritised by expected value (score x deal value)."""
        priority = prospect.lead_score * prospect.deal_value
        self.queue.append(QueuedLead(prospect, week, handoff_hours, priority))
        prospect.move_to(LeadStage.QUEUED)

    def leave(self) -> None:
        """The rep leaves the company: its leads and deals go back to marketing's nurture."""
        prospects = [lead.prospect for lead in self.queue]
        prospects += [prospect for prospect, _ in self.sqls]
        prospects += [deal.prospect for deal in self.deals]
        for prospect in prospects:
            prospect.return_to_nurture()
        self.queue, self.sqls, self.deals = [], [], []
        self.remove()

    def step(self) -> None:
        week = self.model.week
        hours = self.params.selling_hours_per_week
        hours -= self.work_deals(week)
        self.advance_sqls(week)
        self.call_leads(week, hours)

    def work_deals(self, week: int) -> float:
        """Build trust on every open deal and close those whose cycle ends. Returns hours used."""
        p = self.params
        lift = min(1.0, p.trust_lift_per_week * self.effective_skill)
        still_open = []
        touches = self.model.touches
        for deal in self.deals:
            deal.prospect.build_trust(lift)
            if touches is not None:
                touches.add_one(deal.prospect.index, week, touches.sales)
            if week >= deal.close_week:
                self.close(deal, week)
            else:
                still_open.append(deal)
        used = len(self.deals) * p.hours_per_open_deal
        self.deals = still_open
        return used

    def close(self, deal: Deal, week: int) -> None:
        """Decide a deal at the end of its cycle: won makes a customer, lost goes to nurture."""
        odds = self.odds(self.params.win_odds, deal.prospect) * self.effective_skill
        kpis = self.model.kpis
        if self.stream.random() < odds_to_probability(odds):
            deal.prospect.become_customer()
            kpis.record_win(deal.prospect, week - deal.opened_week)
            self.model.organisation.report_win(deal.prospect)
        else:
            deal.prospect.return_to_nurture()
            kpis.record_loss()

    def advance_sqls(self, week: int) -> None:
        """SQLs from earlier weeks either open an opportunity or go back to nurture."""
        segment_cycle = self.model.segment_cycle_weeks[self.segment]
        for prospect, _ in self.sqls:
            if self.stream.random() < odds_to_probability(
                self.odds(self.params.opportunity_odds, prospect)
            ):
                mean_cycle = segment_cycle / self.effective_skill
                shape = self.params.cycle_length_shape
                length = max(1, round(self.stream.gamma(shape, mean_cycle / shape)))
                self.deals.append(Deal(prospect, week, week + length))
                prospect.move_to(LeadStage.OPPORTUNITY)
                self.model.kpis.record_opportunity()
            else:
                prospect.return_to_nurture()
        self.sqls = []

    def response_delay_hours(self, lead: QueuedLead, week: int) -> float:
        """Hours from MQL to first call: handoff delay, weeks in queue, and the rep's reaction."""
        waited = HOURS_PER_WEEK * (week - lead.arrived_week)
        return lead.handoff_hours + waited + self.params.response_hours

    def call_leads(self, week: int, hours: float) -> None:
        """Contact queued leads by priority while hours remain; drop stale ones."""
        p = self.params
        self.queue.sort(key=lambda lead: -lead.priority)
        waiting = []
        for lead in self.queue:
            if hours >= p.hours_per_first_contact:
                hours -= p.hours_per_first_contact
                self.qualify(lead, week)
            elif week - lead.arrived_week >= p.max_queue_weeks:
                lead.prospect.return_to_nurture()
                self.model.kpis.record_ignored()
            else:
                waiting.append(lead)
        self.queue = waiting

    def qualify(self, lead: QueuedLead, week: int) -> None:
        """First contact: the lead becomes an SQL with odds that fall with response delay."""
        p = self.params
        delay = self.response_delay_hours(lead, week)
        speed = (1.0 + delay / p.speed_to_lead_hours) ** -p.speed_to_lead_exponent
        odds = self.odds(p.qualification_odds, lead.prospect) * speed
        self.model.kpis.record_contact(delay)
        if self.model.touches is not None:
            self.model.touches.add_one(lead.prospect.index, week, self.model.touches.sales)
        if self.stream.random() < odds_to_probability(odds):
            lead.prospect.move_to(LeadStage.SQL)
            self.sqls.append((lead.prospect, week))
            self.model.kpis.record_sql()
        else:
            lead.prospect.return_to_nurture()
