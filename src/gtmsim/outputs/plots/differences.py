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
def plot_differences(summary: pd.DataFrame, baseline: str | dict[str, str | None]) -> Figure:
    """Each headline KPI's paired % difference against ``baseline`` (same seeds), per other
    scenario: median and 90% interval over seeds. ``baseline`` may instead map each scenario
    to its own baseline (None: it is one), as :func:`paired_baselines` pairs firms in markets."""
    names = scenarios_in(summary)
    pairs = baseline if isinstance(baseline, dict) else {n: baseline for n in names}
    wanted = {b for b in pairs.values() if b}
    missing = sorted(wanted - set(names))
    if missing:
        raise ValueError(
            f"baseline scenario {missing[0]!r} is not in these results; choose one of: {', '.join(names)}"
        )
    others = [n for n in names if pairs.get(n) and pairs[n] != n]
    label = {n: n if len(wanted) == 1 else f"{n} vs {pairs[n]}" for n in others}
    baseline = next(iter(wanted)) if len(wanted) == 1 else "its baseline"
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
            [
                median_interval(paired_relative_differences(summary, k, name, pairs[name]))
                for k in kpis
            ]
        )
        mid, low, high = stats.T
        yy = y + (len(others) - 1) / 2 * step - i * step
        ax.errorbar(
            mid, yy, xerr=[mid - low, high - mid], label=label[name], **MARKER, c=colours[name]
        )
        for row, value in zip(yy, mid, strict=True):
            if np.isnan(value):  # e.g. CAC with no customer, or a baseline of zero
                ax.text(0, row, f"  {name}: undefined on these seeds", va="center", color="#555555")
        defined |= np.isfinite(mid).any()
    if not defined:
        ax.set_xlim(-100, 100)
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(y, [f"{COMPARED[k][0]} ({COMPARED[k][1]})" for k in kpis])
    xlabel = f"Paired difference vs {baseline} (%)"
    finite = ax.dataLim.intervalx[np.isfinite(ax.dataLim.intervalx)]
    if defined and len(finite) and finite.min() > -95:
        # One scale everywhere: the ratio to the baseline on a log axis, so halving (-50%) sits
        # as far from 0 as doubling (+100%), and nothing switches scale part-way.
        ax.set_xscale(
            "function",
            functions=(
                lambda v: np.log10(np.maximum(1 + np.asarray(v) / 100, 1e-9)),
                lambda u: 100 * (10 ** np.asarray(u) - 1),
            ),
        )
        low, high = finite.min(), finite.max()
        pad = 0.08 * (np.log10(1 + high / 100) - np.log10(1 + low / 100) or 1.0)
        ax.set_xlim(
            100 * (10 ** (np.log10(1 + low / 100) - pad) - 1),
            100 * (10 ** (np.log10(1 + high / 100) + pad) - 1),
        )
        ticks = [-99, -90, -75, -50, 0, 100, 300, 900, 9900]  # pairs: x0.5 and x2, x0.25 and x4 ...
        lo, hi = ax.get_xlim()
        ax.set_xticks([v for v in ticks if lo <= v <= hi])
        xlabel = f"Paired difference vs {baseline} (%, ratio scale: -50% as far from 0 as +100%)"
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+,.0f}%" if v else "0%"))
    ax.set(xlabel=xlabel, ylabel="Headline KPI (unit)")
    ax.grid(False, axis="y")
    if others and len(wanted) > 1:  # long "a vs b" labels: below the axes, not over points
        fig.legend(title="Scenario", loc="outside lower center", ncols=min(len(others), 2))
    elif others:
        ax.legend(title="Scenario", loc="best")
    fig.suptitle(
        f"Difference from {baseline} on the same seeds: median and 90% interval over "
        f"{n_seeds(summary)} seeds"
    )
    return fig
