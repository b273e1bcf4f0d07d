"""Heuristic attribution of revenue: what marketing dashboards report.

**Heuristic attribution** (what marketing dashboards report) reads each customer's touch
history (:mod:`gtmsim.model.touches`) up to and including the week it bought and splits its deal
value over the sources that touched it:

- *first touch*: all to the source(s) of the earliest week;
- *last touch*: all to the source(s) of the latest week (at or before the purchase week);
- *linear*: equally over every touch;
- *time decay*: in proportion to ``2 ** -(age / half_life)``, ``age`` = purchase week - touch
  week, ``half_life`` in weeks (default 4).

A *touch* is one source reaching one prospect in one week: repeated (prospect, week, source)
rows count once, because the week is the model's time step. Ties in a week (several sources
in the earliest or latest week) share the credit equally. Customers without any touch are
credited to ``"none"``. These are pure functions of two tables (touches; customers with
prospect, bought_week, deal_value), so they can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from gtmsim.experiments.defaults import HALF_LIFE_WEEKS

#: Heuristic rules, in the order they are reported.
RULES = ("first_touch", "last_touch", "linear", "time_decay")
#: Credit for customers that no source touched.
NONE = "none"
#: The sales contributor and touch source.
SALES = "sales"
#: Word of mouth: a touch source, never removed (endogenous).
WORD_OF_MOUTH = "word_of_mouth"
#: The row that sums the marketing channels.
MARKETING = "marketing (all)"


def customers_table(population) -> pd.DataFrame:
    """Customers of a finished run: prospect, bought_week, deal_value (from a Population)."""
    index = np.flatnonzero(population.bought_week >= 0)
    return pd.DataFrame(
        {
            "prospect": index,
            "bought_week": population.bought_week[index],
            "deal_value": population.deal_value[index],
        }
    )


def _sources(touches: pd.DataFrame) -> list[str]:
    """Source names in reporting order: a categorical's categories, else first appearance."""
    column = touches["source"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(s) for s in column.cat.categories]
    return [str(s) for s in pd.unique(column)]


def journeys(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Customers' touches at or before their purchase week, one row per (prospect, week, source),
    with the customer's bought_week and deal_value."""
    distinct = touches[["prospect", "week", "source"]].drop_duplicates()
    distinct = distinct.astype({"source": str})
    merged = distinct.merge(customers[["prospect", "bought_week", "deal_value"]], on="prospect")
    return merged.loc[merged["week"] <= merged["bought_week"]].reset_index(drop=True)


def _credit(
    touches: pd.DataFrame,
    customers: pd.DataFrame,
    weight: Callable[[pd.DataFrame], pd.Series],
    name: str,
) -> pd.Series:
    """Revenue per source when each customer's deal value is split by ``weight`` (per touch,
    summing to 1 per customer); untouched customers' revenue goes to ``"none"``."""
    rows = journeys(touches, customers)
    credit = (rows["deal_value"] * weight(rows)).groupby(rows["source"]).sum()
    untouched = ~customers["prospect"].isin(rows["prospect"])
    out = pd.Series(0.0, index=[*_sources(touches), NONE], name=name)
    out.loc[credit.index] = credit.to_numpy()
    out[NONE] = float(customers.loc[untouched, "deal_value"].sum())
    return out


def _equal_split(mask: pd.Series, prospect: pd.Series) -> pd.Series:
    """1/k for each of the k selected touches of a prospect, 0 for the others."""
    count = mask.groupby(prospect).transform("sum")
    return mask / count


def first_touch(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """All of a customer's revenue to the source(s) of its earliest touch week (ties split)."""

    def weight(rows: pd.DataFrame) -> pd.Series:
        first = rows.groupby("prospect")["week"].transform("min")
        return _equal_split(rows["week"] == first, rows["prospect"])

    return _credit(touches, customers, weight, "first_touch")


def last_touch(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """All of a customer's revenue to the source(s) of its latest touch week at or before the
    purchase (ties split)."""

    def weight(rows: pd.DataFrame) -> pd.Series:
        last = rows.groupby("prospect")["week"].transform("max")
        return _equal_split(rows["week"] == last, rows["prospect"])

    return _credit(touches, customers, weight, "last_touch")


def linear(touches: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """A customer's revenue split equally over its touches."""

    def weight(rows: pd.DataFrame) -> pd.Series:
        return 1.0 / rows.groupby("prospect")["week"].transform("size")

    return _credit(touches, customers, weight, "linear")


def time_decay(
    touches: pd.DataFrame, customers: pd.DataFrame, half_life: float = HALF_LIFE_WEEKS
) -> pd.Series:
    """A customer's revenue split in proportion to ``2 ** -(age / half_life)`` per touch, where
    age = purchase week - touch week (a touch in the purchase week has weight 1)."""
    if half_life <= 0:
        raise ValueError(f"half_life must be positive (weeks), got {half_life}")

    def weight(rows: pd.DataFrame) -> pd.Series:
        raw = np.exp2(-(rows["bought_week"] - rows["week"]) / half_life)
        return raw / raw.groupby(rows["prospect"]).transform("sum")

    return _credit(touches, customers, weight, "time_decay")


def heuristic_attribution(
    touches: pd.DataFrame, customers: pd.DataFrame, half_life: float = HALF_LIFE_WEEKS
) -> pd.DataFrame:
    """Revenue per source (rows, plus ``"none"``) under every rule (columns, :data:`RULES`)."""
    return pd.concat(
        [
            first_touch(touches, customers),
            last_touch(touches, customers),
            linear(touches, customers),
            time_decay(touches, customers, half_life),
        ],
        axis=1,
    )
