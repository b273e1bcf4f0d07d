"""Figures of a results folder: pure functions of the saved tables, each returning a Figure.

Every figure is drawn from ``timeseries.csv`` / ``summary.csv`` alone (no model is run).
Lines are per-scenario medians over seeds and bands the 90% interval (5th to 95th
percentile), as in the KPI table. Figures are built with matplotlib's object API (no
pyplot), so they are safe in servers, tests and worker processes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from itertools import pairwise
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from gtmsim.experiments.comparison import (
    COMPARED,
    INTERVAL,
    median_interval,
    paired_relative_differences,
)
from gtmsim.model.kpis import FUNNEL
from gtmsim.outputs.results import atomic_path, read_results

#: Okabe-Ito colour-blind-safe palette; scenarios take colours in the order they were run.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
}
FORMATS = ("png", "svg", "pdf")
#: Journey stages from the bottom of the stack up, with their colours.
STAGES = {"customers": "#009E73", "trusting": "#0072B2", "aware": "#56B4E9", "unaware": "#D9D9D9"}
BAND = f"median and {INTERVAL[1] - INTERVAL[0]:.0f}% band ({INTERVAL[0]:.0f}th-{INTERVAL[1]:.0f}th percentile)"


def _styled(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw under the gtmsim style, without touching matplotlib's global settings."""

    @wraps(plot)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            return plot(*args, **kwargs)

    return wrapper


def _money(value: float, _pos: object = None) -> str:
    """Compact currency tick: 950, 12k, 1.5M."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _count(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}"


def _log_axis(axis: Axis, label: Callable[[float, object], str]) -> None:
    """Log scale labelled in plain numbers; minor ticks labelled only at 2x and 5x."""
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(
        FuncFormatter(lambda v, pos: label(v, pos) if f"{v:e}"[0] in "25" else "")
    )


MONEY = FuncFormatter(_money)


def _scenarios(frame: pd.DataFrame) -> list[str]:
    """Scenario names in the order they appear (the order they were run)."""
    return list(pd.unique(frame["scenario"]))


def _colours(names: list[str]) -> dict[str, str]:
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}


def _n_seeds(frame: pd.DataFrame) -> int:
    return int(frame.groupby("scenario")["seed"].nunique().max())


def _quantiles(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per (scenario, week): columns low, mid, high of ``column`` over seeds."""
    q = frame.groupby(["scenario", "week"])[column].quantile(
        [INTERVAL[0] / 100, 0.5, INTERVAL[1] / 100]
    )
    return q.unstack().set_axis(["low", "mid", "high"], axis=1)


