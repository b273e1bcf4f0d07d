"""Scenario files: finding them, reading TOML, ``extends`` merging, and clear errors.

A scenario file only overrides defaults, and named tables (segments, channels,
territories) merge entry by entry, so a file that sets one channel's share keeps the
other channels (set a share or a headcount to 0 to switch one off). ``extends = "other.toml"`` merges the file onto
another one (found next to it, or among the shipped scenarios). Every problem is
reported as a :class:`ScenarioError` whose message names the file, the key path, what
is allowed (with the unit) and, for a misspelt key, the closest valid one.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from gtmsim.model.parameters.base import bounds, held_type
from gtmsim.model.scenario import Scenario

#: How many files an ``extends`` chain may go through (a longer one is almost surely a mistake).
MAX_EXTENDS = 32


class ScenarioError(Exception):
    """A scenario file cannot be used; the message says why and how to fix it."""


def shipped_dir() -> Path:
    """Folder of the scenarios shipped with gtmsim: the installed package's copy, or the
    source checkout's ``scenarios/`` (editable installs)."""
    package = Path(__file__).resolve().parents[1]  # src/gtmsim, or the installed gtmsim
    packaged = package / "scenarios"
    return packaged if packaged.is_dir() else package.parents[1] / "scenarios"


def shipped_scenarios() -> dict[str, Path]:
    """Shipped scenario names mapped to their files, sorted by name."""
    return {p.stem: p for p in sorted(shipped_dir().glob("*.toml"))}


def shipped_markets() -> dict[str, Path]:
    """Shipped market names (several firms in one market, ``scenarios/markets/``) mapped to
    their files, sorted by name."""
    return {p.stem: p for p in sorted((shipped_dir() / "markets").glob("*.toml"))}


def purpose(path: Path) -> str:
    """The one-line purpose of a scenario file: its first comment line."""
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""


