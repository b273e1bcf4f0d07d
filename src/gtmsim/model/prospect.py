"""Prospect agents: the companies sales works one by one (Mesa agents over the population rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from gtmsim.model.journey import LeadStage

if TYPE_CHECKING:
    from gtmsim.model.growth import GrowthModel
    from gtmsim.model.market import Population


class Prospect(mesa.Agent):
    """A prospect company. Its state lives in the model's :class:`Population` arrays.

    Sales reps act on prospects one at a time through these attributes.
    """

    def __init__(self, model: GrowthModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def population(self) -> Population:
        return self.model.population

    @property
    def segment(self) -> int:
        return int(self.population.segment[self.index])

    @property
    def deal_value(self) -> float:
        """First-year value of this prospect's deal if won (currency)."""
        return float(self.population.deal_value[self.index])

    @property
    def fit(self) -> float:
        """How well the product suits this prospect (0-1)."""
        return float(self.population.fit[self.index])

    @property
    def trust(self) -> float:
        return float(self.population.trust[self.index])

    @property
    def lead_score(self) -> float:
        return float(self.population.lead_score[self.index])

    def move_to(self, lead_stage: LeadStage) -> None:
        """Set this prospect's lead stage (a rep qualifying, opening or closing a deal)."""
        self.population.lead_stage[self.index] = lead_stage

    def build_trust(self, lift: float) -> None:
        """Close ``lift`` (0-1) of the gap to full trust: a rep's personal contact."""
        pop = self.population
        pop.trust[self.index] += lift * (1 - pop.trust[self.index])
        pop.reinforced[self.index] = True

    def become_customer(self) -> None:
        """The deal is won: the prospect buys and stays a customer."""
        self.population.make_customers(self.index, self.model.week)

    def return_to_nurture(self) -> None:
        """Hand the prospect back to marketing's nurture (lost, or its rep left)."""
        self.model.return_to_nurture(self.index)
