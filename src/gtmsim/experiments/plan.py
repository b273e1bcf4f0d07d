"""Planning a batch: which scenarios run, on which common seeds, for how many weeks.

The rules of an experiment live here, not in the CLI: scenarios must have distinct names (their
results are told apart by name), the seeds and weeks default to the first scenario's
``simulation`` settings, and replicate ``i`` of every scenario runs on the ``i``-th child seed
of one root (common random numbers, so differences are paired).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gtmsim.experiments.runner import replicate_seeds
from gtmsim.model.market_files import load_market
from gtmsim.model.market_scenario import MarketScenario, as_market
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import ScenarioError


@dataclass(frozen=True)
class RunPlan:
    """Scenarios (or markets of several firms) to run on common seeds for a number of weeks."""

    scenarios: list[Scenario | MarketScenario]
    seeds: list[int]
    weeks: int

    @property
    def names(self) -> list[str]:
        """The names of the results, in order: a scenario's name, or ``market:firm`` for each
        firm of a market."""
        return [label for unit in self.scenarios for label in as_market(unit).labels]

    @property
    def runs(self) -> int:
        """How many model runs the plan needs (scenarios x seeds)."""
        return len(self.scenarios) * len(self.seeds)


def plan_runs(
    scenarios: Sequence[str | Path | Scenario | MarketScenario],
    seeds: int | None = None,
    weeks: int | None = None,
    base_seed: int | None = None,
) -> RunPlan:
    """Load the scenarios (files, shipped names or Scenario objects) and decide the seeds and
    weeks: ``seeds`` replicates (default: the first scenario's ``simulation.seeds``) on child
    seeds of ``base_seed`` (default: its ``simulation.base_seed``), for ``weeks`` weeks
    (default: its ``simulation.weeks``). A market file of several firms runs as one market
    whose firms have results of their own; one of a single firm runs as its scenario. Raises
    ScenarioError if two results would share a name."""
    loaded = [load_unit(s) for s in scenarios]
    labels = [label for unit in loaded for label in as_market(unit).labels]
    colon = [unit.name for unit in loaded if isinstance(unit, Scenario) and ":" in unit.name]
    if colon:
        raise ScenarioError(
            f"scenario name {colon[0]!r} holds ':', which results use between a market and its "
            'firm (market:firm); give it a name with "-" or "_" instead (name = "...").'
        )
    if len(set(labels)) != len(labels):
        raise ScenarioError(
            f"two scenarios share the name {sorted({n for n in labels if labels.count(n) > 1})}; "
            f'give each a distinct `name = "..."` so their results can be told apart.'
        )
    first = loaded[0].simulation
    root = first.base_seed if base_seed is None else base_seed
    return RunPlan(loaded, replicate_seeds(root, seeds or first.seeds), weeks or first.weeks)


def load_unit(unit: str | Path | Scenario | MarketScenario) -> Scenario | MarketScenario:
    """A scenario file, shipped name or object as what runs: a scenario, or a market of several
    firms (a market file of one firm runs as that firm's scenario)."""
    if isinstance(unit, Scenario):
        return unit
    market = unit if isinstance(unit, MarketScenario) else load_market(unit)
    return market.first if len(market.firms) == 1 else market