def find_scenario(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """Resolve a path, or a bare name of a shipped scenario, to an existing file."""
    candidates = []
    raw = Path(name_or_path)
    if relative_to is not None and not raw.is_absolute():
        candidates.append(relative_to / raw)
    candidates.append(raw)
    shipped = shipped_dir()
    candidates += [shipped / raw.name, shipped / f"{raw.name}.toml"]
    candidates += [shipped / "markets" / raw.name, shipped / "markets" / f"{raw.name}.toml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    names = [*shipped_scenarios(), *shipped_markets()]
    close = difflib.get_close_matches(raw.stem, names, n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    shown_name = str(name_or_path) or "'' (an empty name)"
    raise ScenarioError(
        f"{shown_name}: no such scenario file.{hint} Give a path to a .toml file or the name of "
        f"a shipped scenario ({', '.join(names) or 'none'}); `gtmsim scenarios` lists them."
    )


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file, turning syntax and encoding errors into a ScenarioError."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM is fine
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ScenarioError(
            f"{path}: this is not a valid TOML scenario file ({err}). Scenario files are TOML: "
            f'`key = value` lines under `[section]` headers, strings in quotes, e.g. `name = "my-plan"`; '
            f"see scenarios/separate.toml for a complete example."
        ) from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read the file ({err.strerror}).") from None


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` onto ``base``: tables merge key by key, other values replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def leaf_paths(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of nested ``data`` (tables and their keys), e.g. ("market", "prospects")."""
    paths = []
    for key, value in data.items():
        path = (*prefix, key)
        paths.append(path)
        if isinstance(value, dict):
            paths += leaf_paths(value, path)
    return paths


def resolve(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[tuple, Path]]:
    """Read ``path`` and everything it extends. Returns the merged data and, for each key
    path, the file that set it last (so errors can name the right file)."""
    path = path.resolve()
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            f"{chain[0]}: `extends` goes {MAX_EXTENDS} files deep ({chain[0].name} -> "
            f"{chain[1].name} -> ... -> {path.name}), more than gtmsim follows. Let the file "
            "extend a scenario nearer the root, or merge some of the files into one."
        )
    if path in chain:
        cycle = " -> ".join(str(p.name) for p in (*chain, path))
        raise ScenarioError(f"{path}: `extends` goes round in a circle ({cycle}); remove one link.")
    data = read_toml(path)
    parent_name = data.pop("extends", None)
    data.setdefault("name", path.stem)
    origin = {p: path for p in leaf_paths(data)}
    if parent_name is None:
        return data, origin
    if not isinstance(parent_name, str):
        raise ScenarioError(
            f'{path}: extends must be a file name in quotes, e.g. extends = "separate.toml", '
            f"not {parent_name!r}."
        )
    try:
        parent_path = find_scenario(parent_name, relative_to=path.parent)
    except ScenarioError:
        known = [p.name for p in path.parent.glob("*.toml")] + [
            f"{name}.toml" for name in shipped_scenarios()
        ]
        close = difflib.get_close_matches(Path(parent_name).name, known, n=1, cutoff=0.6)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise ScenarioError(
            f'{path}: extends = "{parent_name}", but no such file exists next to it '
            f"({path.parent}) or among the shipped scenarios ({', '.join(shipped_scenarios())}). "
            f"Fix the name or create that file.{hint}"
        ) from None
    parent, parent_origin = resolve(parent_path, (*chain, path))
    return deep_merge(parent, data), {**parent_origin, **origin}


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file (or a shipped scenario's name)."""
    path = find_scenario(name_or_path)
    data, origin = resolve(path)
    if "firms" in data:
        raise ScenarioError(
            f"{path}: this is a market file (it has [firms]); this command takes one "
            "organisation's scenario. Give one of the scenarios its firms extend, or use a "
            "command that runs markets (gtmsim run, compare)."
        )
    try:  # a file only overrides: merge it onto the defaults, named tables key by key
        merged = expand_reorganise(deep_merge(Scenario().model_dump(), data), path)
        return Scenario.model_validate(merged)
    except ValidationError as err:
        problems = [describe_error(e, origin, path) for e in err.errors()]
        raise ScenarioError("\n\n".join(problems)) from None


def expand_reorganise(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Resolve a ``[reorganise]`` table of merged scenario ``data``: its organisation levers
    start from the scenario's own, then every lever of the scenario named by ``like`` (found
    next to ``path`` or among the shipped ones), then its ``[reorganise.organisation]`` keys."""
    plan = data.get("reorganise")
    if not isinstance(plan, dict):
        return data
    plan = dict(plan)
    like = plan.pop("like", None)
    organisation = dict(data.get("organisation") or {})
    if like is not None:
        if not isinstance(like, str):
            raise ScenarioError(
                f'{path}: reorganise.like must be a scenario name in quotes, e.g. like = "integrated".'
            )
        try:
            source = load_scenario(find_scenario(like, relative_to=path.parent))
        except ScenarioError as err:
            raise ScenarioError(f"{path}: reorganise.like = {like!r}: {err}") from None
        organisation = deep_merge(organisation, source.organisation.model_dump())
    plan["organisation"] = deep_merge(organisation, plan.get("organisation") or {})
    return {**data, "reorganise": plan}


# --- turning pydantic errors into sentences -------------------------------------------


def field_info(loc: tuple) -> tuple[type[BaseModel] | None, Any]:
    """Walk the schema along ``loc``: the model class holding the last key, and its FieldInfo."""
    model: type[BaseModel] | None = Scenario
    info = None
    expect_key = False
    for part in loc:
        if expect_key:  # a free key in a dict of models, e.g. a channel name
            expect_key = False
            continue
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return model, None
        info = model.model_fields[part]
        annotation = info.annotation
        annotation = held_type(annotation)  # optional: the model it may hold
        if get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
            expect_key = True
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        model = annotation if is_model else None
    return model, info


def inert_when(key: str) -> dict[str, Any]:
    """The settings (dotted key -> value) under which the parameter at dotted ``key`` has no
    effect, as its declaration states (``param(..., inert_when=...)``); empty if none."""
    _, info = field_info(tuple(key.split(".")))
    extra = (info.json_schema_extra if info is not None else None) or {}
    return dict(extra.get("inert_when", {}))


def _unit_and_range(info: Any) -> str:
    if info is None:
        return ""
    extra = info.json_schema_extra or {}
    limits = bounds(info)
    parts = []
    if limits:
        parts.append("allowed: " + " and ".join(limits))
    if extra.get("unit"):
        parts.append(f"unit: {extra['unit']}")
    text = "; ".join(parts)
    if info.description:
        text += (". " if text else "") + info.description.rstrip(".")
    return f" ({text})" if text else ""


#: Keys of earlier versions: what each became and how to convert an old value.
RENAMED = {
    "saturation_spend": (
        "saturation_spend_per_1000",
        "channels are now priced per 1,000 prospects in the market, so results hold at any "
        "market size: divide the old value by the market size in thousands (8000 in a "
        "20,000-prospect market becomes 400)",
    ),
}


def describe_error(error: dict[str, Any], origin: dict[tuple, Path], path: Path) -> str:
    """One paragraph for one validation problem: file, key path, what is wrong, the fix."""
    loc = tuple(str(x) for x in error["loc"])
    file = next((origin[loc[:i]] for i in range(len(loc), 0, -1) if loc[:i] in origin), path)
    key = ".".join(loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden" and loc[-1] in RENAMED:
        new, how = RENAMED[loc[-1]]
        return (
            f"{file}: key '{key}' was renamed to '{new}': {how}. Rename the key and run "
            f"`gtmsim validate {path}`."
        )
    if kind == "extra_forbidden":
        model, _ = field_info(loc[:-1])
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        section = ".".join(loc[:-1]) or "the top level"
        return (
            f"{file}: unknown key '{key}'.{hint} Keys allowed in {section}: {', '.join(allowed)}. "
            f"Run `gtmsim reference` or see the README's scenario reference."
        )
    if kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        if loc:  # model-level checks name their field relative to the model at ``loc``
            message = f"{'.'.join(loc)}.{message}"
        return f"{file}: {message}. Fix the values and run `gtmsim validate {path}`."
    _, info = field_info(loc)
    value = error.get("input")
    return (
        f"{file}: {key} = {value!r} is not allowed: {error['msg'].lower()}{_unit_and_range(info)}. "
        f"Fix the value and run `gtmsim validate {path}`."
    )
