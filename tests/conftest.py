"""Shared fixtures: small, fast scenarios built from the shipped files."""

from __future__ import annotations

import pytest

from gtmsim.model.scenario import Scenario, with_levers
from gtmsim.model.scenario_files import load_scenario


def small(scenario: Scenario, prospects: int = 4_000, weeks: int = 52) -> Scenario:
    """A copy of ``scenario`` with a smaller market and horizon, for fast tests."""
    return with_levers(scenario, {"market.prospects": prospects, "simulation.weeks": weeks})


@pytest.fixture(scope="session")
def separate() -> Scenario:
    return load_scenario("separate")


@pytest.fixture(scope="session")
def integrated() -> Scenario:
    return load_scenario("integrated")
