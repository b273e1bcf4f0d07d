"""The five integration practices and the scenario parameters each covers; which parameters
two scenarios differ in, grouped by practice. Pure functions, light to import (the report uses
them to name what differs; :mod:`gtmsim.experiments.explain` to decompose the difference)."""

from __future__ import annotations

from collections.abc import Sequence

from gtmsim.model.scenario import Scenario

#: The five integration practices and the parameter keys (or key prefixes) each one covers.
PRACTICES: dict[str, tuple[str, ...]] = {
    "shared goals": ("organisation.marketing_goal",),
    "handoff and lead definition": (
        "organisation.lead_definition_agreed",
        "organisation.agreed_lead_threshold",
    ),
    "communication cadence": ("organisation.meeting_cadence", "organisation.feedback_"),
    "connected technology": ("organisation.handoff_delay_hours", "organisation.handoff_leakage"),
    "cross-skilling": ("organisation.cross_skilling",),
}
OTHER = "other levers"


def flatten(data: dict, prefix: str = "") -> dict[str, object]:
    """Nested parameters as dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    out: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def differing(baseline: Scenario, target: Scenario) -> dict[str, tuple[object, object]]:
    """Parameters (dotted keys) whose values differ: key -> (baseline's, target's)."""
    exclude = {"name", "description"}
    a = flatten(baseline.model_dump(exclude=exclude))
    b = flatten(target.model_dump(exclude=exclude))
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def group_keys(
    keys: Sequence[str], grouping: dict[str, tuple[str, ...]] | None
) -> dict[str, list[str]]:
    """Each group's differing keys: ``grouping`` maps a group to keys or key prefixes (None: one
    group per key). Every group of ``grouping`` is kept, even with no key (it contributes
    zero); keys no group covers form :data:`OTHER`."""
    if grouping is None:
        return {k: [k] for k in keys}
    groups: dict[str, list[str]] = {name: [] for name in grouping}
    for key in keys:
        owner = next(
            (g for g, prefixes in grouping.items() if any(key.startswith(p) for p in prefixes)),
            OTHER,
        )
        groups.setdefault(owner, []).append(key)
    return groups
