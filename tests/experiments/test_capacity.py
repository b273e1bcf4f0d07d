"""The memory estimate that decides, before any run, whether a batch fits this machine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gtmsim.experiments.capacity import (
    BYTES_PARENT,
    BYTES_PER_WORKER,
    CapacityError,
    parse_size,
    plan_memory,
    run_bytes,
)
from gtmsim.model.scenario import with_levers
from gtmsim.model.scenario_files import load_scenario

MEASURE = """
import json, re, sys
from pathlib import Path
from gtmsim.model import GrowthModel, load_scenario, with_levers

def peak():  # this process's own high-water mark (ru_maxrss would include its parent's)
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1]) * 1024

scenario = with_levers(load_scenario("separate"), json.loads(sys.argv[1]))
before = peak()
GrowthModel(scenario, seed=3).run(int(sys.argv[2]))
print(peak() - before)
"""


@pytest.mark.parametrize(
    ("prospects", "ties", "weeks"),
    [(400_000, 8.0, 20), (400_000, 0.0, 20), (100_000, 60.0, 20), (50_000, 8.0, 20)],
)
def test_the_estimate_covers_a_real_run_without_doubling_it(prospects, ties, weeks):
    """Peak memory a real model adds to a fresh process (VmHWM, which only grows) stays
    under the estimate, and the estimate is not more than twice it: safe, and not so cautious
    that it refuses runs this machine could hold. Measured alongside (and on 1M x 8, 1M x 32,
    200k x 200 ties: 248, 644, 704 MB against estimates of 300, 780, 836 MB; 10^6 bytes): 400k x
    8 ties 102 MB (estimate 126 MB), 400k x 0 ties 49 MB (62 MB), 100k x 60 ties 117 MB (143
    MB), 50k x 8 ties 17 MB (25 MB). Since markets hold several firms (their shared owner array,
    the decay's per-prospect factors): 400k x 0 ties 61-62.5 MB, so 140 bytes per prospect
    (estimate 66 MB); 1M x 8 ties 248 MB (estimate 310 MB)."""
    levers = {"market.prospects": prospects, "market.ties_per_prospect": ties}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(levers), str(weeks)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = int(done.stdout.split()[-1])
    estimate = run_bytes(with_levers(load_scenario("separate"), levers), weeks)
    assert measured <= estimate <= 2 * measured, (measured, estimate)


def test_workers_are_reduced_to_what_fits_and_refused_when_none_does(monkeypatch):
    scenario = with_levers(load_scenario("separate"), {"market.prospects": 1_000_000})
    per_run = run_bytes(scenario, 104)
    room_for_two = BYTES_PARENT + 2 * (per_run + BYTES_PER_WORKER) + 10 * 2**20
    monkeypatch.setenv("GTMSIM_MEMORY_LIMIT", str(room_for_two))
    plan = plan_memory([scenario], runs=10, weeks=104, workers=8)
    assert plan.workers == 2
    assert "Running 2 worker processes instead of 8" in plan.note
    monkeypatch.setenv("GTMSIM_MEMORY_LIMIT", str(per_run // 2))
    with pytest.raises(CapacityError, match=r"needs about .* more than the"):
        plan_memory([scenario], runs=10, weeks=104, workers=8)


def test_the_largest_scenario_decides():
    small = with_levers(load_scenario("separate"), {"market.prospects": 1_000})
    large = with_levers(small, {"market.prospects": 2_000_000, "name": "large"})
    plan = plan_memory([small, large], runs=2, weeks=10, workers=1)
    assert plan.per_run == run_bytes(large, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8GB", 8 * 2**30), ("512 mb", 512 * 2**20), ("1.5G", int(1.5 * 2**30)), ("4096", 4096)],
)
def test_memory_sizes_are_read_in_binary_units(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "lots", "-1GB", "0", "8 GiBs"])
def test_a_bad_memory_size_is_named(text):
    with pytest.raises(CapacityError, match="is not a memory size"):
        parse_size(text)
