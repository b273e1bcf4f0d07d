"""`gtmsim sweep`: many design points x seeds into a resumable store; `--status`, `--export`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from gtmsim.cli.group import console, errors
from gtmsim.cli.options import (
    chosen_dask,
    figure_format_option,
    parse_pairs,
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
        ranges = {}
        for key, value in parse_pairs(
            options["range"], "KEY=LOW:HIGH, e.g. organisation.cross_skilling=0:1", "--range"
        ).items():
            try:
                low, high = (float(v) for v in value.split(":"))
            except ValueError:
                raise click.BadParameter(
                    f"{key}={value}: a range is LOW:HIGH, two numbers", param_hint="--range"
                ) from None
            ranges[key] = (low, high)
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


def number(value: object, digits: int = 3) -> str:
    """A table cell: large numbers with thousands separators, small ones to ``digits``
    significant figures, text as it is."""
    if not isinstance(value, float | int) or isinstance(value, bool):
        return str(value)
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}g}"


def readable(indices):
    """An index table for the terminal: factors by their last name, no empty group column."""
    frame = indices.assign(factor=indices["factor"].str.rsplit(".", n=1).str[-1])
    return frame.drop(columns="group") if (frame["group"] == "").all() else frame


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

        def on_start(outcome) -> None:
            progress.update(task, completed=outcome.done_before)

        def on_result(result) -> None:
            progress.advance(task)
            done = progress.tasks[0].completed - start_count[0]
            minutes = (time.monotonic() - started) / 60
            rate = f"{done / minutes:,.0f} runs/min" if minutes > 0 else ""
            progress.update(task, description=f"runs ({rate})")

        start_count = [0]

        def begin(outcome) -> None:
            start_count[0] = outcome.done_before
            on_start(outcome)

        outcome = run_sweep(spec, folder, executor, begin, on_result)
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


@click.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--outcome",
    multiple=True,
    metavar="KPI",
    help="KPI to analyse (summary.csv column). Repeatable [default: the sweep's outcomes].",
)
@figure_format_option
def analyse(folder: Path, outcome: tuple[str, ...], fmt: str) -> None:
    """Analyse the sweep in FOLDER from its store: one factor -> each KPI against it with its
    band over seeds; two -> heatmaps; a sobol:N design -> Sobol first-order and total indices
    with 95% intervals; morris:N -> Morris mu* and sigma; lhs:N -> rank correlations. Also how
    much of each KPI's variance is seed noise. Tables go to FOLDER/analysis/*.csv, figures to
    FOLDER/figures/. Works on a partly finished sweep (with what is stored).

    \b
    Example:
      gtmsim sweep && gtmsim analyse results/sweep-separate-46ead42c
    """
    from rich.table import Table

    from gtmsim.experiments.sensitivity import analyse as analyse_summary
    from gtmsim.experiments.store import SweepStore
    from gtmsim.experiments.sweep import sweep_status
    from gtmsim.experiments.sweep_spec import SweepSpec
    from gtmsim.model.kpis import SUMMARY
    from gtmsim.outputs.figures import save_figure
    from gtmsim.outputs.plots import sweep as plots

    store = SweepStore.open_existing(folder)
    try:
        summary = store.summaries()
    finally:
        store.close()
    spec = SweepSpec.from_file(folder / "sweep.toml")
    outcomes = list(outcome) or spec.outcomes
    bad = [k for k in outcomes if k not in SUMMARY]
    if bad:
        raise click.BadParameter(
            f"{', '.join(bad)}: not KPIs of summary.csv; use any of {', '.join(SUMMARY)}",
            param_hint="--outcome",
        )
    if summary.empty:
        raise click.UsageError(f"{folder}: no run is stored yet; run the sweep first.")
    status = sweep_status(folder)
    if status.done < status.total:
        errors.print(
            f"Note: the sweep is not finished ({status.done:,} of {status.total:,} runs done); "
            "this analyses what is stored.",
            highlight=False,
        )
    never = [k for k in outcomes if summary[k].isna().all()]
    sometimes = {k: int(summary[k].isna().sum()) for k in outcomes if k not in never}
    if never:
        errors.print(
            f"Note: {', '.join(never)} {'has' if len(never) == 1 else 'have'} no value in any "
            "run (ARR growth and NRR need at "
            "least 52 weeks; CAC needs a customer won): left out.",
            highlight=False,
        )
    for kpi, missing in sometimes.items():
        if missing:
            errors.print(
                f"Note: {kpi} is undefined in {missing:,} of {len(summary):,} runs (e.g. no "
                "customer won, so no CAC): means use the others, and Sobol or Morris indices, "
                "which need every design point, are not computed for it.",
                highlight=False,
            )
    outcomes = [k for k in outcomes if k not in never]
    if not outcomes:
        raise click.UsageError("no outcome has a value in any run; choose others with --outcome.")
    result = analyse_summary(
        summary,
        list(spec.factors.grid),
        dict(spec.factors.ranges),
        spec.design.kind,
        outcomes,
        spec.design.seed,
    )
    tables_dir, figures_dir = folder / "analysis", folder / "figures"
    tables_dir.mkdir(exist_ok=True)
    figures_dir.mkdir(exist_ok=True)
    for stale in [*tables_dir.glob("*.csv"), *figures_dir.glob(f"*.{fmt}")]:
        stale.unlink()  # an earlier analysis's tables must not sit beside these
    written = []

    def show(title: str, frame, digits: int = 3) -> None:
        table = Table(title=title, title_justify="left")
        for column in frame.columns:
            table.add_column(str(column), justify="right" if column != frame.columns[0] else "left")
        for _, row in frame.iterrows():
            table.add_row(*(number(v, digits) for v in row.to_list()))
        console.print(table)

    for factor, response in result.responses.items():
        name = f"response-{plots.short(factor)}"
        response.to_csv(tables_dir / f"{name}.csv", index=False)
        runs = int(response["runs"].max())
        wide = response.pivot(index=factor, columns="kpi", values="mean")[outcomes].reset_index()
        show(f"Mean of each KPI by {factor} ({runs} runs per value)", wide, 4)
        fig = plots.plot_factor_response(response, factor, runs)
        written.append(save_figure(fig, figures_dir / f"{name}.{fmt}"))
    if result.heatmaps:
        for kpi, table in result.heatmaps.items():
            table.to_csv(tables_dir / f"heatmap-{kpi}.csv")
        fig = plots.plot_two_factor_heatmaps(result.heatmaps)
        written.append(save_figure(fig, figures_dir / f"heatmaps.{fmt}"))
    if not result.sobol.empty:
        result.sobol.to_csv(tables_dir / "sobol.csv", index=False)
        show("Sobol indices (95% half-widths)", readable(result.sobol))
        written.append(save_figure(plots.plot_sobol(result.sobol), figures_dir / f"sobol.{fmt}"))
    if not result.morris.empty:
        result.morris.to_csv(tables_dir / "morris.csv", index=False)
        show("Morris screening", readable(result.morris))
        fig = plots.plot_morris(result.morris)
        written.append(save_figure(fig, figures_dir / f"morris.{fmt}"))
    if not result.correlations.empty:
        result.correlations.to_csv(tables_dir / "rank-correlations.csv")
        show("Spearman rank correlation, factor vs KPI", result.correlations.reset_index())
    noise = result.noise.rename("share of variance that is seed noise").rename_axis("kpi")
    noise.to_csv(tables_dir / "seed-noise.csv")
    show("Seed noise (variance within design points / total)", noise.reset_index())
    console.print(
        f"{result.runs:,} runs analysed. Tables: {shown(str(tables_dir))}"
        + (
            f"; figures: {', '.join(p.name for p in written)} in {shown(str(figures_dir))}"
            if written
            else ""
        ),
        highlight=False,
    )
