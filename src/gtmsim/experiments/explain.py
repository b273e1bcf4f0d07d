"""Explain the gap between two scenarios: which practice carries how much of each KPI's paired
difference, which practices only work together, and the order in which to adopt them.

The two scenarios differ in some parameters; these are grouped (by default into the five
integration practices, :data:`PRACTICES`; any other differing parameter joins ``other levers``).
Every coalition of groups, from none (the baseline) to all (the target), is a scenario: the
baseline with the target's values for the parameters of the groups in the coalition. All 2^n
coalitions run on the same seeds (common random numbers), and per seed and KPI:

- the **Shapley value** of each group is its marginal contribution averaged over every order of
  adoption; the values add up exactly to the target's difference from the baseline on that seed
  (efficiency), and a group whose parameters the two scenarios share contributes exactly zero;
- the **Shapley interaction index** of each pair is its joint effect beyond the sum of the two
  alone, averaged the same way: positive for complements, negative for substitutes;
- each group **alone** (baseline plus that group) and a greedy **adoption path** (at each step
  the group with the largest mean gain given those already adopted).

Means over seeds add up exactly (medians do not), so contributions are means in the KPI's unit,
with 95% confidence intervals of the mean (Student t over seeds). The arithmetic is in pure
functions of a table of coalition values (:func:`shapley_values`, :func:`interaction_indices`),
so it is tested on toy responses with known answers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gtmsim.experiments.comparison import LOWER_IS_BETTER
from gtmsim.experiments.executors import Executor
from gtmsim.experiments.practices import (  # noqa: F401  (re-exported)
    OTHER,
    PRACTICES,
    differing,
    flatten,
    group_keys,
    groups_for,
    parameters,
)
from gtmsim.experiments.runner import run_batch
from gtmsim.model.market_scenario import MarketScenario, with_market_levers
from gtmsim.model.scenario import Scenario, with_levers

#: Groups at most (2^n coalitions each run on every seed).
MAX_GROUPS = 10


def coalitions(n: int) -> list[tuple[int, ...]]:
    """Every subset of players 0..n-1, as sorted tuples, smallest first."""
    return [c for size in range(n + 1) for c in itertools.combinations(range(n), size)]


def shapley_values(values: dict[tuple[int, ...], np.ndarray], n: int) -> np.ndarray:
    """Shapley value of each of ``n`` players (rows) per seed (columns), from the value of
    every coalition per seed. Rows add up to values[all] - values[none] exactly."""
    factorial = math.factorial
    result = np.zeros((n, len(values[()])))
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for subset in itertools.combinations(others, size):
                with_i = tuple(sorted((*subset, i)))
                result[i] += weight * (values[with_i] - values[subset])
    return result


def interaction_indices(values: dict[tuple[int, ...], np.ndarray], n: int) -> np.ndarray:
    """Shapley interaction index of each pair (i, j) per seed: array [n, n, seeds], symmetric,
    zero on the diagonal. Positive: complements; negative: substitutes; zero: additive."""
    factorial = math.factorial
    seeds = len(values[()])
    result = np.zeros((n, n, seeds))
    for i, j in itertools.combinations(range(n), 2):
        others = [k for k in range(n) if k not in (i, j)]
        total = np.zeros(seeds)
        for size in range(n - 1):
            weight = factorial(size) * factorial(n - size - 2) / factorial(n - 1)
            for s in itertools.combinations(others, size):
                both = tuple(sorted((*s, i, j)))
                only_i = tuple(sorted((*s, i)))
                only_j = tuple(sorted((*s, j)))
                total += weight * (values[both] - values[only_i] - values[only_j] + values[s])
        result[i, j] = result[j, i] = total
    return result


def mean_interval(per_seed: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean over seeds (NaNs dropped), its ``level`` confidence interval (Student t) and the
    number of seeds used."""
    clean = np.asarray(per_seed, dtype=float)
    clean = clean[np.isfinite(clean)]
    n = len(clean)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(clean.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    from scipy import stats  # here, not at import: its BLAS threads must not precede a fork

    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * clean.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


@dataclass
class Explanation:
    """The decomposition of ``kpis`` between ``baseline`` and ``target`` (see the module doc)."""

    baseline: str
    target: str
    groups: dict[str, list[str]]
    seeds: list[int]
    kpis: list[str]
    #: coalition (tuple of group indices) -> summary rows of its runs (one per seed)
    values: dict[tuple[int, ...], pd.DataFrame] = field(repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.groups)

    def coalition_values(self, kpi: str) -> dict[tuple[int, ...], np.ndarray]:
        return {c: frame[kpi].to_numpy(dtype=float) for c, frame in self.values.items()}

    def contributions(self) -> pd.DataFrame:
        """Tidy table: kpi, group, contribution (mean over seeds, KPI unit), low, high (95% CI
        of that mean), spread_low, spread_high (5th and 95th percentile of the per-seed values:
        how much it varies from seed to seed), better (share of seeds on which it moves the
        KPI the better way: down for costs and times, up otherwise), seeds; plus one ``total``
        row per KPI (the whole paired difference)."""
        rows = []
        n = len(self.groups)
        full = tuple(range(n))
        for kpi in self.kpis:
            values = self.coalition_values(kpi)
            phi = shapley_values(values, n)
            per_group = [*zip(self.names, phi, strict=True), ("total", values[full] - values[()])]
            for name, per_seed in per_group:
                rows.append(self._row(kpi, name, per_seed))
        return pd.DataFrame(rows)

    @staticmethod
    def _row(kpi: str, group: str, per_seed: np.ndarray) -> dict:
        mean, low, high, used = mean_interval(per_seed)
        clean = per_seed[np.isfinite(per_seed)]
        spread = np.percentile(clean, [5, 95]) if len(clean) else (math.nan, math.nan)
        better = clean < 0 if kpi in LOWER_IS_BETTER else clean > 0
        return {
            "kpi": kpi,
            "group": group,
            "contribution": mean,
            "low": low,
            "high": high,
            "spread_low": float(spread[0]),
            "spread_high": float(spread[1]),
            "better": float(better.mean()) if len(clean) else math.nan,
            "seeds": used,
        }

    def interactions(self) -> pd.DataFrame:
        """Tidy table of pairwise interaction indices: kpi, group_a, group_b, interaction
        (mean over seeds), low, high."""
        rows = []
        n = len(self.groups)
        for kpi in self.kpis:
            index = interaction_indices(self.coalition_values(kpi), n)
            for i, j in itertools.combinations(range(n), 2):
                mean, low, high, used = mean_interval(index[i, j])
                rows.append(
                    {
                        "kpi": kpi,
                        "group_a": self.names[i],
                        "group_b": self.names[j],
                        "interaction": mean,
                        "low": low,
                        "high": high,
                        "seeds": used,
                    }
                )
        return pd.DataFrame(rows)

    def alone(self) -> pd.DataFrame:
        """Each group adopted alone from the baseline: kpi, group, gain (mean), low, high."""
        rows = []
        for kpi in self.kpis:
            values = self.coalition_values(kpi)
            for i, name in enumerate(self.names):
                mean, low, high, _ = mean_interval(values[(i,)] - values[()])
                rows.append({"kpi": kpi, "group": name, "gain": mean, "low": low, "high": high})
        return pd.DataFrame(rows)

    def adoption_path(self, kpi: str, costs: dict[str, float] | None = None) -> pd.DataFrame:
        """Greedy order of adoption from the baseline for ``kpi``: at each step the group with
        the best mean marginal gain (per unit cost, if ``costs`` are given) given those adopted
        before. Columns: step, group, gain (mean marginal change of the KPI), low, high, value
        (mean KPI after the step), cost."""
        values = self.coalition_values(kpi)
        sign = -1.0 if kpi in LOWER_IS_BETTER else 1.0
        adopted: tuple[int, ...] = ()
        rows = []
        remaining = list(range(len(self.groups)))
        while remaining:

            def score(i: int, adopted: tuple[int, ...] = adopted) -> float:
                step = values[tuple(sorted((*adopted, i)))] - values[adopted]
                gain = sign * np.nanmean(step) if np.isfinite(step).any() else -math.inf
                cost = (costs or {}).get(self.names[i])
                return gain / cost if cost else gain

            best = max(remaining, key=score)
            after = tuple(sorted((*adopted, best)))
            mean, low, high, _ = mean_interval(values[after] - values[adopted])
            rows.append(
                {
                    "step": len(rows) + 1,
                    "group": self.names[best],
                    "gain": mean,
                    "low": low,
                    "high": high,
                    "value": float(np.nanmean(values[after])),
                    "cost": (costs or {}).get(self.names[best], math.nan),
                }
            )
            adopted = after
            remaining.remove(best)
        return pd.DataFrame(rows)

    def start_value(self, kpi: str) -> float:
        return float(np.nanmean(self.coalition_values(kpi)[()]))


def explain(
    baseline: Scenario | MarketScenario,
    target: Scenario | MarketScenario,
    seeds: Sequence[int],
    weeks: int,
    kpis: Sequence[str],
    grouping: dict[str, tuple[str, ...]] | None = PRACTICES,
    workers: int | Executor = 1,
    on_done: Callable[[], None] | None = None,
    firm: str | None = None,
) -> Explanation:
    """Run every coalition of the groups in which ``baseline`` and ``target`` differ on
    ``seeds`` (common random numbers) and return the :class:`Explanation`. Coalitions that
    give the same scenario (a group with no differing parameter) run once. ValueError if
    there are more than :data:`MAX_GROUPS` groups.

    Two markets with the same firms are explained for one of them (``firm``, default the
    first): the levers of every firm may differ, grouped per firm (``rival: shared goals``),
    and the KPIs are that firm's."""
    market = isinstance(baseline, MarketScenario)
    keys = list(differing(baseline, target))
    groups = groups_for(keys, grouping, list(baseline.firms) if market else None)
    if len(groups) > MAX_GROUPS:
        raise ValueError(
            f"{len(groups)} groups would need 2^{len(groups)} coalitions; group the "
            f"{len(keys)} differing parameters into at most {MAX_GROUPS} groups (--group FILE)."
        )
    target_values = parameters(target)
    names = list(groups)
    scenarios: dict[tuple[int, ...], Scenario | MarketScenario] = {}
    by_digest: dict[str, Scenario | MarketScenario] = {}
    for coalition in coalitions(len(names)):
        levers = {k: target_values[k] for i in coalition for k in groups[names[i]]}
        label = "+".join(str(i) for i in coalition) or "baseline"
        if market:
            scenario = with_market_levers(baseline, levers, name=f"coalition {label}")
        else:
            scenario = with_levers(baseline, levers, name=f"coalition {label}")
        scenarios[coalition] = by_digest.setdefault(scenario.digest(), scenario)
    distinct = list(by_digest.values())
    summary = run_batch(distinct, list(seeds), weeks, workers, on_done).summary()
    frames = {
        name: frame.set_index("seed").loc[list(seeds)]
        for name, frame in summary.groupby("scenario")
    }
    firm = firm or (next(iter(baseline.firms)) if market else None)
    if market and firm not in baseline.firms:
        raise ValueError(
            f"{firm!r} is not a firm of {baseline.name}: choose one of {', '.join(baseline.firms)}"
        )

    def result_name(unit: Scenario | MarketScenario) -> str:
        return unit.label(firm) if market else unit.name

    values = {c: frames[result_name(s)].reset_index() for c, s in scenarios.items()}
    names_shown = (
        (f"{baseline.name}:{firm}", f"{target.name}:{firm}")
        if market
        else (baseline.name, target.name)
    )
    return Explanation(*names_shown, groups, list(seeds), list(kpis), values)
