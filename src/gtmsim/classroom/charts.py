"""The dashboard's live charts and KPI table: matplotlib and plain text, no UI toolkit.

Each chart is drawn once for a :class:`gtmsim.classroom.model.ClassroomModel` and then only its data
change each week (blitting over a cached background), so a week's redraw takes milliseconds.
:mod:`gtmsim.classroom.page` puts them on the page.
"""

from __future__ import annotations

import io
import math
from html import escape
from typing import Any

import matplotlib
import numpy as np
import PIL.Image
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from gtmsim.classroom.model import ClassroomModel
from gtmsim.model.growth import GrowthModel
from gtmsim.model.journey import Stage
from gtmsim.model.kpis import KPIS
from gtmsim.outputs.plots.style import STAGES, STYLE

#: Prospects drawn in the network view (a sample when the market is larger).
NETWORK_NODES = 600
#: Size of each chart at 100 dpi: half the main area of a 1280x720 screen. The page stretches
#: it to its half of the screen, so it is drawn at DPI (1.6x): sharp up to 740 px wide, the
#: half of a 1920x1080 projector.
CHART_PX = (460, 300)
DPI = 160
#: Your settings solid blue; the side-by-side organisation dashed orange.
RUN_STYLES = ({"color": "#0072B2", "ls": "-"}, {"color": "#D55E00", "ls": "--"})
#: Journey stage colours, in Stage order (unaware, aware, trusting, customer).
STAGE_COLOURS = np.array([STAGES[k] for k in ("unaware", "aware", "trusting", "customers")])
COMPACT_LEGEND = {
    "frameon": False,
    "handlelength": 1.2,
    "handletextpad": 0.4,
    "columnspacing": 1.0,
    "fontsize": 11,
}
#: The report style, larger for a projector.
PROJECTOR = {**STYLE, "font.size": 12, "axes.titlesize": 13, "legend.fontsize": 12}


def _money(value: float, _pos: object = None) -> str:
    """Compact currency: 950, 12k, 1.5M; a dash when undefined."""
    if not math.isfinite(value):
        return "-"
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.0f}"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%" if math.isfinite(share) else "-"


def _hours(value: float) -> str:
    return f"{value:,.0f} h" if math.isfinite(value) else "-"


def series(run: GrowthModel, name: str) -> np.ndarray:
    """A KPI's weekly values so far."""
    return np.asarray(run.datacollector.model_vars.get(name, []), dtype=float)


#: KPIs in the dashboard's table (labels and units from the KPI registry).
KPI_TABLE = (
    "customers",
    "arr",
    "cac",
    "cum_mqls",
    "mql_to_sql",
    "leads_leaked",
    "response_hours",
)


def kpi_number(run: GrowthModel, name: str) -> float:
    """A KPI of the run so far, reduced as the registry declares (a weekly count is summed over
    the weeks so far)."""
    kpi = KPIS[name]
    return float(series(run, name).sum()) if kpi.summary == "sum" else float(run.kpi_row[name])


def median_number(runs: list[GrowthModel], name: str) -> float:
    """The median of a KPI over a side's runs (one per seed; undefined values left out)."""
    values = [kpi_number(run, name) for run in runs]
    known = [v for v in values if math.isfinite(v)]
    return float(np.median(known)) if known else math.nan


def kpi_value(run: GrowthModel, name: str) -> str:
    """A KPI of the run so far (:func:`kpi_number`), formatted for its unit."""
    return formatted(name, kpi_number(run, name))


def formatted(name: str, value: float) -> str:
    """A KPI's value formatted for its unit."""
    kpi = KPIS[name]
    if kpi.unit.startswith("currency"):
        return _money(value)
    if kpi.unit == "share":
        return _percent(value)
    if kpi.unit == "hours":
        return _hours(value)
    return f"{value:,.0f}"


def kpi_table(model: ClassroomModel) -> list[list[str]]:
    """The KPI table of the last completed week: a header row, then one row per KPI with
    one column per side (the median over the seeds when several run)."""
    seeds = len(model.seeds)
    first = f"Week {model.week}" + (f" (median of {seeds} seeds)" if seeds > 1 else "")
    rows = [[first, *model.runs]]
    for name in KPI_TABLE:
        values = (
            formatted(name, median_number(runs, name)) if runs[0].kpi_row else "-"
            for runs in model.replicates.values()
        )
        rows.append([KPIS[name].label, *values])
    return rows


