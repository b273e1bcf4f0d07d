"""Inputs a user can get wrong get one clear paragraph before any work, and exit status 2.

One section per class of mistake (see the hardening issue); each test failed before its fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.model.scenario_files import ScenarioError, load_scenario


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def one_paragraph(output: str) -> str:
    assert "Traceback" not in output
    return " ".join(output.split())


# --- 1. values that validate but cannot run: inf and nan --------------------------------------

NON_FINITE = [
    ("marketing", "annual_budget"),  # money
    ("market", "word_of_mouth_rate"),  # a rate
    ("marketing", "scoring_noise"),  # noise
    ("organisation", "handoff_delay_hours"),  # a delay
    ("market", "ties_per_prospect"),  # a tie count
    ("sales", "speed_to_lead_exponent"),
]


@pytest.mark.parametrize(("section", "key"), NON_FINITE)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "+inf"])
def test_non_finite_numbers_are_rejected_at_validation(tmp_path, section, key, value):
    path = write(tmp_path, "inf.toml", f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert f"{section}.{key} = {value.lstrip('+')}" in message
    assert "finite number" in message
    assert str(path) in message


def test_run_refuses_inf_before_running(tmp_path):
    path = write(tmp_path, "inf.toml", "[marketing]\nannual_budget = inf\n")
    result = invoke("run", str(path), "--seeds", "1", "--weeks", "2", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "finite number" in one_paragraph(result.output)
    assert not (tmp_path / "o").exists()


def test_non_finite_command_line_numbers_are_rejected():
    result = invoke("attribute", "--half-life", "inf")
    assert result.exit_code == 2
    assert "--half-life" in one_paragraph(result.output)


@pytest.fixture()
def no_runs(monkeypatch):
    """Fail the test if any simulation starts (the check must come first)."""
    import gtmsim.experiments.runner

    def refuse(*args, **kwargs):
        raise AssertionError("a simulation ran before the output folder was checked")

    monkeypatch.setattr(gtmsim.experiments.runner, "run_batch", refuse)
    monkeypatch.setattr(gtmsim.experiments.runner, "map_tasks", refuse)


# --- 2. sizes with no upper bound ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "bound"),
    [
        ("[market]\nprospects = 1_000_000_000_000\n", "market.prospects", "1e+09"),
        ("[market]\nties_per_prospect = 1e9\n", "market.ties_per_prospect", "1000"),
        ("[simulation]\nseeds = 10_000_000\n", "simulation.seeds", "100000"),
        ("[simulation]\nweeks = 1_000_000\n", "simulation.weeks", "2080"),
    ],
)
def test_sizes_no_machine_could_serve_are_refused_at_validation(tmp_path, text, key, bound):
    path = write(tmp_path, "huge.toml", text)
    result = invoke("validate", str(path))
    assert result.exit_code == 2, result.output
    message = one_paragraph(result.output)
    assert key in message and f"<= {bound}" in message and str(path) in message


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--seeds", "10000000"],
        ["compare", "--seeds", "10000000"],
        ["attribute", "--seeds", "10000000"],
        ["check", "bass", "--seeds", "10000000"],
        ["calibrate", "--seeds", "10000000"],
        ["calibrate", "--weeks", "1000000"],
        ["calibrate", "--design", "1000000000"],
        ["attribute", "--n", "10000000000000"],
    ],
)
def test_sizes_on_the_command_line_have_upper_bounds(no_runs, command):
    result = invoke(*command)
    assert result.exit_code == 2, result.output
    message = one_paragraph(result.output)
    assert "is not in the range" in message and command[-2] in message


HUGE_MARKET = "[market]\nprospects = 900_000_000\n"  # within the bound, about 240 GB


@pytest.mark.parametrize(
    "command",
    [
        ["run", "HUGE"],
        ["compare", "separate", "HUGE"],
        ["check", "bass", "--n", "900000000"],
        ["attribute", "--n", "40000000", "--seeds", "100000"],
        ["calibrate", "--n", "40000000", "--seeds", "100000"],
    ],
)
def test_a_run_this_machine_cannot_hold_is_refused_before_any_work(tmp_path, no_runs, command):
    """The estimate (about 240 GB for 900 million prospects) is refused with the estimate and
    the limit, before any folder is made or any run starts; no machine here has that much."""
    huge = write(tmp_path, "huge.toml", 'name = "huge"\n' + HUGE_MARKET)
    args = [str(huge) if arg == "HUGE" else arg for arg in command]
    out = tmp_path / "out"
    result = invoke(*args, "--out", str(out))
    assert result.exit_code == 2, result.output
    message = one_paragraph(result.output)
    assert re.search(r"needs about \d+\.\d GB of memory, more than the \d+\.\d GB", message)
    assert re.search(r"builds [0-9,]+ prospects with 8 ties each", message)
    assert "Nothing was run" in message
    assert "GTMSIM_MEMORY_LIMIT" in message
    assert not out.exists()


@pytest.mark.parametrize("command", ["attribute", "calibrate"])
def test_a_company_that_cannot_be_scaled_to_the_market_is_named(no_runs, command):
    """--n scales the company with its market (budget and reps): 45,000 times the market
    needs 180,000 reps per territory, more than a territory may have."""
    result = invoke(command, "--n", "900000000")
    assert result.exit_code == 2, result.output
    message = one_paragraph(result.output)
    assert "scaled to a market of 900,000,000 prospects" in message
    assert "sales.territories.smb would be 180000" in message and "(--n)" in message


def test_fewer_workers_run_when_only_they_fit(tmp_path, monkeypatch):
    """Two workers need 2 x (one run + a process, 100 MB) + the parent (150 MB), over 300 MB;
    one worker (everything in this process) fits, so the run goes on with one and says so."""
    monkeypatch.setenv("GTMSIM_MEMORY_LIMIT", "300MB")
    scenario = write(tmp_path, "tiny.toml", 'name = "tiny"\n' + TINY)
    result = invoke(
        "run", str(scenario), "--seeds", "2", "--workers", "2", "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 0, result.output
    assert "Running 1 worker process instead of 2" in one_paragraph(result.output)
    assert (tmp_path / "o" / "summary.csv").is_file()


@pytest.mark.parametrize(
    ("limit", "expected"),
    [("10MB", "more than the 10 MB it may use"), ("lots", "is not a memory size")],
)
def test_the_memory_limit_variable_is_obeyed_and_checked(
    tmp_path, no_runs, monkeypatch, limit, expected
):
    monkeypatch.setenv("GTMSIM_MEMORY_LIMIT", limit)
    result = invoke("run", "separate", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2, result.output
    message = one_paragraph(result.output)
    assert expected in message and "GTMSIM_MEMORY_LIMIT" in message


# --- 3. the scenario name decides where files go -----------------------------------------------

TINY = "[market]\nprospects = 300\n[simulation]\nweeks = 3\n"


@pytest.mark.parametrize(
    "name", ["../../escaped", "/tmp/absolute", "", "[bold]x[/]", "[/]", "a\x1b[31mred", "..", "a/b"]
)
def test_a_scenario_name_cannot_write_outside_the_results_folder(tmp_path, monkeypatch, name):
    """The default results folder is built from the names: they become safe folder names, and
    the terminal output (table, progress bar) shows them without crashing or colouring."""
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, "odd.toml", f"name = {json.dumps(name)}\n{TINY}")
    before = set(tmp_path.parent.iterdir())
    result = invoke("run", str(path), "--seeds", "1", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "\x1b[31m" not in result.output
    (folder,) = (tmp_path / "results").iterdir()
    assert folder.parent == tmp_path / "results" and (folder / "manifest.json").is_file()
    assert not folder.name.startswith(".")
    assert set(tmp_path.parent.iterdir()) == before  # nothing written beside tmp_path
    assert not Path("/tmp/absolute-").exists()


def test_report_md_escapes_html_in_names(tmp_path):
    path = write(tmp_path, "x.toml", 'name = "<script>alert(1)</script>"\n' + TINY)
    out = tmp_path / "out"
    assert (
        invoke("run", str(path), "--seeds", "1", "--workers", "1", "--out", str(out)).exit_code == 0
    )
    assert invoke("report", str(out)).exit_code == 0
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and "&lt;script>" in markdown
    assert "<script>" not in (out / "report.html").read_text(encoding="utf-8")


# --- 9. small ones -------------------------------------------------------------------------------


def test_an_unknown_scenario_name_gets_a_did_you_mean():
    result = invoke("validate", "integrtd")
    assert result.exit_code == 2
    assert "Did you mean 'integrated'?" in one_paragraph(result.output)


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbf# a plan saved by a Windows editor\nname = "bom"\n')
    assert load_scenario(path).name == "bom"


def test_a_deep_extends_chain_is_a_clear_error(tmp_path):
    write(tmp_path, "s0.toml", 'extends = "separate.toml"\n')
    for i in range(1, 60):
        write(tmp_path, f"s{i}.toml", f'extends = "s{i - 1}.toml"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "s59.toml")
    assert "files deep" in str(err.value) and "s59.toml" in str(err.value)


@pytest.mark.parametrize("value", ['"yes"', '"true"', "1", '"on"'])
def test_a_boolean_must_be_true_or_false(tmp_path, value):
    path = write(tmp_path, "b.toml", f"[organisation]\nlead_definition_agreed = {value}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "organisation.lead_definition_agreed" in str(err.value)
    assert "true | false" in str(err.value)


def test_an_interrupted_table_says_how_many_seeds_each_scenario_has():
    import pandas as pd

    from gtmsim.outputs.tables import seeds_in

    summary = pd.DataFrame({"scenario": ["a"] * 5 + ["b"] * 3, "seed": [*range(5), *range(3)]})
    assert seeds_in(summary, ["a", "b"]) == "5 seeds for a, 3 for b"
    assert seeds_in(summary[summary["scenario"] == "a"], ["a"]) == "5 seeds"


# --- 6. outcomes nobody won ----------------------------------------------------------------------


def test_figures_and_report_render_when_no_scenario_wins_a_customer(tmp_path):
    """A short run of no-sales against no-marketing wins nobody: CAC and every conversion are
    undefined. Every figure and the report must still be drawn, saying what is undefined."""
    import warnings

    out = tmp_path / "nobody"
    args = ["compare", "no-sales", "no-marketing", "--weeks", "6", "--seeds", "2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. a collapsed layout
        result = invoke(*args, "--workers", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    names = {p.stem for p in (out / "figures").glob("*.png")}
    assert names == {"journey", "kpis", "funnel", "spend", "differences"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "cannot be compared" in report
    assert "n/a" in result.output


# --- 5. reading results --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("saved") / "run"
    scenario = tmp_path_factory.mktemp("s") / "tiny.toml"
    scenario.write_text('name = "tiny"\n' + TINY, encoding="utf-8")
    result = invoke("run", str(scenario), "--seeds", "2", "--workers", "1", "--out", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def damaged(saved: Path, tmp_path: Path, name: str, change) -> Path:
    import shutil

    folder = shutil.copytree(saved, tmp_path / "damaged")
    path = folder / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def cut_mid_line(text: str) -> str:
    return text[: len(text) * 2 // 3]


def drop_column(text: str) -> str:
    import io

    import pandas as pd

    return pd.read_csv(io.StringIO(text)).drop(columns=["cac"]).to_csv(index=False)


def header_only(text: str) -> str:
    return text.splitlines()[0] + "\n"


def non_numeric(text: str) -> str:
    lines = text.splitlines()
    cells = lines[2].split(",")
    cells[5] = "lots"
    return "\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n"


def infinite(text: str) -> str:
    lines = text.splitlines()
    cells = lines[2].split(",")
    cells[5] = "inf"
    return "\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n"


def complete_not_boolean(text: str) -> str:
    meta = json.loads(text)
    meta["complete"] = "x"
    return json.dumps(meta)


def no_scenarios(text: str) -> str:
    meta = json.loads(text)
    del meta["scenarios"]
    return json.dumps(meta)


def other_seeds(text: str) -> str:
    meta = json.loads(text)
    meta["seeds"] = [1, 2]
    return json.dumps(meta)


def drop_last_week(text: str) -> str:
    lines = text.splitlines()
    return "\n".join(lines[:-1]) + "\n"


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("timeseries.csv", cut_mid_line, "cut off"),
        ("timeseries.csv", drop_column, "column cac missing"),
        ("summary.csv", drop_column, "column cac missing"),
        ("timeseries.csv", header_only, "no rows"),
        ("timeseries.csv", non_numeric, "not a number"),
        ("summary.csv", infinite, "never writes an infinite number"),  # found by the fuzz
        ("manifest.json", complete_not_boolean, "neither true nor false"),  # found by the fuzz
        ("manifest.json", no_scenarios, "no list of scenarios"),
        ("manifest.json", other_seeds, "does not name"),
        ("timeseries.csv", drop_last_week, "not weeks 1-3"),
    ],
)
@pytest.mark.parametrize("command", ["plot", "report"])
def test_damaged_results_are_named_not_drawn(saved, tmp_path, name, change, expected, command):
    folder = damaged(saved, tmp_path, name, change)
    result = invoke(command, str(folder))
    assert result.exit_code == 2, result.output
    message = one_paragraph(result.output)
    assert expected in message and "re-run" in message.lower()
    assert not (folder / "figures").exists() and not (folder / "report.md").exists()


# --- 4. output folders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["run", "separate"],
        ["compare"],
        ["check", "bass", "--n", "1000", "--weeks", "10", "--seeds", "2"],
        ["attribute", "--n", "500", "--weeks", "4", "--seeds", "1"],
    ],
)
def test_an_unwritable_out_is_found_before_any_run(tmp_path, no_runs, command):
    blocker = write(tmp_path, "a-file", "not a folder\n")
    result = invoke(*command, "--out", str(blocker / "results"))
    assert result.exit_code == 2, result.output
    message = one_paragraph(result.output)
    assert "cannot write results here" in message and "nothing was run" in message


def compare_tiny(folder: Path, out: Path):
    """`gtmsim compare tiny separate` for 3 weeks on one seed, into ``out``."""
    scenario = write(folder, "tiny.toml", 'name = "tiny"\n' + TINY)
    args = ["compare", str(scenario), "separate", "--seeds", "1", "--weeks", "3", "--workers", "1"]
    return invoke(*args, "--out", str(out))


def test_an_out_holding_earlier_results_is_refused_without_overwrite(tmp_path):
    scenario = write(tmp_path, "tiny.toml", 'name = "tiny"\n' + TINY)
    out = tmp_path / "out"
    first = compare_tiny(tmp_path, out)
    assert first.exit_code == 0, first.output
    assert (out / "figures" / "differences.png").is_file()
    again = invoke("run", str(scenario), "--seeds", "1", "--workers", "1", "--out", str(out))
    assert again.exit_code == 2
    message = one_paragraph(again.output)
    assert "already holds results of an earlier run" in message and "--overwrite" in message
    replaced = invoke(
        "run", str(scenario), "--seeds", "1", "--workers", "1", "--out", str(out), "--overwrite"
    )
    assert replaced.exit_code == 0, replaced.output
    # a plain run has no figures or report: the older generation's are gone, not left beside
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "summary.csv",
        "timeseries.csv",
    ]


def test_temporary_files_of_a_killed_write_are_cleaned_up(saved, tmp_path):
    import shutil

    folder = shutil.copytree(saved, tmp_path / "killed")
    (folder / "figures").mkdir(exist_ok=True)
    for stale in (
        folder / ".timeseries.csv.abc.gtmsim-tmp",
        folder / "figures" / ".kpis.png.x.gtmsim-tmp",
    ):
        stale.write_text("half a file", encoding="utf-8")
    assert invoke("plot", str(folder)).exit_code == 0
    assert not list(folder.rglob("*.gtmsim-tmp"))


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_data_files_follow_the_users_umask(tmp_path, umask, mode):
    import os
    import stat

    old = os.umask(umask)
    try:
        out = tmp_path / "out"
        result = compare_tiny(tmp_path, out)
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for name in (
        "manifest.json",
        "timeseries.csv",
        "summary.csv",
        "report.html",
        "figures/kpis.png",
    ):
        assert stat.S_IMODE((out / name).stat().st_mode) == mode, name
