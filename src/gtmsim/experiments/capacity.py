"""How much memory a batch of runs needs, checked against what this machine has before any run.

A run's memory grows with the market (population arrays) and, above all, with its social
network (one entry per tie end); the batch's parent holds every finished run's weekly table.
The coefficients below were measured with ``ru_maxrss`` on fresh processes (see
docs/performance.md, "Memory limits") and rounded up, so the estimate errs on the safe side.
A batch that cannot fit is refused with the estimate and the limit; one that fits only with
fewer worker processes runs with fewer. ``GTMSIM_MEMORY_LIMIT`` (e.g. ``8GB``) replaces the
machine's available memory as the limit, for shared machines or to try a tighter budget.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gtmsim.model.market_scenario import MarketScenario
from gtmsim.model.scenario import Scenario
from gtmsim.model.scenario_files import ScenarioError

#: Bytes per prospect of the population arrays and the week's temporaries (measured: 110-120;
#: 152 at 400k prospects without ties once the market was shared by firms, December 2026).
BYTES_PER_PROSPECT = 140
#: Bytes per prospect of each further firm's view of the market (its awareness, trust, lead and
#: contract arrays, and its marketing's targeting weights; measured: 130 at 1M prospects, 3 firms,
#: about 120 with awareness and trust as float32).
BYTES_PER_FIRM_PROSPECT = 150
#: Bytes per tie end of the word-of-mouth network at its peak while it is built (measured:
#: 15 at 8 ties, 17 at 60-200 ties).
BYTES_PER_TIE_END = 20
#: Bytes of a run whatever its size: the Mesa model, its agents and data collector (measured: a
#: 50,000-prospect run adds 17 MB, 10 MB more than its arrays).
BYTES_PER_RUN = 10 * 2**20
#: Bytes per week of one run's KPI table (47 columns; measured: 430 as a pandas frame).
BYTES_PER_RUN_WEEK = 500
#: Bytes the batch's parent holds per finished run-week: the table, its concatenation and its
#: CSV text while it is written (measured: 430 + 430 + 390).
BYTES_PER_RESULT_WEEK = 1_500
#: A worker process's own memory besides its model (interpreter and imports not shared).
BYTES_PER_WORKER = 100 * 2**20
#: The parent process with the model's libraries loaded (measured: ~125 MB).
BYTES_PARENT = 150 * 2**20
#: Environment variable that sets the limit instead of the machine's available memory.
LIMIT_VARIABLE = "GTMSIM_MEMORY_LIMIT"

_UNITS = {"": 1, "b": 1, "kb": 2**10, "mb": 2**20, "gb": 2**30, "tb": 2**40}


class CapacityError(ScenarioError):
    """A batch needs more memory than this machine can give it."""


def run_bytes(scenario: Scenario | MarketScenario, weeks: int) -> int:
    """Peak memory of one model of ``scenario`` (or market) run for ``weeks`` weeks, in bytes
    (its process aside). Touch histories (``simulation.record_touches``) are not included."""
    market = scenario.market
    firms = len(scenario.firms) if isinstance(scenario, MarketScenario) else 1
    tie_ends = market.prospects * market.ties_per_prospect
    return int(
        BYTES_PER_RUN
        + BYTES_PER_PROSPECT * market.prospects
        + BYTES_PER_FIRM_PROSPECT * market.prospects * (firms - 1)
        + BYTES_PER_TIE_END * tie_ends
        + BYTES_PER_RUN_WEEK * weeks * firms
    )


def results_bytes(runs: int, weeks: int) -> int:
    """Memory the parent needs to hold, join and write ``runs`` weekly tables of ``weeks`` weeks."""
    return BYTES_PER_RESULT_WEEK * runs * weeks


def memory_limit() -> tuple[int, str]:
    """The memory a batch may use, in bytes, and where that number comes from: the
    ``GTMSIM_MEMORY_LIMIT`` variable if set, else the memory available now (Linux's
    MemAvailable, capped by a cgroup limit), else the machine's physical memory."""
    setting = os.environ.get(LIMIT_VARIABLE)
    if setting:
        return parse_size(setting), f"{LIMIT_VARIABLE}={setting}"
    available = _meminfo_available()
    source = "the memory available now, per MemAvailable in /proc/meminfo"
    if available is None:
        available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        source = "the machine's physical memory"
    cgroup = _cgroup_room()
    if cgroup is not None and cgroup < available:
        return cgroup, "the room left under this process group's limit, cgroup memory.max"
    return available, source


