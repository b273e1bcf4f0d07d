"""Attribution of new business: what each contributor really adds, against what naive rules credit.

"Revenue" here is the new ARR won in the run: the yearly value of the contracts of the customers
won (by sales or self-serve), which are the deal values the heuristic rules split. The installed
base's revenue is nobody's contribution in the run, so it is left out.

The heuristic rules are in :mod:`gtmsim.experiments.attribution_rules`; this module runs them
on the base runs side by side with the truth from counterfactual runs.

**True incremental contribution** (what the company would lose without it) comes from
counterfactual runs on common random numbers: the scenario is run again on the same seeds
with one contributor removed, and its contribution is revenue(base) - revenue(without),
averaged over seeds, with the 90% interval (5th-95th percentile) of the paired differences.
A channel is removed by setting its budget share to 0 and cutting ``annual_budget`` by the
channel's spend, so the other channels keep their planned spend (their shares are
renormalised); sales is removed by setting every territory to 0 reps. Optionally, Shapley
values split revenue across the contributors (channels + sales) by exact enumeration of all
subsets, which costs ``2 ** contributors`` runs per seed.

Word of mouth is endogenous: it is caused by customers and trusting prospects, who were made
by marketing and sales. It is not removed in any counterfactual, so its revenue is credited to
whatever caused it. A removed channel no longer draws exposures from the marketing random
stream, so every later marketing draw differs (and, with other leads, the sales draws): the
pairing is exact for the market and its network but only approximate after that, and
contributions carry noise even for a channel that does nothing (``tests/test_attribution.py``
measures it).
What the shipped scenarios show is in ``docs/validation.md`` ("Attribution").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from gtmsim.experiments.attribution_rules import (
    MARKETING,
    NONE,
    RULES,
    SALES,
    WORD_OF_MOUTH,
    customers_table,
    heuristic_attribution,
)
from gtmsim.experiments.capacity import plan_memory
from gtmsim.experiments.comparison import INTERVAL
from gtmsim.experiments.defaults import HALF_LIFE_WEEKS, SHAPLEY_MAX_RUNS
from gtmsim.experiments.executors import Executor, local_workers
from gtmsim.experiments.runner import map_tasks
from gtmsim.model.growth import GrowthModel
from gtmsim.model.scenario import Scenario, resized, with_levers

# --- counterfactual scenarios -----------------------------------------------------------------


def contributors(scenario: Scenario) -> list[str]:
    """What can be removed: channels with a budget share > 0 and, if it has reps, sales."""
    channels = [name for name, c in scenario.marketing.channels.items() if c.share > 0]
    has_sales = sum(scenario.sales.territories.values()) > 0
    return [*channels, SALES] if has_sales else channels


def without(scenario: Scenario, removed: Iterable[str]) -> Scenario:
    """``scenario`` with the contributors in ``removed`` taken out.

    A channel goes by setting its budget share to 0 and cutting ``annual_budget`` by its
    spend (budget x share), so the remaining channels keep their planned spend; their shares
    are renormalised. Removing every channel leaves a budget of 0. Sales goes by setting every
    territory to 0 reps. Word of mouth cannot be removed (it is endogenous).
    """
    removed = set(removed)
    if WORD_OF_MOUTH in removed:
        raise ValueError("word of mouth is endogenous and cannot be removed")
    channels = scenario.marketing.channels
    unknown = removed - set(channels) - {SALES}
    if unknown:
        raise ValueError(f"cannot remove {sorted(unknown)}: contributors are {[*channels, SALES]}")
    data = scenario.model_dump()
    gone = sum(channels[c].share for c in removed if c in channels)
    if gone > 0:
        # the remaining channels' spend, budget x share, is unchanged: budget' = budget x kept
        # and share' = share / kept, with kept the remaining channels' total share
        kept = sum(c.share for name, c in channels.items() if name not in removed)
        marketing = data["marketing"]
        if kept <= 0:
            marketing["annual_budget"] = 0.0  # shares stay as they were; nothing is spent
        else:
            marketing["annual_budget"] *= kept
            for name, channel in marketing["channels"].items():
                channel["share"] = 0.0 if name in removed else channel["share"] / kept
    if SALES in removed:
        data["sales"]["territories"] = dict.fromkeys(data["sales"]["territories"], 0)
    if removed:
        data["name"] = f"{scenario.name}-without-{'-'.join(sorted(removed))}"
    return Scenario.model_validate(data)


# --- Shapley values ---------------------------------------------------------------------------


def shapley_values(
    players: Sequence[str], value: Mapping[frozenset[str], float | np.ndarray]
) -> dict[str, float | np.ndarray]:
    """Exact Shapley values of ``players`` for the game ``value`` (coalition -> worth).

    ``value`` must hold every subset of ``players`` (as frozensets), including the empty
    one. Worths may be arrays (one per seed): the values are then per seed too.
    """
    n = len(players)
    weights = [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    out: dict[str, float | np.ndarray] = {}
    for player in players:
        others = [p for p in players if p != player]
        total: float | np.ndarray = 0.0
        for k in range(n):
            for coalition in combinations(others, k):
                base = frozenset(coalition)
                total = total + weights[k] * (value[base | {player}] - value[base])
        out[player] = total
    return out


# --- running it -------------------------------------------------------------------------------


def planned_removals(players: Sequence[str], shapley: bool) -> list[frozenset[str]]:
    """The sets of contributors removed in the runs needed: none (the base run), each one
    alone, every channel at once (marketing as a whole) and, for Shapley values, every subset."""
    channels = [p for p in players if p != SALES]
    plan = [frozenset(), *(frozenset({p}) for p in players)]
    if len(channels) > 1:
        plan.append(frozenset(channels))
    if shapley:
        everyone = frozenset(players)
        plan += [
            everyone - frozenset(kept)
            for k in range(len(players) + 1)
            for kept in combinations(players, k)
        ]
    return list(dict.fromkeys(plan))  # unique, in order


def planned_runs(scenario: Scenario, seeds: int, shapley: bool) -> int:
    """How many model runs :func:`attribute` needs for ``seeds`` seeds."""
    return len(planned_removals(contributors(scenario), shapley)) * seeds


def _run_task(task: tuple[str, int, int, float, bool]) -> tuple[float, pd.DataFrame | None]:
    """One run: its revenue and, if it records touches, its heuristic attribution."""
    scenario_json, seed, weeks, half_life, record = task
    scenario = Scenario.model_validate_json(scenario_json)
    model = GrowthModel(scenario, seed=seed)
    model.run(weeks)
    revenue = float(model.kpis.total["new_arr"])  # new business won in the run
    if not record:
        return revenue, None
    credits = heuristic_attribution(
        model.touches.table(), customers_table(model.population), half_life
    )
    return revenue, credits


@dataclass
class Attribution:
    """Heuristic credits and counterfactual revenue of one scenario over common seeds."""

    scenario: str
    prospects: int
    weeks: int
    seeds: list[int]
    half_life: float
    players: list[str]
    #: removed contributors -> revenue per seed (same order as ``seeds``)
    revenue: dict[frozenset[str], np.ndarray]
    #: one row per (seed, source): revenue under each rule (columns :data:`RULES`)
    credits: pd.DataFrame
    shapley: bool = False
    sources: list[str] = field(default_factory=list)

    @property
    def channels(self) -> list[str]:
        return [p for p in self.players if p != SALES]

    @property
    def base(self) -> np.ndarray:
        """Revenue of the base scenario per seed."""
        return self.revenue[frozenset()]

    def contribution(self, removed: Iterable[str]) -> np.ndarray:
        """Per seed: revenue(base) - revenue(without ``removed``) (paired on the seed)."""
        return self.base - self.revenue[frozenset(removed)]

    def shapley_per_seed(self) -> dict[str, np.ndarray]:
        """Shapley values per seed of the contributors (revenue with only that coalition)."""
        everyone = frozenset(self.players)
        worth = {
            frozenset(kept): self.revenue[everyone - frozenset(kept)]
            for k in range(len(self.players) + 1)
            for kept in combinations(self.players, k)
        }
        return shapley_values(self.players, worth)

    def per_seed(self) -> dict[tuple[str, str], np.ndarray]:
        """(source, method) -> value per seed, currency; methods are :data:`RULES`,
        ``counterfactual`` and (if computed) ``shapley``."""
        out: dict[tuple[str, str], np.ndarray] = {}
        credits = self.credits.set_index(["seed", "source"])
        for source in [*self.sources, NONE]:
            for rule in RULES:
                out[source, rule] = np.array(
                    [credits.loc[(seed, source), rule] for seed in self.seeds]
                )
        channel_sources = [s for s in self.sources if s not in (WORD_OF_MOUTH, SALES)]
        for rule in RULES:
            out[MARKETING, rule] = sum(out[c, rule] for c in channel_sources)
        for player in self.players:
            out[player, "counterfactual"] = self.contribution([player])
        if self.channels:
            out[MARKETING, "counterfactual"] = self.contribution(self.channels)
        if self.shapley:
            values = self.shapley_per_seed()
            for player in self.players:
                out[player, "shapley"] = np.asarray(values[player])
            if self.channels:
                out[MARKETING, "shapley"] = sum(np.asarray(values[c]) for c in self.channels)
        return out

    def table(self) -> pd.DataFrame:
        """Tidy result: one row per (source, method).

        ``revenue`` is the mean over seeds (currency) and ``low``/``high`` its 90% interval
        (5th-95th percentile over seeds; for counterfactual and Shapley values, of the paired
        per-seed values). ``share_pct`` is the mean as a share of mean base revenue (%), and
        ``low_pct``/``high_pct`` the 90% interval of the per-seed shares (each seed's value as a
        share of that seed's base revenue; seeds without revenue are left out).
        """
        base = self.base
        has_revenue = base > 0
        rows = []
        for (source, method), values in self.per_seed().items():
            low, high = np.percentile(values, INTERVAL)
            row = {
                "source": source,
                "method": method,
                "revenue": float(np.mean(values)),
                "low": float(low),
                "high": float(high),
                "share_pct": float("nan"),
                "low_pct": float("nan"),
                "high_pct": float("nan"),
            }
            if has_revenue.any():
                shares = 100.0 * values[has_revenue] / base[has_revenue]
                share_low, share_high = np.percentile(shares, INTERVAL)
                row |= {
                    "share_pct": 100.0 * float(np.mean(values)) / float(base.mean()),
                    "low_pct": float(share_low),
                    "high_pct": float(share_high),
                }
            rows.append(row)
        table = pd.DataFrame(rows)
        order = {s: i for i, s in enumerate([*self.sources, NONE, MARKETING])}
        methods = {m: i for i, m in enumerate([*RULES, "counterfactual", "shapley"])}
        table = table.sort_values(
            ["source", "method"],
            key=lambda col: col.map(order if col.name == "source" else methods),
        )
        return table.reset_index(drop=True)

    def runs(self) -> pd.DataFrame:
        """Every run: seed, removed contributors ('' for the base), revenue."""
        return pd.DataFrame(
            [
                {"seed": seed, "removed": "+".join(sorted(removed)), "revenue": float(value)}
                for removed, values in self.revenue.items()
                for seed, value in zip(self.seeds, values, strict=True)
            ]
        )

    def sizes(self) -> str:
        """The run sizes in words, for output."""
        return (
            f"{self.scenario}: {self.prospects:,} prospects, {self.weeks} weeks, "
            f"{len(self.seeds)} seeds, {len(self.revenue) * len(self.seeds)} runs, "
            f"time-decay half-life {self.half_life:g} weeks"
        )


def attribute(
    scenario: Scenario,
    seeds: Sequence[int],
    weeks: int | None = None,
    half_life: float = HALF_LIFE_WEEKS,
    shapley: bool = False,
    workers: int | Executor = 1,
    on_done: Callable[[], None] | None = None,
    max_runs: int = SHAPLEY_MAX_RUNS,
) -> Attribution:
    """Heuristic attribution on the base runs and counterfactual contributions (and, with
    ``shapley``, Shapley values) from runs on the same ``seeds``.

    Raises ValueError if Shapley enumeration would need more than ``max_runs`` runs, and
    CapacityError if the runs cannot fit in memory (they use fewer workers if that is enough).
    """
    weeks = weeks or scenario.simulation.weeks
    players = contributors(scenario)
    removals = planned_removals(players, shapley)
    total = len(removals) * len(seeds)
    if shapley and total > max_runs:
        raise ValueError(
            f"Shapley values for {len(players)} contributors need 2^{len(players)} x "
            f"{len(seeds)} seeds = {total} runs, more than the limit of {max_runs}; use fewer "
            f"seeds or channels, or raise the limit."
        )
    base = with_levers(scenario, {"simulation.record_touches": True})
    fitting = plan_memory([base], total, weeks, local_workers(workers), "This attribution").workers
    workers = fitting if isinstance(workers, int) else workers
    tasks = {}
    for removed in removals:
        variant = without(base, removed)
        if removed:  # counterfactuals need revenue only; recording touches changes no draw
            variant = with_levers(variant, {"simulation.record_touches": False})
        for j, seed in enumerate(seeds):
            tasks[removed, j] = (variant.model_dump_json(), seed, weeks, half_life, not removed)
    results = map_tasks(_run_task, tasks, workers, on_done)
    revenue = {
        removed: np.array([results[removed, j][0] for j in range(len(seeds))])
        for removed in removals
    }
    frames = []
    for j, seed in enumerate(seeds):
        credits = results[frozenset(), j][1]
        frames.append(credits.rename_axis("source").reset_index().assign(seed=seed))
    credits = pd.concat(frames, ignore_index=True)[["seed", "source", *RULES]]
    sources = [*scenario.marketing.channels, WORD_OF_MOUTH, SALES]
    return Attribution(
        scenario=scenario.name,
        prospects=scenario.market.prospects,
        weeks=weeks,
        seeds=list(seeds),
        half_life=half_life,
        players=players,
        revenue=revenue,
        credits=credits,
        shapley=shapley,
        sources=sources,
    )


def sized(scenario: Scenario, prospects: int | None) -> Scenario:
    """``scenario`` in a market of ``prospects`` prospects, its budget and reps scaled with it
    (:func:`gtmsim.model.scenario.resized`; unchanged if None)."""
    return scenario if prospects is None else resized(scenario, prospects)
