"""The five integration practices and the scenario parameters each covers; which parameters
two scenarios differ in, grouped by practice. Pure functions, light to import (the report uses
them to name what differs; :mod:`gtmsim.experiments.explain` to decompose the difference)."""

from __future__ import annotations

from collections.abc import Sequence

from gtmsim.model.market_scenario import MarketScenario
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
#: Optional parameter groups compared and set as one value (present or None).
WHOLE = ("reorganise",)
#: Sections of a market's scenarios that are the market's, the same for every firm.
SHARED = ("market.", "competition.", "simulation.")
MARKET = "the market"


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


def parameters(unit: Scenario | MarketScenario) -> dict[str, object]:
    """Every parameter of a scenario as dotted keys, or of a market as ``firms.NAME.key``."""
    if isinstance(unit, MarketScenario):
        return {
            f"firms.{firm}.{key}": value
            for firm, scenario in unit.firms.items()
            for key, value in parameters(scenario).items()
        }
    data = unit.model_dump(exclude={"name", "description"})
    # an optional group (a reorganisation, or none) differs as a whole: setting one of its keys
    # where the other has none would have nothing to set it in
    whole = {key: data.pop(key) for key in WHOLE if key in data}
    return {**flatten(data), **whole}


def differing(
    baseline: Scenario | MarketScenario, target: Scenario | MarketScenario
) -> dict[str, tuple[object, object]]:
    """Parameters (dotted keys) whose values differ: key -> (baseline's, target's). Two
    markets must hold the same firms (ValueError otherwise)."""
    if isinstance(baseline, MarketScenario) or isinstance(target, MarketScenario):
        firms_a = list(getattr(baseline, "firms", {}))
        firms_b = list(getattr(target, "firms", {}))
        if firms_a != firms_b:
            raise ValueError(
                f"{baseline.name} and {target.name} must hold the same firms to be compared "
                f"lever by lever ({', '.join(firms_a) or 'one scenario'} against "
                f"{', '.join(firms_b) or 'one scenario'})"
            )
    a, b = parameters(baseline), parameters(target)
    return {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def firm_grouping(
    grouping: dict[str, tuple[str, ...]], firms: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """``grouping`` for the firms of a market: each group once per firm, named ``firm: group``,
    over that firm's keys (``firms.NAME.key``)."""
    return {
        f"{firm}: {group}": tuple(f"firms.{firm}.{prefix}" for prefix in prefixes)
        for firm in firms
        for group, prefixes in grouping.items()
    }


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


def groups_for(
    keys: Sequence[str],
    grouping: dict[str, tuple[str, ...]] | None,
    firms: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    """The groups of differing ``keys`` (:func:`group_keys`). For two markets (``firms``
    given) a grouping whose prefixes do not name a firm applies to each firm
    (:func:`firm_grouping`), a firm's group in which the two do not differ is left out, and
    the market's own sections (market, competition, simulation) form one group of their own
    (:data:`MARKET`): they are every firm's, so they change for all firms together."""
    if firms is None:
        return group_keys(keys, grouping)
    shared = [k for k in keys if k.split(".", 2)[-1].startswith(SHARED)]
    own = [k for k in keys if k not in shared]
    if grouping is not None and not all(
        prefix.startswith("firms.") for prefixes in grouping.values() for prefix in prefixes
    ):
        grouping = firm_grouping(grouping, firms)
    groups = {name: found for name, found in group_keys(own, grouping).items() if found}
    if shared:  # the market changes for every firm at once, so its keys move together
        groups[MARKET] = shared
    return groups
