"""`gtmsim sweep`: many design points x seeds into a resumable store; `--status`, `--export`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from gtmsim.cli.group import console, errors
from gtmsim.cli.options import (
    chosen_dask,
    parse_pairs,
    parse_ranges,
    progress_bar,
    workers_option,
)
from gtmsim.experiments.defaults import MAX_PROSPECTS, MAX_SEEDS, MAX_WEEKS
from gtmsim.outputs.terminal import shown

DEFAULT_SWEEP = "handoff-delay"


def is_sweep_file(path: Path) -> bool:
    """Whether ``path`` is a sweep file (a [sweep] table) rather than a scenario file; a file
    that is not TOML at all gets the sweep files' error."""
    import tomllib

    from gtmsim.model.scenario_files import ScenarioError

    try:
        return "sweep" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ScenarioError(
            f"{path}: not a readable TOML file ({err}). A sweep file has a [sweep] table; "
            f"see scenarios/sweeps/{DEFAULT_SWEEP}.toml."
        ) from None


#: Options that describe a sweep to run (refused with --status or --export).
RUN_OPTIONS = (
    "grid",
    "range",
    "sample",
    "design_seed",
    "seeds",
    "weeks",
    "prospects",
    "base_seed",
    "outcome",
    "out",
    "workers",
)


def refuse_conflicts(context: click.Context, sweep: str | None, options: dict) -> None:
    """One paragraph for options that make no sense together, instead of ignoring some."""
    from click.core import ParameterSource

    def given(name: str) -> bool:
        return context.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)

    reading = [o for o in ("status_dir", "export_dir") if options[o] is not None]
    flags = {"status_dir": "--status", "export_dir": "--export"}
    if len(reading) == 2:
        raise click.UsageError("--status and --export: give one of them (each reads a sweep).")
    if reading:
        extra = [f"--{n.replace('_', '-')}" for n in RUN_OPTIONS if given(n)] + (
            ["SWEEP"] if sweep else []
        )
        if context.meta.get("gtmsim.dask"):
            extra.append("--dask")
        if extra:
            raise click.UsageError(
                f"{flags[reading[0]]} reads the sweep in a folder and runs nothing, so "
                f"{', '.join(extra)} would be ignored; leave them out, or run the sweep "
                "without --status/--export."
            )
    if given("fmt") and options["export_dir"] is None:
        raise click.UsageError("--format goes with --export (the format of the exported files).")
    if given("workers") and context.meta.get("gtmsim.dask"):
        raise click.UsageError(
            "--workers and --dask: give one (--workers runs local processes, --dask runs on "
            "the cluster's workers)."
        )


def build_spec(source: str | None, options: dict):
    """The sweep the arguments describe: a sweep file, or a scenario with --grid/--range."""
    from gtmsim.experiments.design import Design, Factors
    from gtmsim.experiments.sweep_spec import SweepSpec, parse_value
    from gtmsim.model.scenario_files import shipped_dir

    factors_given = options["grid"] or options["range"]
    if source is None and not factors_given:
        source = str(shipped_dir() / "sweeps" / f"{DEFAULT_SWEEP}.toml")
    path = Path(source) if source else None
    if path is None or not path.is_file():
        named = shipped_dir() / "sweeps" / f"{source}.toml"
        if source and named.is_file() and not factors_given:
            path = named
    if path is not None and not path.is_file() and not factors_given:
        raise click.UsageError(
            f"{source}: no such sweep file. Give a sweep file (see "
            f"{shipped_dir() / 'sweeps' / (DEFAULT_SWEEP + '.toml')}), the name of a shipped "
            "sweep, or a scenario with --grid/--range factors."
        )
    if path is not None and path.is_file() and is_sweep_file(path):
        spec = SweepSpec.from_file(path)
        if factors_given:
            raise click.UsageError(
                f"{source} is a sweep file: its factors are in [sweep.grid] and [sweep.range]; "
                "edit the file, or give a scenario instead to sweep with --grid/--range."
            )
    else:
        grid = {
            k: [parse_value(v) for v in value.split(",") if v.strip()]
            for k, value in parse_pairs(
                options["grid"],
                "KEY=V1,V2,..., e.g. organisation.handoff_delay_hours=1,24,48",
                "--grid",
            ).items()
        }
        ranges = parse_ranges(options["range"], "--range")
        spec = SweepSpec(
            scenario=source or "separate", factors=Factors(grid, ranges), source="--grid/--range"
        )
    if options["sample"]:
        try:
            design = Design.parse(options["sample"], options["design_seed"] or spec.design.seed)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="--sample") from None
        spec.design = design
    for key in ("seeds", "weeks", "prospects", "base_seed"):
        if options[key] is not None:
            setattr(spec, key, options[key])
    if options["outcome"]:
        spec.outcomes = list(options["outcome"])
    return spec


def default_folder(spec) -> Path:
    """results/sweep-<scenario>-<digest>: the same sweep gets the same folder, so running the
    same command again resumes it."""
    return Path("results") / f"sweep-{spec.base.name}-{spec.digest()[:8]}"


