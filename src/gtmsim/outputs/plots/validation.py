"""Validation figures: the model against textbook results (Bass diffusion)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from gtmsim.outputs.plots.style import OKABE_ITO, styled


@styled
def plot_bass(table: pd.DataFrame, title: str) -> Figure:
    """Adopter share over years: model mean and 90% band vs the Bass closed form, and the
    gap (model mean - closed form, and the weekly rule's own discretisation error) in pp."""
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    curve, gap = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    years = table["years"]
    curve.fill_between(
        years,
        table["model_p05_pct"],
        table["model_p95_pct"],
        color=OKABE_ITO[0],
        alpha=0.25,
        label="model: 90% of runs",
    )
    curve.plot(years, table["model_mean_pct"], color=OKABE_ITO[0], lw=2.5, label="model: mean")
    curve.plot(
        years, table["closed_form_pct"], color="black", lw=1.2, ls="--", label="Bass closed form"
    )
    curve.set(xlabel="Time (years)", ylabel="Adopters (% of market)", title="Adoption curve")
    curve.legend(loc="lower right")
    gap.axhline(0, color="grey", lw=0.8)
    gap.plot(
        years,
        table["model_mean_pct"] - table["closed_form_pct"],
        color=OKABE_ITO[0],
        label="model mean - closed form",
    )
    gap.plot(
        years,
        table["discrete_rule_pct"] - table["closed_form_pct"],
        color=OKABE_ITO[1],
        ls=":",
        lw=2,
        label="weekly rule - closed form (discretisation error)",
    )
    gap.set(xlabel="Time (years)", ylabel="Gap (percentage points)", title="Gap to closed form")
    gap.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.suptitle(title)
    return fig
