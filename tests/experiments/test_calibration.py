"""Calibration recovers known lever values from targets the model itself generated."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.experiments.fitting import Problem, fit_arms, fit_levers, lever_contributions
from gtmsim.experiments.runner import replicate_seeds
from gtmsim.model.scenario import with_levers
from gtmsim.model.scenario_files import load_scenario


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
    # ~2 pp per 0.01 of threshold and the leaked difference ~1.7 pp per 0.01 of leakage.
    # Measured (December 2026 model): fitted 0.450 and 0.091 (the surrogate's error near the
    # optimum is about 1 pp on the -19.7% MQL target). So +-0.03 threshold and +-0.02
    # leakage leave a margin yet fail a wrong answer (the bounds span 0.3 and 0.3), and a
    # misfit under 0.1 (at most ~6.6 pp on the MQL target) fails a fit that found the
    # wrong corner, whose misfit is above 1.
    assert abs(fitted[0] - truth[0]) < 0.03
    assert abs(fitted[1] - truth[1]) < 0.02
    assert misfit < 0.1


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


def test_arms_recover_a_categorical_lever(problem_parts):
    """Targets generated with an agreed lead definition at threshold 0.45: fitting the
    threshold in both arms (agreed or not) must pick the agreed arm and recover the
    threshold. Without agreement sales keeps rejecting leads below its own bar (separate's
    level, so ~0% difference where the target is -100%), which no threshold can undo: the
    wrong arm's misfit stays near (100/100)^2 = 1."""
    separate, integrated, _, seeds = problem_parts
    # Joint meetings move two separate bars toward each other (integrated meets weekly), which
    # would let the wrong arm mimic an agreed bar over time: switched off here, so the test
    # is about the fitting method, not that mechanism.
    no_convergence = {"organisation.feedback_bar_convergence": 0.0}
    integrated = with_levers(integrated, no_convergence)
    bounds = {"organisation.agreed_lead_threshold": (0.3, 0.6)}
    kpis = {"cum_mqls": 0.0, "leads_rejected": 0.0}
    generated = Problem(separate, integrated, bounds, kpis, seeds, 52).differences(np.array([0.45]))
    problem = Problem(separate, integrated, bounds, generated["model_pct"].to_dict(), seeds, 52)
    arms = {"organisation.lead_definition_agreed": [False, True]}
    fits = fit_arms(problem, arms, design_points=16)
    assert [fit.arm["organisation.lead_definition_agreed"] for fit in fits] == [True, False]
    assert abs(fits[0].levers[0] - 0.45) < 0.03  # as in the recovery test above
    # the arms are told apart by far more than the surrogate's error within the right arm
    # (measured: threshold 0.450 in the right arm, misfits 0.0 vs 5.7)
    assert fits[1].misfit > 0.5 and fits[0].misfit < fits[1].misfit / 10


def test_with_levers_reads_true_and_false_as_scenario_files_do(problem_parts):
    separate, *_ = problem_parts
    agreed = with_levers(separate, {"organisation.lead_definition_agreed": "true"})
    assert agreed.organisation.lead_definition_agreed is True
    not_agreed = with_levers(agreed, {"organisation.lead_definition_agreed": "false"})
    assert not_agreed.organisation.lead_definition_agreed is False


