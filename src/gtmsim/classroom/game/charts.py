"""The game's charts, as SVG text for the pages: market share over the weeks, scores over the
rounds, and one team's results round by round. Drawn with matplotlib in the gtmsim style
(Okabe-Ito colours, firm by firm in game order), with no UI toolkit and no internet."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from gtmsim.outputs.plots.style import OKABE_ITO, STYLE, money

#: Firm rows of the game so far, by firm (week 1 first).
Rows = dict[str, list[dict[str, float]]]
#: Larger type than a report's, for a projector.
PAGE_STYLE = {**STYLE, "font.size": 12, "axes.titlesize": 13, "legend.fontsize": 11}


#: Teams' colours: Okabe-Ito without its yellow and black (too faint, and the computers').
TEAM_COLOURS = tuple(c for c in OKABE_ITO if c not in ("#F0E442", "#000000"))
#: Computer rivals' colours (drawn dashed).
COMPUTER_COLOURS = ("#000000", "#888888")


def colours(firms: list[str], computers: tuple[str, ...] = ()) -> dict[str, str]:
    """Each firm's colour, fixed for the whole game: teams in game order, computers in grey."""
    teams = [firm for firm in firms if firm not in computers]
    found = {firm: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, firm in enumerate(teams)}
    for i, firm in enumerate(f for f in firms if f in computers):
        found[firm] = COMPUTER_COLOURS[i % len(COMPUTER_COLOURS)]
    return found


def svg(figure: Figure) -> str:
    """The figure as SVG text that scales to its container."""
    FigureCanvasSVG(figure)
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight")
    text = out.getvalue()
    start = text.index("<svg")
    return text[start:].replace("<svg ", '<svg preserveAspectRatio="xMinYMin meet" ', 1)


def share_chart(
    rows: Rows,
    computers: tuple[str, ...],
    highlight: str | None = None,
    key: str = "market_share_arr",
) -> str:
    """Each firm's market share (``key``, %) week by week; ``highlight`` drawn thicker."""
    with matplotlib.rc_context(PAGE_STYLE):
        figure = Figure(figsize=(6.4, 3.8))
        axes = figure.subplots()
        palette = colours(list(rows), computers)
        for firm, firm_rows in rows.items():
            if not firm_rows:
                continue
            label = f"{firm} (computer)" if firm in computers else firm
            axes.plot(
                [r["week"] for r in firm_rows],
                [r[key] for r in firm_rows],
                color=palette[firm],
                lw=3.2 if firm == highlight else 1.6,
                ls="--" if firm in computers else "-",
                label=label,
            )
        axes.set_xlabel("week")
        axes.set_ylabel("% of the market's ARR" if key == "market_share_arr" else "%")
        axes.set_ylim(bottom=0)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return svg(figure)


def score_chart(scores: dict[str, list[float]], computers: tuple[str, ...]) -> str:
    """Each firm's score (0-100) after each round."""
    with matplotlib.rc_context(PAGE_STYLE):
        figure = Figure(figsize=(6.4, 3.8))
        axes = figure.subplots()
        palette = colours(list(scores), computers)
        for firm, values in scores.items():
            label = f"{firm} (computer)" if firm in computers else firm
            axes.plot(
                range(1, len(values) + 1),
                values,
                marker="o",
                color=palette[firm],
                ls="--" if firm in computers else "-",
                label=label,
            )
        axes.set_xlabel("round")
        axes.set_ylabel("score (0-100)")
        axes.set_ylim(-5, 105)
        rounds = max((len(v) for v in scores.values()), default=1)
        axes.set_xticks(range(1, rounds + 1))
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        return svg(figure)


def team_chart(rows: list[dict[str, float]], colour: str) -> str:
    """One team's ARR (line, left axis) and the new ARR it won each week (bars, right axis:
    a week's wins are a small fraction of the ARR)."""
    with matplotlib.rc_context(PAGE_STYLE):
        figure = Figure(figsize=(6.4, 3.2))
        axes = figure.subplots()
        weeks = [r["week"] for r in rows]
        won = axes.twinx()
        won.bar(weeks, [r["new_arr"] for r in rows], color="#BBBBBB", width=0.8)
        won.set_ylabel("new ARR won that week (bars)", color="#777777")
        won.yaxis.set_major_formatter(money)
        won.grid(False)
        won.spines["right"].set_visible(True)
        axes.set_zorder(won.get_zorder() + 1)
        axes.patch.set_visible(False)
        axes.plot(weeks, [r["arr"] for r in rows], color=colour, lw=2.6)
        axes.set_ylabel("ARR (line)")
        axes.yaxis.set_major_formatter(money)
        axes.set_xlabel("week")
        axes.set_ylim(bottom=0)
        won.set_ylim(bottom=0)
        return svg(figure)
