"""Market shares over time: each firm's share of the market's customers and ARR, per market."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from gtmsim.experiments.comparison import firm_of
from gtmsim.outputs.plots.style import BAND, OKABE_ITO, n_seeds, quantiles, scenarios_in, styled

#: The shares drawn, one row of panels each: column -> row title.
SHARES = {
    "market_share_customers": "Share of the market's customers",
    "market_share_arr": "Share of the market's ARR",
}


def markets_in(names: list[str]) -> dict[str, list[str]]:
    """The firms of each market among result ``names`` (``market:firm``), in run order."""
    markets: dict[str, list[str]] = {}
    for name in names:
        firm = firm_of(name)
        if firm is not None:
            markets.setdefault(firm[0], []).append(name)
    return markets


@styled
def plot_market_shares(timeseries: pd.DataFrame) -> Figure:
    """Per market (a column of panels), each firm's share of the customers and of the ARR of
    every firm in it, week by week: median over seeds with its 90% band. A firm keeps its
    colour across markets (by firm name), so "us" is the same colour everywhere."""
    markets = markets_in(scenarios_in(timeseries))
    if not markets:
        raise ValueError("these results hold no firm in a market of several; nothing to draw")
    firms = list(dict.fromkeys(firm_of(name)[1] for names in markets.values() for name in names))
    colour = {firm: OKABE_ITO[i % len(OKABE_ITO)] for i, firm in enumerate(firms)}
    columns = len(markets)
    fig = Figure(figsize=(5.0 * columns + 1.0, 7.2), layout="constrained")
    axes = fig.subplots(len(SHARES), columns, sharex=True, sharey="row", squeeze=False)
    for col, (market, names) in enumerate(markets.items()):
        frame = timeseries[timeseries["scenario"].isin(names)]
        for row, (column, title) in enumerate(SHARES.items()):
            ax = axes[row][col]
            q = quantiles(frame, column)
            for name in names:
                firm = firm_of(name)[1]
                part = q.loc[name]
                ax.fill_between(
                    part.index, part["low"], part["high"], color=colour[firm], alpha=0.18, lw=0
                )
                ax.plot(part.index, part["mid"], color=colour[firm], lw=2, label=firm)
            ax.axhline(100.0 / len(names), color="#555555", lw=0.8, ls=":")
            ax.set_title(f"{market}: {title[0].lower()}{title[1:]}")
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
            if row == len(SHARES) - 1:
                ax.set_xlabel("Week")
            if col == 0:
                ax.set_ylabel("% of the market")
            ax.legend(loc="best", frameon=False)
    fig.suptitle(
        f"Market share per firm, {BAND} over {n_seeds(timeseries)} seeds (dotted: an even split)"
    )
    return fig
