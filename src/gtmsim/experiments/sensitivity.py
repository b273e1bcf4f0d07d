"""Analysis of a sweep, as pure functions of its stored tables (``SweepStore.summaries()``:
one row per design point and replicate, the point's factor settings, every summary KPI).

- :func:`factor_response`: one factor -> each KPI's mean and 5-95% band over seeds per value;
- :func:`two_factor_grid`: two factors -> each KPI's mean over seeds in a table (a heatmap);
- :func:`sobol_indices`: a ``sobol:N`` design -> first-order and total Sobol indices with
  confidence intervals (SALib, Saltelli's estimators), on the mean over seeds of each point;
- :func:`morris_indices`: a ``morris:N`` design -> Morris mu* (with its interval) and sigma;
- :func:`seed_noise_share`: how much of a KPI's variance across all runs is seed noise (the
  variance within design points) rather than the factors.

With grid factors crossed with a sampled design, the indices are computed for each grid
combination separately.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Share of runs outside the band on each side (a 5-95% band over seeds).
BAND = 0.05


def point_means(summary: pd.DataFrame, factors: list[str], outcome: str) -> pd.DataFrame:
    """Mean of ``outcome`` over seeds at each design point, with the point's factor settings."""
    return (
        summary.groupby("point", sort=True)
        .agg({**{f: "first" for f in factors}, outcome: "mean"})
        .reset_index()
    )


def factor_response(summary: pd.DataFrame, factor: str, outcomes: list[str]) -> pd.DataFrame:
    """Per value of ``factor`` (all other factors pooled): each outcome's mean, and its 5% and
    95% quantiles over runs; columns ``factor value``, ``kpi``, ``mean``, ``low``, ``high``, ``runs``."""
    rows = []
    for value, group in summary.groupby(factor, sort=True):
        for kpi in outcomes:
            values = group[kpi].dropna()
            rows.append(
                {
                    factor: value,
                    "kpi": kpi,
                    "mean": values.mean(),
                    "low": values.quantile(BAND) if len(values) else np.nan,
                    "high": values.quantile(1 - BAND) if len(values) else np.nan,
                    "runs": len(values),
                }
            )
    return pd.DataFrame(rows)


def two_factor_grid(summary: pd.DataFrame, rows: str, columns: str, outcome: str) -> pd.DataFrame:
    """Mean of ``outcome`` over seeds (and any other factors) for each pair of values."""
    return summary.pivot_table(index=rows, columns=columns, values=outcome, aggfunc="mean")


def _problem(ranges: dict[str, tuple[float, float]]) -> dict:
    names = list(ranges)
    return {"num_vars": len(names), "names": names, "bounds": [list(ranges[n]) for n in names]}