def _totals(timeseries: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Run totals of weekly columns, one row per (scenario, seed)."""
    return timeseries.groupby(["scenario", "seed"], sort=False)[columns].sum()


@_styled
def plot_journey(timeseries: pd.DataFrame) -> Figure:
    """Buyer journey: share of the market unaware / aware / trusting / customer, per week.

    Each boundary is the median over seeds of the share at or beyond that stage, so the
    stack always fills 100% and its layers never cross.
    """
    names = _scenarios(timeseries)
    shares = timeseries[["scenario", "seed", "week"]].copy()
    total = timeseries[list(STAGES)].sum(axis=1)
    reached = 0
    for stage in STAGES:
        reached = reached + timeseries[stage]
        shares[stage] = 100.0 * reached / total
    median = shares.groupby(["scenario", "week"])[list(STAGES)].median()
    fig = Figure(figsize=(1.0 + 5.0 * len(names), 4.8), layout="constrained")
    axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        m = median.loc[name]
        lower = np.zeros(len(m))
        for stage, colour in STAGES.items():
            ax.fill_between(m.index, lower, m[stage], color=colour, label=stage, lw=0)
            lower = m[stage].to_numpy()
        ax.plot(m.index, m["customers"], color="black", lw=1)
        final = m["customers"].iloc[-1]
        note = f"customers: {final:.1f}%"
        ax.annotate(
            note,
            (m.index[-1], final),
            xytext=(-8, 10),
            textcoords="offset points",
            ha="right",
            bbox={"boxstyle": "round", "fc": "white", "ec": "none"},
        )
        ax.set(title=name, xlabel="Week (weeks)", ylabel="Share of market (% of market)")
        ax.set(ylim=(0, 100), xlim=(m.index[0], m.index[-1]))
        ax.grid(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", title="Stage")
    fig.suptitle(
        f"Buyer journey: share of the market at each stage (median over {_n_seeds(timeseries)} seeds)"
    )
    return fig


@_styled
def plot_kpi_panel(timeseries: pd.DataFrame) -> Figure:
    """Revenue, new customers, CAC and pipeline over weeks: per scenario median and 90% band."""
    frame = timeseries.copy()
    frame["revenue_13w"] = frame.groupby(["scenario", "seed"], sort=False)["revenue"].transform(
        lambda s: s.rolling(13, min_periods=1).mean()
    )
    panels = [
        ("revenue_13w", "Weekly revenue (13-week trailing average)", "Revenue (currency/week)"),
        ("cum_wins", "New customers since week 0", "Customers won (customers)"),
        ("cac", "CAC: total cost so far per customer won", "CAC (currency/customer, log)"),
        ("pipeline_value", "Open pipeline value", "Pipeline (currency)"),
    ]
    names = _scenarios(frame)
    colours = _colours(names)
    fig = Figure(figsize=(12, 8.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, (column, title, ylabel) in zip(axes, panels, strict=True):
        q = _quantiles(frame, column)
        for name in names:
            band = q.loc[name]
            ax.fill_between(
                band.index, band["low"], band["high"], color=colours[name], alpha=0.2, lw=0
            )
            ax.plot(band.index, band["mid"], color=colours[name], lw=2, label=name)
        ax.set(title=title, xlabel="Week (weeks)", ylabel=ylabel)
        if column == "cac":
            ax.set_yscale("log")
            _log_axis(ax.yaxis, _money)
        elif column != "cum_wins":
            ax.yaxis.set_major_formatter(MONEY)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(names), title="Scenario")
    fig.suptitle(f"Headline KPIs over time: {BAND} over {_n_seeds(frame)} seeds")
    return fig


def _fates(totals: pd.DataFrame) -> pd.DataFrame:
    """What became of each run's MQLs, in % of its MQLs."""
    fate = pd.DataFrame(
        {
            "became SQL": totals["sqls"],
            "leaked in handoff": totals["leads_leaked"],
            "rejected by sales": totals["leads_rejected"],
            "ignored by sales": totals["leads_ignored"],
        }
    )
    fate.insert(1, "contacted, not qualified\nor still queued", totals["mqls"] - fate.sum(axis=1))
    return 100.0 * fate.div(totals["mqls"].replace(0, np.nan), axis=0)


FATE_COLOURS = ("#009E73", "#BBBBBB", "#D55E00", "#E69F00", "#F0E442")
MARKER = {"fmt": "o", "capsize": 4, "ms": 7, "lw": 2}


@_styled
def plot_funnel(timeseries: pd.DataFrame) -> Figure:
    """Lead funnel from run totals: leads at each stage, stage-to-stage conversion, and the
    fate of MQLs (SQL, not qualified, leaked, rejected, ignored); medians over seeds."""
    stages = list(FUNNEL)
    totals = _totals(timeseries, [*stages, "leads_leaked", "leads_rejected", "leads_ignored"])
    names = _scenarios(timeseries)
    colours = _colours(names)
    # Inquiries come from every aware prospect, not only trusting ones: no Trusting -> Inquiry step.
    pairs = [pair for pair in pairwise(stages) if pair != ("newly_trusting", "inquiries")]
    steps = [f"{FUNNEL[a]} →\n{FUNNEL[b]}" for a, b in pairs]
    fig = Figure(figsize=(19, 5.8), layout="constrained")
    ax_count, ax_conv, ax_fate = fig.subplots(1, 3, width_ratios=(1.3, 1.0, 0.75))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        runs = totals.loc[name]
        offset = (i - (len(names) - 1) / 2) * width
        counts = runs[stages].median()
        bars = ax_count.bar(
            np.arange(len(stages)) + offset, counts, width, color=colours[name], label=name
        )
        if len(names) <= 3:
            labels = [_money(round(c, -2 * (c >= 1e3))) for c in counts]
            ax_count.bar_label(bars, labels, padding=3, rotation=90)
        rates = [100.0 * runs[b] / runs[a].replace(0, np.nan) for a, b in pairs]
        mid, low, high = np.array([median_interval(r) for r in rates]).T
        x = np.arange(len(steps)) + offset
        ax_conv.bar(x, mid, width, color=colours[name], label=name)
        ax_conv.errorbar(
            x, mid, yerr=[mid - low, high - mid], fmt="none", ecolor="black", capsize=3
        )
    ax_count.set_yscale("log")
    ax_count.margins(y=0.25)  # room above the tallest bars for their labels
    _log_axis(ax_count.yaxis, _count)
    ax_count.set_xticks(range(len(stages)), [FUNNEL[s] for s in stages])
    ax_count.set(title="Prospects and leads reaching each stage per run", xlabel="Funnel stage")
    ax_count.set_ylabel("Per run (prospects or leads, log scale)")
    ax_count.grid(False, axis="x")
    ax_conv.set_xticks(range(len(steps)), steps)
    ax_conv.set(title="Stage-to-stage conversion (median, 90% interval)", xlabel="Funnel step")
    ax_conv.set_ylabel("Conversion (% of previous stage)")
    ax_conv.grid(False, axis="x")
    fates = _fates(totals).groupby(level="scenario", sort=False).median().loc[names]
    bottom = np.zeros(len(names))
    for colour, (fate, values) in zip(FATE_COLOURS, fates.items(), strict=True):
        ax_fate.bar(names, values, 0.6, bottom=bottom, color=colour, label=fate, edgecolor="white")
        for x, (v, b) in enumerate(zip(values, bottom, strict=True)):
            if v >= 4:
                ax_fate.text(x, b + v / 2, f"{v:.0f}%", ha="center", va="center", fontsize=10)
        bottom += values.to_numpy()
    ax_fate.set(title="What became of the MQLs", xlabel="Scenario", ylim=(0, 100))
    ax_fate.set_ylabel("Share of MQLs (% of MQLs)")
    ax_fate.grid(False, axis="x")
    ax_fate.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="MQL fate", reverse=True)
    ax_count.legend(title="Scenario")
    fig.suptitle(f"Lead funnel over the whole run (median over {_n_seeds(timeseries)} seeds)")
    return fig


