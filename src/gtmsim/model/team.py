"""The sales team over time: the reps hired at week 0, attrition with backfill hiring, ramp-up
of new reps, and headcount cuts. Every rep who leaves hands its work back through
:meth:`gtmsim.model.sales.SalesRep.leave`, which records it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gtmsim.model.parameters.base import WEEKS_PER_YEAR, weekly_rate_from_annual
from gtmsim.model.sales import SalesRep

if TYPE_CHECKING:
    from gtmsim.model.firm import Firm


class SalesTeam:
    """Hires, loses and replaces reps; keeps ``firm.reps`` and ``firm.reps_by_segment``.

    Random draws (skills of new hires, who leaves) come from the ``team`` stream, so a
    scenario without attrition draws nothing from it and shares every other stream with one
    that has it.
    """

    def __init__(self, firm: Firm) -> None:
        self.firm = firm
        self.params = firm.params.sales
        self.stream = firm.streams["team"]
        self.segment_names = list(firm.params.market.segments)
        self.openings: list[tuple[int, int]] = []  # (week the replacement starts, segment)
        #: reps let go by :meth:`set_headcount`, who leave at the start of the next week (so
        #: the work they hand back is booked in a week's row)
        self.let_go: list[SalesRep] = []
        self.hires = 0
        self.departures = 0
        #: Chance that a rep leaves in a given week (the yearly attrition as a weekly hazard).
        self.weekly_attrition = weekly_rate_from_annual(self.params.attrition_per_year)

    def hire_initial(self) -> None:
        """The team at week 0, fully ramped (skills drawn from the ``sales`` stream): sets
        ``firm.reps_by_segment`` (territories with reps) and ``firm.reps``."""
        skill_rng = self.firm.streams["sales"]
        self.firm.reps_by_segment = {}
        for segment_name, count in self.params.territories.items():
            segment = self.segment_names.index(segment_name)
            for _ in range(count):
                rep = self._new_rep(segment, skill_rng, None)
                self.firm.reps_by_segment.setdefault(segment, []).append(rep)
        self._rebuild()

    def _new_rep(self, segment: int, rng: np.random.Generator, hired_week: int | None) -> SalesRep:
        sales = self.params
        log_skill = rng.normal(-(sales.skill_sd**2) / 2, sales.skill_sd)
        skill = sales.skill_mean * float(np.exp(log_skill))
        return SalesRep(self.firm, sales, segment, skill, hired_week)

    def step(self, week: int) -> None:
        """Start of the week: replacements whose start date has come join; then each rep
        leaves with the weekly attrition hazard and an opening is posted for its territory."""
        if self.let_go:
            leaving_now, self.let_go = self.let_go, []
            self._remove(leaving_now)
        due = [segment for start, segment in self.openings if start <= week]
        self.openings = [(start, seg) for start, seg in self.openings if start > week]
        for segment in due:
            rep = self._new_rep(segment, self.stream, week)
            self.firm.reps_by_segment.setdefault(segment, []).append(rep)
            self.hires += 1
        leaving = []
        if self.weekly_attrition > 0:  # no draw at all without attrition
            chance = self.weekly_attrition
            leaving = [rep for rep in self.firm.reps if self.stream.random() < chance]
            for rep in leaving:
                self.openings.append((week + self.params.backfill_weeks, rep.segment))
        if due or leaving:
            self._remove(leaving)

    def cut_headcount(self, fraction: float) -> None:
        """``fraction`` of each territory's reps (rounded) leave for good; the longest-serving
        stay. Openings from attrition are still filled."""
        leaving = []
        for reps in self.firm.reps_by_segment.values():
            leaving += reps[len(reps) - round(fraction * len(reps)) :]
        self._remove(leaving)

    def set_headcount(self, reps: dict[int, int], week: int) -> tuple[int, int]:
        """Aim at ``reps`` per territory (segment index -> reps) from ``week``: a territory
        short of it posts openings, filled after ``backfill_weeks`` (then ramping up like any
        hire); one over it first withdraws openings not yet filled, then lets go its most
        recently hired reps, who leave at the start of the next week (:meth:`step`). Returns
        (openings posted, reps let go), as :meth:`headcount_change` foretells them."""
        posted = let_go = 0
        leaving: list[SalesRep] = []
        for segment, short, employed, pending in self._headcount_gaps(reps):
            if short > 0:
                self.openings += [(week + self.params.backfill_weeks, segment)] * short
                posted += short
            elif short < 0:
                withdraw = min(-short, len(pending))
                for opening in pending[len(pending) - withdraw :]:
                    self.openings.remove(opening)
                over = -short - withdraw
                if over:
                    leaving += employed[len(employed) - over :]
                    let_go += over
        self.let_go += leaving
        return posted, let_go

    def headcount_change(self, reps: dict[int, int]) -> tuple[int, int]:
        """What :meth:`set_headcount` with ``reps`` would do now, without doing it: (openings
        it would post, reps it would let go; a cut withdraws unfilled openings first)."""
        posted = let_go = 0
        for _, short, _, pending in self._headcount_gaps(reps):
            posted += max(0, short)
            let_go += max(0, -short - len(pending))
        return posted, let_go

    def headcount(self, segment: int) -> int:
        """Territory ``segment``'s headcount as planned now: its reps not let go, plus its
        unfilled openings."""
        employed, pending = self._staff(segment)
        return len(employed) + len(pending)

    def _staff(self, segment: int) -> tuple[list[SalesRep], list[tuple[int, int]]]:
        """Territory ``segment``'s reps not already let go, and its unfilled openings."""
        employed = [
            rep for rep in self.firm.reps_by_segment.get(segment, []) if rep not in self.let_go
        ]
        return employed, [opening for opening in self.openings if opening[1] == segment]

    def _headcount_gaps(self, reps: dict[int, int]):
        """Per territory in ``reps``: (segment, target minus :meth:`headcount`, the reps not
        already let go, its unfilled openings)."""
        for segment, target in reps.items():
            employed, pending = self._staff(segment)
            yield segment, target - len(employed) - len(pending), employed, pending

    def _remove(self, leaving: list[SalesRep]) -> None:
        """``leaving`` hand back their work and go; ``firm.reps`` is rebuilt (also after hires)."""
        for rep in leaving:
            rep.leave()
            self.departures += 1
        gone = {id(rep) for rep in leaving}
        for segment, reps in self.firm.reps_by_segment.items():
            self.firm.reps_by_segment[segment] = [r for r in reps if id(r) not in gone]
        self._rebuild()

    def _rebuild(self) -> None:
        self.firm.reps = [rep for reps in self.firm.reps_by_segment.values() for rep in reps]

    @property
    def weekly_cost(self) -> float:
        """Cost of the reps employed this week (currency/week)."""
        return len(self.firm.reps) * self.params.annual_cost_per_rep / WEEKS_PER_YEAR
