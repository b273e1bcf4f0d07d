"""``gtmsim calibrate``: fit organisation levers to target differences (see calibration.py)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from gtmsim.cli.group import console, errors
from gtmsim.cli.options import (
    out_option,
    parse_pairs,
    parse_ranges,
    progress_bar,
    prospects_option,
    workers_option,
    workers_that_fit,
)
from gtmsim.experiments import defaults

if TYPE_CHECKING:  # the model and scipy load when the command runs, not for `gtmsim --help`
    import pandas as pd

    from gtmsim.experiments.fitting import ArmFit
    from gtmsim.model.scenario import Scenario


def _pairs(mapping: dict, separator: str) -> tuple[str, ...]:
    """Defaults written the way the option takes them, e.g. ``cac=-32`` or ``key=0:1``."""

    def text(value: object) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        return f"{value:g}" if isinstance(value, float) else str(value)

    def joined(value: object) -> str:
        return separator.join(map(text, value)) if isinstance(value, tuple | list) else text(value)

    return tuple(f"{key}={joined(value)}" for key, value in mapping.items())


SURVEY_TARGETS = _pairs(defaults.SURVEY_TARGETS, "")
DEFAULT_LEVERS = _pairs(defaults.CALIBRATION_LEVERS, ":")
DEFAULT_ARMS = _pairs(defaults.CALIBRATION_ARMS, ",")


def parameter_value(scenario: Scenario, key: str, option: str) -> object:
    """The current value of dotted ``key`` in ``scenario``; a clear error if there is none."""
    from gtmsim.model.scenario import lookup

    try:
        value = lookup(scenario, key)
    except (KeyError, TypeError):
        value = None
    if "." not in key or value is None or isinstance(value, dict | list):
        raise click.BadParameter(
            f"{key}: no such parameter; use SECTION.NAME as in `gtmsim reference`, "
            "e.g. organisation.handoff_leakage",
            param_hint=option,
        )
    return value


def parse_targets(items: tuple[str, ...]) -> dict[str, float]:
    """``KPI=PERCENT`` strings to {kpi: finite %}, KPIs checked against summary.csv's columns."""
    from gtmsim.model.kpis import SUMMARY

    targets = {}
    for key, value in parse_pairs(items, "KPI=PERCENT, e.g. cac=-32", "--target").items():
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise click.BadParameter(
                f"{key}={value}: the target must be a finite number (%)", param_hint="--target"
            )
        if key not in SUMMARY:
            raise click.BadParameter(
                f"{key}: not a KPI of summary.csv; use one of {', '.join(SUMMARY)}",
                param_hint="--target",
            )
        targets[key] = number
    return targets


def parse_bounds(items: tuple[str, ...], scenario: Scenario) -> dict[str, tuple[float, float]]:
    """``KEY=LOW:HIGH`` strings to {key: (low, high)} for numeric parameters of ``scenario``."""
    bounds = {}
    for key, (low, high) in parse_ranges(items, "--lever").items():
        node = parameter_value(scenario, key, "--lever")
        if isinstance(node, bool) or not isinstance(node, int | float) or not low < high:
            raise click.BadParameter(
                f"{key}: needs a numeric parameter and LOW < HIGH (categorical ones go in --arm)",
                param_hint="--lever",
            )
        bounds[key] = (low, high)
    return bounds


def parse_arms(items: tuple[str, ...], scenario: Scenario) -> dict[str, list]:
    """``KEY=V1,V2`` strings to {key: [distinct values]}, each checked by the scenario schema."""
    from gtmsim.model.scenario import lookup, with_levers

    arms = {}
    for key, value in parse_pairs(
        items, "KEY=VALUE1,VALUE2, e.g. organisation.marketing_goal=leads,revenue", "--arm"
    ).items():
        current = parameter_value(scenario, key, "--arm")
        values: list = []
        for choice in (v.strip() for v in value.split(",") if v.strip()):
            try:
                parsed = lookup(with_levers(scenario, {key: choice}), key)
            except ValueError as err:  # pydantic's ValidationError is a ValueError
                errors_ = getattr(err, "errors", lambda: [{}])()
                allowed = errors_[0].get("ctx", {}).get("expected")
                if allowed is None:
                    allowed = (
                        "true or false" if isinstance(current, bool) else type(current).__name__
                    )
                raise click.BadParameter(
                    f"{key}={choice}: not an allowed value (allowed: {allowed})", param_hint="--arm"
                ) from None
            if parsed not in values:
                values.append(parsed)
        if not values:
            raise click.BadParameter(f"{key}: give at least one value", param_hint="--arm")
        arms[key] = values
    return arms


