"""The scoreboard: each firm's results after a round, and a score from weights the instructor
sets.

Each scored result is put on a 0-100 scale across the firms of the game (the best 100, the
worst 0; all equal: 100 each), and a firm's score is the weighted mean of these (weights in any
unit: only their ratios count). A result no firm has yet (NRR before a year of renewals) is
left out of the score. Computer rivals are scored too, so teams see whether they beat them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from gtmsim.classroom.game.errors import WeightsError

#: One firm's weekly KPI rows of the game so far (week 1 first).
Rows = list[dict[str, float]]


@dataclass(frozen=True)
class Measure:
    """A result the scoreboard can weigh: its label, unit and how it is read off the rows."""

    label: str
    short: str  # a column heading
    unit: str
    read: Callable[[Rows], float]
    higher_is_better: bool = True


def _growth(rows: Rows) -> float:
    start = rows[0]["arr"]
    return 100.0 * (rows[-1]["arr"] / start - 1.0) if start > 0 else math.nan


#: What the scoreboard can weigh, by key (the keys of ``--weights``).
MEASURES: dict[str, Measure] = {
    "arr_share": Measure(
        "ARR market share", "ARR share %", "%", lambda rows: rows[-1]["market_share_arr"]
    ),
    "customer_share": Measure(
        "customer market share", "cust %", "%", lambda rows: rows[-1]["market_share_customers"]
    ),
    "arr_growth": Measure("ARR growth since week 1", "ARR growth %", "%", _growth),
    "profit": Measure(
        "cumulative profit (revenue - go-to-market cost)",
        "profit",
        "currency",
        lambda rows: rows[-1]["cum_revenue"] - rows[-1]["cum_cost"],
    ),
    "nrr": Measure("net revenue retention", "NRR %", "%", lambda rows: rows[-1]["nrr"]),
    "cac_payback": Measure(
        "CAC payback", "CAC mo", "months", lambda rows: rows[-1]["cac_payback_months"], False
    ),
}
#: The weights a game starts with (the instructor may set others).
DEFAULT_WEIGHTS = {"arr_share": 40.0, "profit": 30.0, "arr_growth": 30.0}


def parse_weights(text: str, source: str = "--weights") -> dict[str, float]:
    """``"arr_share=40,profit=30"`` as weights (checked: known keys, numbers >= 0, not all 0);
    ``source`` names where they came from in an error."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if key in weights:
            raise WeightsError(f"{source} {text!r}: {key} is given twice; give each key once.")
        if not sep or key not in MEASURES:
            raise WeightsError(
                f"{source} {text!r}: {part!r} is not KEY=NUMBER with a known key. Known keys: "
                f"{', '.join(MEASURES)}; e.g. --weights arr_share=40,profit=30,arr_growth=30."
            )
        try:
            weights[key] = float(value)
        except ValueError:
            raise WeightsError(f"{source} {text!r}: {value!r} is not a number.") from None
        if not math.isfinite(weights[key]) or weights[key] < 0:
            raise WeightsError(f"{source} {text!r}: {key} must be a number >= 0.")
    if not any(weights.values()):
        raise WeightsError(f"{source} {text!r}: at least one weight must be above 0.")
    return weights


def scoreboard(rows: dict[str, Rows], weights: dict[str, float]) -> list[dict[str, float | str]]:
    """Each firm's weighed results and score (0-100), best score first (ties: firm order)."""
    values = {key: {firm: MEASURES[key].read(r) for firm, r in rows.items()} for key in MEASURES}
    points: dict[str, dict[str, float]] = {}
    for key, weight in weights.items():
        known = {f: v for f, v in values[key].items() if math.isfinite(v)}
        if weight <= 0 or not known:
            continue
        low, high = min(known.values()), max(known.values())
        for firm in rows:
            v = values[key][firm]
            if not math.isfinite(v):
                scaled = 0.0
            elif high == low:
                scaled = 100.0
            else:
                scaled = 100.0 * (v - low) / (high - low)
                if not MEASURES[key].higher_is_better:
                    scaled = 100.0 - scaled
            points.setdefault(firm, {})[key] = scaled
    used = [key for key in weights if any(key in p for p in points.values())]
    total = sum(weights[key] for key in used)
    board = []
    for firm in rows:
        score = sum(weights[key] * points[firm][key] for key in used) / total if total else math.nan
        board.append({"firm": firm, "score": score, **{k: values[k][firm] for k in MEASURES}})
    order = {firm: i for i, firm in enumerate(rows)}
    board.sort(
        key=lambda row: (-(row["score"] if math.isfinite(row["score"]) else -1), order[row["firm"]])
    )
    return board
