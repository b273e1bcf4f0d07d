"""``gtmsim calibrate``: fit organisation levers to target differences (see calibration.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from gtmsim.cli_options import prospects_option, workers_option

if TYPE_CHECKING:  # the model and scipy load when the command runs, not for `gtmsim --help`
    from gtmsim.calibration import ArmFit

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


def parse_pairs(items: tuple[str, ...], what: str) -> dict[str, str]:
    """``key=value`` strings to a dict, with an error that shows the expected form."""
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(f"{item!r}: expected {what}")
        pairs[key.strip()] = value.strip()
    return pairs


def parse_bounds(items: tuple[str, ...], scenario) -> dict[str, tuple[float, float]]:
    bounds = {}
    for key, value in parse_pairs(
        items, "KEY=LOW:HIGH, e.g. organisation.cross_skilling=0:1"
    ).items():
        try:
            low, high = (float(v) for v in value.split(":"))
        except ValueError:
            raise click.BadParameter(f"{key}={value}: bounds are LOW:HIGH numbers") from None
        node = scenario.model_dump()
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise click.BadParameter(f"{key}: no such parameter (see `gtmsim reference`)")
            node = node[part]
        if isinstance(node, bool) or not isinstance(node, int | float) or not low < high:
            raise click.BadParameter(f"{key}: needs a numeric parameter and LOW < HIGH")
        bounds[key] = (low, high)
    return bounds


def parse_arms(items: tuple[str, ...], scenario) -> dict[str, list]:
    """``KEY=V1,V2`` strings to {key: [values]}, each value checked by the scenario schema."""
    from pydantic import ValidationError

    from gtmsim.calibration import lookup, with_levers

    arms = {}
    for key, value in parse_pairs(
        items, "KEY=VALUE1,VALUE2, e.g. organisation.marketing_goal=leads,revenue"
    ).items():
        try:
            lookup(scenario, key)
        except (KeyError, TypeError):
            raise click.BadParameter(f"{key}: no such parameter (see `gtmsim reference`)") from None
        values = []
        for choice in (v.strip() for v in value.split(",")):
            try:
                values.append(lookup(with_levers(scenario, {key: choice}), key))
            except ValidationError as err:
                allowed = err.errors()[0].get("ctx", {}).get("expected", "see `gtmsim reference`")
                raise click.BadParameter(
                    f"{key}={choice}: not an allowed value (allowed: {allowed})"
                ) from None
        arms[key] = values
    return arms


def toml_value(value) -> str:
    """A parameter value written as TOML (true/false, quoted text, or a number)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
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
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for calibration.json and the fitted scenario.",
)
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
    import numpy as np

    from gtmsim.calibration import (
        Problem,
        arm_settings,
        fit_arms,
        lever_contributions,
        seed_spread,
        with_levers,
    )
    from gtmsim.results import default_out_dir, write_atomic
    from gtmsim.runner import default_workers, replicate_seeds
    from gtmsim.scenario_files import ScenarioError, load_scenario

    base = with_levers(load_scenario(baseline), {"market.prospects": prospects})
    treat = with_levers(load_scenario(treatment), {"market.prospects": prospects})
    target_values = {}
    for key, value in parse_pairs(targets, "KPI=PERCENT, e.g. cac=-32").items():
        try:
            target_values[key] = float(value)
        except ValueError:
            raise click.BadParameter(f"{key}={value}: the target must be a number (%)") from None
    bounds = parse_bounds(levers, treat)
    arm_values = parse_arms(arms, treat)
    pool = workers or default_workers()
    problem = Problem(base, treat, bounds, target_values, replicate_seeds(2025, seeds), weeks, pool)
    try:
        problem.differences(np.array([np.mean(b) for b in bounds.values()]))
    except KeyError as err:
        raise ScenarioError(
            f"unknown target KPI {err}; use summary.csv column names such as cac, lead_to_customer, revenue_growth"
        ) from None
    n_arms = max(len(arm_settings(arm_values)), 1)
    total = n_arms * (design + 1) + 1 + len(bounds) + len(arm_values)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task(
            f"calibrating {len(bounds)} levers in {n_arms} arms on {seeds} seeds", total=total
        )
        fits = fit_arms(
            problem,
            arm_values,
            design_points=design,
            on_evaluation=lambda: progress.advance(task),
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
    fitted = dict(zip(problem.keys, (float(v) for v in best.levers), strict=True))
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
    console.print(
        "\nShare of each difference lost when one lever is reset to the baseline's value"
        "\n(0 = the lever carries none of it; shares of a noisy difference are noisy too):"
    )
    console.print(short_names(contributions.T).to_string(float_format=lambda v: f"{v:.2f}"))
    if spread is not None:
        console.print("\nRefits on other seed sets (the fit's seed noise):")
        console.print(short_names(spread.T).to_string(float_format=lambda v: f"{v:.3g}"))
    out_dir = out or default_out_dir(["calibration"])
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "baseline": baseline,
        "treatment": treatment,
        "targets_pct": target_values,
        "bounds": bounds,
        "arms": arm_values,
        "seeds": seeds,
        "prospects": prospects,
        "weeks": weeks,
        "design_points": design,
        "arm_fits": [
            {
                "arm": fit.arm,
                "levers": dict(zip(problem.keys, map(float, fit.levers), strict=True)),
                "misfit": fit.misfit,
            }
            for fit in fits
        ],
        "fitted": {**best.arm, **fitted},
        "misfit": best.misfit,
        "fit_on_fresh_seeds": fresh.reset_index().to_dict("records"),
        "contributions": contributions.to_dict(),
        "refits": spread.to_dict("records") if spread is not None else [],
    }
    write_atomic(out_dir / "calibration.json", json.dumps(report, indent=2, default=float) + "\n")
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


def describe_arm(fit: ArmFit) -> str:
    settings = ", ".join(f"{k.rsplit('.', 1)[1]}={toml_value(v)}" for k, v in fit.arm.items())
    return f"{settings or 'no categorical levers'}: misfit {fit.misfit:.3f}"


def short_names(frame):
    """Drop the section from dotted lever names (row labels) so tables fit a terminal."""
    return frame.rename(index=lambda key: key.rsplit(".", 1)[-1])


def scenario_text(
    treatment, targets, baseline, best: ArmFit, fitted, fresh, inert: list[str]
) -> str:
    """The fitted scenario file: extends the treatment, sets the fitted levers, and says in
    comments what it was fitted to, how well it matched on fresh seeds, and which fitted
    levers made no difference at all in the chosen arm (``inert``)."""
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
        note = "  # no effect in this arm" if key in inert else ""
        sections.setdefault(section, []).append(f"{name} = {toml_value(value)}{note}")
    for section, entries in sections.items():
        lines += [f"[{section}]", *entries, ""]
    return "\n".join(lines)
