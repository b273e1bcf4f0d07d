"""Market files: several firms, each an organisation scenario, in one shared market.

A market file names its firms under ``[firms.NAME]``, each by the scenario it extends, and sets
the market once at the top level::

    name = "duopoly"
    [market]                      # shared: the prospects, segments and word of mouth
    prospects = 20000
    [competition]                 # shared: how buyers respond to price and rivals
    switching_odds = 0.15
    [firms.us]
    extends = "separate"          # a shipped scenario or a file next to this one
    [firms.rival]
    extends = "integrated"
    [firms.rival.pricing]         # any firm section overrides the scenario it extends
    price = 0.9

The first firm is the focal one ("us"). The market's ``simulation``, ``market`` and
``competition`` sections are the first firm's scenario's, overridden by the top level of the
market file; every firm must agree with them (a firm whose own scenario sets a different market
is an error, not a silent change). Any scenario file is also a market of one firm, so every
command that takes a market takes a scenario (:func:`load_market`).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gtmsim.model.market_scenario import MAX_FIRMS, SHARED_SECTIONS, MarketScenario
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import (
    ScenarioError,
    deep_merge,
    describe_error,
    expand_reorganise,
    find_scenario,
    leaf_paths,
    load_scenario,
    read_toml,
    resolve,
)

#: Keys a market file may hold at its top level.
MARKET_KEYS = ("name", "description", "firms", *SHARED_SECTIONS)
#: Sections a firm may set for itself (the organisation's own).
FIRM_SECTIONS = ("marketing", "sales", "organisation", "customers", "pricing", "reorganise")


def is_market_file(path: Path) -> bool:
    """Whether the TOML file at ``path`` is a market file (it has a ``[firms]`` table)."""
    return "firms" in read_toml(path)


def load_market(name_or_path: str | Path) -> MarketScenario:
    """Load a market file, or a scenario file as the market of its one firm."""
    path = find_scenario(name_or_path)
    data = read_toml(path)
    if "firms" not in data:
        return MarketScenario.alone(load_scenario(path))
    unknown = [key for key in data if key not in MARKET_KEYS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], MARKET_KEYS, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ScenarioError(
            f"{path}: unknown key '{unknown[0]}' at the top of a market file.{hint} A market file "
            f"holds {', '.join(MARKET_KEYS)}; a firm's own settings go under [firms.NAME]."
        )
    firms = data["firms"]
    if (
        not isinstance(firms, dict)
        or not firms
        or not all(isinstance(f, dict) for f in firms.values())
    ):
        raise ScenarioError(
            f"{path}: [firms] must hold 1 to {MAX_FIRMS} tables, one per firm, e.g. "
            '[firms.us] extends = "separate" and [firms.rival] extends = "integrated".'
        )
    if len(firms) > MAX_FIRMS:
        raise ScenarioError(
            f"{path}: {len(firms)} firms, but a market holds at most {MAX_FIRMS}; remove "
            f"{len(firms) - MAX_FIRMS} of [firms.{'], [firms.'.join(firms)}]."
        )
    named = [str(data.get("name", path.stem)), *firms]
    with_colon = [name for name in named if ":" in name]
    if with_colon:
        raise ScenarioError(
            f"{path}: the name {with_colon[0]!r} holds ':', which results use between a market "
            "and its firm (market:firm); rename it with '-' or '_' instead."
        )
    resolved = {name: _firm_data(path, name, table) for name, table in firms.items()}
    first = next(iter(resolved.values()))
    shared = {
        section: deep_merge(first[0].get(section, {}), data.get(section, {}))
        for section in SHARED_SECTIONS
    }
    scenarios = {}
    for name, (firm_data, origin) in resolved.items():
        _check_agrees(path, name, firm_data, shared, first[0], data)
        merged = deep_merge(firm_data, shared)
        merged["name"] = name
        scenarios[name] = _validate(merged, origin, path, name)
    try:
        return MarketScenario(
            name=str(data.get("name", path.stem)),
            description=str(data.get("description", "")),
            firms=scenarios,
        )
    except ValidationError as err:
        raise ScenarioError(f"{path}: {err.errors()[0]['msg']}.") from None


def _firm_data(path: Path, name: str, table: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """The firm's scenario data (defaults, the file it extends, then its own table) and, per
    key path, the file that set it."""
    table = dict(table)
    misplaced = [key for key in table if key in SHARED_SECTIONS]
    if misplaced:
        raise ScenarioError(
            f"{path}: firms.{name}.{misplaced[0]} is the market's, one for every firm: set "
            f"[{misplaced[0]}] at the top of the market file instead."
        )
    unknown = [key for key in table if key not in ("extends", *FIRM_SECTIONS)]
    if unknown:
        allowed = ["extends", *FIRM_SECTIONS]
        close = difflib.get_close_matches(unknown[0], allowed, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ScenarioError(
            f"{path}: unknown key 'firms.{name}.{unknown[0]}'.{hint} A firm holds {', '.join(allowed)}."
        )
    parent = table.pop("extends", "separate")
    if not isinstance(parent, str):
        raise ScenarioError(
            f'{path}: firms.{name}.extends must be a scenario name in quotes, e.g. extends = "separate".'
        )
    try:
        parent_path = find_scenario(parent, relative_to=path.parent)
    except ScenarioError as err:
        raise ScenarioError(f"{path}: firms.{name}.extends = {parent!r}: {err}") from None
    if is_market_file(parent_path):
        raise ScenarioError(
            f"{path}: firms.{name}.extends = {parent!r} is a market file; a firm extends an "
            "organisation scenario (a file without [firms])."
        )
    base, origin = resolve(parent_path)
    base.pop("name", None)  # the firm is named by its key in the market file
    origin.update({key: path for key in leaf_paths(table)})
    return deep_merge(base, table), origin


def _check_agrees(
    path: Path,
    name: str,
    firm: dict[str, Any],
    shared: dict[str, dict[str, Any]],
    first: dict[str, Any],
    market_file: dict[str, Any],
) -> None:
    """A firm whose own scenario sets a shared section differently from the first firm's (and
    the market file does not settle it) would silently run in another market: an error."""
    defaults = Scenario().model_dump()
    for section in SHARED_SECTIONS:
        own = deep_merge(defaults[section], firm.get(section, {}))
        theirs = deep_merge(defaults[section], first.get(section, {}))
        settled = market_file.get(section, {})
        for key in _differing(own, theirs):
            if not _settled(settled, key):
                dotted = ".".join((section, *key))
                raise ScenarioError(
                    f"{path}: firm '{name}' extends a scenario whose {dotted} differs from the "
                    f"first firm's, but a market has one {section} for every firm. Set {dotted} "
                    f"at the top of the market file ([{section}]) to choose the market's value; "
                    "for a firm without an installed base use its customers.installed_base_factor = 0."
                )


def _differing(a: dict[str, Any], b: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple]:
    keys = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if isinstance(x, dict) and isinstance(y, dict):
            keys += _differing(x, y, (*prefix, key))
        elif x != y:
            keys.append((*prefix, key))
    return keys


def _settled(settled: dict[str, Any], key: tuple[str, ...]) -> bool:
    node: Any = settled
    for part in key:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _validate(data: dict[str, Any], origin: dict, path: Path, name: str) -> Scenario:
    try:
        merged = expand_reorganise(deep_merge(Scenario().model_dump(), data), path)
        return Scenario.model_validate(merged)
    except ValidationError as err:
        problems = []
        for error in err.errors():
            text = describe_error(error, origin, path)
            problems.append(text.replace(f"{path}: ", f"{path}: firms.{name}: ", 1))
        raise ScenarioError("\n\n".join(problems)) from None
