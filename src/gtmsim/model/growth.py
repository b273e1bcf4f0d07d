"""GrowthModel: the weekly market simulation, built only from a validated Scenario."""

from __future__ import annotations

import random

import mesa
import numpy as np

from gtmsim.model.customers import CustomerBase
from gtmsim.model.journey import LeadStage
from gtmsim.model.kpis import WEEKLY
from gtmsim.model.ledger import KpiBook, weekly_row
from gtmsim.model.market import Population
from gtmsim.model.marketing import MarketingDepartment
from gtmsim.model.organisation import Organisation
from gtmsim.model.prospect import Prospect
from gtmsim.model.sales import SalesRep
from gtmsim.model.scenario import Scenario
from gtmsim.model.team import SalesTeam
from gtmsim.model.touches import TouchLog

#: Independent numpy random streams, one per mechanism, all spawned from the run's seed with
#: ``np.random.SeedSequence``. Two scenarios run on the same seed therefore share the same
#: market, network and draws for every mechanism they have in common (common random numbers,
#: for paired comparisons). A further stream, ``schedule``, orders the reps each week: it is
#: the standard-library generator Mesa seeds with the run's seed (``Model.random``), which
#: ``AgentSet.shuffle_do`` draws from.
STREAMS = (
    "population",
    "marketing",
    "word_of_mouth",
    "organisation",
    "sales",
    "adoption",
    "team",
    "customers",
)


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

    def __init__(self, scenario: Scenario | None = None, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.params = scenario if scenario is not None else Scenario()
        self.seed = seed
        children = np.random.SeedSequence(seed).spawn(len(STREAMS))
        self.streams: dict[str, np.random.Generator | random.Random] = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAMS, children, strict=True)
        }
        self.streams["schedule"] = self.random  # Mesa's, seeded with ``seed``: orders the reps
        self.population = Population(self.params.market, self.streams["population"])
        self._prospects: dict[int, Prospect] = {}
        self.kpis = KpiBook(len(self.params.marketing.channels))
        self.customers = CustomerBase(self)  # the installed base and its recurring revenue
        channels = list(self.params.marketing.channels)
        self.touches = TouchLog(channels) if self.params.simulation.record_touches else None
        self.organisation = Organisation(self, self.params.organisation)
        self.marketing = MarketingDepartment(self, self.params.marketing)
        self.reps: list[SalesRep] = []
        self.reps_by_segment: dict[int, list[SalesRep]] = {}
        self.team = SalesTeam(self)
        self.team.hire_initial()  # fills reps and reps_by_segment
        self.segment_cycle_weeks = [
            s.sales_cycle_weeks for s in self.params.market.segments.values()
        ]
        self._row: dict[str, float] = {}
        columns = [*WEEKLY, *(f"spend_{c}" for c in self.params.marketing.channels)]
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in columns}
        )

    @property
    def week(self) -> int:
        """Weeks completed; during a step, the week being simulated (Mesa's ``steps``)."""
        return self.steps

    def prospect(self, index: int) -> Prospect:
        """The Prospect agent over population row ``index``, created the first time sales
        touches it (the rest of the market stays rows of the population arrays)."""
        agent = self._prospects.get(index)
        if agent is None:
            agent = self._prospects[index] = Prospect(self, index)
        return agent

    def step(self) -> None:
        """One week, in order: the schedule of the model."""
        self.kpis.start_week()
        self.team.step(self.week)
        if self.week == self.params.sales.headcount_cut_week:
            self.team.cut_headcount(self.params.sales.headcount_cut_fraction)
        self.marketing.step()
        self.organisation.deliver()
        self.kpis.record_sales_cost(self.team.weekly_cost)
        if self.reps:
            self.agents_by_type[SalesRep].shuffle_do("step")
        adopters = self.population.adopt_directly(
            self.params.marketing.direct_adoption_per_year, self.streams["adoption"], self.week
        )
        self.kpis.record_self_serve(self.population.deal_value[adopters])
        self.customers.step()  # renewals, churn and expansion; ARR
        talked = self.population.spread_word_of_mouth(self.streams["word_of_mouth"])
        if self.touches is not None:
            self.touches.add(talked, self.week, self.touches.word_of_mouth)
        self.population.decay()
        self.population.update_stages()
        self.organisation.review()
        self._row = weekly_row(self)
        self.datacollector.collect(self)

    def return_to_nurture(self, prospects: np.ndarray | int) -> None:
        """Hand leads back to marketing's nurture (leaked, rejected, ignored, lost, or their
        rep left): they may qualify again after ``marketing.nurture_cooldown_weeks``."""
        pop = self.population
        pop.lead_stage[prospects] = LeadStage.NURTURE
        pop.nurture_until[prospects] = self.week + self.params.marketing.nurture_cooldown_weeks

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
