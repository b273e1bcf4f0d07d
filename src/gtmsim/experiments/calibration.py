"""Calibration, the whole procedure: fit a treatment's levers so its paired differences from a
baseline match target differences (e.g. the 2025 survey's claims).

:func:`calibrate` takes a :class:`CalibrationSpec` and returns a :class:`Calibration`: every
arm of the categorical levers fitted (:mod:`gtmsim.experiments.fitting`), the best fit re-run
on fresh seeds, the share of each difference each lever carries, optional refits on other seed
sets, the JSON record (:meth:`Calibration.record`) and the fitted scenario file
(:meth:`Calibration.scenario_toml`). It can be called from a notebook as well as from
``gtmsim calibrate``::

    from gtmsim.experiments.calibration import CalibrationSpec, calibrate
    result = calibrate(CalibrationSpec(prospects=5_000, seeds=4, design=8))
    print(result.fresh)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gtmsim.experiments import defaults
from gtmsim.experiments.executors import Executor
from gtmsim.experiments.fitting import (
    ArmFit,
    Problem,
    arm_settings,
    fit_arms,
    lever_contributions,
    seed_spread,
)
from gtmsim.experiments.runner import default_workers, replicate_seeds
from gtmsim.experiments.store import RunCache
from gtmsim.model.scenario import Scenario, lookup, resized, with_levers
from gtmsim.model.scenario_files import load_scenario


@dataclass
class CalibrationSpec:
    """What to fit and how hard to look.

    ``targets`` maps summary KPIs to target paired % differences (treatment vs baseline);
    ``bounds`` maps numeric treatment parameters (dotted keys) to (low, high); ``arms`` maps
    categorical parameters to the values to try (every combination is fitted separately).
    ``seeds`` common seeds per evaluation, ``prospects`` market size, ``weeks`` per run,
    ``design`` lever settings per arm, ``refits`` refits on other seed sets.
    """

    baseline: str = defaults.CALIBRATION_BASELINE
    treatment: str = defaults.CALIBRATION_TREATMENT
    targets: dict[str, float] = field(default_factory=lambda: dict(defaults.SURVEY_TARGETS))
    bounds: dict[str, tuple[float, float]] = field(
        default_factory=lambda: dict(defaults.CALIBRATION_LEVERS)
    )
    arms: dict[str, list] = field(
        default_factory=lambda: {k: list(v) for k, v in defaults.CALIBRATION_ARMS.items()}
    )
    seeds: int = defaults.CALIBRATION_SEEDS
    prospects: int = defaults.CALIBRATION_PROSPECTS
    weeks: int = defaults.CALIBRATION_WEEKS
    design: int = defaults.CALIBRATION_DESIGN
    refits: int = defaults.CALIBRATION_REFITS
    workers: int | Executor | None = None  # local processes, or e.g. a DaskExecutor
    #: folder of a run cache (runs.sqlite): an interrupted calibration started again over it
    #: reuses every run it finished (None: no cache)
    cache_dir: Path | None = None

    def scenarios(self) -> tuple[Scenario, Scenario]:
        """The baseline and treatment scenarios in a market of ``prospects``, each company
        scaled with it (budget and reps: :func:`gtmsim.model.scenario.resized`)."""
        return (
            resized(load_scenario(self.baseline), self.prospects),
            resized(load_scenario(self.treatment), self.prospects),
        )

    @property
    def evaluations(self) -> int:
        """Model evaluations (each a batch over the seeds) the fit needs: each arm's design
        and confirming run, the fresh-seed check, one reset per lever (refits not counted)."""
        n_arms = len(arm_settings(self.arms))
        return n_arms * (self.design + 1) + 1 + len(self.bounds) + len(self.arms)

    def settings(self) -> dict:
        """The spec as it goes into calibration.json."""
        return {
            "baseline": self.baseline,
            "treatment": self.treatment,
            "targets_pct": self.targets,
            "bounds": self.bounds,
            "arms": self.arms,
            "seeds": self.seeds,
            "prospects": self.prospects,
            "weeks": self.weeks,
            "design_points": self.design,
        }


@dataclass
class Calibration:
    """The outcome: every arm's fit (best first), the best fit's levers as simulated, its
    differences on fresh seeds, the share of each difference lost when one lever is reset to
    the baseline's value, and the refits (None without)."""

    spec: CalibrationSpec
    fits: list[ArmFit]
    fitted: dict[str, float | int]
    fresh: pd.DataFrame
    contributions: pd.DataFrame
    spread: pd.DataFrame | None

    @property
    def best(self) -> ArmFit:
        return self.fits[0]

    @property
    def undefined(self) -> list[str]:
        """Target KPIs the model gave no value for on fresh seeds (e.g. no customers, no CAC)."""
        return self.fresh.index[self.fresh["model_pct"].isna()].tolist()

    @property
    def missed(self) -> list[str]:
        """Target KPIs missed by more than 3 standard errors of seed noise on fresh seeds."""
        return self.fresh.index[self.fresh["z"].abs() > 3].tolist()

    @property
    def inert(self) -> list[str]:
        """Fitted levers whose reset to the baseline's value changed nothing."""
        c = self.contributions
        return [k for k in self.fitted if c[k].notna().any() and (c[k].dropna() == 0).all()]

    def record(self) -> dict:
        """calibration.json's content (valid JSON: NaN and infinities as null)."""
        return json_safe(
            {
                **self.spec.settings(),
                "complete": True,
                "arm_fits": arm_records(self.fits),
                "fitted": {**self.best.arm, **self.fitted},
                "misfit": self.best.misfit,
                "fit_on_fresh_seeds": self.fresh.reset_index().to_dict("records"),
                "contributions": self.contributions.to_dict(),
                "refits": self.spread.to_dict("records") if self.spread is not None else [],
            }
        )

    def scenario_toml(self) -> str:
        """The fitted scenario file: extends the treatment, sets the fitted levers, and says in
        comments what it was fitted to, how well it matched on fresh seeds, and which fitted
        levers changed nothing when reset to the baseline's value (no effect in this arm, or
        fitted at the baseline's value)."""
        spec, inert = self.spec, self.inert
        targets = ", ".join(f"{k}={v:g}" for k, v in spec.targets.items())
        lines = [
            f"# Calibrated: {spec.treatment} levers fitted to targets {targets} vs {spec.baseline}.",
            "# Fit re-run on fresh seeds: median paired % difference [90% interval over seeds],",
            "# seed noise of the median (se) and the target:",
            *(
                f"#   {kpi}: {row.model_pct:+.0f}% [{row.low:+.0f}, {row.high:+.0f}], "
                f"se {row.se:.0f} (target {row.target_pct:+g}%)"
                for kpi, row in self.fresh.iterrows()
            ),
            f'extends = "{spec.treatment}.toml"',
            f'name = "{spec.treatment}-calibrated"',
            "",
        ]
        sections: dict[str, list[str]] = {}
        for key, value in {**self.best.arm, **self.fitted}.items():
            section, name = key.rsplit(".", 1)
            note = (
                "  # resetting it to the baseline's value changed nothing" if key in inert else ""
            )
            sections.setdefault(section, []).append(f"{name} = {toml_value(value)}{note}")
        for section, entries in sections.items():
            lines += [f"[{section}]", *entries, ""]
        return "\n".join(lines)


