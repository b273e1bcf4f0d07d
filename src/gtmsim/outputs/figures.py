"""The figures of a results folder, drawn from its saved tables and written to files.

:func:`draw_all` reads ``timeseries.csv`` and ``summary.csv`` (no model is run) and writes every
figure to ``<folder>/figures/``; :func:`save_figure` writes one figure atomically.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from gtmsim.experiments.comparison import paired_baselines
from gtmsim.outputs.plots.differences import plot_differences
from gtmsim.outputs.plots.funnel import plot_funnel
from gtmsim.outputs.plots.journey import plot_journey, plot_kpi_panel
from gtmsim.outputs.plots.market import markets_in, plot_market_shares
from gtmsim.outputs.plots.spend import plot_spend
from gtmsim.outputs.plots.style import scenarios_in
from gtmsim.outputs.results import atomic_path, read_results, remove_stale_temporaries

FORMATS = ("png", "svg", "pdf")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(
            f"figure format {fmt!r} is not supported; choose one of: {', '.join(FORMATS)}"
        )


def save_figure(fig: Figure, path: Path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path`` (format from its suffix: png, svg or pdf) via a temporary
    file and a rename; vector files carry no timestamp, so they are reproducible."""
    path = Path(path)
    fmt = path.suffix.lstrip(".")
    _check_format(fmt)
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
    with atomic_path(path) as tmp, matplotlib.rc_context({"svg.hashsalt": "gtmsim"}):
        fig.savefig(tmp, format=fmt, dpi=dpi, metadata=metadata)
    return path


def draw_all(folder: Path, fmt: str = "png", dpi: int = 150) -> list[Path]:
    """Draw every figure of a results folder into ``<folder>/figures/<name>.<fmt>``.

    Reads only the saved results (no model is run); ``dpi`` sets the resolution of PNGs.
    The differences figure compares every scenario with the first one run (the baseline),
    and is drawn only when there are two or more scenarios; the market figure (each firm's
    share over time) only when some results are firms in a market of several.
    """
    _check_format(fmt)
    folder = Path(folder)
    _meta, timeseries, summary = read_results(folder)
    remove_stale_temporaries(folder)
    figures = {
        "journey": lambda: plot_journey(timeseries),
        "kpis": lambda: plot_kpi_panel(timeseries),
        "funnel": lambda: plot_funnel(timeseries),
        "spend": lambda: plot_spend(timeseries),
    }
    pairs = paired_baselines(scenarios_in(summary))
    if any(pairs.values()):  # something is compared with a baseline
        figures["differences"] = lambda: plot_differences(summary, pairs)
    if markets_in(scenarios_in(summary)):
        figures["market"] = lambda: plot_market_shares(timeseries)
    out = folder / "figures"
    return [save_figure(draw(), out / f"{name}.{fmt}", dpi) for name, draw in figures.items()]
