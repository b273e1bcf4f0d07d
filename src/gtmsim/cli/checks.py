"""`gtmsim check bass` and `gtmsim attribute`: the model against textbook results and counterfactual truth."""

from __future__ import annotations

from pathlib import Path

import click

from gtmsim.cli.group import console, errors
from gtmsim.cli.options import (
    out_option,
    progress_bar,
    prospects_option,
    workers_option,
    workers_that_fit,
)
from gtmsim.experiments import defaults
from gtmsim.outputs.terminal import shown


@click.group()
def check() -> None:
    """Check the model against textbook results (see docs/validation.md)."""


@check.command("bass")
@click.option(
    "--p",
    "p",
    type=click.FloatRange(min=0, min_open=True, max=10),
    default=defaults.BASS_P,
    show_default=True,
    help="Innovation coefficient p (per year).",
)
@click.option(
    "--q",
    "q",
    type=click.FloatRange(min=0, max=10),
    default=defaults.BASS_Q,
    show_default=True,
    help="Imitation coefficient q (per year).",
)
@prospects_option(default=defaults.BASS_PROSPECTS, minimum=100)
@click.option(
    "--weeks",
    type=click.IntRange(min=1, max=defaults.MAX_BASS_WEEKS),
    default=defaults.BASS_WEEKS,
    show_default=True,
    help="Weeks to simulate (1040 = 20 years).",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=1, max=defaults.MAX_SEEDS),
    default=defaults.BASS_SEEDS,
    show_default=True,
    help="Runs averaged.",
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
    overwrite: bool,
) -> None:
    """Docking: with sales off, marketing as external influence p and word of mouth as
    imitation q, the model's adopter share must follow the Bass closed form.

    Prints model vs closed form every two years and, as its last line, the largest gap
    between the mean model curve and the closed form over all weeks.
    """
    from gtmsim.experiments.bass import bass_scenario, curves_table, run_bass_check
    from gtmsim.outputs.figures import save_figure
    from gtmsim.outputs.plots.validation import plot_bass
    from gtmsim.outputs.results import default_out_dir, prepare_out_dir, write_atomic

    mixing = "network" if network else "well_mixed"
    scenario = bass_scenario(p, q, prospects, weeks, mixing)
    workers = workers_that_fit([scenario], seeds, weeks, workers, "This Bass check")
    out_dir = out or default_out_dir(["bass-check"])
    prepare_out_dir(out_dir, ("bass.csv", "bass.png"), overwrite)  # before any run
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
            workers,
            on_done=lambda: progress.advance(task),
        )
    table = curves_table(result)
    write_atomic(out_dir / "bass.csv", table.to_csv(index=False, float_format="%.6g"))
    title = f"Bass docking: p={p:g}, q={q:g} per year, {prospects:,} prospects, {seeds} runs, {mixing.replace('_', '-')}"
    save_figure(plot_bass(table, title), out_dir / "bass.png")
    shown = table[table["week"] % defaults.BASS_PRINT_EVERY_WEEKS == 0]
    console.print(
        shown[["years", "closed_form_pct", "model_mean_pct", "discrete_rule_pct"]].to_string(
            index=False, float_format=lambda v: f"{v:.2f}"
        )
    )
    console.print(
        f"discretisation error of the weekly rule: {result.discretisation_gap_pp:.3f} pp; figure and table: {out_dir}"
    )
    click.echo(f"max gap: {result.max_gap_pp:.3f} pp")


@click.command("attribute")
@click.argument("scenario", required=False, default="separate")
@click.option(
    "--seeds",
    type=click.IntRange(min=1, max=defaults.MAX_SEEDS),
    default=defaults.ATTRIBUTION_SEEDS,
    show_default=True,
    help="Seeds; every run (base and counterfactual) uses the same ones.",
)
@click.option(
    "--weeks",
    type=click.IntRange(min=1, max=defaults.MAX_WEEKS),
    default=defaults.ATTRIBUTION_WEEKS,
    show_default=True,
    help="Weeks to simulate.",
)
@prospects_option(default=defaults.ATTRIBUTION_PROSPECTS, minimum=10)
@click.option(
    "--half-life",
    type=click.FloatRange(min=0, min_open=True, max=defaults.MAX_WEEKS),
    default=defaults.HALF_LIFE_WEEKS,
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
    default=defaults.SHAPLEY_MAX_RUNS,
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
    overwrite: bool,
) -> None:
    """Attribute SCENARIO's new ARR (default: separate; the yearly value of the contracts won
    in the run, not the installed base's) to marketing channels, word of mouth and sales:
    first-touch, last-touch, linear and time-decay rules on the touch histories,
    side by side with the true incremental contribution measured by counterfactual runs on the
    same seeds (each channel, all marketing, and sales removed) and, with --shapley, Shapley
    values. Saves attribution.csv, runs.csv and attribution.png. Word of mouth is endogenous:
    it is never removed, so its new ARR is credited to what caused it.

    \b
    Examples:
      gtmsim attribute                          # separate, 10,000 prospects, 104 weeks, 5 seeds
      gtmsim attribute integrated --seeds 20
      gtmsim attribute separate --shapley       # 2^6 runs per seed
    """
    from gtmsim.experiments.attribution import attribute, contributors, planned_runs, sized
    from gtmsim.experiments.runner import replicate_seeds
    from gtmsim.model.scenario_files import load_scenario
    from gtmsim.outputs.attribution import NOTE, attribution_table, write_attribution
    from gtmsim.outputs.results import default_out_dir, prepare_out_dir

    loaded = sized(load_scenario(scenario), prospects)
    total = planned_runs(loaded, seeds, shapley)
    if shapley and total > max_runs:
        n = len(contributors(loaded))
        raise click.UsageError(
            f"Shapley values over {n} contributors need 2^{n} x {seeds} seeds = {total} runs, "
            f"more than --max-runs {max_runs}; use fewer seeds or raise --max-runs."
        )
    workers = workers_that_fit([loaded], total, weeks, workers, "This attribution")
    seed_list = replicate_seeds(loaded.simulation.base_seed, seeds)
    out_dir = out or default_out_dir(["attribution"])
    prepare_out_dir(out_dir, ("attribution.csv", "runs.csv", "attribution.png"), overwrite)
    with progress_bar(errors) as progress:
        task = progress.add_task(
            shown(f"{loaded.name}: {prospects:,} prospects, {weeks} weeks, {seeds} seeds"),
            total=total,
        )
        result = attribute(
            loaded,
            seed_list,
            weeks,
            half_life,
            shapley,
            workers,
            on_done=lambda: progress.advance(task),
            max_runs=max_runs,
        )
    paths = write_attribution(result, out_dir)
    console.print(attribution_table(result))
    console.print(NOTE, highlight=False)
    console.print(f"Saved: {', '.join(str(p) for p in paths)}", highlight=False)
