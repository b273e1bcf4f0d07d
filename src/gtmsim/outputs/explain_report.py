"""The report of `gtmsim explain`: a "Why the difference" section in words, tables and figures,
written as report.md and a self-contained report.html beside the tables.

The sentences are built from the numbers (which practice carries most of each KPI's difference,
which practices are complements or substitutes, what each would do alone), so they stay true
when the model changes. Pure functions of the explanation's tidy tables.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from gtmsim.experiments.comparison import LOWER_IS_BETTER
from gtmsim.model.kpis import KPIS
from gtmsim.outputs.report import Block, to_html, to_markdown
from gtmsim.outputs.results import write_atomic
from gtmsim.outputs.terminal import compact

FIGURES = {
    "explain-waterfall": "From the baseline to the target, KPI by KPI: each practice's Shapley "
    "contribution (mean over seeds) stacked on the baseline's mean, with its 95% interval.",
    "explain-interactions": "Pairwise interactions: how much more (complements) or less "
    "(substitutes) two practices add together than the sum of what each adds.",
    "explain-path": "The adoption path: at each step the practice that adds most, given those "
    "already adopted, with the step's gain and its 95% interval.",
}


def label(kpi: str) -> str:
    found = KPIS.get(kpi)
    return f"{found.label} ({found.unit})" if found else kpi


def interval(low: float, high: float) -> str:
    return "n/a" if math.isnan(low) else f"[{compact(low)}, {compact(high)}]"


def carries_most(rows: pd.DataFrame, kpi: str) -> str:
    """The sentence on which practice carries most of one KPI's difference."""
    total = rows[rows["group"] == "total"].iloc[0]
    parts = rows[rows["group"] != "total"].dropna(subset=["contribution"])
    if parts.empty or math.isnan(total["contribution"]):
        return f"{label(kpi)}: undefined on some seeds, so not decomposed."
    top = parts.loc[parts["contribution"].abs().idxmax()]
    share = top["contribution"] / total["contribution"] if total["contribution"] else math.nan
    text = (
        f"**{label(kpi)}** changes by {compact(total['contribution'])} "
        f"{interval(total['low'], total['high'])} on average; **{top['group']}** carries the "
        f"most: {compact(top['contribution'])} {interval(top['low'], top['high'])}"
    )
    if math.isfinite(share) and share > 0:
        text += f", {share:.0%} of the total"
    against = parts[
        (parts["contribution"] * total["contribution"] < 0) & (parts["high"] * parts["low"] > 0)
    ]
    if len(against):
        names = ", ".join(
            f"{g} ({compact(c)})"
            for g, c in zip(against["group"], against["contribution"], strict=True)
        )
        text += f". Working against the total, clearly: {names}"
    return text + "."


def pairs_sentence(interactions: pd.DataFrame, kpi: str) -> str | None:
    """Which pair only works together (or gets in each other's way), if any clearly does."""
    data = interactions[
        (interactions["kpi"] == kpi) & (interactions["low"] * interactions["high"] > 0)
    ]
    if data.empty:
        return None
    top = data.loc[data["interaction"].abs().idxmax()]
    if top["interaction"] > 0:
        return (
            f"On {label(kpi)}, **{top['group_a']}** and **{top['group_b']}** are complements: "
            f"together they add {compact(top['interaction'])} "
            f"{interval(top['low'], top['high'])} more than the sum of what each adds alone."
        )
    return (
        f"On {label(kpi)}, **{top['group_a']}** and **{top['group_b']}** are substitutes: "
        f"together they add {compact(-top['interaction'])} "
        f"{interval(-top['high'], -top['low'])} less than the sum of what each adds alone "
        "(they fix the same loss)."
    )


def build(
    baseline: str,
    target: str,
    seeds: int,
    contributions: pd.DataFrame,
    interactions: pd.DataFrame,
    alone: pd.DataFrame,
    path: pd.DataFrame,
    by: str,
) -> list[Block]:
    """The report's blocks (title, sentences, tables, figures)."""
    blocks: list[Block] = [
        ("h", 1, f"Why {target} differs from {baseline}"),
        (
            "p",
            f"Every combination of the practices in which {target} differs from {baseline} ran "
            f"on the same {seeds} seeds. Each practice's contribution is its Shapley value: its "
            "marginal effect averaged over every order of adoption. Contributions add up exactly "
            "to the total difference on every seed; a practice the two share gets zero. Numbers "
            "are means over seeds in the KPI's unit, each with the 95% confidence interval of the "
            "mean (how sure we are of it), the 90% interval of its per-seed values (how much it "
            "varies from seed to seed) and the share of seeds on which it moves the KPI the better "
            "way (down for costs and times).",
        ),
        ("h", 2, "Why the difference"),
    ]
    sentences = []
    for kpi, rows in contributions.groupby("kpi", sort=False):
        sentences.append(carries_most(rows, kpi))
        pair = pairs_sentence(interactions, kpi)
        if pair:
            sentences.append(pair)
    blocks.append(("ul", sentences))
    better = "lower" if by in LOWER_IS_BETTER else "higher"
    steps = "; then ".join(f"{row.group} ({compact(row.gain)})" for row in path.itertuples())
    blocks.append(
        (
            "p",
            f"**What to fix first** for {label(by)} ({better} is better): adopt, in order, {steps}. "
            "Each number is the step's mean gain given the practices before it.",
        )
    )
    blocks.append(("h", 2, "Contributions"))
    for kpi, rows in contributions.groupby("kpi", sort=False):
        solo = alone[alone["kpi"] == kpi].set_index("group")
        table_rows = [
            [
                str(r.group),
                compact(r.contribution),
                interval(r.low, r.high),
                interval(r.spread_low, r.spread_high),
                "n/a" if r.better != r.better else f"{r.better:.0%}",
                compact(solo.loc[r.group, "gain"]) if r.group in solo.index else "",
            ]
            for r in rows.itertuples()
        ]
        blocks.append(("h", 3, label(kpi)))
        header = ["practice", "mean", "95% CI of the mean", "90% of seeds", "better", "alone"]
        blocks.append(("table", header, table_rows, "lrrrrr"))
        pairs = interactions[interactions["kpi"] == kpi].dropna(subset=["interaction"])
        if len(pairs):
            top = pairs.loc[pairs["interaction"].abs().idxmax()]
            kind = "complements" if top["interaction"] > 0 else "substitutes"
            blocks.append(
                (
                    "p",
                    f"Largest interaction: {top['group_a']} x {top['group_b']}, "
                    f"{compact(top['interaction'])} {interval(top['low'], top['high'])} ({kind}).",
                )
            )
    blocks.append(("h", 2, "Figures"))
    blocks += [("fig", name, text) for name, text in FIGURES.items()]
    return blocks


def write_explain_report(folder: Path, blocks: list[Block]) -> list[Path]:
    """report.md and report.html in ``folder``, figures from ``folder`` (embedded in the HTML)."""
    figures = {name: folder / f"{name}.png" for name in FIGURES}
    figures = {name: path for name, path in figures.items() if path.is_file()}
    paths = [folder / "report.md", folder / "report.html"]
    write_atomic(paths[0], _markdown(blocks, figures))
    write_atomic(paths[1], to_html(blocks, figures))
    return paths


def _markdown(blocks: list[Block], figures: dict[str, Path]) -> str:
    """The Markdown report, figures linked beside it (not under figures/)."""
    text = to_markdown(blocks, figures)
    for name in figures:
        text = text.replace(f"](figures/{name}.png)", f"]({name}.png)")
    return text
