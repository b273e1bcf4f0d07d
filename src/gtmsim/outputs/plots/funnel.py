"""The lead funnel: leads at each stage, conversion between stages, and the fate of MQLs."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gtmsim.experiments.comparison import (
    median_interval,
)
from gtmsim.model.kpis import FUNNEL
from gtmsim.outputs.plots.style import (
    colours_for,
    count,
    log_axis,
    money,
    n_seeds,
    run_totals,
    scenarios_in,
    styled,
)


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


@styled
def plot_funnel(timeseries: pd.DataFrame) -> Figure:
    """Lead funnel from run totals: leads at each stage, stage-to-stage conversion, and the
    fate of MQLs (SQL, not qualified, leaked, rejected, ignored); medians over seeds."""
    stages = list(FUNNEL)
    totals = run_totals(timeseries, [*stages, "leads_leaked", "leads_rejected", "leads_ignored"])
    names = scenarios_in(timeseries)
    colours = colours_for(names)
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
            labels = [money(round(c, -2 * (c >= 1e3))) for c in counts]
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
    log_axis(ax_count.yaxis, count)
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
    fig.suptitle(f"Lead funnel over the whole run (median over {n_seeds(timeseries)} seeds)")
    return fig
