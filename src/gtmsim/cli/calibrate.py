"""``gtmsim calibrate``: fit organisation levers to target differences (see calibration.py)."""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING

import click
from rich.console import Console

from gtmsim.cli.options import out_option, progress_bar, prospects_option, workers_option

if TYPE_CHECKING:  # the model and scipy load when the command runs, not for `gtmsim --help`
    import numpy as np
    import pandas as pd

    from gtmsim.experiments.calibration import ArmFit, Problem
    from gtmsim.model.scenario import Scenario

console = Console()
errors = Console(stderr=True)

#: The 2025 survey's claims: aligned vs average companies, in % (see ../shared/domain.md).
SURVEY_TARGETS = ("cac=-32", "lead_to_customer=41", "revenue_growth=57")
#: Continuous integration levers fitted by default, with bounds (units as in the reference).
DEFAULT_LEVERS = (
    "organisation.handoff_delay_hours=1:48",
    "organisation.handoff_leakage=0:0.15",
    "organisation.agreed_lead_threshold=0.35:0.6",
    "organisation.cross_skilling=0:1",
)
#: Categorical integration levers tried in every combination (one fit per arm) by default.
DEFAULT_ARMS = (
    "organisation.marketing_goal=leads,revenue",
    "organisation.lead_definition_agreed=true,false",
)


def parse_pairs(items: tuple[str, ...], what: str, option: str) -> dict[str, str]:
    """``key=value`` strings to a dict, with an error that shows the expected form."""
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise click.BadParameter(f"{item!r}: expected {what}", param_hint=option)
        if key in pairs:
            raise click.BadParameter(f"{key} is given twice; give it once", param_hint=option)
        pairs[key] = value
    return pairs


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
    from gtmsim.experiments.summary import SUMMARY_KPIS

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
        if key not in SUMMARY_KPIS:
            raise click.BadParameter(
                f"{key}: not a KPI of summary.csv; use one of {', '.join(SUMMARY_KPIS)}",
                param_hint="--target",
            )
        targets[key] = number
    return targets


def parse_bounds(items: tuple[str, ...], scenario: Scenario) -> dict[str, tuple[float, float]]:
    """``KEY=LOW:HIGH`` strings to {key: (low, high)} for numeric parameters of ``scenario``."""
    bounds = {}
    for key, value in parse_pairs(
        items, "KEY=LOW:HIGH, e.g. organisation.cross_skilling=0:1", "--lever"
    ).items():
        try:
            low, high = (float(v) for v in value.split(":"))
        except ValueError:
            raise click.BadParameter(
                f"{key}={value}: bounds are LOW:HIGH numbers", param_hint="--lever"
            ) from None
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


