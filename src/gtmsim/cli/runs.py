"""`gtmsim run`, `compare`, `plot` and `report`: scenarios over seeds, and files from saved results."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gtmsim.cli.group import console, errors
from gtmsim.cli.options import figure_format_option, progress_bar, run_options, workers_that_fit
from gtmsim.experiments.defaults import COMPARE_SCENARIOS, COMPARE_SEEDS, RUN_SCENARIOS
from gtmsim.outputs.terminal import shown


def run_and_save(
    names: tuple[str, ...],
    seeds: int | None,
    weeks: int | None,
    out: Path | None,
    workers: int | None,
    base_seed: int | None,
    overwrite: bool = False,
) -> Path:
    """Load scenarios, run them on common seeds with a progress bar, save and print the table."""
    from gtmsim.experiments.plan import plan_runs
    from gtmsim.experiments.runner import run_batch
    from gtmsim.outputs.results import (
        RUN_PRODUCTS,
        default_out_dir,
        prepare_out_dir,
        write_results,
    )
    from gtmsim.outputs.tables import kpi_table

    plan = plan_runs(names, seeds, weeks, base_seed)
    labels = plan.names
    workers = workers_that_fit(plan.scenarios, plan.runs, plan.weeks, workers, "This batch")
    out_dir = out or default_out_dir([unit.name for unit in plan.scenarios])
    created = prepare_out_dir(out_dir, RUN_PRODUCTS, overwrite)  # before any run
    total = plan.runs
    with progress_bar(errors) as progress:
        task = progress.add_task(shown(f"{' vs '.join(labels)}: {plan.weeks} weeks"), total=total)
        batch = run_batch(
            plan.scenarios,
            plan.seeds,
            plan.weeks,
            workers,
            on_done=lambda: progress.advance(task),
            keep_partial=True,
        )
    if not batch.runs:
        if created:
            out_dir.rmdir()
        errors.print("Interrupted before any run finished; nothing was written.")
        sys.exit(130)
    with errors.status(f"Writing {len(batch.runs):,} runs to {shown(str(out_dir))}..."):
        write_results(out_dir, batch.timeseries(), batch.summary(), batch.manifest())
    console.print(kpi_table(batch.summary(), labels))
    if batch.interrupted:
        errors.print(
            f"Interrupted: {len(batch.runs)} of {total} runs finished and were saved to "
            f"{shown(str(out_dir))} (manifest says complete: false)."
        )
        sys.exit(130)
    return out_dir


@click.command()
@click.argument("scenarios", nargs=-1)
@run_options("the scenario's simulation.seeds, 10")
def run(scenarios: tuple[str, ...], **options) -> None:
    """Run one or more SCENARIOS over many seeds and print a KPI table.

    SCENARIOS are .toml files or names of shipped scenarios (default: separate), or markets
    of several firms (scenarios/markets/: each firm's results are named market:firm). Several
    scenarios run on the same seeds, so their differences are paired. Results go to a
    folder with manifest.json, timeseries.csv and summary.csv.

    \b
    Examples:
      gtmsim run                              # the separate organisation, 10 seeds
      gtmsim run separate integrated --seeds 20
      gtmsim run my-plan.toml --weeks 52 --out results/my-plan
      gtmsim run duopoly                      # two firms in one market
    """
    out_dir = run_and_save(scenarios or RUN_SCENARIOS, **options)
    console.print(f"Results: {shown(str(out_dir))}", highlight=False)


@click.command()
@click.argument("scenarios", nargs=-1)
@run_options(str(COMPARE_SEEDS))
def compare(scenarios: tuple[str, ...], **options) -> None:
    """Compare SCENARIOS on common seeds: medians, 90% intervals, paired differences.

    The first scenario is the baseline; every other one is compared with it seed by seed
    (common random numbers), so the differences are paired. Default: separate integrated.
    With markets of several firms, each firm is compared with the same firm in the first
    market, and the tables add market share and share of voice.

    \b
    Examples:
      gtmsim compare                                   # separate vs integrated, 20 seeds
      gtmsim compare separate integrated growth-team --seeds 40
      gtmsim compare duopoly rival-integrates          # two markets of two firms
    """
    from gtmsim.outputs.figures import draw_all
    from gtmsim.outputs.report import write_report

    names = scenarios or COMPARE_SCENARIOS
    if len(names) < 2:
        raise click.UsageError("compare needs at least two scenarios (the first is the baseline).")
    options["seeds"] = options["seeds"] or COMPARE_SEEDS
    out_dir = run_and_save(names, **options)
    with console.status("Drawing figures..."):
        paths = draw_all(out_dir)
        report_paths = write_report(out_dir)
    figures = ", ".join(p.name for p in paths)
    console.print(f"Results: {shown(str(out_dir))}  (figures: {figures})", highlight=False)
    console.print(
        shown(f"Report: {report_paths[1]} (and {report_paths[0].name})"),
        highlight=False,
        soft_wrap=True,
    )


@click.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@figure_format_option
def plot(results_dir: Path, fmt: str) -> None:
    """Redraw every figure of RESULTS_DIR from its saved results (the model is not run).

    Figures go to RESULTS_DIR/figures/: journey, kpis, funnel, spend and (with two or more
    scenarios) differences against the first scenario.
    """
    from gtmsim.outputs.figures import draw_all

    paths = draw_all(results_dir, fmt=fmt)
    for path in paths:
        console.print(shown(str(path)), highlight=False)


@click.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
def report(results_dir: Path) -> None:
    """Write RESULTS_DIR/report.md and a self-contained report.html from its saved results.

    The report (for handing out or printing) lists the scenarios and the parameters in which
    they differ, the KPI table, the figures (drawn if missing) and, per KPI, the mechanism
    behind each difference. The model is not run.
    """
    from gtmsim.outputs.report import write_report

    for path in write_report(results_dir):
        console.print(shown(str(path)), highlight=False, soft_wrap=True)
