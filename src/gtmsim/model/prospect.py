"""Prospect agents: the companies sales works one by one.

A prospect's state is a row of the model's :class:`~gtmsim.model.market.Population` arrays,
so that marketing and word of mouth act on the whole market in one numpy pass (the rows of a
population table, in the mesa-frames manner). A :class:`Prospect` is the Mesa agent over one
such row: it is created the first time sales touches the prospect (the handoff delivers it to
a rep), it stays in the model's agent set from then on, and the reps' one-to-one work acts
through its verbs (qualify, open an opportunity, build trust, buy, go back to nurture).
A Mesa user finds the prospects sales has worked with ``model.agents_by_type[Prospect]`` and
queries them with the usual ``AgentSet`` methods, e.g.
``.select(lambda p: p.lead_stage == LeadStage.OPPORTUNITY)``. The rest of the market stays rows
only: creating an agent for each of a million prospects nobody calls would cost seconds and
hundreds of MB for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from gtmsim.model.journey import LeadStage, Stage

if TYPE_CHECKING:
    from gtmsim.model.firm import Firm
    from gtmsim.model.market import Population


class Prospect(mesa.Agent):
    """A prospect company that sales has worked, over row ``index`` of the population arrays.

    What never changes (segment, deal value, fit) is read from the row once, when the agent is
    made; what changes (awareness, trust, stages) is read from the row each time; its methods
    are the verbs of the journey's sales steps.
    """

    def __init__(self, firm: Firm, index: int) -> None:
        super().__init__(firm.model)
        #: The firm whose sales works this prospect (a prospect two firms work has two agents).
        self.firm = firm
        self.index = index
        pop = firm.population
        # what never changes is read once (reps read these many times per lead)
        #: Index of the prospect's segment (territory) in ``market.segments``.
        self.segment = int(pop.segment[index])
        #: First-year value of this prospect's deal if won (currency).
        self.deal_value = float(pop.deal_value[index])
        #: How well the product suits this prospect (0-1).
        self.fit = float(pop.fit[index])

    @property
    def population(self) -> Population:
        return self.firm.population

    # --- what a rep (or a Mesa user) reads ------------------------------------------------

    @property
    def awareness(self) -> float:
        """Awareness level (0-1)."""
        return float(self.population.awareness[self.index])

    @property
    def trust(self) -> float:
        """Trust level (0-1)."""
        return float(self.population.trust[self.index])

    @property
    def lead_score(self) -> float:
        """Marketing's score of the prospect's latest lead (0-1, seen with error)."""
        return float(self.population.lead_score[self.index])

    @property
    def stage(self) -> Stage:
        """Where the prospect is in the buyer's journey."""
        return Stage(int(self.population.stage[self.index]))

    @property
    def lead_stage(self) -> LeadStage:
        """Where the prospect is in the lead process."""
        return LeadStage(int(self.population.lead_stage[self.index]))

    # --- the verbs of the sales steps -------------------------------------------------------

    def _move_to(self, lead_stage: LeadStage) -> None:
        self.population.lead_stage[self.index] = lead_stage

    def qualify(self) -> None:
        """First contact went well: the lead is sales-qualified (an SQL)."""
        self._move_to(LeadStage.SQL)

    def open_opportunity(self) -> None:
        """The SQL becomes an open deal with a multi-week sales cycle."""
        self._move_to(LeadStage.OPPORTUNITY)

    def build_trust(self, lift: float) -> None:
        """Close ``lift`` (0-1) of the gap to full trust: a rep's personal contact."""
        pop = self.population
        pop.trust[self.index] += lift * (1 - pop.trust[self.index])
        pop.reinforced[self.index] = True

    def buy(self) -> None:
        """The deal is won: the prospect buys and stays a customer."""
        self.population.make_customers(self.index, self.firm.week)

    def return_to_nurture(self) -> None:
        """Back to marketing's nurture (not qualified, lost, stale, or its rep left)."""
        self.firm.return_to_nurture(self.index)