def toml_value(value: object) -> str:
    """A parameter value written as TOML (true/false, quoted text, a whole or a real number)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"


@click.command()
@click.option(
    "--baseline",
    default="separate",
    show_default=True,
    help="Scenario the targets are relative to.",
)
@click.option(
    "--treatment", default="integrated", show_default=True, help="Scenario whose levers are fitted."
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
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Common seeds per evaluation.",
)
@prospects_option(default=20_000, minimum=500)
@click.option(
    "--weeks", type=click.IntRange(min=2), default=104, show_default=True, help="Weeks per run."
)
@click.option(
    "--design",
    type=click.IntRange(min=6),
    default=30,
    show_default=True,
    help="Lever settings in the design.",
)
@click.option(
    "--refits",
    type=click.IntRange(min=0),
    default=0,
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
) -> None:
    """Fit TREATMENT's levers so its paired differences from BASELINE match targets.

    Default: the survey's claim that aligned companies have CAC 32% lower, lead conversion
    41% higher and revenue growth 57% above average, fitted with four continuous
    integration levers of the integrated scenario within each combination ("arm") of two
    categorical ones (marketing goal, agreed lead definition). Prints every arm's misfit, the
    best fit re-run on fresh seeds with 90% intervals, which levers carry each difference,
    and writes calibration.json and a scenario file. With the defaults it takes ~15 minutes
    on one core (about half on two); use --n, --seeds, --design and --arm to make it quicker.
    """

    from gtmsim.experiments.calibration import (
        Problem,
        arm_settings,
        fit_arms,
        lever_contributions,
        seed_spread,
    )
    from gtmsim.experiments.runner import default_workers, replicate_seeds
    from gtmsim.model.scenario import with_levers
    from gtmsim.model.scenario_files import load_scenario
    from gtmsim.outputs.results import default_out_dir, write_atomic

    base = with_levers(load_scenario(baseline), {"market.prospects": prospects})
    treat = with_levers(load_scenario(treatment), {"market.prospects": prospects})
    target_values = parse_targets(targets)
    bounds = parse_bounds(levers, treat)
    arm_values = parse_arms(arms, treat)
    both = sorted(set(bounds) & set(arm_values))
    if both:
        raise click.BadParameter(
            f"{', '.join(both)}: given both as --lever and as --arm; fit it one way only",
            param_hint="--arm",
        )
    pool = workers or default_workers()
    problem = Problem(base, treat, bounds, target_values, replicate_seeds(2025, seeds), weeks, pool)
    n_arms = len(arm_settings(arm_values))
    # each arm's design and confirming run, the fresh-seed check, one reset per lever
    total = n_arms * (design + 1) + 1 + len(bounds) + len(arm_values)
    out_dir = out or default_out_dir(["calibration"])
    settings = {
        "baseline": baseline,
        "treatment": treatment,
        "targets_pct": target_values,
        "bounds": bounds,
        "arms": arm_values,
        "seeds": seeds,
        "prospects": prospects,
        "weeks": weeks,
        "design_points": design,
    }
    finished: list[ArmFit] = []
    try:
        with progress_bar(errors, remaining=False, transient=True) as progress:
            task = progress.add_task(
                f"calibrating {len(bounds)} levers in {n_arms} arms on {seeds} seeds", total=total
            )
            fits = fit_arms(
                problem,
                arm_values,
                design_points=design,
                on_evaluation=lambda: progress.advance(task),
                into=finished,
            )
            best = fits[0]
            fresh = best.problem.differences(best.levers, replicate_seeds(4242, seeds))
            progress.advance(task)
            contributions = lever_contributions(best.problem, best.levers, base, best.arm)
            progress.advance(task, len(bounds) + len(arm_values))
        spread = (
            seed_spread(
                best.problem,
                [replicate_seeds(7000 + i, seeds) for i in range(refits)],
                design_points=design,
            )
            if refits
            else None
        )
    except KeyboardInterrupt:
        out_dir.mkdir(parents=True, exist_ok=True)
        partial = {**settings, "complete": False, "arm_fits": arm_records(finished)}
        write_atomic(out_dir / "calibration.json", json.dumps(json_safe(partial), indent=2) + "\n")
        errors.print(
            f"Interrupted: {len(finished)} of {n_arms} arm(s) were fitted and are saved in "
            f"{out_dir / 'calibration.json'} (complete: false); no scenario file was written."
        )
        sys.exit(130)
    fitted = simulated_values(best.problem, best.levers)
    console.print(
        f"Fitted {n_arms} arm(s) x {design + 1} lever settings x {seeds} seeds, "
        f"{prospects:,} prospects, {weeks} weeks. Misfit by arm (lower is better):"
    )
    for fit in fits:
        console.print(f"  {describe_arm(fit)}")
    console.print("\nBest fit:")
    for key, value in best.arm.items():
        console.print(f"  {key} = {toml_value(value)}")
    for key, value in fitted.items():
        console.print(f"  {key} = {value:.3g}   (bounds {bounds[key][0]:g}-{bounds[key][1]:g})")
    console.print(
        "\nFit, re-run on fresh seeds: median paired % difference, its 90% interval over seeds,"
        "\nthe median's seed noise (se, bootstrap) and z = (model - target) / se:"
    )
    console.print(fresh.to_string(float_format=lambda v: f"{v:.1f}"))
    missing = fresh.index[fresh["model_pct"].isna()].tolist()
    if missing:
        errors.print(
            f"[yellow]Warning:[/] the model gave no value for {', '.join(missing)} (e.g. no "
            "customers, so no CAC): this fit means nothing. Use a larger market (--n) or more "
            "weeks (--weeks)."
        )
    missed = fresh.index[fresh["z"].abs() > 3].tolist()
    if missed:
        errors.print(
            f"[yellow]Warning:[/] on fresh seeds the fit misses {', '.join(missed)} by more than "
            "3 standard errors of seed noise: no lever setting within the bounds reached the "
            "target, or the fit needs more seeds (--seeds) or design points (--design). Widen "
            "the bounds or add levers (--lever, --arm) before trusting it."
        )
    console.print(
        "\nShare of each difference lost when one lever is reset to the baseline's value"
        "\n(0 = the lever carries none of it; shares of a noisy difference are noisy too):"
    )
    console.print(short_names(contributions.T).to_string(float_format=lambda v: f"{v:.2f}"))
    if spread is not None:
        console.print("\nRefits on other seed sets (the fit's seed noise):")
        console.print(short_names(spread.T).to_string(float_format=lambda v: f"{v:.3g}"))
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        **settings,
        "complete": True,
        "arm_fits": arm_records(fits),
        "fitted": {**best.arm, **fitted},
        "misfit": best.misfit,
        "fit_on_fresh_seeds": fresh.reset_index().to_dict("records"),
        "contributions": contributions.to_dict(),
        "refits": spread.to_dict("records") if spread is not None else [],
    }
    write_atomic(out_dir / "calibration.json", json.dumps(json_safe(report), indent=2) + "\n")
    inert = [
        key
        for key in fitted
        if contributions[key].notna().any() and (contributions[key].dropna() == 0).all()
    ]
    write_atomic(
        out_dir / "scenario.toml",
        scenario_text(treatment, targets, baseline, best, fitted, fresh, inert),
    )
    console.print(f"\nWritten: {out_dir / 'calibration.json'}, {out_dir / 'scenario.toml'}")


def arm_records(fits: list[ArmFit]) -> list[dict]:
    """Each arm's setting, fitted levers (as simulated) and misfit, for calibration.json."""
    return [
        {"arm": fit.arm, "levers": simulated_values(fit.problem, fit.levers), "misfit": fit.misfit}
        for fit in fits
    ]


