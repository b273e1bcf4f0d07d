"""Figures of the market over time: the buyer's journey and the headline KPIs week by week."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gtmsim.outputs.plots.style import (
    BAND,
    MONEY,
    STAGES,
    colours_for,
    log_axis,
    money,
    n_seeds,
    note_undefined,
    quantiles,
    scenarios_in,
    styled,
)


@styled
def plot_journey(timeseries: pd.DataFrame) -> Figure:
    """Buyer journey: share of the market unaware / aware / trusting / customer, per week.

    Each boundary is the median over seeds of the share at or beyond that stage, so the
    stack always fills 100% and its layers never cross.
    """
    names = scenarios_in(timeseries)
    shares = timeseries[["scenario", "seed", "week"]].copy()
    total = timeseries[list(STAGES)].sum(axis=1)
    reached = 0
    for stage in STAGES:
        reached = reached + timeseries[stage]
        shares[stage] = 100.0 * reached / total
    median = shares.groupby(["scenario", "week"])[list(STAGES)].median()
    fig = Figure(figsize=(1.0 + 5.0 * len(names), 8.4), layout="constrained")
    mosaic = [list(names), ["zoom"] * len(names)]
    panels = fig.subplot_mosaic(mosaic, height_ratios=[1.25, 1.0])
    axes = [panels[name] for name in names]
    for ax in axes[1:]:
        ax.sharey(axes[0])
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
    fig.legend(handles[::-1], labels[::-1], loc="outside right upper", title="Stage")
    # the bottom of the stack, where the scenarios differ, on its own scale
    zoom = panels["zoom"]
    for name, colour in colours_for(names).items():
        m = median.loc[name]
        zoom.plot(m.index, m["customers"], color=colour, lw=2, label=name)
    zoom.set(
        title="Zoomed in: customers, the thin green band above (median share of the market)",
        xlabel="Week (weeks)",
        ylabel="Share of market (% of market)",
        ylim=(0, None),
    )
    zoom.legend(loc="upper left", ncols=len(names))
    fig.suptitle(
        f"Buyer journey: share of the market at each stage (median over {n_seeds(timeseries)} seeds)"
    )
    return fig


@styled
def plot_kpi_panel(timeseries: pd.DataFrame) -> Figure:
    """ARR, new customers, CAC and pipeline over weeks: per scenario median and 90% band."""
    frame = timeseries.copy()
    panels = [
        ("arr", "ARR: yearly value of the contracts in force", "ARR (currency/year)"),
        ("cum_wins", "New customers since week 0", "Customers won (customers)"),
        ("cac", "CAC: total cost so far per customer won", "CAC (currency/customer, log)"),
        ("pipeline_value", "Open pipeline value", "Pipeline (currency)"),
    ]
    names = scenarios_in(frame)
    colours = colours_for(names)
    fig = Figure(figsize=(12, 8.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, (column, title, ylabel) in zip(axes, panels, strict=True):
        q = quantiles(frame, column)
        for name in names:
            band = q.loc[name]
            ax.fill_between(
                band.index, band["low"], band["high"], color=colours[name], alpha=0.2, lw=0
            )
            ax.plot(band.index, band["mid"], color=colours[name], lw=2, label=name)
        ax.set(title=title, xlabel="Week (weeks)", ylabel=ylabel)
        defined = np.isfinite(frame[column].to_numpy(dtype=float)) & (frame[column] > 0)
        if column == "cac" and not defined.any():
            note_undefined(ax, "CAC is undefined: no run won a customer")
            ax.set_xlim(frame["week"].min(), frame["week"].max())
        elif column == "cac":
            ax.set_yscale("log")
            log_axis(ax.yaxis, money)
        elif column != "cum_wins":
            ax.yaxis.set_major_formatter(MONEY)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(names), title="Scenario")
    fig.suptitle(f"Headline KPIs over time: {BAND} over {n_seeds(frame)} seeds")
    return fig
