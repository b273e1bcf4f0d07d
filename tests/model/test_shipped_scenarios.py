"""Every shipped scenario runs, keeps its market whole, and does what its header says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import small
from gtmsim.experiments.runner import run_one
from gtmsim.model.growth import GrowthModel
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import load_scenario, purpose, shipped_dir, shipped_scenarios

SHIPPED = sorted(shipped_scenarios())
PROSPECTS = 2_000
WEEKS = 6
STAGES = ["unaware", "aware", "trusting", "customers"]


def annual_cost(scenario: Scenario) -> float:
    """Marketing budget plus the sales team's cost per year (currency/year)."""
    reps = sum(scenario.sales.territories.values())
    return scenario.marketing.annual_budget + reps * scenario.sales.annual_cost_per_rep


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_runs_and_journey_states_sum_to_market_size(name):
    frame = run_one(small(load_scenario(name), prospects=PROSPECTS, weeks=WEEKS), seed=1)
    assert list(frame["week"]) == list(range(1, WEEKS + 1))
    assert (frame[STAGES].sum(axis=1) == PROSPECTS).all()
    assert (frame[STAGES] >= 0).all().all()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_has_a_purpose_line_and_a_description(name):
    path = shipped_scenarios()[name]
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# "), f"{path.name}: the first line must be its purpose"
    assert purpose(path) == first_line.removeprefix("# ").strip()
    scenario = load_scenario(name)
    assert scenario.name == path.stem
    assert scenario.description


def test_no_marketing_gives_sales_nobody_to_call():
    frame = run_one(small(load_scenario("no-marketing"), PROSPECTS, WEEKS), seed=1)
    assert (frame["marketing_spend"] == 0).all()
    assert frame["cum_mqls"].iloc[-1] == 0
    assert frame["cum_wins"].iloc[-1] == 0
    assert (frame["sales_cost"] > 0).all()


def test_no_sales_leaves_every_lead_unconverted():
    scenario = small(load_scenario("no-sales"), PROSPECTS, WEEKS)
    assert sum(scenario.sales.territories.values()) == 0
    frame = run_one(scenario, seed=1)
    assert frame["cum_mqls"].iloc[-1] > 0
    assert frame["cum_sqls"].iloc[-1] == 0
    assert frame["cum_wins"].iloc[-1] == 0
    assert (frame["sales_cost"] == 0).all()


def test_budget_cut_removes_60_percent_from_week_52():
    scenario = load_scenario("budget-cut")
    marketing = GrowthModel(small(scenario, prospects=100), seed=1).marketing
    before, after = marketing.weekly_budget(51), marketing.weekly_budget(52)
    assert before == pytest.approx(scenario.marketing.annual_budget / 52)
    assert after == pytest.approx(0.4 * before)
    assert scenario.simulation.weeks > 52  # the default run sees both sides of the cut


def test_growth_team_costs_the_same_as_integrated():
    team, integrated = load_scenario("growth-team"), load_scenario("integrated")
    assert annual_cost(team) == pytest.approx(annual_cost(integrated))
    assert team.marketing.annual_budget > integrated.marketing.annual_budget
    assert team.organisation.cross_skilling == 1.0


def test_shipped_scenarios_are_found_in_an_installed_layout(tmp_path):
    # the wheel layout: site-packages/gtmsim/<layers>/*.py with the scenarios force-included
    # as site-packages/gtmsim/scenarios
    package = tmp_path / "site-packages" / "gtmsim"
    source = Path(sys.modules["gtmsim"].__file__).parent
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(shipped_dir(), package / "scenarios")
    code = "from gtmsim.model.scenario_files import shipped_scenarios; print(*shipped_scenarios())"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(package.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == SHIPPED