def simulated_values(problem: Problem, x: np.ndarray) -> dict[str, float | int]:
    """The lever values as the model ran them (whole-number parameters are rounded)."""
    from gtmsim.model.scenario import lookup, with_levers

    scenario = with_levers(problem.treatment, dict(zip(problem.keys, x, strict=True)))
    return {key: lookup(scenario, key) for key in problem.keys}


def json_safe(value: object) -> object:
    """``value`` with numpy numbers as Python numbers and NaN/inf as null (valid JSON)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(number) if isinstance(value, int) else number


def describe_arm(fit: ArmFit) -> str:
    settings = ", ".join(f"{k.rsplit('.', 1)[1]}={toml_value(v)}" for k, v in fit.arm.items())
    return f"{settings or 'no categorical levers'}: misfit {fit.misfit:.3f}"


def short_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the section from dotted lever names (row labels) so tables fit a terminal."""
    return frame.rename(index=lambda key: key.rsplit(".", 1)[-1])


def scenario_text(
    treatment: str,
    targets: tuple[str, ...],
    baseline: str,
    best: ArmFit,
    fitted: dict[str, float | int],
    fresh: pd.DataFrame,
    inert: list[str],
) -> str:
    """The fitted scenario file: extends the treatment, sets the fitted levers, and says in
    comments what it was fitted to, how well it matched on fresh seeds, and which fitted
    levers changed nothing when reset to the baseline's value (``inert``: no effect in this arm,
    or fitted at the baseline's value)."""
    lines = [
        f"# Calibrated: {treatment} levers fitted to targets {', '.join(targets)} vs {baseline}.",
        "# Fit re-run on fresh seeds: median paired % difference [90% interval over seeds],",
        "# seed noise of the median (se) and the target:",
        *(
            f"#   {kpi}: {row.model_pct:+.0f}% [{row.low:+.0f}, {row.high:+.0f}], "
            f"se {row.se:.0f} (target {row.target_pct:+g}%)"
            for kpi, row in fresh.iterrows()
        ),
        f'extends = "{treatment}.toml"',
        f'name = "{treatment}-calibrated"',
        "",
    ]
    sections: dict[str, list[str]] = {}
    for key, value in {**best.arm, **fitted}.items():
        section, name = key.rsplit(".", 1)
        note = "  # resetting it to the baseline's value changed nothing" if key in inert else ""
        sections.setdefault(section, []).append(f"{name} = {toml_value(value)}{note}")
    for section, entries in sections.items():
        lines += [f"[{section}]", *entries, ""]
    return "\n".join(lines)
