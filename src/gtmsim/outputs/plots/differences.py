"""Paired differences of the headline KPIs from a baseline scenario, on the same seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from gtmsim.experiments.comparison import (
    COMPARED,
    median_interval,
    paired_relative_differences,
)
from gtmsim.outputs.plots.style import (
    colours_for,
    n_seeds,
    scenarios_in,
    styled,
)

MARKER = {"fmt": "o", "capsize": 4, "ms": 7, "lw": 2}


@styled
def plot_differences(summary: pd.DataFrame, baseline: str) -> Figure:
    """Each headline KPI's paired % difference against ``baseline`` (same seeds), per other
    scenario: median and 90% interval over seeds."""
    names = scenarios_in(summary)
    if baseline not in names:
        raise ValueError(
            f"baseline scenario {baseline!r} is not in these results; choose one of: {', '.join(names)}"
        )
    others = [n for n in names if n != baseline]
    colours = colours_for(names)
    kpis = [k for k in COMPARED if k in summary.columns]
    fig = Figure(
        figsize=(10, 1.2 + 0.45 * len(kpis) * max(1, len(others)) ** 0.5), layout="constrained"
    )
    ax: Axes = fig.subplots()
    y = np.arange(len(kpis))[::-1]
    step = 0.7 / max(len(others), 1)
    defined = False
    for i, name in enumerate(others):
        stats = np.array(
            [median_interval(paired_relative_differences(summary, k, name, baseline)) for k in kpis]
        )
        mid, low, high = stats.T
        yy = y + (len(others) - 1) / 2 * step - i * step
        ax.errorbar(mid, yy, xerr=[mid - low, high - mid], label=name, **MARKER, c=colours[name])
        for row, value in zip(yy, mid, strict=True):
            if np.isnan(value):  # e.g. CAC with no customer, or a baseline of zero
                ax.text(0, row, f"  {name}: undefined on these seeds", va="center", color="#555555")
        defined |= np.isfinite(mid).any()
    if not defined:
        ax.set_xlim(-100, 100)
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
        f"{n_seeds(summary)} seeds"
    )
    return fig
