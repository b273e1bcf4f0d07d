"""The ``gtmsim`` command line. It only connects: parsing, progress, tables, errors."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from gtmsim.classroom.server import CLASSROOM_PROSPECTS, COMPARE_WITH, DEFAULT_HOST, DEFAULT_PORT
from gtmsim.cli.calibrate import calibrate
from gtmsim.cli.options import out_option, progress_bar, prospects_option, workers_option

# Commands import what they need when they run, so `gtmsim --help` answers at once instead of
# loading the model, pandas, scipy and matplotlib first.

console = Console()
errors = Console(stderr=True)


class FriendlyGroup(click.Group):
    """Turns our own input errors into one short paragraph instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # --help, usage errors, Ctrl-C: click's own handling
        except Exception as err:
            from gtmsim.model.scenario_files import ScenarioError
            from gtmsim.outputs.results import ResultsError  # imported late: --help stays instant

            if not isinstance(err, ScenarioError | ResultsError):
                raise
            errors.print(f"[bold red]Error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
            sys.exit(2)


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gtmsim")
def main() -> None:
    """gtmsim: simulate how marketing, sales and the way they work together grow a market.

    Start with `gtmsim scenarios`, then `gtmsim run separate integrated`.
    """


def run_options(default_seeds: str):
    """The options shared by `run` and `compare`."""

    def decorate(command):
        for option in reversed(
            [
                click.option(
                    "--seeds",
                    type=click.IntRange(min=1),
                    help=f"Replicate runs per scenario [default: {default_seeds}].",
                ),
                click.option(
                    "--weeks",
                    type=click.IntRange(min=1, max=2080),
                    help="Weeks to simulate [default: the scenario's simulation.weeks, 104].",
                ),
                out_option("the results [default: results/<names>-<time>]"),
                workers_option,
                click.option(
                    "--base-seed",
                    type=click.IntRange(min=0),
                    default=None,
                    help="Root seed [default: the first scenario's simulation.base_seed].",
                ),
            ]
        ):
            command = option(command)
        return command

    return decorate


def run_and_save(
    names: tuple[str, ...],
    seeds: int | None,
    weeks: int | None,
    out: Path | None,
    workers: int | None,
    base_seed: int | None,
) -> Path:
    """Load scenarios, run them on common seeds with a progress bar, save and print the table."""
    from gtmsim.experiments.runner import default_workers, replicate_seeds, run_batch
    from gtmsim.model.scenario_files import ScenarioError, load_scenario
    from gtmsim.outputs.results import default_out_dir, write_results
    from gtmsim.outputs.tables import kpi_table

    loaded = [load_scenario(name) for name in names]
    labels = [s.name for s in loaded]
    if len(set(labels)) != len(labels):
        raise ScenarioError(
            f"two scenarios share the name {sorted({n for n in labels if labels.count(n) > 1})}; "
            f'give each a distinct `name = "..."` so their results can be told apart.'
        )
    first = loaded[0].simulation
    n_seeds = seeds or first.seeds
    n_weeks = weeks or first.weeks
    seed_list = replicate_seeds(first.base_seed if base_seed is None else base_seed, n_seeds)
    out_dir = out or default_out_dir(labels)
    total = len(loaded) * n_seeds
    pool = workers or default_workers()
    with progress_bar(errors) as progress:
        task = progress.add_task(f"{' vs '.join(labels)}: {n_weeks} weeks", total=total)
        batch = run_batch(
            loaded,
            seed_list,
            n_weeks,
            pool,
            on_done=lambda: progress.advance(task),
            keep_partial=True,
        )
    if not batch.runs:
        errors.print("Interrupted before any run finished; nothing was written.")
        sys.exit(130)
    write_results(out_dir, batch.timeseries(), batch.summary(), batch.manifest())
    console.print(kpi_table(batch.summary(), labels))
    if batch.interrupted:
        errors.print(
            f"Interrupted: {len(batch.runs)} of {total} runs finished and were saved to "
            f"{out_dir} (manifest says complete: false)."
        )
        sys.exit(130)
    return out_dir


@main.command()
@click.argument("scenarios", nargs=-1)
@run_options("the scenario's simulation.seeds, 10")
def run(scenarios: tuple[str, ...], **options) -> None:
    """Run one or more SCENARIOS over many seeds and print a KPI table.

    SCENARIOS are .toml files or names of shipped scenarios (default: separate). Several
    scenarios run on the same seeds, so their differences are paired. Results go to a
    folder with manifest.json, timeseries.csv and summary.csv.

    \b
    Examples:
      gtmsim run                              # the separate organisation, 10 seeds
      gtmsim run separate integrated --seeds 20
      gtmsim run my-plan.toml --weeks 52 --out results/my-plan
    """
    out_dir = run_and_save(scenarios or ("separate",), **options)
    console.print(f"Results: {out_dir}")


@main.command()
@click.argument("scenarios", nargs=-1)
@run_options("20")
def compare(scenarios: tuple[str, ...], **options) -> None:
    """Compare SCENARIOS on common seeds: medians, 90% intervals, paired differences.

    The first scenario is the baseline; every other one is compared with it seed by seed
    (common random numbers), so the differences are paired. Default: separate integrated.

    \b
    Examples:
      gtmsim compare                                   # separate vs integrated, 20 seeds
      gtmsim compare separate integrated growth-team --seeds 40
    """
    from gtmsim.outputs.plots.outcomes import draw_all
    from gtmsim.outputs.report import write_report

    names = scenarios or ("separate", "integrated")
    if len(names) < 2:
        raise click.UsageError("compare needs at least two scenarios (the first is the baseline).")
    options["seeds"] = options["seeds"] or 20
    out_dir = run_and_save(names, **options)
    with console.status("Drawing figures..."):
        paths = draw_all(out_dir)
        report_paths = write_report(out_dir)
    console.print(f"Results: {out_dir}  (figures: {', '.join(p.name for p in paths)})")
    console.print(
        f"Report: {report_paths[1]} (and {report_paths[0].name})", highlight=False, soft_wrap=True
    )


@main.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="Image format of the figures.",
)
def plot(results_dir: Path, fmt: str) -> None:
    """Redraw every figure of RESULTS_DIR from its saved results (the model is not run).

    Figures go to RESULTS_DIR/figures/: journey, kpis, funnel, spend and (with two or more
    scenarios) differences against the first scenario.
    """
    from gtmsim.outputs.plots.outcomes import draw_all

    paths = draw_all(results_dir, fmt=fmt)
    for path in paths:
        console.print(str(path), highlight=False)


