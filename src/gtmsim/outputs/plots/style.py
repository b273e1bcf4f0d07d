"""The look every gtmsim figure shares: palette, rc style, number formats, and small helpers
over the saved tables (scenario order, seeds, quantiles over seeds, run totals).

Lines are per-scenario medians over seeds and bands the 90% interval (5th to 95th percentile),
as in the KPI table. Figures are built with matplotlib's object API (no pyplot), so they are
safe in servers, tests and worker processes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import matplotlib
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from gtmsim.experiments.comparison import (
    INTERVAL,
)

#: Okabe-Ito colour-blind-safe palette; scenarios take colours in the order they were run.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
}
#: Journey stages from the bottom of the stack up, with their colours.
STAGES = {"customers": "#009E73", "trusting": "#0072B2", "aware": "#56B4E9", "unaware": "#D9D9D9"}
BAND = f"median and {INTERVAL[1] - INTERVAL[0]:.0f}% band ({INTERVAL[0]:.0f}th-{INTERVAL[1]:.0f}th percentile)"


def styled(plot: Callable[..., Figure]) -> Callable[..., Figure]:
    """Draw under the gtmsim style, without touching matplotlib's global settings."""

    @wraps(plot)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            return plot(*args, **kwargs)

    return wrapper


def money(value: float, _pos: object = None) -> str:
    """Compact currency tick: 950, 12k, 1.5M."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def count(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}"


def log_axis(axis: Axis, label: Callable[[float, object], str]) -> None:
    """Log scale labelled in plain numbers; minor ticks labelled only at 2x and 5x."""
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(
        FuncFormatter(lambda v, pos: label(v, pos) if f"{v:e}"[0] in "25" else "")
    )


MONEY = FuncFormatter(money)


def scenarios_in(frame: pd.DataFrame) -> list[str]:
    """Scenario names in the order they appear (the order they were run)."""
    return list(pd.unique(frame["scenario"]))


def colours_for(names: list[str]) -> dict[str, str]:
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(names)}


def n_seeds(frame: pd.DataFrame) -> int:
    return int(frame.groupby("scenario")["seed"].nunique().max())


def quantiles(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per (scenario, week): columns low, mid, high of ``column`` over seeds."""
    q = frame.groupby(["scenario", "week"])[column].quantile(
        [INTERVAL[0] / 100, 0.5, INTERVAL[1] / 100]
    )
    return q.unstack().set_axis(["low", "mid", "high"], axis=1)


def run_totals(timeseries: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Run totals of weekly columns, one row per (scenario, seed)."""
    return timeseries.groupby(["scenario", "seed"], sort=False)[columns].sum()


def note_undefined(ax: Axes, text: str) -> None:
    """Say in the middle of an empty panel why it is empty (a KPI with no value in any run)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#555555")


def panel_grid(n: int, columns: int = 2) -> tuple[int, int]:
    """Rows and columns for ``n`` panels laid out at most ``columns`` wide."""
    columns = min(n, columns)
    return (n + columns - 1) // columns, columns
