"""Scenario files: shipped ones load; bad ones give one clear paragraph naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtmsim.model.scenario_files import ScenarioError, load_scenario, shipped_scenarios


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_every_shipped_scenario_loads(name):
    assert load_scenario(name).name == name


def test_integrated_changes_only_organisation_levers(separate, integrated):
    a, b = separate.model_dump(), integrated.model_dump()
    differing = {key for key in a if a[key] != b[key]}
    assert differing == {"name", "description", "organisation"}


def test_misspelt_key_suggests_the_right_one(tmp_path):
    path = write(tmp_path, "typo.toml", "[marketing]\nanual_budget = 5\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message
    assert "marketing.anual_budget" in message
    assert "Did you mean 'annual_budget'?" in message


def test_negative_budget_names_range_and_unit(tmp_path):
    path = write(tmp_path, "neg.toml", "[marketing]\nannual_budget = -100\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "marketing.annual_budget = -100" in message
    assert ">= 0" in message and "currency/year" in message


def test_shares_not_summing_to_one(tmp_path):
    path = write(tmp_path, "shares.toml", "[marketing.channels.ads]\nshare = 0.9\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "budget shares sum to 1.6" in str(err.value)
    assert str(path) in str(err.value)


def test_missing_extends_target(tmp_path):
    path = write(tmp_path, "child.toml", 'extends = "nowhere.toml"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert 'extends = "nowhere.toml"' in str(err.value)
    assert str(path) in str(err.value)


def test_misspelt_extends_target_suggests_the_shipped_file(tmp_path):
    path = write(tmp_path, "child.toml", 'extends = "separat.toml"\n')
    with pytest.raises(ScenarioError, match=r'Did you mean "separate\.toml"'):
        load_scenario(path)


def test_not_toml_at_all(tmp_path):
    path = write(tmp_path, "notes.toml", "This is my plan: spend more on ads!\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "not a valid TOML scenario file" in str(err.value)


def test_wrong_type_and_bad_choice(tmp_path):
    path = write(
        tmp_path,
        "types.toml",
        '[organisation]\nmeeting_cadence = "daily"\nhandoff_leakage = "lots"\n',
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert "organisation.meeting_cadence = 'daily'" in message and "'weekly'" in message
    assert "organisation.handoff_leakage = 'lots'" in message


def test_extends_merges_and_error_names_the_file_that_set_the_key(tmp_path):
    write(tmp_path, "base.toml", "[marketing]\nannual_budget = -1\n")
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\n[sales]\nresponse_hours = 2\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert str(tmp_path / "base.toml") in str(err.value)


def test_extends_cycle_is_reported(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="circle"):
        load_scenario(tmp_path / "a.toml")


def test_unknown_scenario_name_lists_shipped_ones():
    with pytest.raises(ScenarioError) as err:
        load_scenario("integratd")
    assert "integrated" in str(err.value) and "gtmsim scenarios" in str(err.value)


def test_territory_must_be_a_segment(tmp_path):
    path = write(tmp_path, "terr.toml", "[sales.territories]\nretail = 3\n")
    with pytest.raises(ScenarioError, match="'retail' is not a market segment"):
        load_scenario(path)
