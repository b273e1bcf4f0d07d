"""Building blocks for typed, documented scenario parameters.

Every model parameter is declared with :func:`param`, which records its unit and
description next to its default and allowed range. The scenario reference in the
README is generated from these declarations (``gtmsim reference``), so the
documentation cannot drift from the code.
"""

from __future__ import annotations

from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

#: Hours in a week: converts weekly steps to the hours in which response delays are stated.
HOURS_PER_WEEK = 168.0

#: Weeks in a year: converts yearly budgets, costs and hazards to the model's weekly steps.
WEEKS_PER_YEAR = 52.0

#: The fit and trust of an "average" prospect, at which sales odds equal their base values.
REFERENCE_LEVEL = 0.5


class Params(BaseModel):
    """Base class of every parameter group: unknown keys are errors, numbers must be finite
    (inf or nan cannot run), values are checked on assignment."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False
    )


def param(
    default: Any,
    unit: str,
    description: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    inert_when: dict[str, Any] | None = None,
) -> Any:
    """Declare a parameter with its unit, meaning and allowed range.

    Args:
        default: value used when a scenario file does not set the key.
        unit: the unit, e.g. ``"weeks"``, ``"currency/year"``, ``"probability/week"``.
        description: one sentence saying what the parameter does in the model, with its source.
        ge, le, gt, lt: inclusive/exclusive bounds, enforced when a scenario is validated.
        inert_when: settings of other parameters (dotted keys) under which this one has no
            effect, e.g. ``{"organisation.marketing_goal": "leads"}`` (a list of values: any of
            them switches it off); the report reads it so it
            never credits a difference to a parameter that was switched off.
    """
    extra: dict[str, Any] = {"unit": unit}
    if inert_when:
        extra["inert_when"] = inert_when
    return Field(
        default,
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        strict=True if isinstance(default, bool) else None,  # "yes" or 1 is not a boolean
        json_schema_extra=extra,
    )


def held_type(annotation: Any) -> Any:
    """The type an optional annotation (``X | None``) holds when set; any other as it is."""
    if get_origin(annotation) in (Union, UnionType):
        return next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def weekly_rate_from_annual(annual_loss: float) -> float:
    """Convert a share lost per year into the equivalent constant share lost per week.

    ``annual_loss`` is a probability per year (e.g. 0.33 = a third is lost in a year);
    the result is the per-week share so that 52 weekly losses compound to it.
    """
    return 1.0 - (1.0 - annual_loss) ** (1.0 / WEEKS_PER_YEAR)


def bounds(info: Any) -> list[str]:
    """A parameter's declared bounds as text, e.g. ``[">= 0", "<= 1"]`` (``info`` is its
    pydantic FieldInfo)."""
    found = []
    for meta in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None:
                found.append(f"{sign} {value:g}")
    return found