@_styled
def plot_spend(timeseries: pd.DataFrame) -> Figure:
    """Weekly cost per scenario (marketing spend by channel stacked under sales cost), and
    CAC at the end of the run split into its marketing and sales shares."""
    names = _scenarios(timeseries)
    channels = [c for c in timeseries.columns if c.startswith("spend_")]
    parts = [*channels, "sales_cost"]
    median = (
        timeseries.fillna({c: 0.0 for c in channels}).groupby(["scenario", "week"])[parts].median()
    )
    colours = dict(zip(parts, [*OKABE_ITO[: len(channels)], "#999999"], strict=True))
    fig = Figure(figsize=(1.0 + 4.6 * (len(names) + 1), 5.0), layout="constrained")
    axes = fig.subplots(1, len(names) + 1, width_ratios=[1.0] * len(names) + [0.8])
    for i, (ax, name) in enumerate(zip(axes, names, strict=False)):
        m = median.loc[name]
        labels = [c.removeprefix("spend_").replace("_", "/") for c in channels] + ["sales cost"]
        ax.stackplot(m.index, m[parts].T, colors=[colours[p] for p in parts], labels=labels, lw=0)
        ax.set(title=f"{name}: cost per week", xlabel="Week (weeks)", ylabel="Cost (currency/week)")
        ax.set_xlim(m.index[0], m.index[-1])
        ax.yaxis.set_major_formatter(MONEY)
        if i:
            ax.sharey(axes[0])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower left", title="Weekly cost", ncols=len(labels))
    ax = axes[-1]
    last = timeseries.loc[timeseries.groupby(["scenario", "seed"], sort=False)["week"].idxmax()]
    totals = _totals(timeseries, ["marketing_spend", "sales_cost"])
    share = (totals["marketing_spend"] / totals.sum(axis=1)).groupby(level="scenario").median()
    cac = last.groupby("scenario")["cac"]
    mid, low, high = np.array([median_interval(cac.get_group(n)) for n in names]).T
    marketing = mid * share.loc[names].to_numpy()
    ax.bar(names, marketing, 0.6, color="#56B4E9", label="marketing spend")
    ax.bar(names, mid - marketing, 0.6, bottom=marketing, color="#999999", label="sales cost")
    ax.errorbar(names, mid, yerr=[mid - low, high - mid], fmt="none", ecolor="black", capsize=4)
    for x, (value, top) in enumerate(zip(mid, high, strict=True)):
        ax.text(x, top, _money(round(value, -2)), ha="center", va="bottom")
    ax.set(title="CAC at end of run (median, 90% interval)", xlabel="Scenario")
    ax.set_ylabel("Cost per customer (currency/customer)")
    ax.yaxis.set_major_formatter(MONEY)
    ax.grid(False, axis="x")
    ax.legend(title="Share of CAC", loc="upper right")
    fig.suptitle(f"Where the money goes (median over {_n_seeds(timeseries)} seeds)")
    return fig