def test_calibrate_command_end_to_end(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "calibrate",
            "--target",
            "leads_leaked=-60",
            "--lever",
            "organisation.handoff_leakage=0:0.3",
            "--arm",
            "organisation.meeting_cadence=weekly,never",
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
    report = json.loads((tmp_path / "calibration.json").read_text())
    assert len(report["arm_fits"]) == 2  # both cadences were fitted
    fitted = load_scenario(tmp_path / "scenario.toml")  # the file loads as a scenario
    assert fitted.organisation.meeting_cadence == report["fitted"]["organisation.meeting_cadence"]
    assert fitted.organisation.handoff_leakage == pytest.approx(
        report["fitted"]["organisation.handoff_leakage"], rel=1e-3
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lever", "organisation.speed=0:1"], "no such parameter"),
        (["--lever", "organisation.marketing_goal=0:1"], "categorical ones go in --arm"),
        (["--arm", "organisation.marketing_goal=leads,profit"], "'leads' or 'revenue'"),
        (["--arm", "organisation.lead_definition_agreed=maybe"], "true or false"),
        (["--arm", "organisation.handoff_leakage=x"], "allowed: float"),
        (["--arm", "description=a,b"], "use SECTION.NAME"),
        (["--arm", "nosuch.key=1,2"], "no such parameter"),
        (["--arm", "organisation.marketing_goal=,"], "at least one value"),
        (["--arm", "organisation.cross_skilling=0.5,0.7"], "both as --lever and as --arm"),
        (["--target", "cac=abc"], "finite number"),
        (["--target", "leads_leaked=nan"], "finite number"),
        (["--target", "profit=10"], "not a KPI of summary.csv"),
        (["--target", "cac=-10", "--target", "cac=-20"], "given twice"),
    ],
)
def test_calibrate_rejects_bad_input_before_simulating(args, message, monkeypatch):
    """Every bad option ends in exit status 2 and one message naming the problem, before any
    run starts (run_batch is replaced by one that fails the test if called)."""
    import gtmsim.experiments.fitting

    def no_runs(*_args, **_kwargs):
        raise AssertionError("a simulation started before the input was checked")

    monkeypatch.setattr(gtmsim.experiments.fitting, "run_batch", no_runs)
    result = CliRunner().invoke(main, ["calibrate", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_integer_parameters_are_rounded_and_written_as_integers(problem_parts):
    from gtmsim.experiments.calibration import toml_value

    separate, *_ = problem_parts
    rounded = with_levers(separate, {"market.prospects": 2999.7})
    assert rounded.market.prospects == 3000
    assert toml_value(123456) == "123456" and toml_value(0.123456) == "0.1235"
    assert toml_value(True) == "true" and toml_value("leads") == '"leads"'


def test_shipped_survey_scenario_keeps_its_fit_and_integrated_does_not_match_it():
    """scenarios/survey-2025.toml must still give the differences from `separate` its header and
    docs/validation.md report for it, on 10 seeds it was neither fitted nor checked on. Measured
    on 60 other seeds (base seed 8080, the current model): medians -43.8% (CAC), +63.0% (lead ->
    customer) and +59% (ARR growth rate), against the survey's -32%, +41% and +57%: the fit
    overshoots on CAC and conversion (the agreed bar sits at its lower bound, 0.35; see
    validation.md). The median of 10 seeds varies across seed sets with sd 2.9, 7.2 and 29
    percentage points (4,000 subsamples of the 60, corrected for sampling without replacement),
    so each 10-seed median must lie within 4 of those sd of the 60-seed median (a false alarm
    has probability about 6e-5 per claim). The same check must reject `integrated`: its
    conversion gain (+210% over the 60 seeds) is 20 sd from the file's +63.0%, so the test fails
    if the shipped file drifts back toward it. Growth is too noisy to reject much on its own;
    CAC and conversion carry the test."""
    from gtmsim.experiments.defaults import SURVEY_TARGETS

    fitted = {"cac": -43.8, "lead_to_customer": 63.0, "arr_growth_pct": 59.2}
    assert set(fitted) == set(SURVEY_TARGETS)  # the claims the calibration fits
    tolerance = pd.Series({"cac": 4 * 2.9, "lead_to_customer": 4 * 7.2, "arr_growth_pct": 4 * 29})
    separate = load_scenario("separate")
    seeds = replicate_seeds(3131, 10)
    miss = {
        name: Problem(separate, load_scenario(name), {}, fitted, seeds, 104)
        .differences(np.array([]))
        .eval("model_pct - target_pct")
        for name in ("survey-2025", "integrated")
    }
    assert (miss["survey-2025"].abs() < tolerance).all(), miss["survey-2025"]
    assert miss["integrated"]["lead_to_customer"] > tolerance["lead_to_customer"]


def test_targets_are_checked_against_exactly_the_summary_columns(problem_parts):
    from gtmsim.experiments.runner import run_batch
    from gtmsim.model.kpis import SUMMARY

    separate, *_ = problem_parts
    summary = run_batch([separate], replicate_seeds(1, 1), 5, workers=1).summary()
    assert set(summary.columns) - {"scenario", "seed", "weeks"} == set(SUMMARY)


def test_an_interrupted_calibration_resumes_from_its_run_cache(tmp_path, monkeypatch):
    """Stopped after three evaluations and started again over the same folder, a calibration
    runs only what it had not run, and ends exactly where an uninterrupted one does."""
    from gtmsim.experiments import fitting
    from gtmsim.experiments.calibration import CalibrationSpec, calibrate

    def spec(cache_dir=None) -> CalibrationSpec:
        return CalibrationSpec(
            targets={"leads_leaked": -60.0},
            bounds={"organisation.handoff_leakage": (0.0, 0.3)},
            arms={},
            seeds=2,
            prospects=1_500,
            weeks=20,
            design=4,
            refits=0,
            workers=1,
            cache_dir=cache_dir,
        )

    whole = calibrate(spec())
    real, calls = fitting.run_batch, []

    def counting(scenarios, seeds, *args, **kwargs):
        calls.append(len(scenarios) * len(seeds))
        return real(scenarios, seeds, *args, **kwargs)

    monkeypatch.setattr(fitting, "run_batch", counting)
    evaluations = []

    def stop_after_three() -> None:
        evaluations.append(1)
        if len(evaluations) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate(spec(tmp_path), stop_after_three)
    before = sum(calls)
    assert before > 0
    calls.clear()
    resumed = calibrate(spec(tmp_path))
    again = sum(calls)
    calls.clear()
    calibrate(spec(tmp_path))
    assert sum(calls) == 0  # everything is in the cache now
    calibrate(spec(tmp_path / "fresh"))
    assert again > 0 and before + again == sum(calls)  # each run once, across the interruption
    pd.testing.assert_frame_equal(resumed.fresh, whole.fresh)
    assert resumed.fitted == whole.fitted