def kpi_tooltip(name: str) -> str:
    """What a KPI of the table measures, for its tooltip (from the KPI registry)."""
    kpi = KPIS[name]
    return f"{kpi.description} ({kpi.unit}; docs/glossary.md)"


def kpi_html(model: ClassroomModel) -> str:
    """The KPI table as an HTML table (Markdown would make solara fetch KaTeX from the web);
    each KPI's name carries what it measures as a tooltip."""
    header, *body = kpi_table(model)
    cells = "".join(f"<th>{escape(text)}</th>" for text in header)
    lines = [f"<tr>{cells}</tr>"]
    for name, (label, *values) in zip(KPI_TABLE, body, strict=True):
        cells = "".join(f"<td>{escape(v)}</td>" for v in values)
        tip = escape(kpi_tooltip(name), quote=True)
        lines.append(f'<tr><th title="{tip}">{escape(label)} <sup>?</sup></th>{cells}</tr>')
    return "<table>" + "".join(lines) + "</table>"


class Chart:
    """A figure drawn once for a model; each week only its data artists are redrawn.

    Axes, ticks, labels and legends are rendered into a cached background, which is
    redrawn only when an axis range changes; the data artists (``animated``) are drawn
    on top of it each week (blitting). Text is what makes matplotlib slow, so this keeps a
    redraw to a few milliseconds.
    """

    def __init__(self, model: ClassroomModel) -> None:
        self.model = model
        self.animated: list[Artist] = []
        self._background: Any = None
        self._limits: tuple = ()
        with matplotlib.rc_context(PROJECTOR):
            self.figure = Figure(figsize=(CHART_PX[0] / 100, CHART_PX[1] / 100), dpi=DPI)
            self.canvas = FigureCanvasAgg(self.figure)
            self.setup()

    def setup(self) -> None:
        """Draw what stays: axes, titles, legends."""
        raise NotImplementedError

    def update(self) -> tuple:
        """Put this week's data into the animated artists; returns the axis ranges."""
        raise NotImplementedError

    def animate(self, artist: Artist) -> Artist:
        """Mark ``artist`` as data, redrawn every week over the cached background."""
        artist.set_animated(True)
        self.animated.append(artist)
        return artist

    def png(self) -> bytes:
        """The figure with this week's data, as PNG bytes."""
        with matplotlib.rc_context(PROJECTOR):
            limits = self.update()
            if limits != self._limits or self._background is None:
                self.canvas.draw()  # everything but the animated artists
                self._background = self.canvas.copy_from_bbox(self.figure.bbox)
                self._limits = limits
            else:
                self.canvas.restore_region(self._background)
            for artist in self.animated:
                self.figure.draw_artist(artist)
        out = io.BytesIO()
        PIL.Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(
            out, format="png", compress_level=1
        )
        return out.getvalue()

    @property
    def weeks_shown(self) -> int:
        """The x-axis extent: the scenario's run length, or more once the run goes past it."""
        return max(self.model.base.simulation.weeks, self.model.week)


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at
    or above ``value`` (> 0), so an axis grows in visible jumps rather than every week."""
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * power >= value)


class JourneyChart(Chart):
    """Prospects in each journey stage over the weeks (stacked), one panel per run."""

    def setup(self) -> None:
        fig, runs = self.figure, self.model.runs
        fig.subplots_adjust(left=0.15, right=0.98, top=0.9, bottom=0.27, wspace=0.08)
        self.axes = fig.subplots(1, len(runs), sharey=True, squeeze=False)[0]
        for ax, label in zip(self.axes, runs, strict=True):
            ax.set_title(label if len(runs) > 1 else "Buyer's journey", fontsize=12)
            ax.set_xlabel("week")
            ax.set_ylim(0, self.model.base.market.prospects)
            ax.grid(False)
        self.axes[0].set_ylabel("prospects")
        self.axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        handles = [
            matplotlib.patches.Patch(color=colour, label=stage)
            for stage, colour in reversed(STAGES.items())
        ]
        fig.legend(handles=handles, loc="lower center", ncols=4, **COMPACT_LEGEND)

    def update(self) -> tuple:
        for artist in self.animated:
            artist.remove()
        self.animated = []
        for ax, (label, run) in zip(self.axes, self.model.runs.items(), strict=True):
            weeks = np.concatenate([[0], series(run, "week")])
            start = self.model.start_counts[label]
            stacked = [np.concatenate([[start[stage]], series(run, stage)]) for stage in STAGES]
            for area in ax.stackplot(weeks, stacked, colors=list(STAGES.values()), lw=0):
                self.animate(area)
            ax.set_xlim(0, self.weeks_shown)
        return (self.weeks_shown,)


class GrowthChart(Chart):
    """ARR (the yearly value of the contracts in force) and CAC over the weeks, one line per
    side: with several seeds, the median line in the band of the seeds' range. ``previous``
    (ARR and CAC of "Your settings" before the last lever change) is drawn faintly behind."""

    def __init__(self, model: ClassroomModel, previous: dict[str, np.ndarray] | None = None):
        self.previous = previous
        self.bands: list[Artist] = []
        super().__init__(model)

    def setup(self) -> None:
        fig, runs = self.figure, self.model.runs
        legend = len(runs) > 1 or self.previous is not None
        bottom = 0.3 if legend else 0.18
        fig.subplots_adjust(left=0.12, right=0.98, top=0.9, bottom=bottom, wspace=0.4)
        self.ax_revenue, self.ax_cac = fig.subplots(1, 2)
        self.ax_revenue.set_title("ARR (yearly contracts)", fontsize=12)
        self.ax_cac.set_title("CAC (cost/customer)", fontsize=12)
        self.lines = []
        if self.previous is not None:
            faint = {"color": RUN_STYLES[0]["color"], "alpha": 0.55, "lw": 2.0, "ls": ":"}
            weeks = self.previous["week"]
            self.ax_revenue.plot(weeks, self.previous["arr"], label="before your change", **faint)
            self.ax_cac.plot(weeks, self.previous["cac"], **faint)
        for style, label in zip(RUN_STYLES, runs, strict=False):
            revenue = self.ax_revenue.plot([], [], lw=2.5, label=label, **style)[0]
            cac = self.ax_cac.plot([], [], lw=2.5, **style)[0]
            self.lines.append((self.animate(revenue), self.animate(cac)))
        for ax in (self.ax_revenue, self.ax_cac):
            ax.set_xlabel("week")
            ax.yaxis.set_major_formatter(FuncFormatter(_money))
        if legend:
            fig.legend(loc="lower center", ncols=3, **COMPACT_LEGEND)

    def update(self) -> tuple:
        for band in self.bands:  # last week's bands give way to this week's
            band.remove()
            self.animated.remove(band)
        self.bands = []
        tops = {self.ax_revenue: 1_000.0, self.ax_cac: 1_000.0}
        if self.previous is not None:
            for ax, name in ((self.ax_revenue, "arr"), (self.ax_cac, "cac")):
                if np.isfinite(self.previous[name]).any():
                    tops[ax] = max(tops[ax], float(np.nanmax(self.previous[name])))
        sides = zip(self.lines, RUN_STYLES, self.model.replicates.values(), strict=False)
        for (revenue, cac), style, runs in sides:
            weeks = series(runs[0], "week")
            for line, ax, name in ((revenue, self.ax_revenue, "arr"), (cac, self.ax_cac, "cac")):
                middle, low, high = spread([series(run, name) for run in runs])
                line.set_data(weeks, middle)
                if len(runs) > 1 and len(weeks):
                    band = ax.fill_between(weeks, low, high, color=style["color"], alpha=0.18, lw=0)
                    self.bands.append(self.animate(band))
                if np.isfinite(high).any():
                    tops[ax] = max(tops[ax], float(np.nanmax(high)))
        limits = [self.weeks_shown]
        for ax, top in tops.items():
            ceiling = nice_ceiling(top * 1.05)
            ax.set_xlim(0, self.weeks_shown)
            ax.set_ylim(0, ceiling)
            limits.append(ceiling)
        return tuple(limits)


def spread(values: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Week by week, the median, lowest and highest of several seeds' series (nan where no seed
    has a value yet, e.g. CAC before the first customer)."""
    stack = np.array(values, dtype=float)
    if stack.shape[0] == 1:
        return stack[0], stack[0], stack[0]
    known = np.isfinite(stack).any(axis=0)
    middle, low, high = (np.full(stack.shape[1], np.nan) for _ in range(3))
    if known.any():
        middle[known] = np.nanmedian(stack[:, known], axis=0)
        low[known] = np.nanmin(stack[:, known], axis=0)
        high[known] = np.nanmax(stack[:, known], axis=0)
    return middle, low, high