@_styled
def plot_differences(summary: pd.DataFrame, baseline: str) -> Figure:
    """Each headline KPI's paired % difference against ``baseline`` (same seeds), per other
    scenario: median and 90% interval over seeds."""
    names = _scenarios(summary)
    if baseline not in names:
        raise ValueError(
            f"baseline scenario {baseline!r} is not in these results; choose one of: {', '.join(names)}"
        )
    others = [n for n in names if n != baseline]
    colours = _colours(names)
    kpis = [k for k in COMPARED if k in summary.columns]
    fig = Figure(
        figsize=(10, 1.2 + 0.45 * len(kpis) * max(1, len(others)) ** 0.5), layout="constrained"
    )
    ax: Axes = fig.subplots()
    y = np.arange(len(kpis))[::-1]
    step = 0.7 / max(len(others), 1)
    for i, name in enumerate(others):
        stats = np.array(
            [median_interval(paired_relative_differences(summary, k, name, baseline)) for k in kpis]
        )
        mid, low, high = stats.T
        yy = y + (len(others) - 1) / 2 * step - i * step
        ax.errorbar(mid, yy, xerr=[mid - low, high - mid], label=name, **MARKER, c=colours[name])
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(y, [f"{COMPARED[k][0]} ({COMPARED[k][1]})" for k in kpis])
    xlabel = f"Paired difference vs {baseline} (% of {baseline})"
    if np.nanmax(np.abs(ax.dataLim.intervalx), initial=0.0) > 500:
        ax.set_xscale("symlog", linthresh=100)
        low, high = ax.get_xlim()
        ticks = [s * t for t in (0, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 1e5) for s in (-1, 1)]
        ax.set_xticks(sorted({t for t in ticks if low <= t <= high}))
        xlabel = xlabel[:-1] + "; linear within ±100%, log beyond)"
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.0f}%" if v else "0%"))
    ax.set(xlabel=xlabel, ylabel="Headline KPI (unit)")
    ax.grid(False, axis="y")
    if others:
        ax.legend(title="Scenario", loc="best")
    fig.suptitle(
        f"Difference from {baseline} on the same seeds: median and 90% interval over "
        f"{_n_seeds(summary)} seeds"
    )
    return fig


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(
            f"figure format {fmt!r} is not supported; choose one of: {', '.join(FORMATS)}"
        )


def save_figure(fig: Figure, path: Path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` (format from its suffix: png, svg or pdf) via a temporary
    file and a rename; vector files carry no timestamp, so they are reproducible."""
    path = Path(path)
    fmt = path.suffix.lstrip(".")
    _check_format(fmt)
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
    # readable by others: figures are for sharing
    with atomic_path(path, 0o644) as tmp, matplotlib.rc_context({"svg.hashsalt": "gtmsim"}):
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
    return path


def draw_all(folder: Path, fmt: str = "png", dpi: int = 150) -> list[Path]:
    """Draw every figure of a results folder into ``<folder>/figures/<name>.<fmt>``.

    Reads only the saved results (no model is run); ``dpi`` sets the resolution of PNGs.
    The differences figure compares every scenario with the first one run (the baseline),
    and is drawn only when there are two or more scenarios.
    """
    _check_format(fmt)
    folder = Path(folder)
    _meta, timeseries, summary = read_results(folder)
    figures = {
        "journey": lambda: plot_journey(timeseries),
        "kpis": lambda: plot_kpi_panel(timeseries),
        "funnel": lambda: plot_funnel(timeseries),
        "spend": lambda: plot_spend(timeseries),
    }
    if summary["scenario"].nunique() > 1:
        baseline = _scenarios(summary)[0]
        figures["differences"] = lambda: plot_differences(summary, baseline)
    out = folder / "figures"
    return [save_figure(draw(), out / f"{name}.{fmt}", dpi) for name, draw in figures.items()]
