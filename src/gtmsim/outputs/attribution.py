"""Attribution results for people: the terminal table and the files (CSV and figure).

Reads an :class:`gtmsim.experiments.attribution.Attribution` (its tables only; no model runs).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich.table import Table

from gtmsim.experiments.attribution_rules import MARKETING, NONE, RULES, SALES, WORD_OF_MOUTH
from gtmsim.outputs.figures import save_figure
from gtmsim.outputs.plots.attribution import plot_attribution
from gtmsim.outputs.results import write_atomic
from gtmsim.outputs.terminal import shown

if TYPE_CHECKING:
    from gtmsim.experiments.attribution import Attribution

NOTE = (
    "Word of mouth is endogenous: it is not removed in any counterfactual, so its new ARR is "
    "credited to what caused it (the marketing and sales that made the talking customers). "
    "Counterfactual contributions do not add up to 100%: marketing and sales are complements "
    "(each is necessary), so removing either loses most of the new ARR; Shapley values split "
    "that shared value and do add up to 100%."
)


def _cell(row: dict | None, interval: bool) -> str:
    if row is None or np.isnan(row["share_pct"]):
        return "-"
    text = f"{row['share_pct']:.1f}"
    if interval:
        text += f" [{row['low_pct']:.0f}, {row['high_pct']:.0f}]"
    return text


def attribution_table(result: Attribution) -> Table:
    """Side by side, per source: its share of revenue (%) under each heuristic rule, its
    counterfactual contribution and (if computed) its Shapley value, with 90% intervals."""
    table = result.table()
    cells = {(r["source"], r["method"]): r for r in table.to_dict("records")}
    methods = [*RULES, "counterfactual", *(["shapley"] if result.shapley else [])]
    labels = {
        "first_touch": "first touch",
        "last_touch": "last touch",
        "linear": "linear",
        "time_decay": f"time decay ({result.half_life:g} wk)",
        "counterfactual": "counterfactual [90%]",
        "shapley": "Shapley [90%]",
    }
    out = Table(
        title=f"Share of new ARR credited to each source (% of mean new ARR {result.base.mean():,.0f})",
        caption=shown(
            f"{result.sizes()}. New ARR is the yearly value of the contracts won in the run. Each "
            "value is a share of mean new ARR; [90%] is the 5th-95th "
            "percentile over seeds of the paired per-seed share."
        ),
    )
    out.add_column("source")
    for method in methods:
        out.add_column(labels[method], justify="right")
    sources = [*result.sources, NONE, MARKETING]
    for source in sources:
        none_row = cells.get((NONE, "linear"))
        if source == NONE and (none_row is None or not none_row["revenue"]):
            continue  # no customer without touches
        row = [
            _cell(cells.get((source, method)), method in ("counterfactual", "shapley"))
            for method in methods
        ]
        label = source.replace("_", " ")
        if source == WORD_OF_MOUTH:
            label += " (endogenous)"
        out.add_row(shown(label), *row, end_section=source in (NONE, SALES))
    return out


def write_attribution(result: Attribution, out_dir: Path) -> list[Path]:
    """Save ``attribution.csv`` (the tidy table), ``runs.csv`` (every run's revenue) and
    ``attribution.png`` (grouped bars) to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = result.table().assign(scenario=result.scenario)
    paths = [out_dir / "attribution.csv", out_dir / "runs.csv"]
    write_atomic(paths[0], table.to_csv(index=False, float_format="%.10g"))
    write_atomic(paths[1], result.runs().to_csv(index=False, float_format="%.10g"))
    title = f"Attribution of new ARR: {result.sizes()}"
    paths.append(save_figure(plot_attribution(table, title), out_dir / "attribution.png"))
    return paths
