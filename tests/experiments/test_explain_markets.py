"""`explain` for two markets with the same firms: the levers of every firm, grouped per firm, and
one firm's KPIs; the Shapley values still add up to that firm's paired difference seed by seed."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.experiments.explain import explain, groups_for
from gtmsim.experiments.practices import PRACTICES, differing
from gtmsim.model import load_scenario, with_levers
from gtmsim.model.market_scenario import MarketScenario
from gtmsim.model.scenario import resized

SEEDS = [11, 12, 13]


def _market(name: str, **firms) -> MarketScenario:
    return MarketScenario(name=name, firms={k: resized(v, 4_000) for k, v in firms.items()})


def test_market_levers_are_grouped_per_firm_and_unchanged_ones_left_out():
    separate, integrated = load_scenario("separate"), load_scenario("integrated")
    base = _market("base", us=separate, rival=separate)
    goal = _market("goal", us=separate, rival=with_levers(integrated, {"pricing.price": 0.9}))
    keys = list(differing(base, goal))
    assert all(key.startswith("firms.rival.") for key in keys)
    groups = groups_for(keys, PRACTICES, list(base.firms))
    assert set(groups) == {f"rival: {p}" for p in PRACTICES} | {"other levers"}
    assert groups["other levers"] == ["firms.rival.pricing.price"]
    by_firm = groups_for(keys, {"us": ("firms.us.",), "rival": ("firms.rival.",)}, ["us", "rival"])
    assert list(by_firm) == ["rival"]


def test_shapley_values_add_up_to_the_firms_paired_difference():
    separate = load_scenario("separate")
    base = _market("base", us=separate, rival=separate)
    goal = _market(
        "goal",
        us=with_levers(separate, {"marketing.annual_budget": 2_500_000.0}),
        rival=with_levers(separate, {"pricing.price": 0.8}),
    )
    grouping = {"us": ("firms.us.",), "rival": ("firms.rival.",)}
    kpis = ["cum_wins", "market_share_customers", "share_of_voice"]
    result = explain(base, goal, SEEDS, 30, kpis, grouping, firm="us")
    assert result.baseline == "base:us" and result.target == "goal:us"
    assert result.names == ["us", "rival"]
    for kpi in result.kpis:
        values = result.coalition_values(kpi)
        table = result.contributions()
        rows = table[table["kpi"] == kpi].set_index("group")["contribution"]
        total = np.mean(values[(0, 1)] - values[()])
        assert rows["us"] + rows["rival"] == pytest.approx(total)
        assert rows["total"] == pytest.approx(total)
    # spend is set by the budgets alone: our bigger budget carries all of our share of voice's
    # change, the rival's price none of it
    table = result.contributions().set_index(["kpi", "group"])["contribution"]
    assert table["share_of_voice", "us"] > 20
    assert table["share_of_voice", "rival"] == pytest.approx(0.0, abs=1e-9)


def test_explain_command_refuses_a_market_against_a_scenario_and_a_stranger_firm(tmp_path):
    runner = CliRunner()
    mixed = runner.invoke(main, ["explain", "duopoly", "separate", "--out", str(tmp_path / "a")])
    assert mixed.exit_code == 2 and "not a market with a scenario" in mixed.output
    stranger = runner.invoke(
        main, ["explain", "duopoly", "price-war", "--firm", "them", "--out", str(tmp_path / "b")]
    )
    assert stranger.exit_code == 2 and "'them' is not a firm of duopoly" in stranger.output
    many = runner.invoke(main, ["explain", "duopoly", "price-war", "--out", str(tmp_path / "c")])
    assert many.exit_code == 2 and "--group firm" in many.output
    assert not (tmp_path / "c").exists()


def test_a_reorganisation_and_the_market_are_explained_as_wholes():
    """A firm that reorganises in one market and not the other differs in one value (its
    reorganisation, present or not), and keys of the market's own sections move for every firm
    together; both run without a half-built market."""
    from gtmsim.experiments.plan import load_unit

    duopoly, later = load_unit("duopoly"), load_unit("rival-integrates")
    keys = list(differing(duopoly, later))
    assert "firms.rival.reorganise" in keys
    assert not any(k.startswith("firms.rival.reorganise.") for k in keys)
    base = _market("base", us=load_scenario("separate"), rival=later.firms["rival"])
    goal = _market("goal", us=load_scenario("separate"), rival=duopoly.firms["rival"])
    bigger = MarketScenario(
        name="bigger",
        firms={n: with_levers(s, {"market.prospects": 5_000}) for n, s in base.firms.items()},
    )
    groups = groups_for(list(differing(base, bigger)), PRACTICES, ["us", "rival"])
    assert list(groups) == ["the market"]
    assert sorted(groups["the market"]) == [
        "firms.rival.market.prospects",
        "firms.us.market.prospects",
    ]
    grouping = {"us": ("firms.us.",), "rival": ("firms.rival.",)}
    result = explain(base, goal, SEEDS[:2], 20, ["cum_wins"], grouping, firm="us")
    assert result.names == ["rival"]


def test_names_with_a_colon_are_refused(tmp_path):
    from gtmsim.model.market_files import load_market
    from gtmsim.model.scenario_files import ScenarioError

    path = tmp_path / "m.toml"
    path.write_text('[firms."a:b"]\nextends = "separate"\n')
    with pytest.raises(ScenarioError, match="holds ':'"):
        load_market(path)
