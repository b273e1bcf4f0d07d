"""A sweep as data: base scenario, factors, design, seeds and outcomes; read from a TOML file or
built from command-line options, checked before any run, and written back as TOML.

A sweep file (versioned like a scenario file)::

    [sweep]
    scenario = "separate"          # a shipped name or a scenario file, relative to this file
    seeds = 10                     # replicates per design point (common random numbers)
    weeks = 104                    # optional: default the scenario's simulation.weeks
    prospects = 5000               # optional: the company resized to this market
    design = "sobol:64"            # grid, lhs:N, sobol:N or morris:N
    design_seed = 1                # the sampler's seed (not the model's)
    outcomes = ["arr", "cac"]      # KPIs of summary.csv to analyse

    [sweep.grid]                   # full factorial over listed values
    "organisation.marketing_goal" = ["leads", "revenue"]

    [sweep.range]                  # LOW, HIGH, sampled by the design
    "organisation.cross_skilling" = [0.0, 1.0]

Every key and value is checked against the scenario schema with the scenario files' own
errors (file, key, allowed values) before anything runs.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from gtmsim.experiments.design import Design, Factors, design_points
from gtmsim.experiments.runner import replicate_seeds
from gtmsim.model.kpis import HEADLINE, SUMMARY
from gtmsim.model.scenario import Scenario, lookup, resized
from gtmsim.model.scenario_files import (
    ScenarioError,
    deep_merge,
    describe_error,
    find_scenario,
    load_scenario,
    shipped_dir,
)

#: Keys allowed in a sweep file's [sweep] table.
SWEEP_KEYS = {
    "scenario": "a shipped scenario's name or a scenario file",
    "seeds": "replicates per design point, >= 1",
    "weeks": "weeks per run, 1-2080",
    "base_seed": "root of the replicate seeds (default: the scenario's simulation.base_seed)",
    "prospects": "market size the company is resized to (default: the scenario's own)",
    "design": "grid, lhs:N, sobol:N or morris:N",
    "design_seed": "the sampler's seed",
    "outcomes": "KPIs of summary.csv to analyse",
    "grid": "a table: dotted parameter key = [values]",
    "range": "a table: dotted parameter key = [low, high]",
}


def parse_value(text: str) -> Any:
    """A value typed on the command line: an integer, a number, true/false, or the text."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(stripped)
        except ValueError:
            pass
    return stripped