def history(model: ClassroomModel) -> dict[str, np.ndarray] | None:
    """ARR and CAC of "Your settings" so far (the median over its seeds), kept to draw faintly
    after a lever change; None before the first week."""
    runs = next(iter(model.replicates.values()))
    if not runs[0].kpi_row:
        return None
    return {
        "week": series(runs[0], "week"),
        "arr": spread([series(run, "arr") for run in runs])[0],
        "cac": spread([series(run, "cac") for run in runs])[0],
    }


class NetworkChart(Chart):
    """A sample of the market's prospects and their ties, coloured by journey stage.

    Each week the dots are re-ordered so that customers (drawn larger) lie on top.
    """

    def setup(self) -> None:
        fig, model = self.figure, self.model
        self.sample = model.network(NETWORK_NODES)
        runs = len(model.runs)
        right = 0.99 if runs > 1 else 0.74
        bottom = 0.12 if runs > 1 else 0.01
        top = 0.8 if runs > 1 else 0.9
        fig.subplots_adjust(left=0.01, right=right, top=top, bottom=bottom, wspace=0.04)
        self.axes = fig.subplots(1, runs, squeeze=False)[0]
        self.dots = []
        outline = [patheffects.withStroke(linewidth=3, foreground="white")]
        for ax, label in zip(self.axes, model.runs, strict=True):
            ax.add_collection(
                LineCollection(self.sample.edges, colors="#999999", lw=0.3, alpha=0.35, zorder=1)
            )
            self.dots.append(self.animate(ax.scatter(*self.sample.xy.T, s=9, lw=0, zorder=2)))
            for name, x, y in self.sample.labels:
                ax.text(
                    x,
                    y,
                    name,
                    ha="center",
                    va="center",
                    fontsize=11,
                    zorder=3,
                    path_effects=outline,
                )
            ax.set_xlim(-1.05, 1.05)
            ax.set_ylim(-1.05, 1.05)
            ax.set_aspect("equal")
            ax.axis("off")
            if runs > 1:
                ax.set_title(label, fontsize=12)
        total, shown = model.base.market.prospects, len(self.sample.nodes)
        what = f"{shown:,} of {total:,} prospects" if shown < total else f"all {total:,} prospects"
        fig.suptitle(f"The market: {what}, with their ties", fontsize=12)
        handles = [
            Line2D([], [], ls="", marker="o", ms=8, color=colour, label=stage)
            for stage, colour in reversed(STAGES.items())
        ]
        if runs > 1:
            fig.legend(handles=handles, loc="lower center", ncols=4, **COMPACT_LEGEND)
        else:
            fig.legend(handles=handles, loc="center right", **COMPACT_LEGEND)

    def update(self) -> tuple:
        for dots, run in zip(self.dots, self.model.runs.values(), strict=True):
            stage = run.population.stage[self.sample.nodes]
            order = np.argsort(stage, kind="stable")  # customers last, on top
            dots.set_offsets(self.sample.xy[order])
            dots.set_facecolor(STAGE_COLOURS[stage[order]])
            dots.set_sizes(np.where(stage[order] == Stage.CUSTOMER, 45.0, 9.0))
        return ()


class Charts:
    """The three live charts of one model (``previous``: see :class:`GrowthChart`)."""

    def __init__(
        self, model: ClassroomModel, previous: dict[str, np.ndarray] | None = None
    ) -> None:
        self.journey = JourneyChart(model)
        self.growth = GrowthChart(model, previous)
        self.network = NetworkChart(model)
