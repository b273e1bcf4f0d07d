"""Where the money goes: weekly cost by channel and sales, and CAC split into its shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gtmsim.experiments.comparison import (
    median_interval,
)
from gtmsim.outputs.plots.style import (
    MONEY,
    OKABE_ITO,
    money,
    n_seeds,
    run_totals,
    scenarios_in,
    styled,
)


@styled
def plot_spend(timeseries: pd.DataFrame) -> Figure:
    """Weekly cost per scenario (marketing spend by channel stacked under sales cost: the
    median total, split in the parts' mean shares), and CAC at the end of the run split into
    its marketing and sales shares."""
    names = scenarios_in(timeseries)
    channels = [c for c in timeseries.columns if c.startswith("spend_")]
    parts = [*channels, "sales_cost"]
    # Each week's stack is the median total cost, split in the mean shares of its parts.
    # Stacking per-part medians would not add up to the median total: a channel mix that
    # moves differently on each seed would show a dip in spend that no seed has.
    filled = timeseries.fillna({c: 0.0 for c in channels})
    grouped = filled.assign(total=filled[parts].sum(axis=1)).groupby(["scenario", "week"])
    means = grouped[parts].mean()
    shares = means.div(means.sum(axis=1).replace(0.0, np.nan), axis=0).fillna(0.0)
    median = shares.mul(grouped["total"].median(), axis=0)
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
    totals = run_totals(timeseries, ["marketing_spend", "sales_cost"])
    share = (totals["marketing_spend"] / totals.sum(axis=1)).groupby(level="scenario").median()
    cac = last.groupby("scenario")["cac"]
    mid, low, high = np.array([median_interval(cac.get_group(n)) for n in names]).T
    marketing = mid * share.loc[names].to_numpy()
    ax.bar(names, marketing, 0.6, color="#56B4E9", label="marketing spend")
    ax.bar(names, mid - marketing, 0.6, bottom=marketing, color="#999999", label="sales cost")
    ax.errorbar(names, mid, yerr=[mid - low, high - mid], fmt="none", ecolor="black", capsize=4)
    for x, (value, top) in enumerate(zip(mid, high, strict=True)):
        ax.text(x, top, money(round(value, -2)), ha="center", va="bottom")
    ax.set(title="CAC at end of run (median, 90% interval)", xlabel="Scenario")
    ax.set_xticks(range(len(names)), names)  # also for scenarios without a bar
    ax.set_xlim(-0.6, len(names) - 0.4)
    for x, value in enumerate(mid):
        if np.isnan(value):  # no customer in any run: no CAC to draw
            ax.text(
                x,
                0.5,
                "undefined:\nno customer won",
                ha="center",
                va="center",
                color="#555555",
                transform=ax.get_xaxis_transform(),
            )
    ax.set_ylabel("Cost per customer (currency/customer)")
    ax.yaxis.set_major_formatter(MONEY)
    ax.grid(False, axis="x")
    ax.legend(title="Share of CAC", loc="upper right")
    fig.suptitle(
        f"Where the money goes (median total over {n_seeds(timeseries)} seeds, split in the "
        "mean shares of its parts)"
    )
    return fig
