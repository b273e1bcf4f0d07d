"""Running scenarios over many seeds, in one process or a pool of worker processes.

Replicate ``i`` of every scenario runs on the same seed (the ``i``-th child of the
scenario file's ``simulation.base_seed`` or of an explicit base seed), so scenarios are
compared on common random numbers. A run's output depends only on its scenario and
seed, never on the number of workers or the order runs finish in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from typing import Any

import numpy as np
import pandas as pd

from gtmsim.experiments.capacity import plan_memory
from gtmsim.experiments.executors import Executor, LocalExecutor, as_executor, local_workers
from gtmsim.experiments.processes import pool_context  # noqa: F401  (re-exported for tests)
from gtmsim.experiments.summary import summarise_run
from gtmsim.model.growth import GrowthModel
from gtmsim.model.market_scenario import MarketScenario, as_market, unit_from_json
from gtmsim.model.scenario import Scenario


def replicate_seeds(base_seed: int, n: int) -> list[int]:
    """Seeds of replicates 0..n-1: child seeds of ``base_seed`` (replicate i's seed does not depend on n)."""
    children = np.random.SeedSequence(base_seed).spawn(n)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def run_one(
    scenario: Scenario | MarketScenario, seed: int, weeks: int | None = None
) -> pd.DataFrame:
    """Run one scenario (or market) on one seed; returns its weekly KPIs with ``scenario`` and
    ``seed`` columns. A market of several firms gives each firm's weeks in turn, its
    ``scenario`` column naming the firm as ``market:firm``."""
    model = GrowthModel(scenario, seed=seed)
    model.run(weeks)
    if isinstance(scenario, MarketScenario) and len(scenario.firms) > 1:
        frames = []
        for label, firm in zip(scenario.labels, model.firms, strict=True):
            frame = pd.DataFrame(firm.rows)
            frame.insert(0, "seed", seed)
            frame.insert(0, "scenario", label)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "seed", seed)
    frame.insert(0, "scenario", model.params.name)
    return frame


def _run_task(task: tuple[str, int, int | None]) -> pd.DataFrame:
    scenario_json, seed, weeks = task
    return run_one(unit_from_json(scenario_json), seed, weeks)


@dataclass
class Batch:
    """The outcome of running scenarios over seeds (possibly interrupted part-way)."""

    scenarios: list[Scenario | MarketScenario]
    seeds: list[int]
    weeks: int
    runs: dict[tuple[int, int], pd.DataFrame] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def complete(self) -> bool:
        return len(self.runs) == len(self.scenarios) * len(self.seeds) and not self.interrupted

    def timeseries(self) -> pd.DataFrame:
        """All finished runs, ordered by scenario (as given) then seed (as given)."""
        frames = [self.runs[key] for key in sorted(self.runs)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def summary(self) -> pd.DataFrame:
        """One row per finished (scenario, seed) with end-of-run KPIs."""
        rows = [
            summarise_run(firm)
            for key in sorted(self.runs)
            for _, firm in self.runs[key].groupby("scenario", sort=False)
        ]
        return pd.DataFrame(rows)

    def manifest(self) -> dict[str, Any]:
        """What the batch holds and how it was made: whether it is complete, package versions,
        weeks, seeds, and each scenario's name, digest and resolved parameters."""
        return {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "complete": self.complete,
            "versions": {pkg: version(pkg) for pkg in ("gtmsim", "mesa", "numpy", "pandas")},
            "weeks": self.weeks,
            "seeds": self.seeds,
            "scenarios": [
                {"name": s.name, "sha256": s.digest(), "parameters": s.model_dump(mode="json")}
                for unit in self.scenarios
                for s in as_market(unit).labelled()
            ],
        }


def run_batch(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    weeks: int,
    workers: int | Executor = 1,
    on_done: Callable[[], None] | None = None,
    keep_partial: bool = False,
) -> Batch:
    """Run every scenario on every seed. ``workers`` > 1 uses a process pool; an executor
    (:mod:`gtmsim.experiments.executors`) runs them there, e.g. on a Dask cluster.

    On Ctrl-C the KeyboardInterrupt goes on to the caller, so no computation silently carries
    on with fewer seeds; with ``keep_partial`` (for callers that save what finished, like
    ``gtmsim run``) the runs already finished are kept and the batch is marked interrupted.
    Raises CapacityError, before any run, if the batch cannot fit in memory; it runs on fewer
    workers than asked if that is what fits (:func:`gtmsim.experiments.capacity.plan_memory`).
    """
    batch = Batch(list(scenarios), list(seeds), weeks)
    runs = len(batch.scenarios) * len(batch.seeds)
    fitting = plan_memory(batch.scenarios, runs, weeks, local_workers(workers)).workers
    workers = fitting if isinstance(workers, int) else workers
    specs = [scenario.model_dump_json() for scenario in batch.scenarios]
    tasks = {
        (i, j): (spec, seed, weeks)
        for i, spec in enumerate(specs)
        for j, seed in enumerate(batch.seeds)
    }
    try:
        map_tasks(_run_task, tasks, workers, on_done, into=batch.runs)
    except KeyboardInterrupt:
        if not keep_partial:
            raise
        batch.interrupted = True
    return batch


def map_tasks[K, T, R](
    function: Callable[[T], R],
    tasks: dict[K, T],
    workers: int | Executor = 1,
    on_done: Callable[[], None] | None = None,
    into: dict[K, R] | None = None,
) -> dict[K, R]:
    """Apply a picklable top-level ``function`` to every task on an executor (``workers``: a
    number of local processes, never more than there are tasks, or an executor such as a
    :class:`~gtmsim.experiments.executors.DaskExecutor`); results are stored under each task's
    key as they finish (so a Ctrl-C leaves the finished ones in ``into``), and ``on_done`` is
    called after each. A task that raises stops the rest and the error goes on to the caller."""
    results: dict[K, R] = {} if into is None else into
    executor = as_executor(workers)
    if isinstance(executor, LocalExecutor):  # never start more processes than there are tasks
        executor = LocalExecutor(min(executor.workers, max(1, len(tasks))))

    def store(keyed: tuple[K, R]) -> None:
        key, result = keyed
        results[key] = result
        if on_done:
            on_done()

    executor.run(partial(_keyed, function), tasks.items(), store)
    return results


def _keyed[K, T, R](function: Callable[[T], R], item: tuple[K, T]) -> tuple[K, R]:
    key, task = item
    return key, function(task)


def default_workers() -> int:
    """Worker processes to use by default: the CPUs this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))
