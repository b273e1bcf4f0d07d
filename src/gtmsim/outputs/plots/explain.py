"""Figures of `gtmsim explain` (:mod:`gtmsim.experiments.explain`): a waterfall from the
baseline to the target per KPI, the matrix of pairwise interactions, and the adoption path.
Each takes the explanation's tidy tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from gtmsim.outputs.plots.style import OKABE_ITO, panel_grid, styled
from gtmsim.outputs.plots.sweep import kpi_label
from gtmsim.outputs.terminal import compact

UP, DOWN, ENDS = OKABE_ITO[2], OKABE_ITO[4], "#7F7F7F"


@styled
def plot_waterfall(
    contributions: pd.DataFrame, start: dict[str, float], baseline: str, target: str
) -> Figure:
    """Per KPI: the baseline's mean, each group's contribution (mean over seeds, with its 95%
    interval) stacked on it, and the target's mean at the end. Green raises the KPI, orange
    lowers it (whether that is good depends on the KPI)."""
    kpis = list(dict.fromkeys(contributions["kpi"]))
    rows, columns = panel_grid(len(kpis))
    fig = Figure(figsize=(6.4 * columns, 3.9 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, kpi in zip(axes, kpis, strict=False):
        data = contributions[contributions["kpi"] == kpi]
        parts = data[data["group"] != "total"]
        level = start[kpi]
        labels, bottoms, heights, colours = [baseline], [0.0], [level], [ENDS]
        errors = [0.0]
        for _, row in parts.iterrows():
            labels.append(row["group"])
            bottoms.append(level)
            heights.append(row["contribution"])
            colours.append(UP if row["contribution"] >= 0 else DOWN)
            errors.append((row["high"] - row["low"]) / 2 if np.isfinite(row["high"]) else 0.0)
            level += row["contribution"]
        labels.append(target)
        bottoms.append(0.0)
        heights.append(level)
        colours.append(ENDS)
        errors.append(0.0)
        x = np.arange(len(labels))
        ax.bar(x, heights, bottom=bottoms, color=colours, width=0.7)
        tops = np.array(bottoms) + np.array(heights)
        ax.errorbar(x[1:-1], tops[1:-1], yerr=errors[1:-1], fmt="none", ecolor="black", lw=1)
        ax.set_xticks(x, [label.replace(" and ", " &\n").replace(" ", "\n", 1) for label in labels])
        ax.tick_params(axis="x", labelsize=8)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
        levels = np.concatenate([np.array(bottoms)[1:-1], tops])
        levels = levels[np.isfinite(levels)]
        title = kpi_label(kpi)
        if len(levels):
            low, high = float(levels.min()), float(levels.max())
            span = high - low
            if high > 0 and low > 0 and span < 0.25 * high:
                # the changes are small beside the level: show them, and say the axis is cut
                pad = 0.15 * (span or high * 0.01)
                ax.set_ylim(low - pad, high + pad)
                title += " (axis not from 0)"
                if high < 1000:  # compact's three digits would repeat tick labels here
                    ax.yaxis.set_major_formatter(ScalarFormatter(useOffset=False))
            else:
                low, high = min(0.0, low), max(0.0, high)
                ax.set_ylim(low - 0.03 * (high - low), high + 0.08 * (high - low))
        ax.set_title(title)
    for ax in axes[len(kpis) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"From {baseline} to {target}: what each practice contributes (Shapley, mean over "
        "seeds, 95% intervals)"
    )
    return fig


@styled
def plot_interactions(interactions: pd.DataFrame, groups: list[str], kpi: str) -> Figure:
    """The pairwise Shapley interaction indices of ``kpi``: positive (teal) pairs are
    complements, worth more together than apart; negative (brown) pairs are substitutes."""
    data = interactions[interactions["kpi"] == kpi]
    matrix = pd.DataFrame(np.nan, index=groups, columns=groups)
    for _, row in data.iterrows():
        matrix.loc[row["group_a"], row["group_b"]] = row["interaction"]
        matrix.loc[row["group_b"], row["group_a"]] = row["interaction"]
    values = matrix.to_numpy(dtype=float)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig = Figure(figsize=(7.2, 6.0), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(values, cmap="BrBG", vmin=-(limit or 1.0), vmax=limit or 1.0)
    ticks = [g.replace(" and ", " &\n") for g in groups]
    ax.set_xticks(range(len(groups)), ticks, rotation=30, ha="right", fontsize=9)
    ax.set_yticks(range(len(groups)), ticks, fontsize=9)
    ax.grid(False)
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            dark = abs(value) > 0.6 * (limit or 1.0)
            ax.text(
                j,
                i,
                compact(value),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else "black",
            )
    fig.colorbar(image, ax=ax, shrink=0.8, format=FuncFormatter(lambda v, _: compact(v)))
    ax.set_title(
        f"{kpi_label(kpi)}: interactions\n(> 0: complements, < 0: substitutes; mean over seeds)"
    )
    return fig


@styled
def plot_adoption_path(path: pd.DataFrame, kpi: str, start: float, baseline: str) -> Figure:
    """The KPI after each step of the greedy adoption path, with each step's gain and its 95%
    interval."""
    fig = Figure(figsize=(7.6, 4.2), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(path) + 1)
    values = [start, *path["value"]]
    ax.plot(x, values, "o-", color=OKABE_ITO[0])
    half = ((path["high"] - path["low"]) / 2).fillna(0).to_numpy()
    ax.errorbar(x[1:], values[1:], yerr=half, fmt="none", ecolor="black", lw=1, capsize=3)
    labels = [baseline, *(f"+ {g}" for g in path["group"])]
    ax.set_xticks(x, [label.replace(" and ", " &\n") for label in labels], rotation=20, ha="right")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    ax.set_ylabel(kpi_label(kpi))
    ax.set_title("Adoption path: at each step the practice that adds most, given those before")
    return fig
