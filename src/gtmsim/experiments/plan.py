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
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import ScenarioError, load_scenario


@dataclass(frozen=True)
class RunPlan:
    """Scenarios to run on common seeds for a number of weeks."""

    scenarios: list[Scenario]
    seeds: list[int]
    weeks: int

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    @property
    def runs(self) -> int:
        """How many model runs the plan needs (scenarios x seeds)."""
        return len(self.scenarios) * len(self.seeds)


def plan_runs(
    scenarios: Sequence[str | Path | Scenario],
    seeds: int | None = None,
    weeks: int | None = None,
    base_seed: int | None = None,
) -> RunPlan:
    """Load the scenarios (files, shipped names or Scenario objects) and decide the seeds and
    weeks: ``seeds`` replicates (default: the first scenario's ``simulation.seeds``) on child
    seeds of ``base_seed`` (default: its ``simulation.base_seed``), for ``weeks`` weeks
    (default: its ``simulation.weeks``). Raises ScenarioError if two scenarios share a name."""
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    labels = [s.name for s in loaded]
    if len(set(labels)) != len(labels):
        raise ScenarioError(
            f"two scenarios share the name {sorted({n for n in labels if labels.count(n) > 1})}; "
            f'give each a distinct `name = "..."` so their results can be told apart.'
        )
    first = loaded[0].simulation
    root = first.base_seed if base_seed is None else base_seed
    return RunPlan(loaded, replicate_seeds(root, seeds or first.seeds), weeks or first.weeks)
