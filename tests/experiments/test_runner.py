"""Running tasks and scenarios over seeds, :mod:`gtmsim.experiments.runner`.

Tested: :func:`map_tasks` keys results by task key, gives the same results in one process
and in a pool, calls ``on_done`` once per task, fills and returns the ``into`` dict, starts
no more workers than there are tasks (one task runs in this process), lets a task's
exception through, and runs its pool from a fork server when the parent runs threads (an
expected failure documents threads the runner does not see); :func:`replicate_seeds` gives
replicate i the same seed whatever the number of replicates; :func:`run_batch` gives the same
time series with one or two workers.
"""

from __future__ import annotations

import _thread
import os
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from gtmsim.experiments.runner import map_tasks, pool_context, replicate_seeds, run_batch, run_one
from gtmsim.model import load_scenario
from gtmsim.model.scenario import with_levers

# Task functions run in worker processes, so they are top-level (picklable) functions.


def _square(x: int) -> int:
    return x * x


def _pid_and_square(x: int) -> tuple[int, int]:
    """The process the task ran in, and its result."""
    return os.getpid(), x * x


def _late_square(x: int) -> int:
    """Small tasks finish last, so results arrive out of submission order in a pool."""
    time.sleep(0.02 * (5 - x))
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError(f"task {x} failed")
    return x * x


TASKS = {("t", i): i for i in range(6)}
EXPECTED = {key: x * x for key, x in TASKS.items()}


@pytest.mark.parametrize("workers", [1, 2])
def test_results_are_keyed_by_task_key(workers: int) -> None:
    tasks = {("late", i): i for i in range(5)}
    results = map_tasks(_late_square, tasks, workers)
    assert results == {key: x * x for key, x in tasks.items()}


def test_one_and_two_workers_give_the_same_results() -> None:
    one = map_tasks(_square, TASKS, workers=1)
    two = map_tasks(_square, TASKS, workers=2)
    assert one == two == EXPECTED


@pytest.mark.parametrize("workers", [1, 2])
def test_on_done_is_called_once_per_task_and_into_is_filled(workers: int) -> None:
    done: list[int] = []
    into: dict[object, int] = {"earlier": -1}

    def on_done() -> None:  # runs in this process, so a closure is fine
        done.append(len(into))

    results = map_tasks(_square, TASKS, workers, on_done=on_done, into=into)
    assert results is into
    assert into == {"earlier": -1, **EXPECTED}
    assert len(done) == len(TASKS)
    # Each result is stored before on_done is called for it.
    assert done == list(range(2, len(TASKS) + 2))


def test_one_task_runs_in_this_process_whatever_the_workers() -> None:
    results = map_tasks(_pid_and_square, {"only": 7}, workers=4)
    assert results == {"only": (os.getpid(), 49)}
    assert map_tasks(_pid_and_square, {}, workers=4) == {}


def test_a_pool_runs_tasks_in_at_most_workers_other_processes() -> None:
    results = map_tasks(_pid_and_square, TASKS, workers=2)
    pids = {pid for pid, _ in results.values()}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2
    assert {key: value for key, (_, value) in results.items()} == EXPECTED


@pytest.mark.parametrize("workers", [1, 2])
def test_an_exception_in_a_task_propagates(workers: int) -> None:
    into: dict[tuple[str, int], int] = {}
    with pytest.raises(ValueError, match="task 3 failed"):
        map_tasks(_fail_on_three, TASKS, workers, into=into)
    assert ("t", 3) not in into
    if workers == 1:  # in order: the tasks before the failure are kept
        assert into == {("t", i): i * i for i in range(3)}


def test_a_threaded_parent_runs_its_pool_from_a_fork_server() -> None:
    # Forking a process that runs threads can deadlock; the runner then uses a fork server,
    # which must still find this module's task functions.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert pool_context().get_start_method() == "forkserver"
        results = map_tasks(_pid_and_square, TASKS, workers=2)
    finally:
        stop.set()
        thread.join()
    assert os.getpid() not in {pid for pid, _ in results.values()}
    assert {key: value for key, (_, value) in results.items()} == EXPECTED


def test_threads_started_without_the_threading_module_also_avoid_fork() -> None:
    release, started = _thread.allocate_lock(), _thread.allocate_lock()
    release.acquire()
    started.acquire()

    def block() -> None:
        started.release()
        release.acquire()  # blocks until released below

    _thread.start_new_thread(block, ())
    started.acquire()  # the thread is running
    try:
        assert pool_context().get_start_method() == "forkserver"
    finally:
        release.release()


def test_a_single_threaded_parent_forks() -> None:
    """The CLI and plain scripts fork (fast, no __main__ guard needed): checked in a fresh
    interpreter, since the test process itself runs other threads under pytest-xdist."""
    code = "from gtmsim.experiments.runner import pool_context as c; print(c().get_start_method())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "fork"


def test_replicate_seeds_do_not_depend_on_the_number_of_replicates() -> None:
    seeds = replicate_seeds(20261127, 10)
    assert len(seeds) == len(set(seeds)) == 10
    assert all(isinstance(s, int) and 0 <= s < 2**32 for s in seeds)
    for k in (0, 1, 3, 9):
        assert replicate_seeds(20261127, k) == seeds[:k]
    assert replicate_seeds(20261127, 10) == seeds
    assert replicate_seeds(20261128, 3) != seeds[:3]


def test_run_batch_is_the_same_with_one_and_two_workers() -> None:
    scenario = with_levers(load_scenario("separate"), {"market.prospects": 500})
    seeds = replicate_seeds(7, 2)
    calls: list[int] = []
    one = run_batch([scenario], seeds, weeks=5, workers=1)
    two = run_batch([scenario], seeds, weeks=5, workers=2, on_done=lambda: calls.append(1))
    assert len(calls) == 2
    assert one.complete and two.complete
    assert sorted(two.runs) == [(0, 0), (0, 1)]
    series = two.timeseries()
    pd.testing.assert_frame_equal(one.timeseries(), series)
    assert len(series) == 2 * 5
    assert list(series["seed"]) == [seeds[0]] * 5 + [seeds[1]] * 5  # ordered by seed as given
    assert (series["scenario"] == "separate").all()
    # Each run is the run of its seed alone, and the seeds differ in outcome.
    first = run_one(scenario, seeds[0], 5)
    pd.testing.assert_frame_equal(series.iloc[:5].reset_index(drop=True), first)
    assert (
        not series.iloc[:5, 2:]
        .reset_index(drop=True)
        .equals(series.iloc[5:, 2:].reset_index(drop=True))
    )
