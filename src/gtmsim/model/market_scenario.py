"""A market scenario: 1 to 8 firms, each an organisation scenario, in one shared market.

Every firm has its own scenario (marketing, sales team, organisation levers, installed base,
price); the market (its prospects and segments, how buyers respond to price and rivals) and
the simulation settings are one for all, so each firm's ``market``, ``competition`` and
``simulation`` sections must be equal. A plain :class:`~gtmsim.model.scenario.Scenario` is the
market with that one firm (:meth:`MarketScenario.alone`). Market files are read by
:mod:`gtmsim.model.market_files`.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gtmsim.model.scenario import Scenario

#: Most firms a market may hold.
MAX_FIRMS = 8
#: Sections every firm of a market shares (the market's own).
SHARED_SECTIONS = ("simulation", "market", "competition")


class MarketScenario(BaseModel):
    """Firms (by name, in order: the first is the focal firm, "us") in one market."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("market", description="Short name, used in results and tables.")
    description: str = Field("", description="What this market represents or teaches.")
    firms: dict[str, Scenario] = Field(description="The firms, each an organisation scenario.")

    @model_validator(mode="after")
    def _one_market(self) -> MarketScenario:
        if not 1 <= len(self.firms) <= MAX_FIRMS:
            raise ValueError(f"a market holds 1 to {MAX_FIRMS} firms, not {len(self.firms)}")
        first_name, first = next(iter(self.firms.items()))
        for name, firm in self.firms.items():
            for section in SHARED_SECTIONS:
                if getattr(firm, section) != getattr(first, section):
                    raise ValueError(
                        f"firms.{name}.{section} differs from firms.{first_name}.{section}: the "
                        f"[{section}] section is the market's, one for every firm; set it once "
                        "at the top of the market file"
                    )
        return self

    @classmethod
    def alone(cls, scenario: Scenario) -> MarketScenario:
        """The market of one firm: ``scenario`` as it always ran."""
        return cls(
            name=scenario.name, description=scenario.description, firms={scenario.name: scenario}
        )

    def label(self, firm: str) -> str:
        """How results name ``firm``: ``market:firm`` (a one-firm market: its scenario's name)."""
        if len(self.firms) == 1:
            return self.first.name
        return f"{self.name}:{firm}"

    @property
    def labels(self) -> list[str]:
        """The names of the firms' results, in firm order."""
        return [self.label(firm) for firm in self.firms]

    def labelled(self) -> list[Scenario]:
        """Each firm's scenario named as its results are (``market:firm``)."""
        return [
            scenario.model_copy(update={"name": self.label(firm)})
            for firm, scenario in self.firms.items()
        ]

    @property
    def first(self) -> Scenario:
        """The focal firm's scenario (whose market, competition and simulation are the market's)."""
        return next(iter(self.firms.values()))

    @property
    def simulation(self):
        """The market's simulation settings (weeks, seeds, base seed)."""
        return self.first.simulation

    @property
    def market(self):
        """The market's prospects, segments and word of mouth (every firm's)."""
        return self.first.market

    def digest(self) -> str:
        """SHA-256 of the resolved parameters (names and descriptions excluded); a one-firm
        market has its firm's scenario digest."""
        if len(self.firms) == 1:
            return self.first.digest()
        payload = "".join(f"{name}:{firm.digest()};" for name, firm in self.firms.items())
        return hashlib.sha256(payload.encode()).hexdigest()


def with_market_levers(
    market: MarketScenario, levers: dict[str, object], name: str | None = None
) -> MarketScenario:
    """A copy of ``market`` with dotted keys ``firms.NAME.key`` set in each firm's scenario
    (:func:`gtmsim.model.scenario.with_levers`)."""
    from gtmsim.model.scenario import with_levers

    per_firm: dict[str, dict[str, object]] = {firm: {} for firm in market.firms}
    for key, value in levers.items():
        _, firm, rest = key.split(".", 2)
        per_firm[firm][rest] = value
    firms = {
        firm: with_levers(scenario, per_firm[firm]) if per_firm[firm] else scenario
        for firm, scenario in market.firms.items()
    }
    return MarketScenario(name=name or market.name, description=market.description, firms=firms)


def resized_unit(unit: Scenario | MarketScenario, prospects: int) -> Scenario | MarketScenario:
    """A scenario, or every firm of a market, in a market of ``prospects``
    (:func:`gtmsim.model.scenario.resized`: each company scaled with it)."""
    from gtmsim.model.scenario import resized

    if isinstance(unit, MarketScenario):
        firms = {name: resized(scenario, prospects) for name, scenario in unit.firms.items()}
        return unit.model_copy(update={"firms": firms})
    return resized(unit, prospects)


def as_market(unit: Scenario | MarketScenario) -> MarketScenario:
    """``unit`` as a market (a scenario is the market of its one firm)."""
    return unit if isinstance(unit, MarketScenario) else MarketScenario.alone(unit)


def unit_from_json(text: str) -> Scenario | MarketScenario:
    """A scenario or a market from its JSON (a market's has ``firms``)."""
    data = json.loads(text)
    if "firms" in data:
        return MarketScenario.model_validate(data)
    return Scenario.model_validate(data)
