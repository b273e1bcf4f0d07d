"""Running a sweep into its store: plan the runs, skip those already done, run the rest on an
executor and commit each as it arrives.

:func:`run_sweep` is the whole procedure (the CLI only parses options and prints)::

    from gtmsim.experiments.sweep import run_sweep
    from gtmsim.experiments.sweep_spec import SweepSpec
from gtmsim.model.scenario_files import ScenarioError
    outcome = run_sweep(SweepSpec.from_file(Path("my-sweep.toml")), Path("results/my-sweep"))

Runs go replicate by replicate (every design point on seed 0, then on seed 1, ...), so an
interrupted sweep holds complete designs on fewer seeds. A run that raises is recorded with
its error and the sweep goes on; running the same sweep again computes only what is missing
(and retries what failed).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from gtmsim.experiments.executors import DaskExecutor, LocalExecutor
from gtmsim.experiments.runner import run_one
from gtmsim.experiments.store import RunResult, SweepStore, series_bytes
from gtmsim.experiments.summary import summarise_run
from gtmsim.experiments.sweep_spec import SweepSpec
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import ScenarioError

#: One run to do: scenario JSON, seed, weeks, its digest, replicate number.
Task = tuple[str, int, int, str, int]


def run_task(task: Task) -> RunResult:
    """Run one task in a worker; the error's last lines instead of raising, so one failed run
    does not stop the sweep."""
    scenario_json, seed, weeks, digest, replicate = task
    start = time.perf_counter()
    try:
        frame = run_one(Scenario.model_validate_json(scenario_json), seed, weeks)
        summary = {k: v for k, v in summarise_run(frame).items() if k not in ("scenario", "seed")}
        return RunResult(
            digest,
            seed,
            replicate,
            {k: float(v) for k, v in summary.items()},
            series_bytes(frame, digest),
            None,
            time.perf_counter() - start,
        )
    except Exception as err:
        lines = traceback.format_exception(err)
        error = f"{type(err).__name__}: {err}\n" + "".join(lines[-3:])
        return RunResult(digest, seed, replicate, None, None, error, time.perf_counter() - start)


@dataclass(frozen=True)
class SweepPlan:
    """The runs of a sweep: each design point's digest and settings, the replicate seeds."""

    spec: SweepSpec
    digests: list[str]
    seeds: list[int]

    @property
    def total(self) -> int:
        """Distinct runs (points with identical settings share their runs)."""
        return len(set(self.digests)) * len(self.seeds)

    def tasks(self, done: set[tuple[str, int]]) -> Iterator[Task]:
        """Runs not yet done, replicate by replicate; each distinct scenario once per seed."""
        weeks = self.spec.run_weeks
        for replicate, seed in enumerate(self.seeds):
            seen: set[str] = set()
            for point, digest in enumerate(self.digests):
                if digest in seen or (digest, seed) in done:
                    continue
                seen.add(digest)
                scenario = self.spec.point_scenario(point)
                yield scenario.model_dump_json(), seed, weeks, digest, replicate


def plan_sweep(spec: SweepSpec) -> SweepPlan:
    """Check the sweep (ScenarioError before any run) and work out its runs."""
    spec.check()
    digests = [spec.point_scenario(i).digest() for i in range(len(spec.points))]
    return SweepPlan(spec, digests, spec.seed_list())


def recorded_spec(spec: SweepSpec, folder: Path) -> SweepSpec:
    """The sweep as ``folder/sweep.toml`` should record it: ``spec``, with as many seeds as any
    earlier call ran there (a call with fewer seeds reuses some runs, it does not shrink the
    sweep), and the outcomes of this call."""
    path = folder / "sweep.toml"
    if not path.is_file():
        return spec
    try:
        earlier = SweepSpec.from_file(path).seeds
    except ScenarioError:
        return spec
    return replace(spec, seeds=max(spec.seeds, earlier))


@dataclass
class SweepOutcome:
    """What a call of :func:`run_sweep` did."""

    folder: Path
    total: int  # distinct runs in the sweep
    done_before: int  # already in the store when it started
    done_now: int = 0
    failed_now: int = 0
    interrupted: bool = False


def run_sweep(
    spec: SweepSpec,
    folder: Path,
    executor: LocalExecutor | DaskExecutor | None = None,
    on_start: Callable[[SweepOutcome], None] | None = None,
    on_result: Callable[[RunResult], None] | None = None,
    plan: SweepPlan | None = None,
) -> SweepOutcome:
    """Run what is missing of ``spec`` into the store in ``folder``. ``on_start`` gets the
    outcome before the first run (to size a progress bar), ``on_result`` each run as it is
    committed; ``plan``, :func:`plan_sweep`'s result if the caller has it. Ctrl-C stops it
    with every finished run stored (``interrupted`` set)."""
    plan = plan or plan_sweep(spec)  # the caller's, if it planned (and checked) already
    store = SweepStore.create_or_open(folder, spec.digest(), recorded_spec(spec, folder).to_toml())
    try:
        points = spec.points
        settings = [
            {k: (v.item() if hasattr(v, "item") else v) for k, v in points.iloc[i].items()}
            for i in range(len(points))
        ]
        store.register_points(plan.digests, settings)
        done = store.done() & {(d, s) for d in set(plan.digests) for s in plan.seeds}
        outcome = SweepOutcome(folder, plan.total, len(done))
        if on_start:
            on_start(outcome)

        def commit(result: RunResult) -> None:
            store.record(result)
            if result.error is None:
                outcome.done_now += 1
            else:
                outcome.failed_now += 1
            if on_result:
                on_result(result)

        try:
            (executor or LocalExecutor()).run(run_task, plan.tasks(done), commit)
        except KeyboardInterrupt:
            outcome.interrupted = True
        store.flush_series()
        return outcome
    finally:
        store.close()


@dataclass(frozen=True)
class SweepStatus:
    """What a sweep's folder holds against what its plan needs."""

    total: int
    done: int
    failed: int
    errors: list[tuple[int, int, str]]  # (point, replicate, first line of the error)

    @property
    def missing(self) -> int:
        return self.total - self.done - self.failed


def sweep_status(folder: Path) -> SweepStatus:
    """Done, failed and missing runs of the sweep in ``folder`` (its sweep.toml is the plan)."""
    store = SweepStore.open_existing(folder)
    try:
        spec = SweepSpec.from_file(folder / "sweep.toml")
        plan = plan_sweep(spec)
        runs = store.runs()
        wanted = {(d, s) for d in set(plan.digests) for s in plan.seeds}
        keyed = runs[[(d, s) in wanted for d, s in zip(runs["digest"], runs["seed"], strict=True)]]
        distinct = keyed.drop_duplicates(["digest", "seed"])
        failed = distinct[distinct["status"] == "failed"]
        errors = [
            (int(r.point), int(r.replicate), str(r.error).splitlines()[0])
            for r in failed.itertuples()
        ]
        return SweepStatus(
            plan.total, int((distinct["status"] == "done").sum()), len(failed), errors
        )
    finally:
        store.close()
