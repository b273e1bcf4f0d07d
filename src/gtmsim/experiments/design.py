"""What a sweep varies and how: factors, sampling designs and the design points they give.

A sweep runs one base scenario at many *design points*, each a setting of some of its
parameters (dotted keys, as in ``gtmsim reference``), on the same replicate seeds (common
random numbers: point i and point j on seed s share the market and every random stream they
have in common, so their differences are paired). Factors are of two kinds:

- **grid** factors take listed values (numbers, choices, true/false); every combination runs
  (full factorial);
- **range** factors take numbers between a low and a high bound, sampled by a design:
  ``lhs:N`` (Latin hypercube, N points, scipy.stats.qmc), ``sobol:N`` (Saltelli's scheme for
  Sobol indices, N x (2k + 2) points for k factors, SALib) or ``morris:N`` (N trajectories of
  k + 1 points, SALib). Integer parameters are rounded after sampling.

Grid and range factors together give every grid combination crossed with the sampled design.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Designs for range factors and what their N means.
SAMPLERS = {
    "lhs": "N points of a Latin hypercube",
    "sobol": "N base samples of Saltelli's scheme: N x (2k + 2) points for k range factors",
    "morris": "N Morris trajectories of k + 1 points each",
}


@dataclass(frozen=True)
class Design:
    """How range factors are sampled: ``kind`` one of :data:`SAMPLERS` (or ``"grid"`` when
    there are none), ``n`` its size, ``seed`` the sampler's own seed (not the model's)."""

    kind: str = "grid"
    n: int = 0
    seed: int = 0

    @classmethod
    def parse(cls, text: str, seed: int = 0) -> Design:
        """``"sobol:64"``, ``"lhs:100"``, ``"morris:10"`` or ``"grid"``; ValueError otherwise."""
        kind, _, size = text.strip().lower().partition(":")
        if kind == "grid" and not size:
            return cls("grid", 0, seed)
        if kind not in SAMPLERS or not size.isdigit() or int(size) < 1:
            raise ValueError(
                f"{text!r} is not a design: write grid, or one of "
                + ", ".join(f"{k}:N ({v})" for k, v in SAMPLERS.items())
                + ", with N a whole number >= 1, e.g. sobol:64"
            )
        return cls(kind, int(size), seed)

    def __str__(self) -> str:
        return self.kind if self.kind == "grid" else f"{self.kind}:{self.n}"


@dataclass(frozen=True)
class Factors:
    """Grid factors (key -> values) and range factors (key -> (low, high)), dotted keys."""

    grid: dict[str, list] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    integer: frozenset[str] = frozenset()  # range factors whose parameter is a whole number

    @property
    def names(self) -> list[str]:
        return [*self.grid, *self.ranges]


def sampled_points(ranges: dict[str, tuple[float, float]], design: Design) -> pd.DataFrame:
    """The design's points over the range factors, one column per factor (unrounded)."""
    names = list(ranges)
    bounds = np.array([ranges[k] for k in names], dtype=float)
    if not names:
        return pd.DataFrame(index=range(1))
    if design.kind == "grid":
        raise ValueError(
            "range factors need a sampling design: add --sample lhs:N, sobol:N or morris:N"
        )
    if design.kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=design.seed).random(design.n)
        values = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    else:
        values = _salib_sample(names, bounds, design)
    return pd.DataFrame(values, columns=names)


def _salib_sample(names: list[str], bounds: np.ndarray, design: Design) -> np.ndarray:
    problem = {"num_vars": len(names), "names": names, "bounds": bounds.tolist()}
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, design.n, calc_second_order=True, seed=design.seed)
    from SALib.sample import morris

    return morris.sample(problem, design.n, num_levels=4, seed=design.seed)


def design_points(factors: Factors, design: Design) -> pd.DataFrame:
    """Every design point: grid combinations crossed with the sampled range design, one row per
    point (index = point number, from 0), one column per factor, integers rounded."""
    sampled = sampled_points(factors.ranges, design)
    sampled = sampled.map(lambda v: float(f"{v:.12g}"))  # 0.19999999999999998 -> 0.2
    for name in factors.integer & set(sampled.columns):
        sampled[name] = sampled[name].round().astype(int)
    if not factors.grid:
        return sampled.reset_index(drop=True)
    combos = pd.DataFrame(list(itertools.product(*factors.grid.values())), columns=[*factors.grid])
    points = combos.merge(sampled, how="cross") if factors.ranges else combos
    return points.reset_index(drop=True)


def runs_in(factors: Factors, design: Design) -> int:
    """How many design points the factors and design give, without sampling them."""
    grid = int(np.prod([len(v) for v in factors.grid.values()])) if factors.grid else 1
    k = len(factors.ranges)
    sampled = {
        "grid": 1,
        "lhs": design.n,
        "sobol": design.n * (2 * k + 2),
        "morris": design.n * (k + 1),
    }[design.kind if k else "grid"]
    return grid * sampled
