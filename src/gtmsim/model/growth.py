"""GrowthModel: the weekly market simulation, built only from a validated Scenario (one firm)
or MarketScenario (1 to 8 firms in one market)."""

from __future__ import annotations

import random

import mesa
import numpy as np

from gtmsim.model.firm import FIRM_STREAMS, Firm, choice_odds, rival_streams
from gtmsim.model.kpis import WEEKLY
from gtmsim.model.ledger import weekly_row
from gtmsim.model.market import Buyers, Population
from gtmsim.model.market_scenario import MarketScenario
from gtmsim.model.sales import SalesRep
from gtmsim.model.scenario import Scenario

#: Independent numpy random streams, one per mechanism, all spawned from the run's seed with
#: ``np.random.SeedSequence``. Two scenarios run on the same seed therefore share the same
#: market, network and draws for every mechanism they have in common (common random numbers,
#: for paired comparisons). A further stream, ``schedule``, orders the reps each week: it is
#: the standard-library generator Mesa seeds with the run's seed (``Model.random``), which
#: ``AgentSet.shuffle_do`` draws from. These are the first firm's streams; each rival has its
#: own (:func:`gtmsim.model.firm.rival_streams`), and ``rivalry`` orders the firms each week.
STREAMS = ("population", *FIRM_STREAMS, "rivalry")


