"""Calibration recovers known lever values from targets the model itself generated."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gtmsim.calibration import Problem, fit_levers, lever_contributions, with_levers
from gtmsim.cli import main
from gtmsim.runner import replicate_seeds
from gtmsim.scenario_files import load_scenario


@pytest.fixture(scope="module")
def problem_parts():
    separate = with_levers(load_scenario("separate"), {"market.prospects": 3000})
    integrated = with_levers(load_scenario("integrated"), {"market.prospects": 3000})
    bounds = {
        "organisation.agreed_lead_threshold": (0.3, 0.6),
        "organisation.handoff_leakage": (0.0, 0.3),
    }
    return separate, integrated, bounds, replicate_seeds(42, 4)


def test_recovers_known_levers_from_model_generated_targets(problem_parts):
    separate, integrated, bounds, seeds = problem_parts
    truth = np.array([0.45, 0.08])
    kpis = {"cum_mqls": 0.0, "leads_leaked": 0.0}
    generated = Problem(separate, integrated, bounds, kpis, seeds, 52).differences(truth)
    targets = generated["model_pct"].to_dict()
    problem = Problem(separate, integrated, bounds, targets, seeds, 52)
    fitted, misfit, _ = fit_levers(problem, design_points=16)
    # Tolerances from the measured sensitivity on these seeds: the MQL difference moves
    # 2.1 pp per 0.01 of threshold and the leaked difference ~1.7 pp per 0.01 of leakage,
    # while the confirming run's misfit below 0.01 allows at most ~1 pp of target error.
    # So +-0.03 threshold and +-0.02 leakage leave a wide margin yet fail a wrong answer
    # (the bounds span 0.3 and 0.3).
    assert abs(fitted[0] - truth[0]) < 0.03
    assert abs(fitted[1] - truth[1]) < 0.02
    assert misfit < 0.01


def test_contributions_name_the_lever_that_carries_each_difference(problem_parts):
    separate, integrated, bounds, seeds = problem_parts
    problem = Problem(separate, integrated, bounds, {"leads_leaked": 0.0}, seeds, 52)
    shares = lever_contributions(problem, np.array([0.45, 0.02]), separate)
    # resetting leakage to separate's 15% removes most of the leaked-leads gap (measured 0.67:
    # the rest is the smaller MQL volume at integrated's higher agreed bar); resetting the
    # threshold lever (separate's unused default, 0.5) removes less
    assert shares.loc["leads_leaked", "organisation.handoff_leakage"] > 0.5
    assert (
        shares.loc["leads_leaked", "organisation.agreed_lead_threshold"]
        < shares.loc["leads_leaked", "organisation.handoff_leakage"]
    )


def test_calibrate_command_end_to_end(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "calibrate",
            "--target",
            "leads_leaked=-60",
            "--lever",
            "organisation.handoff_leakage=0:0.3",
            "--seeds",
            "2",
            "--n",
            "1500",
            "--weeks",
            "20",
            "--design",
            "6",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "calibration.json").is_file()
    scenario = (tmp_path / "scenario.toml").read_text()
    assert 'extends = "integrated.toml"' in scenario and "handoff_leakage = " in scenario


def test_calibrate_rejects_unknown_lever_with_a_clear_message():
    result = CliRunner().invoke(main, ["calibrate", "--lever", "organisation.speed=0:1"])
    assert result.exit_code == 2
    assert "no such parameter" in result.output and "Traceback" not in result.output
