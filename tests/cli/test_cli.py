"""The gtmsim command line: results folders, determinism, friendly errors and help.

Runs use a 2,000-prospect market (a file extending a shipped scenario) and a few weeks,
so the whole module takes seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from gtmsim.cli import main
from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model.scenario_files import load_scenario, purpose, shipped_scenarios
from gtmsim.outputs.results import FORMAT_VERSION, ResultsError, read_results

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PROSPECTS = 2_000
SEEDS = 2
WEEKS = 8


def plain(text: str) -> str:
    """Output without colour codes and with Rich's line wrapping undone."""
    return " ".join(ANSI.sub("", text).split())


def invoke(*args: object) -> Result:
    """Run the gtmsim command in-process."""
    return CliRunner().invoke(main, [str(arg) for arg in args])


def gtmsim(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed gtmsim command in a fresh process (real exit status and stderr)."""
    script = Path(sys.executable).parent / "gtmsim"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "gtmsim.cli"]
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [*command, *(str(arg) for arg in args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def small_scenario(folder: Path, parent: str) -> Path:
    """A scenario file that extends a shipped one and shrinks its market."""
    path = folder / f"{parent}-small.toml"
    path.write_text(
        f'extends = "{parent}.toml"\nname = "{parent}"\n\n[market]\nprospects = {PROSPECTS}\n',
        encoding="utf-8",
    )
    return path


def run_args(files: list[Path], out: Path, workers: int = 1) -> list[object]:
    return [
        "run",
        *files,
        "--seeds",
        SEEDS,
        "--weeks",
        WEEKS,
        "--workers",
        workers,
        "--out",
        out,
    ]


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("scenarios")
    return [small_scenario(folder, "separate"), small_scenario(folder, "integrated")]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, scenario_files) -> Path:
    """One results folder from `gtmsim run`, shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("results") / "first"
    result = invoke(*run_args(scenario_files, out))
    assert result.exit_code == 0, result.output
    assert f"Results: {out}" in plain(result.output)
    return out


# --- run ---------------------------------------------------------------------------------


def test_run_writes_manifest_timeseries_and_summary(run_folder):
    for name in ("manifest.json", "timeseries.csv", "summary.csv"):
        assert (run_folder / name).is_file(), name
    manifest = json.loads((run_folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["complete"] is True
    assert manifest["weeks"] == WEEKS
    assert len(manifest["seeds"]) == SEEDS
    assert [s["name"] for s in manifest["scenarios"]] == ["separate", "integrated"]
    for entry in manifest["scenarios"]:
        assert entry["parameters"]["market"]["prospects"] == PROSPECTS
        assert len(entry["sha256"]) == 64
    meta, timeseries, summary = read_results(run_folder)
    assert meta == manifest
    assert len(timeseries) == 2 * SEEDS * WEEKS
    assert len(summary) == 2 * SEEDS
    assert sorted(timeseries["week"].unique()) == list(range(1, WEEKS + 1))


def test_summary_has_one_row_per_scenario_and_seed(run_folder):
    manifest = json.loads((run_folder / "manifest.json").read_text(encoding="utf-8"))
    summary = pd.read_csv(run_folder / "summary.csv")
    assert len(summary) == 2 * SEEDS
    assert not summary.duplicated(["scenario", "seed"]).any()
    for name in ("separate", "integrated"):  # both scenarios ran on the same (paired) seeds
        assert sorted(summary.loc[summary["scenario"] == name, "seed"]) == sorted(manifest["seeds"])
    assert (summary["weeks"] == WEEKS).all()


def test_results_are_byte_identical_when_run_again_and_with_two_workers(
    tmp_path, scenario_files, run_folder
):
    again = tmp_path / "again"
    assert invoke(*run_args(scenario_files, again)).exit_code == 0
    pooled = tmp_path / "pooled"  # a real process, so the worker pool is not forked from pytest
    done = gtmsim(*run_args(scenario_files, pooled, workers=2), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("timeseries.csv", "summary.csv"):
        reference = (run_folder / name).read_bytes()
        assert (again / name).read_bytes() == reference, f"{name} differs on a second run"
        assert (pooled / name).read_bytes() == reference, f"{name} differs with --workers 2"


def test_bare_shipped_name_runs(tmp_path):
    out = tmp_path / "integrated"
    result = invoke("run", "integrated", "--seeds", 1, "--weeks", 2, "--workers", 1, "--out", out)
    assert result.exit_code == 0, result.output
    meta, _, summary = read_results(out)
    assert list(summary["scenario"]) == ["integrated"]
    assert meta["scenarios"][0]["parameters"]["organisation"]["marketing_goal"] == "revenue"


def test_run_on_a_missing_file_is_a_clear_error_without_traceback(tmp_path):
    done = gtmsim("run", "no-such-plan.toml", "--seeds", 1, "--weeks", 1, cwd=tmp_path)
    assert done.returncode == 2
    assert "no-such-plan.toml: no such scenario file" in done.stderr
    assert "gtmsim scenarios" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "results").exists()


def test_run_rejects_two_scenarios_with_the_same_name(tmp_path, scenario_files):
    result = invoke("run", scenario_files[0], scenario_files[0], "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "share the name ['separate']" in plain(result.output)
    assert not (tmp_path / "out").exists()


# --- validate ----------------------------------------------------------------------------


def test_validate_accepts_good_files(scenario_files):
    result = invoke("validate", *scenario_files, "separate")
    assert result.exit_code == 0, result.output
    output = plain(result.output)
    for file in scenario_files:
        assert f"{file}: ok" in output
    assert "separate: ok" in output


BAD_FILES = {
    "typo": ("[marketing]\nanual_budget = 5\n", "Did you mean 'annual_budget'?"),
    "negative": ("[marketing]\nannual_budget = -100\n", "marketing.annual_budget = -100"),
    "not-toml": ("Spend more on ads!\n", "not a valid TOML scenario file"),
    "bad-extends": ('extends = "nowhere.toml"\n', 'extends = "nowhere.toml"'),
    "bad-choice": ('[organisation]\nmeeting_cadence = "daily"\n', "'weekly'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_validate_explains_a_bad_file_and_exits_2(tmp_path, scenario_files, case):
    text, expected = BAD_FILES[case]
    bad = tmp_path / f"{case}.toml"
    bad.write_text(text, encoding="utf-8")
    result = invoke("validate", scenario_files[0], bad)
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a deliberate exit, not a crash
    output = plain(result.output)
    assert f"{bad}: invalid" in output
    assert expected in output
    assert f"{scenario_files[0]}: ok" in output  # the other files are still checked
    assert "Traceback" not in result.output


def test_validate_prints_error_messages_verbatim(tmp_path):
    bad = tmp_path / "notes.toml"
    bad.write_text("Spend more on ads!\n", encoding="utf-8")
    result = invoke("validate", bad)
    assert result.exit_code == 2
    assert "`key = value` lines under `[section]` headers" in plain(result.output)


# --- scenarios, reference and help --------------------------------------------------------


def test_scenarios_lists_every_shipped_scenario_with_its_purpose():
    result = invoke("scenarios")
    assert result.exit_code == 0, result.output
    output = plain(result.output)
    for name, path in shipped_scenarios().items():
        assert purpose(path), f"{path.name} has no purpose line"
        assert plain(f"{name} {purpose(path)}") in output


def test_reference_prints_the_parameter_reference():
    result = invoke("reference")
    assert result.exit_code == 0
    assert result.output.startswith("# Scenario reference")
    assert "annual_budget" in result.output


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_help_of_every_command(command):
    args = ["--help"] if command is None else [command, "--help"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    if command is not None:
        assert command in result.output


# --- reading results folders ---------------------------------------------------------------


def test_read_results_on_a_missing_folder(tmp_path):
    with pytest.raises(ResultsError, match="no such results folder"):
        read_results(tmp_path / "nowhere")


def test_read_results_on_a_folder_without_summary(tmp_path, run_folder):
    folder = shutil.copytree(run_folder, tmp_path / "partial")
    (folder / "summary.csv").unlink()
    with pytest.raises(ResultsError) as err:
        read_results(folder)
    message = str(err.value)
    assert str(folder) in message
    assert "incomplete, summary.csv missing" in message
    assert "run the scenarios again" in message


def test_read_results_on_a_future_format_version(tmp_path, run_folder):
    folder = shutil.copytree(run_folder, tmp_path / "future")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 99
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ResultsError) as err:
        read_results(folder)
    message = str(err.value)
    assert "results format version 99" in message
    assert f"format {FORMAT_VERSION}" in message
    assert manifest["versions"]["gtmsim"] in message  # names the version that can read it


HELP = ["run", "compare", "plot", "report", "validate", "scenarios", "reference", "dashboard"]


@pytest.mark.parametrize(
    "args",
    [["--help"], ["calibrate", "--help"], ["check", "bass", "--help"], ["attribute", "--help"]]
    + [[command, "--help"] for command in HELP],
)
def test_help_loads_neither_the_model_nor_the_numerics(args):
    """Help must answer at once: it may not import the model, pandas, scipy or matplotlib
    (loading them took 3-4 s). Checked in a fresh interpreter, by what it imported."""
    probe = (
        "import sys\n"
        "from gtmsim.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['gtmsim.model.growth', 'mesa', 'pandas', 'scipy', 'matplotlib']\n"
        "print('LOADED=' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "LOADED=", done.stdout[-300:]


def test_attribute_max_runs_default_is_the_attribution_limit():
    """The CLI and attribute() take the limit from the one light defaults module."""
    import inspect

    from gtmsim.cli import main
    from gtmsim.experiments.attribution import attribute

    option = next(p for p in main.commands["attribute"].params if p.name == "max_runs")
    assert option.default == inspect.signature(attribute).parameters["max_runs"].default == 600


def interrupt_on_call(monkeypatch, module, name: str, call: int) -> None:
    """Make ``module.name`` behave as usual until its ``call``-th call, which is a Ctrl-C."""
    original = getattr(module, name)
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


def test_run_batch_passes_ctrl_c_on_unless_asked_to_keep_finished_runs(monkeypatch):
    """A library caller (calibration, Bass check) must not carry on with fewer seeds after a
    Ctrl-C; `gtmsim run` keeps the runs that finished and says so."""
    import gtmsim.experiments.runner
    from gtmsim.model.scenario import with_levers

    small = with_levers(load_scenario("separate"), {"market.prospects": 300})
    seeds = replicate_seeds(5, 3)
    interrupt_on_call(monkeypatch, gtmsim.experiments.runner, "_run_task", 2)
    with pytest.raises(KeyboardInterrupt):
        run_batch([small], seeds, 3, workers=1)
    interrupt_on_call(monkeypatch, gtmsim.experiments.runner, "_run_task", 2)
    batch = run_batch([small], seeds, 3, workers=1, keep_partial=True)
    assert batch.interrupted and len(batch.runs) == 1 and not batch.complete


def test_ctrl_c_during_run_saves_the_finished_runs(tmp_path, monkeypatch):
    import gtmsim.experiments.runner

    interrupt_on_call(monkeypatch, gtmsim.experiments.runner, "_run_task", 3)
    out = tmp_path / "partial"
    args = ["run", "separate", "--seeds", "3", "--weeks", "3", "--workers", "1", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
    assert pd.read_csv(out / "summary.csv")["seed"].nunique() == 2


def test_ctrl_c_during_calibration_saves_the_arms_already_fitted(tmp_path, monkeypatch):
    import gtmsim.experiments.fitting

    interrupt_on_call(monkeypatch, gtmsim.experiments.fitting, "fit_levers", 2)
    args = [
        *(
            "calibrate",
            "--target",
            "leads_leaked=-60",
            "--lever",
            "organisation.handoff_leakage=0:0.3",
        ),
        *("--arm", "organisation.meeting_cadence=weekly,never", "--seeds", "2", "--n", "800"),
        *("--weeks", "8", "--design", "6", "--workers", "1", "--out", str(tmp_path)),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130, result.output
    report = json.loads((tmp_path / "calibration.json").read_text())
    assert report["complete"] is False and len(report["arm_fits"]) == 1
    assert report["arm_fits"][0]["arm"] == {"organisation.meeting_cadence": "weekly"}
    assert not (tmp_path / "scenario.toml").exists()