def parse_size(text: str) -> int:
    """``"8GB"``, ``"512 MB"`` or ``"1073741824"`` as bytes (binary units: 1 GB = 2**30)."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?b?)\s*", text.lower())
    if not match or float(match[1]) <= 0:
        raise CapacityError(
            f"{LIMIT_VARIABLE}={text!r} is not a memory size: write a positive number with an "
            "optional unit, e.g. 8GB, 512MB or 1073741824 (bytes); or unset it to use the "
            "machine's available memory."
        )
    unit = match[2] if match[2].endswith("b") or not match[2] else match[2] + "b"
    return int(float(match[1]) * _UNITS[unit])


def _meminfo_available() -> int | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    found = re.search(r"^MemAvailable:\s+(\d+) kB", text, re.MULTILINE)
    return int(found[1]) * 1024 if found else None


def _cgroup_room() -> int | None:
    root = Path("/sys/fs/cgroup")
    try:
        limit = (root / "memory.max").read_text().strip()
        used = int((root / "memory.current").read_text())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(0, int(limit) - used)


def gigabytes(n: float) -> str:
    """Bytes as a short human figure, e.g. ``"2.4 GB"``, ``"310 MB"`` (binary units)."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else "under 1 MB"


@dataclass(frozen=True)
class MemoryPlan:
    """The memory a batch needs and the worker processes it may use within the limit."""

    per_run: int  # bytes, the largest scenario's model
    results: int  # bytes, held by the parent
    limit: int  # bytes
    source: str  # where the limit comes from
    workers: int  # workers that fit (<= the requested number)
    requested: int

    def need(self, workers: int) -> int:
        """Bytes needed with ``workers`` processes (1 = everything in the parent)."""
        if workers <= 1:
            return BYTES_PARENT + self.results + self.per_run
        return BYTES_PARENT + self.results + workers * (self.per_run + BYTES_PER_WORKER)

    @property
    def note(self) -> str | None:
        """What to tell the user when fewer workers run than were asked for."""
        if self.workers >= self.requested:
            return None
        return (
            f"Running {self.workers} worker process{'es' if self.workers > 1 else ''} instead "
            f"of {self.requested}: each run needs about {gigabytes(self.per_run)} and the "
            f"limit is {gigabytes(self.limit)} ({self.source})."
        )


def plan_memory(
    scenarios: Sequence[Scenario], runs: int, weeks: int, workers: int, what: str = "This batch"
) -> MemoryPlan:
    """Check that ``runs`` runs of the largest of ``scenarios`` for ``weeks`` weeks fit in memory
    with up to ``workers`` processes. Returns the plan (with fewer workers if that is what fits);
    raises CapacityError, naming the estimate, the limit and what to change, if even one worker
    does not fit. ``what`` names the batch in the message."""
    largest = max(scenarios, key=lambda s: run_bytes(s, weeks))
    limit, source = memory_limit()
    plan = MemoryPlan(
        run_bytes(largest, weeks), results_bytes(runs, weeks), limit, source, workers, workers
    )
    fitting = next((w for w in range(workers, 0, -1) if plan.need(w) <= limit), 0)
    if fitting:
        return MemoryPlan(plan.per_run, plan.results, limit, source, fitting, workers)
    market = largest.market
    raise CapacityError(
        f"{what} needs about {gigabytes(plan.need(1))} of memory, more than the "
        f"{gigabytes(limit)} it may use ({source}): one run of "
        f"{largest.name!r} builds {market.prospects:,} prospects with "
        f"{market.ties_per_prospect:g} ties each (about {gigabytes(plan.per_run)}), and the "
        f"results of {runs:,} runs x {weeks:,} weeks take {gigabytes(plan.results)}. "
        "Lower the market size (market.prospects, or --n where a command has it) or "
        "market.ties_per_prospect, or run fewer seeds or weeks "
        f"(docs/performance.md, 'Memory limits', has the numbers); if you know the machine "
        f"has more room, set {LIMIT_VARIABLE}, e.g. {LIMIT_VARIABLE}=64GB. Nothing was run."
    )
