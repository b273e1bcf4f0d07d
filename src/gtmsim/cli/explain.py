"""`gtmsim explain BASELINE TARGET`: which practice carries how much of the difference."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click

from gtmsim.cli.group import console, errors
from gtmsim.cli.options import out_option, progress_bar, workers_option, workers_that_fit
from gtmsim.experiments.defaults import MAX_PROSPECTS, MAX_SEEDS, MAX_WEEKS
from gtmsim.outputs.terminal import compact, shown

PRODUCTS = (
    "explain.csv",
    "interactions.csv",
    "alone.csv",
    "path.csv",
    "explain-waterfall.png",
    "explain-interactions.png",
    "explain-path.png",
    "report.md",
    "report.html",
)


def read_table(path: Path, table: str, kind: type, what: str) -> dict:
    """The ``[table]`` of a TOML file as {name: value}, each value checked to be ``kind``."""
    from gtmsim.model.scenario_files import ScenarioError

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read this file ({err}).") from None
    entries = data.get(table)
    if not isinstance(entries, dict) or not entries:
        raise ScenarioError(f"{path}: needs a [{table}] table of {what}.")
    for name, value in entries.items():
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ScenarioError(f"{path}: {table}.{name} = {value!r}: expected {what}.")
    return entries


def grouping_for(option: str, firms: list[str] | None = None):
    """The grouping --group asks for: the five practices, one group per parameter, one per
    firm of two markets (``firm``), or a file."""
    from gtmsim.experiments.explain import PRACTICES

    if option == "practices":
        return PRACTICES
    if option == "firm":
        if not firms:
            raise click.BadParameter(
                "'firm' groups the levers of two markets' firms; these are scenarios",
                param_hint="--group",
            )
        return {firm: (f"firms.{firm}.",) for firm in firms}
    if option == "parameter":
        return None
    groups = read_table(
        Path(option),
        "groups",
        list,
        'lists of parameter keys or prefixes, e.g. "connected technology" = ["organisation.handoff_"]',
    )
    return {name: tuple(str(k) for k in keys) for name, keys in groups.items()}


@click.command("explain")
@click.argument("baseline", default="separate")
@click.argument("target", default="integrated")
@click.option(
    "--seeds",
    type=click.IntRange(2, MAX_SEEDS),
    default=20,
    show_default=True,
    help="Common seeds; every coalition runs on each.",
)
@click.option(
    "--weeks",
    type=click.IntRange(1, MAX_WEEKS),
    default=None,
    help="Weeks per run [default: the baseline's].",
)
@click.option(
    "--n",
    "prospects",
    type=click.IntRange(100, MAX_PROSPECTS),
    default=None,
    help="Market size; both companies are resized with it [default: the baseline's].",
)
@click.option(
    "--kpi",
    "kpis",
    multiple=True,
    metavar="KPI",
    help="KPI to decompose (summary.csv column). Repeatable [default: every headline KPI].",
)
@click.option(
    "--group",
    "grouping",
    default="practices",
    show_default=True,
    metavar="practices|parameter|firm|FILE",
    help="Group the differing parameters into the five practices (per firm for markets), one group per parameter, one per firm (markets), or as a TOML file's [groups] table says (name = [keys or key prefixes]).",
)
@click.option(
    "--by",
    default="arr",
    show_default=True,
    metavar="KPI",
    help="KPI the adoption path and the interaction matrix are for.",
)
@click.option(
    "--costs",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML file with a [costs] table (group = cost): the adoption path ranks gain per cost.",
)
@click.option(
    "--firm",
    default=None,
    metavar="NAME",
    help="For two markets with the same firms: whose KPIs to explain [default: the first firm].",
)
@out_option("the tables and figures [default: results/explain-<baseline>-vs-<target>-<time>]")
@workers_option
def explain_command(
    baseline,
    target,
    seeds,
    weeks,
    prospects,
    kpis,
    grouping,
    by,
    costs,
    firm,
    out,
    overwrite,
    workers,
) -> None:
    """Explain the difference between BASELINE and TARGET (default: separate, integrated):
    how much of each KPI's paired difference each practice carries, which practices only
    work together, and the order in which to adopt them.

    Every combination of the practices in which the two differ runs on the same seeds, and
    each practice gets its Shapley value: its marginal effect averaged over every order of
    adoption. The values add up exactly to the total difference, seed by seed; a practice
    the two share gets zero. Means over seeds with 95% confidence intervals, in each KPI's unit.

    \b
    Examples:
      gtmsim explain                               # separate -> integrated, 20 seeds
      gtmsim explain separate growth-team --group parameter --kpi cac
      gtmsim explain separate integrated --costs my-costs.toml --by cac
      gtmsim explain duopoly price-war --firm us     # two markets, our KPIs
    """
    from gtmsim.experiments.explain import (
        LOWER_IS_BETTER,
        MAX_GROUPS,
        differing,
        explain,
        groups_for,
    )
    from gtmsim.experiments.plan import load_unit
    from gtmsim.experiments.runner import replicate_seeds
    from gtmsim.model.kpis import HEADLINE, SUMMARY
    from gtmsim.model.market_scenario import MarketScenario, resized_unit
    from gtmsim.outputs import explain_report as report
    from gtmsim.outputs.figures import save_figure
    from gtmsim.outputs.plots import explain as plots
    from gtmsim.outputs.results import default_out_dir, prepare_out_dir

    kpis = list(kpis) or list(HEADLINE)
    bad = [k for k in [*kpis, by] if k not in SUMMARY]
    if bad:
        raise click.BadParameter(
            f"{', '.join(bad)}: not KPIs of summary.csv; use any of {', '.join(SUMMARY)}",
            param_hint="--kpi/--by",
        )
    if by not in kpis:
        kpis.append(by)
    base, goal = load_unit(baseline), load_unit(target)
    seed_list = replicate_seeds(base.simulation.base_seed, seeds)
    weeks = weeks or base.simulation.weeks
    if prospects:
        base, goal = (resized_unit(unit, prospects) for unit in (base, goal))
    markets = [isinstance(unit, MarketScenario) for unit in (base, goal)]
    if any(markets) and not all(markets):
        raise click.UsageError(
            f"{baseline} and {target}: explain compares two scenarios or two markets with the "
            "same firms, not a market with a scenario."
        )
    if firm is not None and not all(markets):
        raise click.BadParameter("--firm is for two markets of several firms", param_hint="--firm")
    if all(markets) and firm is not None and firm not in base.firms:
        raise click.BadParameter(
            f"{firm!r} is not a firm of {base.name}; its firms are {', '.join(base.firms)}",
            param_hint="--firm",
        )
    grouping_map = grouping_for(grouping, list(base.firms) if all(markets) else None)
    try:
        keys = list(differing(base, goal))
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if not keys:
        raise click.UsageError(
            f"{baseline} and {target} have the same parameters: there is no difference to explain."
        )
    groups = groups_for(keys, grouping_map, list(base.firms) if all(markets) else None)
    if len(groups) > MAX_GROUPS:
        raise click.UsageError(
            f"{baseline} and {target} differ in {len(groups)} groups of levers "
            f"({', '.join(groups)}), which would need 2^{len(groups)} combinations on every "
            f"seed; at most {MAX_GROUPS} groups run. Use --group firm (one group per firm), or "
            "a --group FILE that joins some of them."
        )
    cost_map = (
        read_table(costs, "costs", int | float, "a cost (a number) per group") if costs else None
    )
    if cost_map:
        unknown = sorted(set(cost_map) - set(groups))
        if unknown:
            raise click.BadParameter(
                f"{', '.join(unknown)}: not a group; the groups are {', '.join(groups)}",
                param_hint="--costs",
            )
    runs = 2 ** len(groups) * len(seed_list)
    executor = workers_that_fit([base, goal], runs, weeks, workers, "This explanation")
    if base.name == goal.name:
        goal = goal.model_copy(update={"name": f"{goal.name} (target)"})
    out_dir = out or default_out_dir(["explain", base.name, goal.name])
    prepare_out_dir(out_dir, PRODUCTS, overwrite)
    with progress_bar(errors) as progress:
        task = progress.add_task(
            f"{len(groups)} groups: {2 ** len(groups)} combinations x {len(seed_list)} seeds",
            total=runs,
        )
        result = explain(
            base,
            goal,
            seed_list,
            weeks,
            kpis,
            grouping_map,
            executor,
            lambda: progress.advance(task),
            firm,
        )
        progress.update(task, completed=runs)  # combinations that equal another ran once
    contributions = result.contributions()
    interactions = result.interactions()
    alone = result.alone()
    path = result.adoption_path(by, cost_map)
    contributions.to_csv(out_dir / "explain.csv", index=False)
    interactions.to_csv(out_dir / "interactions.csv", index=False)
    alone.to_csv(out_dir / "alone.csv", index=False)
    path.to_csv(out_dir / "path.csv", index=False)
    print_tables(result, contributions, interactions, alone, path, by, LOWER_IS_BETTER)
    start = {k: result.start_value(k) for k in kpis}
    figures = [
        save_figure(
            plots.plot_waterfall(contributions, start, result.baseline, result.target),
            out_dir / "explain-waterfall.png",
        ),
        save_figure(
            plots.plot_interactions(interactions, result.names, by),
            out_dir / "explain-interactions.png",
        ),
        save_figure(
            plots.plot_adoption_path(path, by, start[by], result.baseline),
            out_dir / "explain-path.png",
        ),
    ]
    blocks = report.build(
        result.baseline, result.target, len(seed_list), contributions, interactions, alone, path, by
    )
    report.write_explain_report(out_dir, blocks)
    console.print(
        f"Results: {shown(str(out_dir))} (explain.csv, interactions.csv, alone.csv, path.csv, "
        f"report.html; figures: {', '.join(f.name for f in figures)})",
        highlight=False,
    )


def print_tables(result, contributions, interactions, alone, path, by, lower_is_better) -> None:
    """Per KPI: each group's contribution with its interval and its effect alone, the total, and
    the largest interaction; then the adoption path."""
    from rich.table import Table

    from gtmsim.outputs.plots.sweep import kpi_label

    for kpi in result.kpis:
        rows = contributions[contributions["kpi"] == kpi]
        solo = alone[alone["kpi"] == kpi].set_index("group")["gain"]
        table = Table(
            title=f"{kpi_label(kpi)}: {result.baseline} -> {result.target}", title_justify="left"
        )
        columns = ("practice", "mean", "95% CI", "90% of seeds", "better", "alone")
        for column in columns:
            table.add_column(column, justify="left" if column == "practice" else "right")
        for _, row in rows.iterrows():
            name = row["group"]
            table.add_row(
                f"[bold]{name}[/]" if name == "total" else shown(name),
                compact(row["contribution"]),
                f"[{compact(row['low'])}, {compact(row['high'])}]",
                f"[{compact(row['spread_low'])}, {compact(row['spread_high'])}]",
                "n/a" if row["better"] != row["better"] else f"{row['better']:.0%}",
                compact(solo[name]) if name in solo else "",
            )
        console.print(table)
        pairs = interactions[interactions["kpi"] == kpi].dropna(subset=["interaction"])
        if len(pairs):
            top = pairs.loc[pairs["interaction"].abs().idxmax()]
            kind = "complements" if top["interaction"] > 0 else "substitutes"
            console.print(
                f"  largest interaction: {shown(top['group_a'])} x {shown(top['group_b'])} "
                f"{compact(top['interaction'])} [{compact(top['low'])}, {compact(top['high'])}] ({kind})",
                highlight=False,
            )
    better = "lower" if by in lower_is_better else "higher"
    console.print(
        f"\nAdoption path for {kpi_label(by)} ({better} is better): each step's mean gain given those before"
    )
    for _, row in path.iterrows():
        console.print(
            f"  {int(row['step'])}. {shown(row['group'])}: {compact(row['gain'])} [{compact(row['low'])}, {compact(row['high'])}]",
            highlight=False,
        )