def nested(settings: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys to nested tables: {"a.b": 1} -> {"a": {"b": 1}}."""
    tree: dict[str, Any] = {}
    for key, value in settings.items():
        node = tree
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return tree


@dataclass
class SweepSpec:
    """A sweep: ``scenario`` run at every design point of ``factors`` x ``design``, on
    ``seeds`` replicate seeds, for ``weeks`` weeks. ``source`` names where it came from (the
    sweep file, or the command line), for error messages."""

    scenario: str
    factors: Factors = field(default_factory=Factors)
    design: Design = field(default_factory=Design)
    seeds: int = 10
    weeks: int | None = None
    base_seed: int | None = None
    prospects: int | None = None
    outcomes: list[str] = field(default_factory=lambda: list(HEADLINE[:5]))
    source: str = "the command line"
    relative_to: Path | None = None

    # --- reading ----------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: Path) -> SweepSpec:
        """Read a sweep file; ScenarioError naming the file and key for anything wrong."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
            raise ScenarioError(f"{path}: cannot read this sweep file: {err}.") from None
        table = data.get("sweep")
        if not isinstance(table, dict):
            raise ScenarioError(
                f"{path}: a sweep file needs a [sweep] table with at least `scenario = ...` "
                "(see `gtmsim sweep --help` for the keys)."
            )
        unknown = sorted(set(table) - set(SWEEP_KEYS))
        if unknown:
            raise ScenarioError(
                f"{path}: unknown key(s) {', '.join(unknown)} in [sweep]. Allowed: "
                + "; ".join(f"{k} ({v})" for k, v in SWEEP_KEYS.items())
                + "."
            )

        def need(key: str, kind: type, what: str) -> Any:
            value = table.get(key)
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                raise ScenarioError(f"{path}: sweep.{key} = {value!r} must be {what}.")
            return value

        if not isinstance(table.get("scenario"), str):
            raise ScenarioError(f'{path}: sweep.scenario must name a scenario, e.g. "separate".')
        grid = need("grid", dict, "a table of key = [values]") or {}
        ranges = need("range", dict, "a table of key = [low, high]") or {}
        for key, values in grid.items():
            if not isinstance(values, list) or not values:
                raise ScenarioError(f"{path}: sweep.grid.{key} must be a non-empty list of values.")
        for key, bounds in ranges.items():
            if not (
                isinstance(bounds, list)
                and len(bounds) == 2
                and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            ):
                raise ScenarioError(
                    f"{path}: sweep.range.{key} = {bounds!r} must be [low, high], two numbers."
                )
        try:
            design = Design.parse(need("design", str, "text such as sobol:64") or "grid")
        except ValueError as err:
            raise ScenarioError(f"{path}: sweep.design: {err}.") from None
        outcomes = need("outcomes", list, "a list of KPI names")
        spec = cls(
            scenario=table["scenario"],
            factors=Factors(dict(grid), {k: (float(a), float(b)) for k, (a, b) in ranges.items()}),
            design=Design(design.kind, design.n, need("design_seed", int, "a whole number") or 0),
            seeds=need("seeds", int, "a whole number >= 1") or 10,
            weeks=need("weeks", int, "a whole number of weeks"),
            base_seed=need("base_seed", int, "a whole number >= 0"),
            prospects=need("prospects", int, "a whole number of prospects"),
            outcomes=list(outcomes) if outcomes else list(HEADLINE[:5]),
            source=str(path),
            relative_to=path.parent,
        )
        return spec

    # --- checking -----------------------------------------------------------------------

    @cached_property
    def base(self) -> Scenario:
        """The base scenario (resized to ``prospects`` if set)."""
        try:
            scenario = load_scenario(find_scenario(self.scenario, relative_to=self.relative_to))
        except ScenarioError as err:
            if self.relative_to is None:
                raise
            raise ScenarioError(f"{self.source}: sweep.scenario: {err}") from None
        return resized(scenario, self.prospects) if self.prospects else scenario

    def check(self) -> None:
        """Raise ScenarioError (one paragraph: where, which key, what is allowed) if anything
        about the sweep is wrong; nothing has run yet."""
        where = self.source
        if self.seeds < 1:
            raise ScenarioError(f"{where}: seeds must be at least 1 (got {self.seeds}).")
        if self.weeks is not None and not 1 <= self.weeks <= 2080:
            raise ScenarioError(f"{where}: weeks must be 1-2080 (got {self.weeks}).")
        if not self.factors.names:
            raise ScenarioError(
                f"{where}: a sweep needs at least one factor: --grid KEY=V1,V2 or --range "
                "KEY=LOW:HIGH (sweep.grid / sweep.range in a file), with KEY a parameter as "
                "in `gtmsim reference`, e.g. organisation.handoff_leakage."
            )
        bad = [k for k in self.outcomes if k not in SUMMARY]
        if bad:
            raise ScenarioError(
                f"{where}: outcome(s) {', '.join(bad)} are not KPIs of summary.csv; use any of "
                f"{', '.join(SUMMARY)}."
            )
        both = set(self.factors.grid) & set(self.factors.ranges)
        if both:
            raise ScenarioError(f"{where}: {', '.join(both)} is both a grid and a range factor.")
        base = self.base
        for key, values in self.factors.grid.items():
            for value in values:
                self.scenario_with({key: value})
        integer = set()
        for key, (low, high) in self.factors.ranges.items():
            current = self._current(key)
            if isinstance(current, bool) or not isinstance(current, int | float):
                raise ScenarioError(
                    f"{where}: {key} is {type(current).__name__}-valued ({current!r} in "
                    f"{base.name}); a range needs a numeric parameter: list its values as a "
                    "grid factor instead."
                )
            if not low < high:
                raise ScenarioError(f"{where}: {key}: the range needs LOW < HIGH ({low}, {high}).")
            self.scenario_with({key: low})
            self.scenario_with({key: high})
            if isinstance(current, int):
                integer.add(key)
        object.__setattr__(self.factors, "integer", frozenset(integer))
        if self.factors.ranges and self.design.kind == "grid":
            raise ScenarioError(
                f"{where}: range factors ({', '.join(self.factors.ranges)}) need a design: "
                "--sample lhs:N, sobol:N or morris:N (sweep.design in a file)."
            )
        if self.design.kind != "grid" and not self.factors.ranges:
            raise ScenarioError(
                f"{where}: design {self.design} samples range factors, and there are none: add "
                "--range KEY=LOW:HIGH, or drop --sample to run the grid."
            )

    def _current(self, key: str) -> Any:
        try:
            value = lookup(self.base, key)
        except (KeyError, TypeError):
            value = None
        if value is None or isinstance(value, dict | list) or "." not in key:
            self.scenario_with({key: 0})  # raises the scenario files' unknown-key error
            raise ScenarioError(f"{self.source}: {key} is not a single parameter.")
        return value

    def scenario_with(self, settings: dict[str, Any], name: str | None = None) -> Scenario:
        """The base scenario with dotted-key ``settings``; ScenarioError in the scenario files'
        words (key, value, allowed range) if they do not make a valid scenario."""
        data = deep_merge(self.base.model_dump(), nested(settings))
        data["name"] = name or self.base.name
        try:
            return Scenario.model_validate(data)
        except ValidationError as err:
            source = Path(self.source)
            messages = [
                describe_error(e, {}, source).replace(
                    f"run `gtmsim validate {source}`", "run the sweep again"
                )
                for e in err.errors()
            ]
            raise ScenarioError(" ".join(messages)) from None

    # --- what runs ------------------------------------------------------------------------

    @cached_property
    def points(self) -> pd.DataFrame:
        """The design points (call :meth:`check` first): one row per point, one column per factor."""
        return design_points(self.factors, self.design)

    @property
    def run_weeks(self) -> int:
        return self.weeks or self.base.simulation.weeks

    def seed_list(self, seeds: int | None = None) -> list[int]:
        """Replicate seeds 0..seeds-1 (replicate i's seed does not depend on how many)."""
        root = self.base.simulation.base_seed if self.base_seed is None else self.base_seed
        return replicate_seeds(root, seeds or self.seeds)

    def point_scenario(self, point: int) -> Scenario:
        row = self.points.iloc[point]
        settings = {k: _plain(v) for k, v in row.items()}
        return self.scenario_with(settings, name=f"{self.base.name}@{point}")

    def digest(self) -> str:
        """What the sweep's results depend on (base scenario, factors, design, weeks, seeds'
        root), not how many seeds: more seeds extend the same sweep."""
        payload = {
            "base": self.base.digest(),
            "grid": self.factors.grid,
            "range": self.factors.ranges,
            "design": [self.design.kind, self.design.n, self.design.seed],
            "weeks": self.run_weeks,
            "base_seed": self.base_seed,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def to_toml(self) -> str:
        """The sweep as a file that `gtmsim sweep FILE` runs again (scenario by path or name)."""
        path = find_scenario(self.scenario, relative_to=self.relative_to)
        shipped = path.parent == shipped_dir() and Path(self.scenario).name == self.scenario
        where = self.scenario if shipped else str(path.resolve())
        lines = ["[sweep]", f"scenario = {json.dumps(where)}"]
        lines.append(f"seeds = {self.seeds}")
        for key in ("weeks", "base_seed", "prospects"):
            value = getattr(self, key)
            if value is not None:
                lines.append(f"{key} = {value}")
        lines.append(f'design = "{self.design}"')
        lines.append(f"design_seed = {self.design.seed}")
        lines.append("outcomes = [" + ", ".join(json.dumps(k) for k in self.outcomes) + "]")
        if self.factors.grid:
            lines += ["", "[sweep.grid]"]
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in self.factors.grid.items()]
        if self.factors.ranges:
            lines += ["", "[sweep.range]"]
            lines += [
                f"{json.dumps(k)} = [{lo!r}, {hi!r}]" for k, (lo, hi) in self.factors.ranges.items()
            ]
        return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones (pydantic and JSON take these)."""
    return value.item() if hasattr(value, "item") else value