@click.command()
@click.argument("sweep", required=False)
@click.option(
    "--grid",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="A grid factor: every listed value (full factorial with the others). Repeatable.",
)
@click.option(
    "--range",
    "range",
    multiple=True,
    metavar="KEY=LOW:HIGH",
    help="A range factor, sampled by --sample. Repeatable.",
)
@click.option(
    "--sample", metavar="DESIGN", help="Design for range factors: lhs:N, sobol:N or morris:N."
)
@click.option(
    "--design-seed",
    type=click.IntRange(min=0),
    default=None,
    help="Seed of the sampler (not of the model) [default: 0].",
)
@click.option(
    "--seeds",
    type=click.IntRange(1, MAX_SEEDS),
    default=None,
    help="Replicate seeds per design point [default: the file's, else 10].",
)
@click.option(
    "--weeks",
    type=click.IntRange(1, MAX_WEEKS),
    default=None,
    help="Weeks per run [default: the scenario's].",
)
@click.option(
    "--n",
    "prospects",
    type=click.IntRange(100, MAX_PROSPECTS),
    default=None,
    help="Market size; the company is resized with it [default: the scenario's].",
)
@click.option(
    "--base-seed",
    type=click.IntRange(min=0),
    default=None,
    help="Root of the replicate seeds [default: the scenario's].",
)
@click.option(
    "--outcome",
    multiple=True,
    metavar="KPI",
    help="KPI to analyse (summary.csv column). Repeatable [default: the headline five].",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Sweep folder [default: results/sweep-<scenario>-<digest>; the same sweep resumes there].",
)
@workers_option
@click.option(
    "--status",
    "status_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Say what the sweep in this folder has done, failed and still misses; run nothing.",
)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the sweep in this folder as CSV or Parquet files (DIR/export/); run nothing.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="Format for --export.",
)
def sweep(sweep: str | None, **options) -> None:
    """Run SWEEP (a sweep file, or a scenario with --grid/--range) at every design point on
    common seeds, into a store that survives interruption: run the same command again and it
    computes only what is missing.

    \b
    Examples:
      gtmsim sweep                                   # the shipped handoff-delay sweep
      gtmsim sweep separate --grid organisation.handoff_delay_hours=1,24,48 --seeds 20
      gtmsim sweep integrated --range organisation.cross_skilling=0:1 \\
          --range organisation.handoff_leakage=0:0.3 --sample sobol:64 --n 5000
      gtmsim sweep my-sweep.toml --dask tcp://10.0.0.5:8786
      gtmsim sweep --status results/sweep-separate-1a2b3c4d
      gtmsim analyse results/sweep-separate-1a2b3c4d

    A sweep file has a [sweep] table (scenario, seeds, weeks, prospects, design, design_seed,
    outcomes) and [sweep.grid] / [sweep.range] tables of factors; every folder gets one as
    sweep.toml. Keys are parameters as in `gtmsim reference`.
    """
    refuse_conflicts(click.get_current_context(), sweep, options)
    if options["status_dir"] is not None:
        return print_status(options["status_dir"])
    if options["export_dir"] is not None:
        return export(options["export_dir"], options["fmt"])
    from gtmsim.experiments.executors import LocalExecutor
    from gtmsim.experiments.runner import default_workers
    from gtmsim.experiments.store import SweepStore
    from gtmsim.experiments.sweep import plan_sweep, run_sweep

    spec = build_spec(sweep, options)
    plan = plan_sweep(spec)  # every key and value checked before a folder is made
    folder = options["out"] or default_folder(spec)
    SweepStore.check_folder(folder, spec.digest())  # refused before anything is printed or run
    executor = chosen_dask() or LocalExecutor(options["workers"] or default_workers())
    if not isinstance(executor, LocalExecutor):
        executor.connect()  # an unreachable scheduler fails here, before the folder is made
    errors.print(
        f"Sweep of {spec.base.name}: {len(spec.points):,} design points x {len(plan.seeds)} seeds "
        f"= {plan.total:,} runs of {spec.run_weeks} weeks, on {executor.describe()}, into "
        f"{shown(str(folder))}",
        highlight=False,
    )
    with progress_bar(errors) as progress:
        task = progress.add_task("runs", total=plan.total)
        started = time.monotonic()
        running = []  # the outcome run_sweep fills in as runs are committed

        def on_start(outcome) -> None:
            running.append(outcome)
            progress.update(task, completed=outcome.done_before)

        def on_result(_result) -> None:
            progress.advance(task)
            now = running[0].done_now + running[0].failed_now
            minutes = (time.monotonic() - started) / 60
            rate = f" ({now / minutes:,.0f} runs/min)" if minutes > 0 else ""
            progress.update(task, description=f"runs{rate}")

        outcome = run_sweep(spec, folder, executor, on_start, on_result, plan)
    stored = outcome.done_before + outcome.done_now
    line = (
        f"{stored:,} of {outcome.total:,} runs stored in {shown(str(folder))}"
        f" ({outcome.done_before:,} from before, {outcome.done_now:,} now"
        + (
            f", {outcome.failed_now:,} failed: `gtmsim sweep --status {folder}` shows why"
            if outcome.failed_now
            else ""
        )
        + ")."
    )
    if outcome.interrupted:
        errors.print(f"Interrupted. {line} Run the same command again to resume.", highlight=False)
        sys.exit(130)
    console.print(line, highlight=False)
    console.print(f"Analyse it: gtmsim analyse {folder}", highlight=False)


def print_status(folder: Path) -> None:
    from gtmsim.experiments.sweep import sweep_status

    status = sweep_status(folder)
    console.print(
        f"{folder}: {status.done:,} of {status.total:,} runs done, {status.failed:,} failed, "
        f"{status.missing:,} missing.",
        highlight=False,
    )
    for point, replicate, error in status.errors[:10]:
        console.print(f"  point {point}, replicate {replicate}: {error}", highlight=False)
    if len(status.errors) > 10:
        console.print(f"  ... and {len(status.errors) - 10} more (export runs.csv for all)")
    if status.missing or status.failed:
        console.print(
            "Run the sweep's command again (or `gtmsim sweep DIR/sweep.toml --out DIR`) to finish it."
        )


def export(folder: Path, fmt: str) -> None:
    from gtmsim.experiments.store import SweepStore

    store = SweepStore.open_existing(folder)
    try:
        paths = store.export(fmt)
    finally:
        store.close()
    for path in paths:
        console.print(str(path), highlight=False)
