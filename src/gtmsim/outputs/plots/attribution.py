"""Attribution figure: heuristic credit vs counterfactual contribution, as grouped bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gtmsim.outputs.plots.style import OKABE_ITO, styled

#: Methods in drawing order, with their labels.
METHODS = {
    "first_touch": "first touch",
    "last_touch": "last touch",
    "linear": "linear",
    "time_decay": "time decay",
    "counterfactual": "counterfactual (removed)",
    "shapley": "Shapley",
}
#: Rows of the summary panel.
GROUPS = ("marketing (all)", "sales")


def _bars(ax: Axes, table: pd.DataFrame, sources: list[str]) -> None:
    methods = [m for m in METHODS if m in set(table["method"])]
    width = 0.8 / len(methods)
    x = np.arange(len(sources))
    for i, method in enumerate(methods):
        rows = table[table["method"] == method].set_index("source").reindex(sources)
        offset = x - 0.4 + width * (i + 0.5)
        ax.bar(
            offset,
            rows["share_pct"].fillna(0.0),
            width,
            color=OKABE_ITO[i % len(OKABE_ITO)],
            label=METHODS[method],
        )
        if method in ("counterfactual", "shapley"):
            shown = rows["share_pct"].notna().to_numpy()
            low = (rows["share_pct"] - rows["low_pct"]).clip(lower=0).to_numpy()
            high = (rows["high_pct"] - rows["share_pct"]).clip(lower=0).to_numpy()
            ax.errorbar(
                offset[shown],
                rows["share_pct"].to_numpy()[shown],
                yerr=[low[shown], high[shown]],
                fmt="none",
                ecolor="black",
                elinewidth=1,
                capsize=2,
            )
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x, [s.replace("_", " ") for s in sources], rotation=30, ha="right")
    ax.set_ylabel("Share of new ARR (%)")


@styled
def plot_attribution(table: pd.DataFrame, title: str) -> Figure:
    """Share of new ARR credited to each source by each method (grouped bars), per source on
    the left and marketing as a whole vs sales on the right; counterfactual and Shapley bars
    carry their 90% interval over seeds.

    ``table`` is :meth:`gtmsim.experiments.attribution.Attribution.table` (columns source, method,
    share_pct, low_pct, high_pct). Word of mouth has no counterfactual bar: it is endogenous.
    """
    fig = Figure(figsize=(12, 5), layout="constrained")
    detail, summary = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    present = list(pd.unique(table["source"]))
    sources = [s for s in present if s not in GROUPS or s == "sales"]
    none = table[(table["source"] == "none")]
    if not none.empty and not (none["share_pct"].fillna(0) > 0).any():
        sources.remove("none")
    _bars(detail, table, sources)
    detail.set_title("By source")
    _bars(summary, table, [g for g in GROUPS if g in present])
    summary.set_title("Marketing as a whole vs sales")
    handles, labels = detail.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    fig.suptitle(title)
    return fig