@main.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
def report(results_dir: Path) -> None:
    """Write RESULTS_DIR/report.md and a self-contained report.html from its saved results.

    The report (for handing out or printing) lists the scenarios and the parameters in which
    they differ, the KPI table, the figures (drawn if missing) and, per KPI, the mechanism
    behind each difference. The model is not run.
    """
    from gtmsim.outputs.report import write_report

    for path in write_report(results_dir):
        console.print(str(path), highlight=False, soft_wrap=True)


@main.command()
@click.argument("files", nargs=-1, required=True)
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES and explain every mistake (exit status 2 if any is wrong)."""
    from gtmsim.model.scenario_files import ScenarioError, load_scenario

    bad = 0
    for name in files:
        try:
            scenario = load_scenario(name)
        except ScenarioError as err:
            bad += 1
            errors.print(
                f"[bold red]{escape(name)}: invalid[/]\n{escape(str(err))}\n",
                highlight=False,
                soft_wrap=True,
            )
            continue
        console.print(
            f"[green]{escape(name)}: ok[/] (scenario '{scenario.name}', sha256 {scenario.digest()[:12]})"
        )
    if bad:
        sys.exit(2)


@main.group()
def check() -> None:
    """Check the model against textbook results (see docs/validation.md)."""


@check.command("bass")
@click.option(
    "--p",
    "p",
    type=click.FloatRange(min=0, min_open=True, max=10),
    default=0.03,
    show_default=True,
    help="Innovation coefficient p (per year).",
)
@click.option(
    "--q",
    "q",
    type=click.FloatRange(min=0, max=10),
    default=0.38,
    show_default=True,
    help="Imitation coefficient q (per year).",
)
@prospects_option(default=100_000, minimum=100)
@click.option(
    "--weeks",
    type=click.IntRange(min=1, max=5200),
    default=1040,
    show_default=True,
    help="Weeks to simulate (1040 = 20 years).",
)
@click.option(
    "--seeds", type=click.IntRange(min=1), default=10, show_default=True, help="Runs averaged."
)
@click.option(
    "--network",
    is_flag=True,
    help="Imitate social ties instead of the whole market (not Bass's assumption).",
)
@workers_option
@out_option("bass.csv and bass.png [default: results/bass-check-<time>]")
def check_bass(
    p: float,
    q: float,
    prospects: int,
    weeks: int,
    seeds: int,
    network: bool,
    workers: int | None,
    out: Path | None,
) -> None:
    """Docking: with sales off, marketing as external influence p and word of mouth as
    imitation q, the model's adopter share must follow the Bass closed form.

    Prints model vs closed form every two years and, as its last line, the largest gap
    between the mean model curve and the closed form over all weeks.
    """
    from gtmsim.experiments.bass import curves_table, run_bass_check
    from gtmsim.experiments.runner import default_workers
    from gtmsim.outputs.plots.outcomes import save_figure
    from gtmsim.outputs.plots.validation import plot_bass
    from gtmsim.outputs.results import default_out_dir, write_atomic

    mixing = "network" if network else "well_mixed"
    with progress_bar(errors, remaining=False, transient=True) as progress:
        task = progress.add_task(
            f"Bass p={p:g} q={q:g}, {prospects:,} prospects, {mixing}", total=seeds
        )
        result = run_bass_check(
            p,
            q,
            prospects,
            weeks,
            seeds,
            mixing,
            workers or default_workers(),
            on_done=lambda: progress.advance(task),
        )
    table = curves_table(result)
    out_dir = out or default_out_dir(["bass-check"])
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "bass.csv", table.to_csv(index=False, float_format="%.6g"))
    title = f"Bass docking: p={p:g}, q={q:g} per year, {prospects:,} prospects, {seeds} runs, {mixing.replace('_', '-')}"
    save_figure(plot_bass(table, title), out_dir / "bass.png")
    shown = table[table["week"] % 104 == 0]
    console.print(
        shown[["years", "closed_form_pct", "model_mean_pct", "discrete_rule_pct"]].to_string(
            index=False, float_format=lambda v: f"{v:.2f}"
        )
    )
    console.print(
        f"discretisation error of the weekly rule: {result.discretisation_gap_pp:.3f} pp; figure and table: {out_dir}"
    )
    click.echo(f"max gap: {result.max_gap_pp:.3f} pp")


@main.command("attribute")
@click.argument("scenario", required=False, default="separate")
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Seeds; every run (base and counterfactual) uses the same ones.",
)
@click.option(
    "--weeks",
    type=click.IntRange(min=1, max=2080),
    default=104,
    show_default=True,
    help="Weeks to simulate.",
)
@prospects_option(default=10_000, minimum=10)
@click.option(
    "--half-life",
    type=click.FloatRange(min=0, min_open=True),
    default=4.0,
    show_default=True,
    help="Half-life of the time-decay rule (weeks).",
)
@click.option(
    "--shapley",
    is_flag=True,
    help="Also Shapley values over channels and sales (2^contributors runs per seed).",
)
@click.option(
    "--max-runs",
    type=click.IntRange(min=1),
    default=600,  # attribution.SHAPLEY_MAX_RUNS (kept here so --help loads nothing)
    show_default=True,
    help="Refuse a Shapley enumeration that needs more runs than this.",
)
@workers_option
@out_option("attribution.csv, runs.csv, attribution.png [default: results/attribution-<time>]")
def attribute_command(
    scenario: str,
    seeds: int,
    weeks: int,
    prospects: int,
    half_life: float,
    shapley: bool,
    max_runs: int,
    workers: int | None,
    out: Path | None,
) -> None:
    """Attribute SCENARIO's revenue (default: separate) to marketing channels, word of mouth
    and sales: first-touch, last-touch, linear and time-decay rules on the touch histories,
    side by side with the true incremental contribution measured by counterfactual runs on the
    same seeds (each channel, all marketing, and sales removed) and, with --shapley, Shapley
    values. Saves attribution.csv, runs.csv and attribution.png. Word of mouth is endogenous:
    it is never removed, so its revenue is credited to what caused it.

    \b
    Examples:
      gtmsim attribute                          # separate, 10,000 prospects, 104 weeks, 5 seeds
      gtmsim attribute integrated --seeds 20
      gtmsim attribute separate --shapley       # 2^6 runs per seed
    """
    from gtmsim.experiments.attribution import (
        NOTE,
        attribute,
        attribution_table,
        contributors,
        planned_runs,
        sized,
        write_attribution,
    )
    from gtmsim.experiments.runner import default_workers, replicate_seeds
    from gtmsim.model.scenario_files import load_scenario
    from gtmsim.outputs.results import default_out_dir

    loaded = sized(load_scenario(scenario), prospects)
    total = planned_runs(loaded, seeds, shapley)
    if shapley and total > max_runs:
        n = len(contributors(loaded))
        raise click.UsageError(
            f"Shapley values over {n} contributors need 2^{n} x {seeds} seeds = {total} runs, "
            f"more than --max-runs {max_runs}; use fewer seeds or raise --max-runs."
        )
    seed_list = replicate_seeds(loaded.simulation.base_seed, seeds)
    with progress_bar(errors) as progress:
        task = progress.add_task(
            f"{loaded.name}: {prospects:,} prospects, {weeks} weeks, {seeds} seeds", total=total
        )
        result = attribute(
            loaded,
            seed_list,
            weeks,
            half_life,
            shapley,
            workers or default_workers(),
            on_done=lambda: progress.advance(task),
            max_runs=max_runs,
        )
    out_dir = out or default_out_dir(["attribution"])
    paths = write_attribution(result, out_dir)
    console.print(attribution_table(result))
    console.print(NOTE, highlight=False)
    console.print(f"Saved: {', '.join(str(p) for p in paths)}", highlight=False)


@main.command("scenarios")
def list_scenarios() -> None:
    """List the shipped scenarios with their purpose."""
    from gtmsim.model.scenario_files import purpose, shipped_scenarios

    for name, path in shipped_scenarios().items():
        line = f"[bold]{name:<14}[/] {escape(purpose(path))}"
        console.print(line, highlight=False, soft_wrap=True)
    console.print("\nRun one with `gtmsim run NAME`; copy one and change it to make your own.")


@main.command()
@click.option(
    "--readme",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Instead of printing, regenerate the reference section of this README in place.",
)
def reference(readme: Path | None) -> None:
    """Print the scenario parameter reference (Markdown): every key, unit, default, range."""
    from gtmsim.model.reference import scenario_reference, update_readme
    from gtmsim.outputs.results import write_atomic

    if readme is None:
        click.echo(scenario_reference(), nl=False)
        return
    write_atomic(readme, update_readme(readme.read_text(encoding="utf-8")))
    console.print(f"Updated the scenario reference in {readme}")


@main.command()
@click.argument("scenario", default="separate")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to serve on.",
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to listen on. The default serves this computer only; 0.0.0.0 lets other "
    "computers on the network (students) open the page.",
)
@click.option(
    "--compare",
    type=click.Choice(COMPARE_WITH),
    default="off",
    show_default=True,
    help="Start with a side-by-side run: the same company organised like this scenario.",
)
@click.option(
    "--prospects",
    type=click.IntRange(100, 20_000),
    default=CLASSROOM_PROSPECTS,
    show_default=True,
    help="Market size; budget, channel saturation and reps shrink with it.",
)
def dashboard(scenario: str, port: int, host: str, compare: str, prospects: int) -> None:
    """Run SCENARIO live in the browser, for a class (default: separate).

    Serves a page with the levers a class argues about (budget, channel mix, reps, goals,
    lead definition, CRM, meetings, seed), step/play/reset, live charts and a side-by-side
    mode. It needs no internet access. Stop it with Ctrl-C.

    \b
    Examples:
      gtmsim dashboard                          # then open http://127.0.0.1:8765/
      gtmsim dashboard separate --compare integrated
      gtmsim dashboard my-plan.toml --port 8080
    """
    from gtmsim.classroom import server
    from gtmsim.model.scenario_files import find_scenario, load_scenario

    path = find_scenario(scenario).resolve()
    load_scenario(path)  # stop here, with the usual explanation, if the file is wrong
    try:
        server.check_installed()
    except server.DashboardUnavailable as err:
        raise click.ClickException(str(err)) from None
    console.print(
        f"gtmsim dashboard: open [bold]{server.url(host, port)}[/] in a browser (Ctrl-C stops it)",
        highlight=False,
    )
    sys.exit(server.serve(path, prospects, compare, host, port))


main.add_command(calibrate)


if __name__ == "__main__":
    main()
