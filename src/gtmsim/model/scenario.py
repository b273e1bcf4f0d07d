"""The Scenario: every parameter of a run, typed and validated.

Defaults live with each component (market, marketing, sales, organisation); a scenario
file only overrides them. Loading files, ``extends`` and error messages are in
:mod:`gtmsim.model.scenario_files`.
"""

from __future__ import annotations

import hashlib

from pydantic import Field, model_validator

from gtmsim.model.parameters.base import Params, param
from gtmsim.model.parameters.competition import CompetitionParams, PricingParams
from gtmsim.model.parameters.customers import CustomerParams
from gtmsim.model.parameters.limits import MAX_SEEDS, MAX_WEEKS
from gtmsim.model.parameters.market import MarketParams
from gtmsim.model.parameters.marketing import MarketingParams
from gtmsim.model.parameters.organisation import OrganisationParams, ReorganisationParams
from gtmsim.model.parameters.sales import SalesParams


class SimulationParams(Params):
    """How long to run and on which seeds."""

    weeks: int = param(104, "weeks", "Length of a run.", ge=1, le=MAX_WEEKS)
    seeds: int = param(
        10, "runs", "Number of replicate runs (seeds) for `gtmsim run`.", ge=1, le=MAX_SEEDS
    )
    record_touches: bool = param(
        False,
        "true | false",
        "Keep every prospect's touch history (channels, word of mouth, sales, with weeks) for "
        "attribution; costs memory in proportion to the touches.",
    )
    base_seed: int = param(
        20261127,
        "integer",
        "Root of the seed sequence: replicate i runs on the i-th child seed of this root.",
        ge=0,
        le=2**63 - 1,
    )


class Scenario(Params):
    """A complete, validated description of an organisation in its market."""

    name: str = Field("default", description="Short name, used in results and tables.")
    description: str = Field("", description="What this scenario represents or teaches.")
    simulation: SimulationParams = Field(default_factory=SimulationParams)
    market: MarketParams = Field(default_factory=MarketParams)
    marketing: MarketingParams = Field(default_factory=MarketingParams)
    sales: SalesParams = Field(default_factory=SalesParams)
    organisation: OrganisationParams = Field(default_factory=OrganisationParams)
    customers: CustomerParams = Field(default_factory=CustomerParams)
    pricing: PricingParams = Field(default_factory=PricingParams)
    competition: CompetitionParams = Field(default_factory=CompetitionParams)
    reorganise: ReorganisationParams | None = Field(
        None, description="A change of organisation levers during the run (none by default)."
    )

    @model_validator(mode="after")
    def _territories_are_segments(self) -> Scenario:
        segments = list(self.market.segments)
        unknown = [t for t in self.sales.territories if t not in segments]
        if unknown:
            raise ValueError(
                f"sales.territories: {', '.join(repr(u) for u in unknown)} is not a market segment; "
                f"territories must be among the segments {segments}"
            )
        return self

    def digest(self) -> str:
        """SHA-256 of the resolved parameters (name and description excluded)."""
        payload = self.model_dump_json(exclude={"name", "description"})
        return hashlib.sha256(payload.encode()).hexdigest()


def with_levers(scenario: Scenario, levers: dict[str, object], name: str | None = None) -> Scenario:
    """A copy of ``scenario`` with dotted keys (e.g. ``organisation.handoff_leakage``) set.

    Numbers keep the parameter's type (a fitted 12.7 reps becomes 12.7 -> 13, rounded);
    anything else (a choice, "true"/"false") is checked and converted by the scenario's own
    validation, so a bad value raises pydantic's ValidationError (a ValueError)."""
    data = scenario.model_dump()
    for key, value in levers.items():
        node = data
        *path, last = key.split(".")
        for part in path:
            node = node[part]
        if last not in node:
            raise KeyError(f"{key}: no such parameter")
        current = node[last]
        if isinstance(current, bool) and isinstance(value, str):
            node[last] = {"true": True, "false": False}.get(value.strip().lower(), value)
        elif isinstance(current, bool) or not isinstance(current, int | float):
            node[last] = value
        elif isinstance(current, int):
            node[last] = round(float(value))
        else:
            node[last] = float(value)
    if name is not None:
        data["name"] = name
    return Scenario.model_validate(data)


def resized(scenario: Scenario, prospects: int) -> Scenario:
    """``scenario`` in a market of ``prospects`` companies, the company scaled with it.

    A market ``f`` times the size gets ``f`` times the marketing budget and, per territory,
    ``round(f * reps)`` reps (at least one where there were any, so every covered segment stays
    covered). Channels are priced per 1,000 prospects, so the scaled company reaches the same
    shares and its rates and CAC do not depend on the size, up to the rounding of reps
    (docs/validation.md, "Size invariance").
    """
    from pydantic import ValidationError

    from gtmsim.model.scenario_files import ScenarioError  # it imports this module

    data = scenario.model_dump()
    factor = prospects / data["market"]["prospects"]
    data["market"]["prospects"] = prospects
    data["marketing"]["annual_budget"] *= factor
    data["sales"]["territories"] = {
        name: max(1, round(count * factor)) if count else 0
        for name, count in data["sales"]["territories"].items()
    }
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc'])} would be {e['input']!r} ({e['msg'].lower()})"
            for e in err.errors()
        )
        raise ScenarioError(
            f"{scenario.name}: scaled to a market of {prospects:,} prospects ({factor:.3g} times "
            f"its own), the company would not be a valid scenario: {problems}. Choose a market "
            "size closer to the scenario's own (--n)."
        ) from None


def lookup(scenario: Scenario, key: str):
    """The value of dotted ``key`` (e.g. ``organisation.handoff_leakage``) in ``scenario``."""
    node = scenario.model_dump()
    for part in key.split("."):
        node = node[part]
    return node
