"""Sweeps: designs, checks before any run, the store (resume, failures, crashes) and executors
that give the same results whichever runs them."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from gtmsim.experiments import sweep as sweep_module
from gtmsim.experiments.design import Design, Factors, design_points, runs_in
from gtmsim.experiments.executors import DaskExecutor, ExecutorError, LocalExecutor
from gtmsim.experiments.store import StoreError, SweepStore
from gtmsim.experiments.sweep import run_sweep, sweep_status
from gtmsim.experiments.sweep_spec import SweepSpec
from gtmsim.model.scenario_files import ScenarioError

GTMSIM = [sys.executable, "-m", "gtmsim.cli"]


def small_spec(seeds: int = 2, **kwargs) -> SweepSpec:
    """Two grid values x three Latin-hypercube points in a 2,000-prospect market: 12 runs of
    26 weeks, about a second on one core."""
    return SweepSpec(
        "separate",
        Factors(
            {"organisation.handoff_leakage": [0.01, 0.15]},
            {"organisation.cross_skilling": (0.0, 1.0)},
        ),
        Design("lhs", 3, 1),
        seeds=seeds,
        weeks=26,
        prospects=2_000,
        **kwargs,
    )


def exported(folder: Path) -> dict[str, bytes]:
    store = SweepStore.open_existing(folder)
    try:
        return {p.name: p.read_bytes() for p in store.export("csv")}
    finally:
        store.close()


# --- designs ---------------------------------------------------------------------------


def test_designs_have_the_documented_sizes():
    ranges = {"a.x": (0.0, 1.0), "a.y": (10.0, 20.0)}
    grid = {"a.g": ["p", "q", "r"]}
    for design, per_grid in [
        (Design("lhs", 7, 1), 7),
        (Design("sobol", 8, 1), 8 * (2 * 2 + 2)),
        (Design("morris", 5, 1), 5 * (2 + 1)),
    ]:
        points = design_points(Factors(grid, ranges), design)
        assert len(points) == 3 * per_grid == runs_in(Factors(grid, ranges), design)
        assert points["a.x"].between(0, 1).all() and points["a.y"].between(10, 20).all()
    assert len(design_points(Factors({"a.g": [1, 2], "a.h": [3, 4, 5]}), Design())) == 6


def test_integer_parameters_are_rounded_after_sampling():
    points = design_points(
        Factors({}, {"sales.x": (1.0, 9.0)}, frozenset({"sales.x"})), Design("lhs", 20, 3)
    )
    assert (points["sales.x"] == points["sales.x"].round()).all()


@pytest.mark.parametrize("text", ["sobol", "lhs:0", "random:5", "sobol:x"])
def test_a_bad_design_is_refused_with_the_allowed_ones(text):
    with pytest.raises(ValueError, match=r"lhs:N.*sobol:N.*morris:N"):
        Design.parse(text)


# --- checks before any run -------------------------------------------------------------


@pytest.mark.parametrize(
    ("grid", "ranges", "design", "message"),
    [
        ({"organisation.handof_leakage": [0.1]}, {}, Design(), "Did you mean 'handoff_leakage'"),
        ({"organisation.handoff_leakage": [2]}, {}, Design(), "allowed: >= 0 and <= 1"),
        ({}, {"organisation.marketing_goal": (0, 1)}, Design("lhs", 4), "grid factor instead"),
        ({}, {"organisation.cross_skilling": (0, 1)}, Design(), "need a design"),
        ({}, {}, Design(), "needs at least one factor"),
        ({"organisation.cross_skilling": [0.5]}, {}, Design("lhs", 4), "there are none"),
    ],
)
def test_a_bad_sweep_fails_before_any_run_with_the_scenario_files_errors(
    grid, ranges, design, message, tmp_path
):
    spec = SweepSpec("separate", Factors(grid, ranges), design, seeds=1, prospects=2_000)
    with pytest.raises(ScenarioError, match=message):
        run_sweep(spec, tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_a_sweep_file_names_its_own_mistakes(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[sweep]\nscenario = "separate"\nseedz = 3\n')
    with pytest.raises(ScenarioError, match=r"s\.toml: unknown key\(s\) seedz"):
        SweepSpec.from_file(path)
    path.write_text('[sweep]\nscenario = "separate"\n[sweep.range]\n"a.b" = [1]\n')
    with pytest.raises(ScenarioError, match=r"sweep\.range\.a\.b .* must be \[low, high\]"):
        SweepSpec.from_file(path)


def test_a_sweep_file_round_trips(tmp_path):
    spec = small_spec()
    spec.check()
    path = tmp_path / "sweep.toml"
    path.write_text(spec.to_toml())
    again = SweepSpec.from_file(path)
    assert again.digest() == spec.digest()
    assert again.points.equals(spec.points)


# --- executors and the store -------------------------------------------------------------


def test_one_worker_two_workers_and_a_dask_cluster_give_identical_stores(tmp_path):
    spec = small_spec()
    folders = {
        "one": (LocalExecutor(1), tmp_path / "one"),
        "two": (LocalExecutor(2), tmp_path / "two"),
        "dask": (DaskExecutor("local:2"), tmp_path / "dask"),
    }
    for executor, folder in folders.values():
        outcome = run_sweep(spec, folder, executor)
        assert outcome.done_now == outcome.total == 12
    one = exported(folders["one"][1])
    assert set(one) == {"summary.csv", "series.csv", "runs.csv"}
    assert exported(folders["two"][1]) == one
    assert exported(folders["dask"][1]) == one


def test_common_random_numbers_across_design_points(tmp_path):
    """Points that differ in a lever the run never reaches (the agreed threshold, inert when the
    definition is not agreed) run the very same draws: identical KPIs, seed by seed."""
    spec = SweepSpec(
        "separate",
        Factors({"organisation.agreed_lead_threshold": [0.4, 0.6]}),
        seeds=2,
        weeks=20,
        prospects=2_000,
    )
    run_sweep(spec, tmp_path / "s")
    store = SweepStore.open_existing(tmp_path / "s")
    frame = store.summaries()
    store.close()
    kpis = ["cum_wins", "cum_mqls", "arr", "marketing_spend"]
    a = frame[frame["point"] == 0].set_index("replicate")[kpis]
    b = frame[frame["point"] == 1].set_index("replicate")[kpis]
    assert a.equals(b)


def test_more_seeds_extend_a_sweep_and_a_rerun_computes_nothing(tmp_path):
    folder = tmp_path / "s"
    assert run_sweep(small_spec(seeds=1), folder).done_now == 6
    again = run_sweep(small_spec(seeds=1), folder)
    assert (again.done_before, again.done_now) == (6, 0)
    more = run_sweep(small_spec(seeds=2), folder)
    assert (more.done_before, more.done_now) == (6, 6)
    status = sweep_status(folder)
    assert (status.done, status.failed, status.missing) == (12, 0, 0)


def test_another_sweep_in_the_same_folder_is_refused(tmp_path):
    run_sweep(small_spec(seeds=1), tmp_path / "s")
    other = small_spec(seeds=1)
    other.design = Design("lhs", 4, 1)
    with pytest.raises(StoreError, match="holds a different sweep"):
        run_sweep(other, tmp_path / "s")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty and holds no sweep"):
        run_sweep(small_spec(seeds=1), tmp_path / "busy")


def test_a_failed_run_is_recorded_and_the_rest_complete(tmp_path, monkeypatch):
    spec = small_spec()
    real = sweep_module.run_one
    doomed = spec.seed_list()[1]

    def run_one_failing_on_one_seed(scenario, seed, weeks=None):
        if seed == doomed and "@4" in scenario.name:
            raise RuntimeError("disk on fire")
        return real(scenario, seed, weeks)

    monkeypatch.setattr(sweep_module, "run_one", run_one_failing_on_one_seed)
    outcome = run_sweep(spec, tmp_path / "s", LocalExecutor(1))
    assert (outcome.done_now, outcome.failed_now) == (11, 1)
    status = sweep_status(tmp_path / "s")
    assert (status.done, status.failed, status.missing) == (11, 1, 0)
    assert status.errors == [(4, 1, "RuntimeError: disk on fire")]
    monkeypatch.setattr(sweep_module, "run_one", real)
    retry = run_sweep(spec, tmp_path / "s", LocalExecutor(1))
    assert (retry.done_before, retry.done_now, retry.failed_now) == (11, 1, 0)


def test_a_crash_between_writing_and_registering_series_loses_nothing(tmp_path):
    """A Parquet file written but never registered (the parent died before the transaction) is
    removed on reopening, and the runs it held, still staged, are written again."""
    folder = tmp_path / "s"
    run_sweep(small_spec(seeds=1), folder)
    before = exported(folder)
    store = SweepStore.open_existing(folder)
    (folder / "series" / "part-orphan.parquet").write_bytes(b"half a file")
    db = store.connection
    rows = db.execute("SELECT digest, seed FROM runs").fetchall()
    for name in [n for (n,) in db.execute("SELECT name FROM series_files")]:
        (folder / "series" / name).unlink()  # as if the rename happened and nothing after
    db.execute("DELETE FROM series_files")
    store.close()
    # re-stage the lost series by running again into the same folder after forgetting them
    with sqlite3.connect(folder / "sweep.sqlite") as raw:
        raw.executemany("DELETE FROM runs WHERE digest = ? AND seed = ?", rows)
    run_sweep(small_spec(seeds=1), folder)
    assert not (folder / "series" / "part-orphan.parquet").exists()
    assert exported(folder) == before


def test_dask_addresses_are_checked():
    with pytest.raises(ExecutorError, match="local:N"):
        DaskExecutor("localhost")
    with pytest.raises(ExecutorError, match="cannot reach the scheduler"):
        DaskExecutor("tcp://127.0.0.1:9").run(len, [], print)


# --- interruption, end to end ------------------------------------------------------------


def cli_sweep(folder: Path) -> list[str]:
    return [
        *GTMSIM,
        "sweep",
        "separate",
        "--grid",
        "organisation.cross_skilling=0,0.5,1",
        "--seeds",
        "12",
        "--n",
        "2000",
        "--weeks",
        "52",
        "--workers",
        "2",
        "--out",
        str(folder),
    ]


def stored_runs(folder: Path) -> int:
    try:
        with sqlite3.connect(folder / "sweep.sqlite", timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_a_sweep_interrupted_and_resumed_equals_an_uninterrupted_one(tmp_path, how):
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    subprocess.run(cli_sweep(whole), check=True, capture_output=True)
    # SIGINT as a terminal's Ctrl-C delivers it: a suite started in the background (`cmd &` in
    # a script) runs with SIGINT ignored, which its children would inherit, and a Python
    # started with SIGINT ignored never raises KeyboardInterrupt
    process = subprocess.Popen(
        cli_sweep(broken),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while stored_runs(broken) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.kill(process.pid, how)
    process.communicate(timeout=60)
    part = stored_runs(broken)
    assert 3 <= part < 36, "the sweep was not interrupted part-way"
    resumed = subprocess.run(cli_sweep(broken), check=True, capture_output=True, text=True)
    assert f"({part} from before, {36 - part} now)" in " ".join(resumed.stdout.split())
    with sqlite3.connect(broken / "sweep.sqlite") as db:
        counts = db.execute("SELECT COUNT(*), COUNT(DISTINCT digest || seed) FROM runs").fetchone()
    assert counts == (36, 36)  # every run exactly once
    assert exported(broken) == exported(whole)


# --- the commands ---------------------------------------------------------------------------


def test_sweep_status_export_and_analyse_from_the_command_line(tmp_path):
    folder = tmp_path / "s"
    command = [*cli_sweep(folder)]
    command[command.index("12")] = "2"  # 3 points x 2 seeds
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "6 of 6 runs stored" in " ".join(done.stdout.split())
    status = subprocess.run(
        [*GTMSIM, "sweep", "--status", str(folder)], capture_output=True, text=True, check=True
    )
    assert "6 of 6 runs done, 0 failed, 0 missing" in " ".join(status.stdout.split())
    subprocess.run([*GTMSIM, "sweep", "--export", str(folder), "--format", "parquet"], check=True)
    summary = pd.read_parquet(folder / "export" / "summary.parquet")
    assert len(summary) == 6 and "organisation.cross_skilling" in summary.columns
    analysed = subprocess.run(
        [*GTMSIM, "analyse", str(folder)], capture_output=True, text=True, check=True
    )
    assert "Seed noise" in analysed.stdout
    assert (folder / "figures" / "response-cross_skilling.png").stat().st_size > 10_000
    assert (folder / "analysis" / "seed-noise.csv").is_file()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["separate", "--grid", "organisation.handof_leakage=0.1"], "Did you mean"),
        (["separate", "--grid", "organisation.cross_skilling"], "KEY=V1,V2"),
        (
            ["separate", "--range", "organisation.cross_skilling=0:1", "--sample", "sobol"],
            "sobol:N",
        ),
        (["nosuch", "--grid", "organisation.cross_skilling=0,1"], "no such scenario file"),
        (["--status", "nowhere"], "no sweep here"),
    ],
)
def test_bad_sweep_arguments_get_one_paragraph_and_no_traceback(arguments, message, tmp_path):
    done = subprocess.run(
        [*GTMSIM, "sweep", *arguments], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "results").exists()


def test_compare_runs_on_dask_with_the_same_results(tmp_path):
    """One engine: `compare --dask local:2` writes the same tables as the local pool."""
    common = ["compare", "separate", "integrated", "--seeds", "2", "--weeks", "12"]
    for name, extra in [("local", ["--workers", "2"]), ("dask", ["--dask", "local:2"])]:
        subprocess.run(
            [*GTMSIM, *common, *extra, "--out", str(tmp_path / name)],
            check=True,
            capture_output=True,
        )
    for table in ("summary.csv", "timeseries.csv"):
        assert (tmp_path / "dask" / table).read_bytes() == (tmp_path / "local" / table).read_bytes()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--status", "x", "--export", "x"], "give one of them"),
        (["--status", "x", "--seeds", "4"], "--seeds would be ignored"),
        (["--format", "parquet"], "--format goes with --export"),
        (["--workers", "2", "--dask", "local:2"], "give one"),
        (["./nosuch.toml"], "no such sweep file"),
    ],
)
def test_options_that_conflict_are_refused_not_ignored(arguments, message, tmp_path):
    done = subprocess.run(
        [*GTMSIM, "sweep", *arguments], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split())
    assert list(tmp_path.iterdir()) == []


def test_analyse_leaves_out_a_kpi_no_run_defines(tmp_path):
    """26-week runs have no NRR or ARR growth rate (both need a year): a Morris analysis says
    so and analyses the rest instead of failing."""
    spec = SweepSpec(
        "separate",
        Factors({}, {"organisation.cross_skilling": (0.0, 1.0)}),
        Design("morris", 2, 1),
        seeds=1,
        weeks=26,
        prospects=2_000,
        outcomes=["nrr", "cum_mqls"],
    )
    run_sweep(spec, tmp_path / "s")
    done = subprocess.run(
        [*GTMSIM, "analyse", str(tmp_path / "s")], capture_output=True, text=True, check=True
    )
    assert "nrr has no value in any run" in " ".join(done.stderr.split())
    assert (tmp_path / "s" / "analysis" / "morris.csv").is_file()
