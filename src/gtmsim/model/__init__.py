"""The simulation and its inputs: parameters, market, marketing, sales, organisation, KPIs.

The public API::

    from gtmsim.model import GrowthModel, Scenario, load_scenario

    model = GrowthModel(load_scenario("integrated"), seed=1)
    model.run(52)

This layer imports no other gtmsim subpackage. Names are loaded on first use, so importing a
light module of it (the KPI registry, the parameter declarations) does not load Mesa.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gtmsim.model.growth import GrowthModel
    from gtmsim.model.scenario import Scenario, with_levers
    from gtmsim.model.scenario_files import ScenarioError, load_scenario

#: Public name -> the module that defines it.
_PUBLIC = {
    "GrowthModel": "gtmsim.model.growth",
    "Scenario": "gtmsim.model.scenario",
    "with_levers": "gtmsim.model.scenario",
    "load_scenario": "gtmsim.model.scenario_files",
    "ScenarioError": "gtmsim.model.scenario_files",
}

__all__ = ["GrowthModel", "Scenario", "ScenarioError", "load_scenario", "with_levers"]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'gtmsim.model' has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
