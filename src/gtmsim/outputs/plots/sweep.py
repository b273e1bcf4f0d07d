"""Figures of a sweep's analysis (:mod:`gtmsim.experiments.sensitivity`): a KPI against one
factor with its band over runs, a heatmap over two factors, Sobol indices with their intervals,
Morris mu* against sigma. Each takes the analysis tables, not the store."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from gtmsim.model.kpis import KPIS
from gtmsim.outputs.plots.style import OKABE_ITO, money, panel_grid, styled
from gtmsim.outputs.terminal import compact


def kpi_label(kpi: str) -> str:
    """``"CAC (currency/customer)"`` for an axis; the raw name if the KPI is unknown."""
    found = KPIS.get(kpi)
    return f"{found.label} ({found.unit})" if found else kpi


def short(factor: str) -> str:
    """The last part of a dotted key, for axes: organisation.handoff_delay_hours -> handoff_delay_hours."""
    return factor.rsplit(".", 1)[-1]


@styled
def plot_factor_response(response: pd.DataFrame, factor: str, runs_per_value: int) -> Figure:
    """Each KPI's mean against ``factor`` with its 5-95% band over runs (one panel per KPI)."""
    kpis = list(dict.fromkeys(response["kpi"]))
    rows, columns = panel_grid(len(kpis))
    fig = Figure(figsize=(5.2 * columns, 3.6 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    column = response[factor]
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    for ax, kpi in zip(axes, kpis, strict=False):
        data = response[response["kpi"] == kpi]
        x = data[factor] if numeric else np.arange(len(data))
        ax.fill_between(x, data["low"], data["high"], color=OKABE_ITO[0], alpha=0.2, lw=0)
        ax.plot(x, data["mean"], "o-", color=OKABE_ITO[0])
        if not numeric:
            ax.set_xticks(x, [str(v) for v in data[factor]])
        ax.set_xlabel(short(factor))
        ax.set_title(kpi_label(kpi))
        unit = KPIS[kpi].unit if kpi in KPIS else ""
        if unit.startswith("currency"):
            ax.yaxis.set_major_formatter(FuncFormatter(money))
        elif unit == "share":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    for ax in axes[len(kpis) :]:
        ax.set_visible(False)
    fig.suptitle(f"Mean and 5-95% band over {runs_per_value} runs per value")
    return fig


@styled
def plot_two_factor_heatmaps(tables: dict[str, pd.DataFrame]) -> Figure:
    """One heatmap per KPI of its mean over seeds on a grid of two factors."""
    rows, columns = panel_grid(len(tables))
    fig = Figure(figsize=(5.4 * columns, 4.2 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (kpi, table) in zip(axes, tables.items(), strict=False):
        image = ax.imshow(
            table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis"
        )
        ax.set_xticks(
            range(table.shape[1]),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns],
        )
        ax.set_yticks(
            range(table.shape[0]),
            [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index],
        )
        ax.set_xlabel(short(str(table.columns.name)))
        ax.set_ylabel(short(str(table.index.name)))
        ax.set_title(kpi_label(kpi))
        ax.grid(False)
        large = np.nanmax(np.abs(table.to_numpy(dtype=float))) >= 1000
        fig.colorbar(
            image,
            ax=ax,
            shrink=0.85,
            format=FuncFormatter(lambda v, _: compact(v)) if large else None,
        )
        values = table.to_numpy(dtype=float)
        middle = np.nanmean(values)
        for (row, column), value in np.ndenumerate(values):
            if np.isfinite(value):
                text = compact(value)
                ax.text(
                    column,
                    row,
                    text,
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="black" if value > middle else "white",
                )
    for ax in axes[len(tables) :]:
        ax.set_visible(False)
    fig.suptitle("Mean over seeds")
    return fig


@styled
def plot_sobol(indices: pd.DataFrame) -> Figure:
    """First-order and total Sobol indices per factor, one panel per KPI (and grid group),
    with 95% confidence intervals."""
    panels = list(indices.groupby(["group", "kpi"], sort=False))
    rows, columns = panel_grid(len(panels))
    fig = Figure(figsize=(5.4 * columns, 3.4 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, ((group, kpi), data) in zip(axes, panels, strict=False):
        y = np.arange(len(data))
        ax.barh(
            y - 0.2, data["S1"], 0.4, xerr=data["S1_conf"], label="first order", color=OKABE_ITO[0]
        )
        ax.barh(y + 0.2, data["ST"], 0.4, xerr=data["ST_conf"], label="total", color=OKABE_ITO[1])
        ax.set_yticks(y, [short(f) for f in data["factor"]])
        low = min(0.0, float((data["S1"] - data["S1_conf"]).min()))
        high = max(1.0, float((data["ST"] + data["ST_conf"]).max()))
        ax.set_xlim(low - 0.05, high + 0.05)
        ax.set_xlabel("share of variance")
        ax.set_title(kpi_label(kpi) + (f"\n{group}" if group else ""))
        ax.invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle("Sobol indices: share of the variance of the mean over seeds (95% intervals)")
    return fig


@styled
def plot_morris(indices: pd.DataFrame) -> Figure:
    """Morris mu* against sigma per factor, one panel per KPI (and grid group)."""
    panels = list(indices.groupby(["group", "kpi"], sort=False))
    rows, columns = panel_grid(len(panels))
    fig = Figure(figsize=(5.4 * columns, 3.8 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, ((group, kpi), data) in zip(axes, panels, strict=False):
        ax.errorbar(
            data["mu_star"], data["sigma"], xerr=data["mu_star_conf"], fmt="o", color=OKABE_ITO[0]
        )
        for _, row in data.iterrows():
            ax.annotate(
                short(row["factor"]),
                (row["mu_star"], row["sigma"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=9,
            )
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("mu* (mean |effect| over the range)")
        ax.set_ylabel("sigma (spread of effects)")
        ax.set_title(kpi_label(kpi) + (f"\n{group}" if group else ""))
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle("Morris screening: far right matters most, high up interacts or bends")
    return fig