class GrowthModel(mesa.Model):
    """A company growing its market, one week per step.

    Each week (:meth:`step`): marketing spends and captures inquiries; MQLs travel to sales
    through the organisation's handoff; reps, in random order, work deals and call leads;
    some prospects buy self-serve (Bass); word of mouth spreads from customers and trusting
    prospects; unreinforced awareness and trust decay; marketing retargets when its goal's
    information is due; KPIs are collected. The week is Mesa's own step counter.

    Mesa agents: the marketing department, one :class:`SalesRep` per rep, and a
    :class:`Prospect` for every prospect sales has worked (created when the handoff first
    delivers it; see :mod:`gtmsim.model.prospect`). The whole market is the rows of
    :attr:`population`.

    Args:
        scenario: validated parameters (see :mod:`gtmsim.model.scenario`).
        seed: the run's seed; the same scenario and seed give identical results.
    """

    def __init__(self, scenario: Scenario | MarketScenario | None = None, seed: int = 0) -> None:
        super().__init__(rng=seed)
        scenario = scenario if scenario is not None else Scenario()
        self.market = scenario if isinstance(scenario, MarketScenario) else None
        market = self.market or MarketScenario.alone(scenario)
        #: The focal firm's scenario (its market, competition and simulation are the market's).
        self.params = market.first
        self.seed = seed
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self.streams: dict[str, np.random.Generator | random.Random] = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAMS, children, strict=True)
        }
        self.streams["schedule"] = self.random  # Mesa's, seeded with ``seed``: orders the reps
        self.buyers = Buyers(self.params.market, self.streams["population"])
        scenarios = list(market.firms.values())
        # the first firm's starting awareness, then the network, then the rivals' (draw order)
        populations = [self._population(scenarios[0], 0)]
        self.buyers.connect(self.streams["population"])
        populations += [self._population(s, i) for i, s in enumerate(scenarios) if i > 0]
        self.firms: list[Firm] = []
        for index, (name, params) in enumerate(market.firms.items()):
            populations[index].start()
            streams = self.streams if index == 0 else rival_streams(seed, index)
            self.firms.append(Firm(self, index, name, params, populations[index], streams))
        for firm in self.firms:
            firm.meet_rivals()
        self._row: dict[str, float] = {}
        columns = [*WEEKLY, *(f"spend_{c}" for c in self.params.marketing.channels)]
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in columns}
        )

    def _population(self, scenario: Scenario, index: int) -> Population:
        price = scenario.pricing.price
        return Population(
            self.buyers,
            index,
            price,
            choice_odds(price, scenario.competition),
            self.streams["population"],
        )

    # --- the focal firm, as a one-firm model has always exposed it ---------------------------

    @property
    def firm(self) -> Firm:
        """The focal firm (the first; the only one in a one-firm market)."""
        return self.firms[0]

    @property
    def population(self):
        return self.firms[0].population

    @property
    def kpis(self):
        return self.firms[0].kpis

    @property
    def customers(self):
        return self.firms[0].customers

    @property
    def touches(self):
        return self.firms[0].touches

    @property
    def organisation(self):
        return self.firms[0].organisation

    @property
    def marketing(self):
        return self.firms[0].marketing

    @property
    def team(self):
        return self.firms[0].team

    @property
    def reps(self) -> list[SalesRep]:
        return self.firms[0].reps

    @property
    def reps_by_segment(self) -> dict[int, list[SalesRep]]:
        return self.firms[0].reps_by_segment

    @property
    def segment_cycle_weeks(self) -> list[float]:
        return self.firms[0].segment_cycle_weeks

    @property
    def _prospects(self):
        return self.firms[0]._prospects

    def prospect(self, index: int):
        """The focal firm's Prospect agent over population row ``index``."""
        return self.firms[0].prospect(index)

    @property
    def week(self) -> int:
        """Weeks completed; during a step, the week being simulated (Mesa's ``steps``)."""
        return self.steps

    def step(self) -> None:
        """One week, in order: the schedule of the model (each stage for every firm in turn;
        with rivals, their order is drawn anew each week from the ``rivalry`` stream for the
        stages where one firm's act can take a prospect from another: selling and self-serve)."""
        week, firms = self.week, self.firms
        order = firms
        if len(firms) > 1:
            order = [firms[i] for i in self.streams["rivalry"].permutation(len(firms))]
        for firm in firms:
            plan = firm.params.reorganise
            if plan is not None and week == plan.week:  # the firm reorganises from this week
                firm.organisation.params = plan.organisation
            firm.kpis.start_week()
            if firm.charges:  # one-off costs charged between weeks (a classroom game's)
                firm.kpis.record_sales_cost(firm.charges)
                firm.charges = 0.0
            firm.team.step(week)
            if week == firm.params.sales.headcount_cut_week:
                firm.team.cut_headcount(firm.params.sales.headcount_cut_fraction)
        for firm in firms:
            firm.marketing.step()
            firm.organisation.deliver()
            firm.kpis.record_sales_cost(firm.team.weekly_cost)
        all_reps = self.agents_by_type.get(SalesRep, ())
        for firm in order:  # each firm's reps in random order, as Mesa's AgentSet.shuffle_do
            reps = [rep for rep in all_reps if rep.firm is firm]  # in the order they were made
            firm.streams["schedule"].shuffle(reps)
            for rep in reps:
                rep.step()
        for firm in order:
            pop = firm.population
            adopters = pop.adopt_directly(
                firm.params.marketing.direct_adoption_per_year, firm.streams["adoption"], week
            )
            firm.kpis.record_self_serve(pop.deal_value[adopters] * firm.price)
        for firm in firms:
            firm.customers.renew_due()  # renewals, churn, expansion and switching to rivals
        for firm in firms:
            firm.customers.book_week()  # ARR and revenue
            pop = firm.population
            talked = pop.spread_word_of_mouth(firm.streams["word_of_mouth"])
            if firm.touches is not None:
                firm.touches.add(talked, week, firm.touches.word_of_mouth)
            pop.decay()
            pop.update_stages()
            firm.organisation.review()
        for firm in firms:
            firm.rows.append(weekly_row(firm))
        self._row = firms[0].rows[-1]
        self.datacollector.collect(self)

    def run(self, weeks: int | None = None) -> None:
        """Run ``weeks`` steps (default: the scenario's ``simulation.weeks``)."""
        for _ in range(weeks if weeks is not None else self.params.simulation.weeks):
            self.step()

    @property
    def kpi_row(self) -> dict[str, float]:
        """The KPIs of the last completed week (empty before the first step)."""
        return self._row


def _reporter(name: str):
    def report(model: GrowthModel) -> float:
        return model.kpi_row[name]

    report.__name__ = f"report_{name}"
    return report