def _groups(summary: pd.DataFrame, grid: list[str]):
    """(label, sub-table) per grid combination, in point order; one group if no grid."""
    if not grid:
        yield "", summary
        return
    for values, group in summary.groupby(grid, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        yield ", ".join(f"{k}={v}" for k, v in zip(grid, values, strict=True)), group


def _indices(
    summary: pd.DataFrame,
    ranges: dict[str, tuple[float, float]],
    outcomes: list[str],
    grid: list[str] | None,
    analyze: Callable[[pd.DataFrame, np.ndarray], dict | None],
    columns: tuple[str, ...],
) -> pd.DataFrame:
    """One row per grid group, outcome and factor of the indices ``analyze(means, y)`` returns
    (the SALib result, or None to skip), with ``columns`` taken from it. ``means`` holds each
    point's factor settings and mean over seeds; outcomes undefined at any point are skipped."""
    names = list(ranges)
    rows = []
    for label, group in _groups(summary, grid or []):
        for kpi in outcomes:
            means = point_means(group, names, kpi)
            y = means[kpi].to_numpy()
            result = None if np.isnan(y).any() else analyze(means, y)
            if result is None:
                continue
            for i, name in enumerate(names):
                row = {"group": label, "kpi": kpi, "factor": name}
                rows.append(row | {c: result[c][i] for c in columns})
    return pd.DataFrame(rows)


def sobol_indices(
    summary: pd.DataFrame,
    ranges: dict[str, tuple[float, float]],
    outcomes: list[str],
    grid: list[str] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with 95% confidence half-widths for each
    outcome (and grid combination), from a ``sobol:N`` design's points in their design order.
    Columns: ``group``, ``kpi``, ``factor``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``."""
    from SALib.analyze import sobol

    problem = _problem(ranges)

    def analyze(_means: pd.DataFrame, y: np.ndarray) -> dict | None:
        if np.ptp(y) == 0:
            return None  # no variation: no indices
        return sobol.analyze(problem, y, calc_second_order=True, seed=seed)

    return _indices(summary, ranges, outcomes, grid, analyze, ("S1", "S1_conf", "ST", "ST_conf"))


def morris_indices(
    summary: pd.DataFrame,
    ranges: dict[str, tuple[float, float]],
    outcomes: list[str],
    grid: list[str] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris elementary effects for each outcome (and grid combination): mu* (mean absolute
    effect, in the KPI's unit per full range of the factor), its 95% half-width and sigma
    (spread of the effects: interactions or non-linearity). Columns: ``group``, ``kpi``,
    ``factor``, ``mu_star``, ``mu_star_conf``, ``sigma``."""
    from SALib.analyze import morris

    problem = _problem(ranges)

    def analyze(means: pd.DataFrame, y: np.ndarray) -> dict:
        x = means[list(ranges)].to_numpy(dtype=float)
        return morris.analyze(problem, x, y, num_levels=4, seed=seed)

    return _indices(summary, ranges, outcomes, grid, analyze, ("mu_star", "mu_star_conf", "sigma"))


def seed_noise_share(summary: pd.DataFrame, outcomes: list[str]) -> pd.Series:
    """For each outcome, the share of its spread over all runs that is seed noise: the sum of
    squared deviations of runs from their design point's mean, over the sum of squared
    deviations from the grand mean (0: the factors explain everything; 1: nothing). With few
    seeds per point it leans high (each point's mean carries noise too)."""
    shares = {}
    for kpi in outcomes:
        data = summary[["point", kpi]].dropna()
        total = ((data[kpi] - data[kpi].mean()) ** 2).sum()
        within = ((data[kpi] - data.groupby("point")[kpi].transform("mean")) ** 2).sum()
        shares[kpi] = float(within / total) if total > 0 else np.nan
    return pd.Series(shares, name="seed noise share")


def rank_correlations(
    summary: pd.DataFrame, factors: list[str], outcomes: list[str]
) -> pd.DataFrame:
    """Spearman rank correlation of each factor with each outcome's mean over seeds (for
    Latin hypercube designs, which estimate no indices): rows factors, columns outcomes."""
    table = {}
    for kpi in outcomes:
        means = point_means(summary, factors, kpi)
        table[kpi] = {f: means[f].corr(means[kpi], method="spearman") for f in factors}
    return pd.DataFrame(table)


@dataclass
class SweepAnalysis:
    """Every table `gtmsim analyse` prints and draws, by kind (empty when it does not apply)."""

    outcomes: list[str]
    runs: int
    responses: dict[str, pd.DataFrame] = field(default_factory=dict)  # factor -> response
    heatmaps: dict[str, pd.DataFrame] = field(default_factory=dict)  # kpi -> two-factor table
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)
    morris: pd.DataFrame = field(default_factory=pd.DataFrame)
    correlations: pd.DataFrame = field(default_factory=pd.DataFrame)
    noise: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))


def analyse(
    summary: pd.DataFrame,
    grid: list[str],
    ranges: dict[str, tuple[float, float]],
    design: str,
    outcomes: list[str],
    seed: int = 0,
) -> SweepAnalysis:
    """The analysis that fits the sweep: main-effect lines for grid factors (heatmaps for two),
    Sobol or Morris indices for those designs, rank correlations for a Latin hypercube, and
    the seed-noise share of every outcome."""
    result = SweepAnalysis(outcomes, len(summary))
    for factor in grid:
        result.responses[factor] = factor_response(summary, factor, outcomes)
    if len(grid) == 2 and not ranges:
        tables = {k: two_factor_grid(summary, grid[0], grid[1], k) for k in outcomes}
        result.heatmaps = {k: v for k, v in tables.items() if v.notna().to_numpy().any()}
    if ranges and design == "sobol":
        result.sobol = sobol_indices(summary, ranges, outcomes, grid, seed)
    elif ranges and design == "morris":
        result.morris = morris_indices(summary, ranges, outcomes, grid, seed)
    elif ranges:
        result.correlations = rank_correlations(summary, list(ranges), outcomes)
    result.noise = seed_noise_share(summary, outcomes)
    return result
