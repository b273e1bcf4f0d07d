"""Calibrating organisation levers to target differences between two organisations.

Question: which lever settings make an integrated organisation differ from a separate one
by given amounts (e.g. a survey's "CAC 32% lower, lead conversion 41% higher, revenue
growth 57% above")? A *baseline* scenario is fixed; a *treatment* scenario gets the chosen
levers (dotted keys, each with bounds) set to a vector ``x``. For each ``x`` both are run on
the same seeds (common random numbers, so the objective is a deterministic function of
``x`` for a given seed set) and the median paired % differences of the target KPIs are
compared with the targets. A quadratic response surface fitted to a Latin-hypercube design
smooths the simulation noise; its minimum is confirmed with a real run (:func:`fit_levers`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import qmc

from gtmsim.experiments.comparison import median_interval, paired_relative_differences
from gtmsim.experiments.executors import Executor
from gtmsim.experiments.runner import run_batch
from gtmsim.experiments.store import RunCache
from gtmsim.model.scenario import Scenario, lookup, with_levers


@dataclass
class Problem:
    """What to fit: levers with bounds, target % differences, and the runs to judge them by."""

    baseline: Scenario
    treatment: Scenario
    bounds: dict[str, tuple[float, float]]
    targets: dict[str, float]  # summary KPI -> target paired % difference (treatment vs baseline)
    seeds: list[int]
    weeks: int
    workers: int | Executor = 1  # local processes, or e.g. a DaskExecutor
    #: finished runs kept on disk across interruptions (None: this process's memory only)
    cache: RunCache | None = field(default=None, repr=False)
    #: summaries already run, by (scenario digest, weeks, seeds); shared by copies made with
    #: ``with_treatment`` or ``dataclasses.replace``, so no run is repeated
    _runs: dict[tuple, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def keys(self) -> list[str]:
        return list(self.bounds)

    def with_treatment(self, treatment: Scenario) -> Problem:
        """The same problem for another treatment (e.g. one arm of categorical levers); the
        baseline runs already done are shared."""
        return replace(self, treatment=treatment)

    def _summary(self, scenario: Scenario, seeds: list[int]) -> pd.DataFrame:
        key = (scenario.name, scenario.digest(), self.weeks, tuple(seeds))
        if key not in self._runs:
            self._runs[key] = self._run(scenario, seeds)
        return self._runs[key]

    def _run(self, scenario: Scenario, seeds: list[int]) -> pd.DataFrame:
        """Summaries of ``scenario`` on ``seeds``: those in the run cache, the rest run now
        (and then cached)."""
        if self.cache is None:
            return run_batch([scenario], seeds, self.weeks, self.workers).summary()
        key = self.cache.key(scenario.digest(), self.weeks)
        rows = self.cache.get(key, seeds)
        missing = [seed for seed in seeds if seed not in rows]
        if missing:
            fresh = run_batch([scenario], missing, self.weeks, self.workers).summary()
            new = {int(r["seed"]): r for r in fresh.drop(columns="scenario").to_dict("records")}
            self.cache.put(key, new)
            rows.update(new)
        frame = pd.DataFrame([rows[seed] for seed in seeds])
        frame.insert(0, "scenario", scenario.name)
        return frame

    def differences(self, x: np.ndarray, seeds: list[int] | None = None) -> pd.DataFrame:
        """Per target KPI at levers ``x``: the target and the median paired % difference
        (``model_pct``), its 90% interval over seeds (``low``, ``high``), the median's seed noise
        (``se``, bootstrap; all in percentage points) and ``z`` = (model - target) / se."""
        seeds = seeds or self.seeds
        treated = with_levers(self.treatment, dict(zip(self.keys, x, strict=True)), "treatment")
        base = with_levers(self.baseline, {}, "baseline")
        summary = pd.concat([self._summary(base, seeds), self._summary(treated, seeds)])
        rows = []
        for kpi, target in self.targets.items():
            diffs = paired_relative_differences(summary, kpi, "treatment", "baseline")
            mid, low, high = median_interval(diffs)
            se = median_standard_error(diffs)
            rows.append(
                {
                    "kpi": kpi,
                    "target_pct": target,
                    "model_pct": mid,
                    "low": low,
                    "high": high,
                    "se": se,
                    "z": (mid - target) / se if se > 1e-9 else float("nan"),
                }
            )
        return pd.DataFrame(rows).set_index("kpi")

    def misfit(self, x: np.ndarray) -> float:
        """Sum of squared misfits, each relative to max(|target|, 10 percentage points)."""
        frame = self.differences(np.asarray(x))
        scale = np.maximum(frame["target_pct"].abs(), 10.0)
        errors = ((frame["model_pct"] - frame["target_pct"]) / scale).fillna(10.0)
        return float((errors**2).sum())


def median_standard_error(values: pd.Series, resamples: int = 2000) -> float:
    """Seed noise of a median over seeds: the standard deviation of bootstrap medians
    (percentage points). A fitted difference within ~2 of these of its target matches it as
    well as the number of seeds can tell."""
    clean = pd.Series(values, dtype=float).dropna().to_numpy()
    if len(clean) < 2:
        return float("nan")
    rows = np.random.default_rng(0).integers(0, len(clean), (resamples, len(clean)))
    return float(np.median(clean[rows], axis=1).std())


def _quadratic_features(u: np.ndarray) -> np.ndarray:
    """Columns 1, u_i, u_i * u_j (i <= j) of points ``u`` (rows) in the unit cube."""
    u = np.atleast_2d(u)
    n = u.shape[1]
    cross = [u[:, i] * u[:, j] for i in range(n) for j in range(i, n)]
    return np.column_stack([np.ones(len(u)), u, *cross])


def fit_levers(
    problem: Problem,
    design_points: int = 24,
    on_evaluation: Callable[[], None] | None = None,
    rng_seed: int = 0,
) -> tuple[np.ndarray, float, int]:
    """Find lever values whose differences match the targets, robustly to simulation noise.

    A model's response to a lever is noisy even on common seeds (one more lead reaching sales
    shifts every later draw), so local optimisers stall on its jagged surface. Instead: run a
    Latin-hypercube design of ``design_points`` lever settings, fit a quadratic response
    surface of each target KPI's % difference (least squares, in the unit cube), minimise the
    surrogate misfit from every design point (L-BFGS-B), and confirm the optimum with a real
    run. Returns (levers, misfit of the confirming run, model evaluations used).
    """
    low = np.array([b[0] for b in problem.bounds.values()], dtype=float)
    high = np.array([b[1] for b in problem.bounds.values()], dtype=float)
    design = qmc.LatinHypercube(d=len(low), seed=rng_seed).random(design_points)
    responses = []
    for u in design:
        responses.append(problem.differences(low + u * (high - low))["model_pct"].to_numpy())
        if on_evaluation:
            on_evaluation()
    y = np.nan_to_num(np.array(responses))
    coef, *_ = np.linalg.lstsq(_quadratic_features(design), y, rcond=None)
    targets = np.array(list(problem.targets.values()), dtype=float)
    scale = np.maximum(np.abs(targets), 10.0)

    def surrogate_misfit(u: np.ndarray) -> float:
        predicted = _quadratic_features(u) @ coef
        return float((((predicted[0] - targets) / scale) ** 2).sum())

    starts = [
        minimize(surrogate_misfit, u, method="L-BFGS-B", bounds=[(0, 1)] * len(low)) for u in design
    ]
    best = min(starts, key=lambda r: r.fun).x
    x = low + np.clip(best, 0, 1) * (high - low)
    misfit = problem.misfit(x)
    if on_evaluation:
        on_evaluation()
    return x, misfit, design_points + 1


def lever_contributions(
    problem: Problem, x: np.ndarray, reference: Scenario, arm: dict | None = None
) -> pd.DataFrame:
    """One at a time, reset each lever to its value in ``reference`` (e.g. the baseline
    organisation) and report the share of each target difference that disappears.

    ``arm`` holds categorical levers already set in ``problem.treatment``; those that differ
    from ``reference`` are reset the same way (the continuous levers keep their values ``x``);
    those equal to it carry nothing and are left out."""
    full = problem.differences(x)["model_pct"]

    def share_lost(without: pd.DataFrame) -> pd.Series:
        return (full - without["model_pct"]) / full.where(full != 0)

    rows = {}
    for i, key in enumerate(problem.keys):
        reset = np.array(x, dtype=float)
        reset[i] = float(lookup(reference, key))
        rows[key] = share_lost(problem.differences(reset))
    for key, value in (arm or {}).items():
        if value != lookup(reference, key):
            undone = with_levers(problem.treatment, {key: lookup(reference, key)})
            rows[key] = share_lost(problem.with_treatment(undone).differences(x))
    return pd.DataFrame(rows)


@dataclass
class ArmFit:
    """The fit within one arm: a setting of the categorical levers, the continuous levers
    fitted under it, and the misfit of the confirming run."""

    arm: dict[str, object]
    levers: np.ndarray
    misfit: float
    problem: Problem


def arm_settings(arms: dict[str, list]) -> list[dict[str, object]]:
    """Every combination of the categorical levers' values (one dict per arm; with no
    categorical levers, one empty arm)."""
    return [dict(zip(arms, values, strict=True)) for values in itertools.product(*arms.values())]


def fit_arms(
    problem: Problem,
    arms: dict[str, list],
    on_evaluation: Callable[[], None] | None = None,
    into: list[ArmFit] | None = None,
    **kwargs,
) -> list[ArmFit]:
    """Fit the continuous levers separately in every arm of the categorical levers (e.g.
    marketing goal x agreed lead definition): a response surface cannot span a choice, so
    each arm gets its own design. Returns the arms' fits, best (lowest misfit) first; each
    finished fit is also appended to ``into`` at once (kept if a Ctrl-C stops the rest)."""
    fits = [] if into is None else into
    for arm in arm_settings(arms):
        arm_problem = problem.with_treatment(with_levers(problem.treatment, arm))
        x, misfit, _ = fit_levers(arm_problem, on_evaluation=on_evaluation, **kwargs)
        fits.append(ArmFit(arm, x, misfit, arm_problem))
    return sorted(fits, key=lambda fit: fit.misfit)


def seed_spread(problem: Problem, seed_sets: list[list[int]], **kwargs) -> pd.DataFrame:
    """Refit on other seed sets: the spread of fitted lever values is the fit's seed noise."""
    rows = []
    for seeds in seed_sets:
        other = replace(problem, seeds=seeds)
        x, misfit, _ = fit_levers(other, **kwargs)
        rows.append({**dict(zip(problem.keys, x, strict=True)), "misfit": misfit})
    return pd.DataFrame(rows)
