"""A firm: one organisation's marketing, sales team, customers and books in a shared market.

A market holds 1 to 8 firms (:class:`gtmsim.model.growth.GrowthModel`). Each firm has its own
scenario (budget, channels, team, organisation levers, price, installed base), its own view of
the market (:class:`~gtmsim.model.market.Population`: awareness and trust of *it*, its lead
process, its contracts) over the buyers every firm shares, and its own random streams: two runs
on a seed that differ only in one firm's levers draw the same numbers for every other firm
(common random numbers, firm by firm).
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

import numpy as np

from gtmsim.model.customers import CustomerBase
from gtmsim.model.journey import LeadStage, Stage
from gtmsim.model.ledger import KpiBook
from gtmsim.model.marketing import MarketingDepartment
from gtmsim.model.organisation import Organisation
from gtmsim.model.parameters.base import REFERENCE_LEVEL
from gtmsim.model.prospect import Prospect
from gtmsim.model.team import SalesTeam
from gtmsim.model.touches import TouchLog

if TYPE_CHECKING:
    from gtmsim.model.growth import GrowthModel
    from gtmsim.model.market import Population
    from gtmsim.model.sales import SalesRep
    from gtmsim.model.scenario import Scenario

#: The random streams each firm has of its own, one per mechanism it runs (plus ``schedule``,
#: the order of its reps each week). The first firm uses the model's streams of these names.
FIRM_STREAMS = (
    "marketing",
    "word_of_mouth",
    "organisation",
    "sales",
    "adoption",
    "team",
    "customers",
)
#: Spawn keys of the rivals' streams start here (the model's own streams use 0..15).
RIVAL_SPAWN_KEY = 16


def choice_odds(price: float, competition) -> float:
    """What a price (multiplier on list prices) does to a buyer's odds of choosing the firm:
    price^-``competition.price_win_elasticity`` (1 at list price)."""
    return price**-competition.price_win_elasticity


def rival_streams(seed: int, index: int) -> dict[str, np.random.Generator | random.Random]:
    """The streams of the firm at ``index`` >= 1: children of the run's seed under their own
    spawn key, so a rival's draws do not depend on any other firm's."""
    root = np.random.SeedSequence(seed, spawn_key=(RIVAL_SPAWN_KEY + index,))
    children = root.spawn(len(FIRM_STREAMS) + 1)
    streams: dict[str, np.random.Generator | random.Random] = {
        name: np.random.default_rng(child)
        for name, child in zip(FIRM_STREAMS, children, strict=False)
    }
    streams["schedule"] = random.Random(int(children[-1].generate_state(1, np.uint64)[0]))
    return streams


class Firm:
    """One firm in the market: its departments, team, customers and KPI book.

    Attributes:
        index: position in the market (0: the focal firm, "us").
        name: the firm's name in the market file (its scenario's name for a one-firm market).
        params: the firm's scenario; its ``market`` and ``competition`` sections are the
            market's, the same for every firm.
        population: the firm's view of the market.
        rows: the KPIs of every completed week (see :mod:`gtmsim.model.ledger`).
    """

    def __init__(
        self,
        model: GrowthModel,
        index: int,
        name: str,
        params: Scenario,
        population: Population,
        streams: dict[str, np.random.Generator | random.Random],
    ) -> None:
        self.model = model
        self.index = index
        self.name = name
        self.params = params
        self.population = population
        self.streams = streams
        #: (week, price) of each change of price during the run (:meth:`reprice`)
        self.price_changes: list[tuple[int, float]] = []
        #: whose customer each prospect is (-1: nobody's), the market's array
        self.owner = population.buyers.owner
        self.rows: list[dict[str, float]] = []
        #: one-off costs (currency) to book as sales cost in the coming week (:meth:`charge`)
        self.charges = 0.0
        self.rivals: list[Firm] = []  # set by meet_rivals once the market is complete
        self.competing = False
        self._prospects: dict[int, Prospect] = {}
        self.kpis = KpiBook(len(params.marketing.channels))
        self.customers = CustomerBase(self)  # the installed base and its recurring revenue
        channels = list(params.marketing.channels)
        self.touches = TouchLog(channels) if params.simulation.record_touches else None
        self.organisation = Organisation(self, params.organisation)
        self.marketing = MarketingDepartment(self, params.marketing)
        self.reps: list[SalesRep] = []
        self.reps_by_segment: dict[int, list[SalesRep]] = {}
        self.team = SalesTeam(self)
        self.team.hire_initial()  # fills reps and reps_by_segment
        self.segment_cycle_weeks = [s.sales_cycle_weeks for s in params.market.segments.values()]

    @property
    def week(self) -> int:
        """The market's week (see :attr:`GrowthModel.week`)."""
        return self.model.steps

    def meet_rivals(self) -> None:
        """Once every firm of the market exists: note the others (:attr:`rivals`, empty for a
        firm alone in its market, and :attr:`competing`), read many times a week."""
        self.rivals: list[Firm] = [firm for firm in self.model.firms if firm is not self]
        self.competing = bool(self.rivals)

    def reprice(self, price: float, week: int) -> None:
        """From ``week`` on (called before that week's step) the firm charges ``price``
        (multiplier on list prices): new contracts are signed at it, each existing contract
        moves to it at its next renewal, and what price does to a buyer's odds of choosing the
        firm and of leaving it follows at once."""
        self.price_changes.append((week, price))
        self.population.price = price
        self.population.price_odds = choice_odds(price, self.params.competition)

    @property
    def price(self) -> float:
        """The firm's price now (multiplier on list prices; its view of the market holds it)."""
        return self.population.price

    @property
    def price_odds(self) -> float:
        """What the firm's price does to a buyer's odds of choosing it (price^-elasticity)."""
        return self.population.price_odds

    @property
    def price_churn_odds(self) -> float:
        """What the firm's price does to a customer's odds of leaving it at renewal
        (price^elasticity)."""
        return self.price**self.params.competition.price_churn_elasticity

    def charge(self, amount: float) -> None:
        """Book a one-off go-to-market cost (a hiring fee, severance, a CRM project, training;
        currency) as sales cost in the coming week, so that costs, CAC and payback include it."""
        self.charges += amount

    def price_at(self, weeks: np.ndarray) -> np.ndarray:
        """The price the firm charged in each of ``weeks`` (before any change: its scenario's)."""
        prices = np.full(len(weeks), self.params.pricing.price)
        for week, price in self.price_changes:  # in the order they were made
            prices[weeks >= week] = price
        return prices

    def prospect(self, index: int) -> Prospect:
        """The Prospect agent over population row ``index`` as this firm's sales sees it,
        created the first time its sales touches it."""
        agent = self._prospects.get(index)
        if agent is None:
            agent = self._prospects[index] = Prospect(self, index)
        return agent

    def pull(self, index: int) -> float:
        """This firm's odds in a rival's deal with prospect ``index`` at its close (see
        :meth:`gtmsim.model.sales.SalesRep.close`): 0 unless the prospect trusts this firm; else
        its win odds at the prospect's fit and trust in it, times what its price does to them
        and ``competition.rival_pull`` (no rep of its own in the deal, so no skill)."""
        pop = self.population
        if pop.stage[index] < Stage.TRUSTING:
            return 0.0
        sales = self.params.sales
        shift = sales.fit_effect * (pop.fit[index] - REFERENCE_LEVEL) + sales.trust_effect * (
            pop.trust[index] - REFERENCE_LEVEL
        )
        pull = self.params.competition.rival_pull * self.price_odds
        return float(sales.win_odds * math.exp(shift) * pull)

    def win_from_rival(self, prospects: np.ndarray | int) -> None:
        """``prospects`` become this firm's customers from a rival: its deal closed with this
        firm instead, or they switched at renewal. Its sales signs them, so a revenue goal's
        marketing hears of them at the next joint meeting, as of a deal sales won."""
        prospects = np.atleast_1d(prospects)
        pop = self.population
        pop.make_customers(prospects, self.week)
        self.kpis.record_won_from_rival(len(prospects), float(pop.arr[prospects].sum()))
        self.organisation.report_win(prospects)

    def unaccounted(self) -> tuple[int, int]:
        """How far this firm's books are from balancing now: (MQLs so far minus those leaked,
        rejected, ignored, contacted, queued for a rep or still on their way; opportunities so
        far minus those won, lost, dropped when their rep left or still open). Both are 0 in
        every week of every run (tests/model/test_growth.py)."""
        book = self.kpis
        total = book.total
        in_flight = sum(len(batch) for _, batch, _ in self.organisation.in_flight)
        queued = sum(len(rep.queue) for rep in self.reps)
        fates = (
            total["leads_leaked"]
            + total["leads_rejected"]
            + total["leads_ignored"]
            + book.contacts
            + queued
            + in_flight
        )
        open_deals = sum(len(rep.deals) for rep in self.reps)
        outcomes = total["wins"] + total["losses"] + total["deals_dropped"] + open_deals
        return int(total["mqls"] - fates), int(total["opportunities"] - outcomes)

    def return_to_nurture(self, prospects: np.ndarray | int) -> None:
        """Hand leads back to marketing's nurture (leaked, rejected, ignored, lost, or their
        rep left): they may qualify again after ``marketing.nurture_cooldown_weeks``."""
        pop = self.population
        pop.lead_stage[prospects] = LeadStage.NURTURE
        pop.nurture_until[prospects] = self.week + self.params.marketing.nurture_cooldown_weeks
