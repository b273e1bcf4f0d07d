"""The classroom model behind the dashboard: scaling, levers, side-by-side runs, the network view.

No browser and no UI packages here: these are the model-building helpers the dashboard uses.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from gtmsim.classroom.model import (
    CLASSROOM_PROSPECTS,
    DEFAULT_SEED,
    ClassroomModel,
    Levers,
    build_scenario,
    classroom_market,
    crm_settings,
    parse_seed,
    sample_network,
    split_reps,
    with_channel_share,
)
from gtmsim.model.scenario import Scenario


@pytest.fixture(scope="module")
def base(separate: Scenario) -> Scenario:
    return classroom_market(separate)


def test_classroom_market_shrinks_the_company_with_its_market(separate: Scenario, base: Scenario):
    factor = CLASSROOM_PROSPECTS / separate.market.prospects
    assert base.market.prospects == CLASSROOM_PROSPECTS
    assert base.marketing.annual_budget == pytest.approx(factor * separate.marketing.annual_budget)
    # channels are priced per 1,000 prospects: the same settings reach the same shares
    assert base.marketing.channels == separate.marketing.channels
    # every territory that had reps keeps at least one
    assert base.sales.territories == {"smb": 1, "mid_market": 1, "enterprise": 1}
    assert base.organisation == separate.organisation


def test_classroom_market_leaves_a_small_market_alone(base: Scenario):
    assert classroom_market(base, prospects=CLASSROOM_PROSPECTS * 2) is base


@pytest.mark.parametrize(
    ("total", "territories", "expected"),
    [
        (
            10,
            {"smb": 4, "mid_market": 4, "enterprise": 2},
            {"smb": 4, "mid_market": 4, "enterprise": 2},
        ),
        (
            3,
            {"smb": 4, "mid_market": 4, "enterprise": 2},
            {"smb": 1, "mid_market": 1, "enterprise": 1},
        ),
        (
            5,
            {"smb": 4, "mid_market": 4, "enterprise": 2},
            {"smb": 2, "mid_market": 2, "enterprise": 1},
        ),
        (0, {"smb": 1, "mid_market": 1}, {"smb": 0, "mid_market": 0}),
        (4, {"smb": 0, "mid_market": 0}, {"smb": 2, "mid_market": 2}),
    ],
)
def test_split_reps_keeps_the_total_and_the_proportions(total, territories, expected):
    split = split_reps(total, territories)
    assert split == expected
    assert sum(split.values()) == total


def test_with_channel_share_rescales_the_other_channels():
    shares = {"ads": 0.3, "content": 0.2, "social": 0.5}
    new = with_channel_share(shares, "ads", 0.6)
    assert new["ads"] == 0.6
    assert sum(new.values()) == pytest.approx(1.0)
    assert new["content"] / new["social"] == pytest.approx(0.2 / 0.5)
    assert with_channel_share({"ads": 1.0, "seo": 0.0, "events": 0.0}, "ads", 0.5) == {
        "ads": 0.5,
        "seo": 0.25,
        "events": 0.25,
    }
    assert with_channel_share({"ads": 1.0}, "ads", 0.4) == {"ads": 1.0}


def test_levers_read_back_from_the_shipped_scenarios(base: Scenario, integrated: Scenario):
    levers = Levers.of(base)
    assert levers == Levers(
        budget_k=100,
        lead_channel_pct=30,
        reps=3,
        marketing_goal="leads",
        lead_definition_agreed=False,
        crm_integrated=False,
        meeting_cadence="quarterly",
        cross_skilling_pct=0,
    )
    assert build_scenario(base, levers).model_dump(exclude={"name"}) == base.model_dump(
        exclude={"name"}
    )
    smart = Levers.of(classroom_market(integrated))
    assert smart.crm_integrated and smart.lead_definition_agreed
    assert smart.marketing_goal == "revenue" and smart.meeting_cadence == "weekly"
    assert smart.cross_skilling_pct == 50  # integrated's cross-skilling has a control too


def test_build_scenario_applies_every_lever(base: Scenario):
    levers = Levers(
        budget_k=250,
        lead_channel_pct=50,
        reps=6,
        marketing_goal="revenue",
        lead_definition_agreed=True,
        crm_integrated=True,
        meeting_cadence="monthly",
        cross_skilling_pct=30,
    )
    scenario = build_scenario(base, levers)
    assert scenario.marketing.annual_budget == 250_000
    shares = {name: c.share for name, c in scenario.marketing.channels.items()}
    assert shares["ads"] == pytest.approx(0.5)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert scenario.sales.territories == {"smb": 2, "mid_market": 2, "enterprise": 2}
    org = scenario.organisation
    assert (org.marketing_goal, org.lead_definition_agreed, org.meeting_cadence) == (
        "revenue",
        True,
        "monthly",
    )
    # the CRM switch takes the shipped scenarios' handoff: 1 h and 1% lost, or 48 h and 15%
    assert crm_settings()[True] == {"handoff_delay_hours": 1.0, "handoff_leakage": 0.01}
    assert crm_settings()[False] == {"handoff_delay_hours": 48.0, "handoff_leakage": 0.15}
    assert (org.handoff_delay_hours, org.handoff_leakage) == (1.0, 0.01)
    assert org.cross_skilling == pytest.approx(0.3)


def test_side_by_side_takes_the_whole_organisation_of_the_other_scenario(
    base: Scenario, integrated: Scenario
):
    levers = Levers.of(base)
    other = build_scenario(base, levers, organisation_of="integrated")
    assert other.organisation == integrated.organisation
    assert other.market == base.market and other.marketing == base.marketing


def test_side_by_side_runs_share_seed_and_market_and_step_in_lockstep():
    model = ClassroomModel("separate", seed=3, compare="integrated")
    yours, other = model.runs.values()
    assert list(model.runs) == ["Your settings", "Integrated org"]
    np.testing.assert_array_equal(yours.population.fit, other.population.fit)
    assert (yours.population.ties != other.population.ties).nnz == 0
    for _ in range(4):
        model.step()
    assert yours.week == other.week == model.week == 4
    # the same seed replays the same run
    again = ClassroomModel("separate", seed=3, compare="integrated")
    for _ in range(4):
        again.step()
    pd.testing.assert_frame_equal(
        next(iter(again.runs.values())).datacollector.get_model_vars_dataframe(),
        yours.datacollector.get_model_vars_dataframe(),
    )


def test_a_run_stops_at_the_scenarios_length(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text('extends = "separate.toml"\n[simulation]\nweeks = 3\n')
    model = ClassroomModel(str(path), prospects=500)
    for _ in range(3):
        assert model.running
        model.step()
    assert not model.running


@pytest.mark.parametrize(("text", "seed"), [("7", 7), (" 12 ", 12), (0, 0)])
def test_parse_seed(text, seed):
    assert parse_seed(text) == seed


@pytest.mark.parametrize("text", ["abc", "-1", "1.5", ""])
def test_a_bad_seed_falls_back_with_a_notice(text):
    with pytest.raises(ValueError):
        parse_seed(text)
    model = ClassroomModel("separate", prospects=500, seed=text)
    assert model.run_seed == DEFAULT_SEED
    assert "not a whole number" in model.notice


def test_network_sample_is_a_fixed_pie_of_real_ties():
    model = ClassroomModel("separate", seed=2)
    run = next(iter(model.runs.values()))
    sample = sample_network(run, 600, seed=2)
    assert len(sample.nodes) == 600 == len(np.unique(sample.nodes))
    assert np.all(np.hypot(*sample.xy.T) <= 1.0)
    assert [label for label, *_ in sample.labels] == ["smb", "mid-market", "enterprise"]
    position = {tuple(xy): node for node, xy in zip(sample.nodes, sample.xy, strict=True)}
    for a, b in sample.edges[:50]:
        assert run.population.ties[position[tuple(a)], position[tuple(b)]] > 0
    # fixed: the same sample for every run and every week
    assert model.network(600) is model.network(600)
    np.testing.assert_array_equal(sample_network(run, 600, seed=2).xy, sample.xy)


def test_the_model_code_does_not_import_the_ui():
    code = (
        "import sys, gtmsim.classroom.model, gtmsim.model.growth, gtmsim.experiments.runner, gtmsim.cli;"
        "bad = [m for m in ('solara', 'gtmsim.classroom.page') if m in sys.modules];"
        "print(*bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"model code imports {done.stdout}{done.stderr}"