@click.command()
@click.option(
    "--baseline",
    default=defaults.CALIBRATION_BASELINE,
    show_default=True,
    help="Scenario the targets are relative to.",
)
@click.option(
    "--treatment",
    default=defaults.CALIBRATION_TREATMENT,
    show_default=True,
    help="Scenario whose levers are fitted.",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    default=SURVEY_TARGETS,
    show_default=True,
    help="KPI=PERCENT: target paired % difference, treatment vs baseline (summary.csv columns).",
)
@click.option(
    "--lever",
    "levers",
    multiple=True,
    default=DEFAULT_LEVERS,
    show_default=True,
    help="KEY=LOW:HIGH: a numeric treatment parameter to fit, with bounds.",
)
@click.option(
    "--arm",
    "arms",
    multiple=True,
    default=DEFAULT_ARMS,
    show_default=True,
    help="KEY=V1,V2: a categorical treatment parameter; every combination is fitted separately.",
)
@click.option(
    "--seeds",
    type=click.IntRange(min=2, max=defaults.MAX_SEEDS),
    default=defaults.CALIBRATION_SEEDS,
    show_default=True,
    help="Common seeds per evaluation.",
)
@prospects_option(default=defaults.CALIBRATION_PROSPECTS, minimum=500)
@click.option(
    "--weeks",
    type=click.IntRange(min=2, max=defaults.MAX_WEEKS),
    default=defaults.CALIBRATION_WEEKS,
    show_default=True,
    help="Weeks per run.",
)
@click.option(
    "--design",
    type=click.IntRange(min=6, max=defaults.MAX_CALIBRATION_DESIGN),
    default=defaults.CALIBRATION_DESIGN,
    show_default=True,
    help="Lever settings in the design.",
)
@click.option(
    "--refits",
    type=click.IntRange(min=0, max=defaults.MAX_CALIBRATION_REFITS),
    default=defaults.CALIBRATION_REFITS,
    show_default=True,
    help="Refits on other seed sets, to show the fit's seed noise.",
)
@workers_option
@out_option("calibration.json and scenario.toml [default: results/calibration-<time>]")
def calibrate(
    baseline,
    treatment,
    targets,
    levers,
    arms,
    seeds,
    prospects,
    weeks,
    design,
    refits,
    workers,
    out,
    overwrite,
) -> None:
    """Fit TREATMENT's levers so its paired differences from BASELINE match targets.

    Default: the survey's claim that aligned companies have CAC 32% lower, lead conversion
    41% higher and an ARR growth rate 57% above average, fitted with four continuous
    integration levers of the integrated scenario within each combination ("arm") of two
    categorical ones (marketing goal, agreed lead definition). Prints every arm's misfit, the
    best fit re-run on fresh seeds with 90% intervals, which levers carry each difference,
    and writes calibration.json and a scenario file. With the defaults it takes ~15 minutes
    on one core (about half on two); use --n, --seeds, --design and --arm to make it quicker.
    """
    from gtmsim.experiments.calibration import (
        CalibrationSpec,
        partial_record,
        toml_value,
    )
    from gtmsim.experiments.calibration import (
        calibrate as run_calibration,
    )
    from gtmsim.experiments.fitting import arm_settings
    from gtmsim.outputs.results import default_out_dir, prepare_out_dir, write_atomic

    spec = CalibrationSpec(
        baseline, treatment, seeds=seeds, prospects=prospects, weeks=weeks, design=design
    )
    base, treat = spec.scenarios()
    spec.refits = refits
    spec.workers = workers_that_fit([base, treat], 2 * seeds, weeks, workers, "This calibration")
    spec.targets = parse_targets(targets)
    spec.bounds = parse_bounds(levers, treat)
    spec.arms = parse_arms(arms, treat)
    both = sorted(set(spec.bounds) & set(spec.arms))
    if both:
        raise click.BadParameter(
            f"{', '.join(both)}: given both as --lever and as --arm; fit it one way only",
            param_hint="--arm",
        )
    n_arms = len(arm_settings(spec.arms))
    out_dir = out or default_out_dir(["calibration"])
    prepare_out_dir(out_dir, ("calibration.json", "scenario.toml"), overwrite)  # before any run
    spec.cache_dir = out_dir  # runs.sqlite: the same command with --overwrite resumes
    finished: list = []
    try:
        with progress_bar(errors, remaining=False, transient=True) as progress:
            task = progress.add_task(
                f"calibrating {len(spec.bounds)} levers in {n_arms} arms on {seeds} seeds",
                total=spec.evaluations,
            )
            result = run_calibration(spec, lambda: progress.advance(task), finished)
    except KeyboardInterrupt:
        out_dir.mkdir(parents=True, exist_ok=True)
        record = partial_record(spec, finished)
        write_atomic(out_dir / "calibration.json", json.dumps(record, indent=2) + "\n")
        errors.print(
            f"Interrupted: {len(finished)} of {n_arms} arm(s) were fitted and are saved in "
            f"{out_dir / 'calibration.json'} (complete: false); no scenario file was written. "
            f"Every finished run is kept in {out_dir / 'runs.sqlite'}: run the same command with "
            f"--out {out_dir} --overwrite to resume without running them again."
        )
        sys.exit(130)
    best, bounds = result.best, spec.bounds
    console.print(
        f"Fitted {n_arms} arm(s) x {design + 1} lever settings x {seeds} seeds, "
        f"{prospects:,} prospects, {weeks} weeks. Misfit by arm (lower is better):"
    )
    for fit in result.fits:
        console.print(f"  {describe_arm(fit, toml_value)}")
    console.print("\nBest fit:")
    for key, value in best.arm.items():
        console.print(f"  {key} = {toml_value(value)}")
    for key, value in result.fitted.items():
        console.print(f"  {key} = {value:.3g}   (bounds {bounds[key][0]:g}-{bounds[key][1]:g})")
    console.print(
        "\nFit, re-run on fresh seeds: median paired % difference, its 90% interval over seeds,"
        "\nthe median's seed noise (se, bootstrap) and z = (model - target) / se:"
    )
    console.print(result.fresh.to_string(float_format=lambda v: f"{v:.1f}"))
    if result.undefined:
        errors.print(
            f"[yellow]Warning:[/] the model gave no value for {', '.join(result.undefined)} (e.g. "
            "no customers, so no CAC): this fit means nothing. Use a larger market (--n) or more "
            "weeks (--weeks)."
        )
    if result.missed:
        errors.print(
            f"[yellow]Warning:[/] on fresh seeds the fit misses {', '.join(result.missed)} by more "
            "than 3 standard errors of seed noise: no lever setting within the bounds reached the "
            "target, or the fit needs more seeds (--seeds) or design points (--design). Widen "
            "the bounds or add levers (--lever, --arm) before trusting it."
        )
    console.print(
        "\nShare of each difference lost when one lever is reset to the baseline's value"
        "\n(0 = the lever carries none of it; shares of a noisy difference are noisy too):"
    )
    console.print(short_names(result.contributions.T).to_string(float_format=lambda v: f"{v:.2f}"))
    if result.spread is not None:
        console.print("\nRefits on other seed sets (the fit's seed noise):")
        console.print(short_names(result.spread.T).to_string(float_format=lambda v: f"{v:.3g}"))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(out_dir / "calibration.json", json.dumps(result.record(), indent=2) + "\n")
    write_atomic(out_dir / "scenario.toml", result.scenario_toml())
    console.print(f"\nWritten: {out_dir / 'calibration.json'}, {out_dir / 'scenario.toml'}")


def describe_arm(fit: ArmFit, toml_value: Callable[[object], str]) -> str:
    """One arm's setting and misfit, on one line."""
    settings = ", ".join(f"{k.rsplit('.', 1)[1]}={toml_value(v)}" for k, v in fit.arm.items())
    return f"{settings or 'no categorical levers'}: misfit {fit.misfit:.3f}"


def short_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the section from dotted lever names (row labels) so tables fit a terminal."""
    return frame.rename(index=lambda key: key.rsplit(".", 1)[-1])
