"""Market files: firms by the scenarios they extend over one shared market, and one-paragraph
errors that name the file, the key and the fix."""

from __future__ import annotations

import pytest

from gtmsim.model import load_scenario
from gtmsim.model.market_files import is_market_file, load_market
from gtmsim.model.scenario_files import ScenarioError


def _write(tmp_path, text: str, name: str = "market.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_firms_extend_scenarios_and_share_the_market_section(tmp_path):
    path = _write(
        tmp_path,
        'name = "duo"\ndescription = "two firms"\n'
        "[market]\nprospects = 12000\n[competition]\nswitching_odds = 0.3\n"
        '[firms.us]\nextends = "separate"\n'
        '[firms.rival]\nextends = "integrated"\n[firms.rival.pricing]\nprice = 0.9\n',
    )
    assert is_market_file(path)
    market = load_market(path)
    assert market.name == "duo" and market.description == "two firms"
    us, rival = market.firms["us"], market.firms["rival"]
    assert us.name == "us" and rival.name == "rival"
    assert us.market.prospects == rival.market.prospects == 12_000
    assert us.competition.switching_odds == rival.competition.switching_odds == 0.3
    assert rival.pricing.price == 0.9 and us.pricing.price == 1.0
    assert rival.organisation == load_scenario("integrated").organisation
    assert us.organisation == load_scenario("separate").organisation
    assert market.digest() != load_market(path).model_copy(update={"firms": {"us": us}}).digest()


def test_a_scenario_file_is_the_market_of_its_one_firm():
    market = load_market("integrated")
    assert list(market.firms) == ["integrated"]
    assert market.first == load_scenario("integrated")


def test_a_firm_reorganises_like_another_scenario(tmp_path):
    path = _write(
        tmp_path,
        '[firms.us]\nextends = "separate"\n[firms.rival]\nextends = "separate"\n'
        '[firms.rival.reorganise]\nweek = 52\nlike = "integrated"\n'
        "[firms.rival.reorganise.organisation]\ncross_skilling = 0.0\n",
    )
    rival = load_market(path).firms["rival"]
    integrated = load_scenario("integrated").organisation
    assert rival.organisation == load_scenario("separate").organisation
    assert rival.reorganise.week == 52
    assert rival.reorganise.organisation == integrated.model_copy(update={"cross_skilling": 0.0})


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[firms.us]\nextends = "separate"\n[sales]\nwin_odds = 1\n', "unknown key 'sales'"),
        (
            '[firms.us]\nextends = "separate"\n[firms.us.market]\nprospects = 10\n',
            "is the market's",
        ),
        ('[firms.us]\nextends = "separate"\nbudget = 1\n', "unknown key 'firms.us.budget'"),
        ('[firms.us]\nextends = "separat"\n', "Did you mean 'separate'"),
        ("[firms.us]\nextends = 3\n", "must be a scenario name in quotes"),
        ("firms = 3\n", "[firms] must hold 1 to 8 tables"),
        (
            '[firms.us]\nextends = "separate"\n[firms.new]\nextends = "launch"\n',
            "market.segments.enterprise.installed_share differs",
        ),
        (
            "".join(f'[firms.f{i}]\nextends = "separate"\n' for i in range(9)),
            "at most 8",
        ),
        (
            '[firms.us]\nextends = "separate"\n[firms.us.pricing]\nprice = 0\n',
            "firms.us: pricing.price = 0",
        ),
        (
            '[firms.us]\nextends = "separate"\n[firms.us.reorganise]\nlike = "nope"\n',
            "nope: no such scenario file",
        ),
    ],
    ids=[
        "top-level-firm-section",
        "firm-sets-market",
        "firm-unknown-key",
        "extends-typo",
        "extends-not-text",
        "firms-not-tables",
        "firm-in-another-market",
        "nine-firms",
        "bad-value",
        "reorganise-like-missing",
    ],
)
def test_bad_market_files_get_one_paragraph(tmp_path, text, says):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_market(path)
    message = str(caught.value)
    assert says in message
    assert str(path) in message
    assert "Traceback" not in message and "\n" not in message.strip()


def test_a_firm_cannot_extend_a_market_and_a_scenario_loader_refuses_a_market(tmp_path):
    inner = _write(tmp_path, '[firms.us]\nextends = "separate"\n', "inner.toml")
    outer = _write(tmp_path, '[firms.us]\nextends = "inner.toml"\n', "outer.toml")
    with pytest.raises(ScenarioError, match="is a market file"):
        load_market(outer)
    with pytest.raises(ScenarioError, match="this is a market file"):
        load_scenario(inner)


def test_the_market_settles_a_section_its_firms_disagree_on(tmp_path):
    """A firm extending a scenario with another market is fine once the market file sets those
    keys itself: the market's value holds for every firm."""
    path = _write(
        tmp_path,
        '[firms.us]\nextends = "separate"\n[firms.new]\nextends = "launch"\n'
        "[firms.new.customers]\ninstalled_base_factor = 0.0\n"
        "[market.segments.smb]\ninstalled_share = 0.01\n"
        "[market.segments.mid_market]\ninstalled_share = 0.01\n"
        "[market.segments.enterprise]\ninstalled_share = 0.01\n",
    )
    market = load_market(path)
    assert market.firms["new"].market == market.firms["us"].market
    assert market.firms["new"].customers.installed_base_factor == 0.0
