"""`gtmsim analyse FOLDER`: tables and figures from a sweep's store (no model runs)."""

from __future__ import annotations

from pathlib import Path

import click

from gtmsim.cli.group import console, errors
from gtmsim.cli.options import figure_format_option
from gtmsim.outputs.terminal import shown


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
