"""The declaration of one KPI (:class:`Kpi`); the registry itself is :mod:`gtmsim.model.kpis`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Reduction = Literal["last", "sum", "derived"]


@dataclass(frozen=True)
class Kpi:
    """One KPI.

    Attributes:
        label: short name for tables and axes, e.g. ``"CAC"``.
        unit: e.g. ``"currency/customer"``, ``"share"`` (0-1), ``"leads/week"``.
        description: what it measures, in one sentence.
        weekly: a column of ``timeseries.csv`` (recorded every week by the DataCollector).
        summary: how a run reduces it to one value of ``summary.csv`` (None: not summarised).
        headline: rank in headline tables, the differences figure and the report (None: not a
            headline KPI).
        mechanism: for headline KPIs, the mechanism behind it in one sentence (the report).
        acted_on_by: prefixes of the parameter keys acting on it directly; a key ``a.b.c``
            matches the prefixes ``a.b.c`` and ``a.b``.
        funnel_stage: the lead-funnel stage whose entries this weekly count measures.
    """

    label: str
    unit: str
    description: str
    weekly: bool = True
    summary: Reduction | None = None
    headline: int | None = None
    mechanism: str = ""
    acted_on_by: tuple[str, ...] = ()
    funnel_stage: str | None = None