def calibrate(
    spec: CalibrationSpec,
    on_evaluation: Callable[[], None] | None = None,
    finished: list[ArmFit] | None = None,
) -> Calibration:
    """Run the whole calibration of ``spec``. ``on_evaluation`` is called after each of the
    :attr:`CalibrationSpec.evaluations` batches; each arm's fit is appended to ``finished`` as
    soon as it is done, so a caller that catches KeyboardInterrupt can save them
    (:func:`partial_record`)."""
    base, treat = spec.scenarios()
    workers = spec.workers or default_workers()
    seeds = replicate_seeds(defaults.CALIBRATION_FIT_SEED, spec.seeds)
    cache = RunCache(spec.cache_dir) if spec.cache_dir is not None else None
    problem = Problem(base, treat, spec.bounds, spec.targets, seeds, spec.weeks, workers, cache)
    fits = fit_arms(
        problem, spec.arms, design_points=spec.design, on_evaluation=on_evaluation, into=finished
    )
    best = fits[0]
    fresh_seeds = replicate_seeds(defaults.CALIBRATION_FRESH_SEED, spec.seeds)
    fresh = best.problem.differences(best.levers, fresh_seeds)
    contributions = lever_contributions(best.problem, best.levers, base, best.arm)
    # the fresh-seed check and one reset per lever, as counted in spec.evaluations
    for _ in range(1 + len(spec.bounds) + len(spec.arms) if on_evaluation else 0):
        on_evaluation()
    spread = None
    if spec.refits:
        seed_sets = [
            replicate_seeds(defaults.CALIBRATION_REFIT_SEED + i, spec.seeds)
            for i in range(spec.refits)
        ]
        spread = seed_spread(best.problem, seed_sets, design_points=spec.design)
    fitted = simulated_values(best.problem, best.levers)
    return Calibration(spec, fits, fitted, fresh, contributions, spread)


def partial_record(spec: CalibrationSpec, finished: list[ArmFit]) -> dict:
    """calibration.json for an interrupted calibration: the arms fitted so far."""
    return json_safe({**spec.settings(), "complete": False, "arm_fits": arm_records(finished)})


def arm_records(fits: list[ArmFit]) -> list[dict]:
    """Each arm's setting, fitted levers (as simulated) and misfit, for calibration.json."""
    return [
        {"arm": fit.arm, "levers": simulated_values(fit.problem, fit.levers), "misfit": fit.misfit}
        for fit in fits
    ]


def simulated_values(problem: Problem, x: np.ndarray) -> dict[str, float | int]:
    """The lever values as the model ran them (whole-number parameters are rounded)."""
    scenario = with_levers(problem.treatment, dict(zip(problem.keys, x, strict=True)))
    return {key: lookup(scenario, key) for key in problem.keys}


def json_safe(value: object) -> object:
    """``value`` with numpy numbers as Python numbers and NaN/inf as null (valid JSON)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool | str) or value is None:
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    return int(number) if isinstance(value, int) else number


def toml_value(value: object) -> str:
    """A parameter value written as TOML (true/false, quoted text, a whole or a real number)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.4g}"
