"""Docking with the Bass diffusion model (Bass 1969).

With sales switched off, marketing as a constant external influence p and word of mouth
as imitation q in a well-mixed market, the share of adopters F follows

    F(t) = (1 - exp(-(p + q) t)) / (1 + (q / p) exp(-(p + q) t)),   t in years.

The model steps weekly. In a well-mixed market a non-adopter's chance of adopting in a week
is the Bass equation's own solution over that week (:func:`gtmsim.model.market.
bass_week_probability`), so :func:`discrete_bass`, that rule's deterministic
(infinite-market) curve, equals the closed form at every week up to rounding: the model's gap
is sampling noise. (Holding F at its start-of-week value, :func:`held_share_bass`, lags the
closed form by 0.2 pp at q = 0.38 and over 1 pp at q = 2.) On a social network F is each
prospect's share of customers among its ties, held for the week.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gtmsim.experiments import defaults
from gtmsim.experiments.comparison import INTERVAL
from gtmsim.experiments.executors import Executor
from gtmsim.experiments.runner import replicate_seeds, run_batch
from gtmsim.model.market import bass_week_probability
from gtmsim.model.parameters.base import WEEKS_PER_YEAR
from gtmsim.model.scenario import Scenario, with_levers
from gtmsim.model.scenario_files import load_scenario


def bass_closed_form(p: float, q: float, years: np.ndarray) -> np.ndarray:
    """Bass adopter share F(t) for p, q per year at times ``years`` (in years)."""
    decay = np.exp(-(p + q) * np.asarray(years, dtype=float))
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def discrete_bass(p: float, q: float, weeks: int) -> np.ndarray:
    """The model's weekly rule's expected curve in an infinite market (well mixed): F after
    each of ``weeks`` weeks, each week's chance from :func:`bass_week_probability`."""
    share, out = 0.0, np.empty(weeks)
    for k in range(weeks):
        share += (1.0 - share) * bass_week_probability(p, q, share)
        out[k] = share
    return out


def held_share_bass(p: float, q: float, weeks: int) -> np.ndarray:
    """The simpler weekly rule the model used before (and still uses on a network): F held at
    its start-of-week value, chance 1 - exp(-(p + q F) / 52); for comparison."""
    share, out = 0.0, np.empty(weeks)
    for k in range(weeks):
        share += (1.0 - share) * -np.expm1(-(p + q * share) / WEEKS_PER_YEAR)
        out[k] = share
    return out


def bass_scenario(
    p: float, q: float, prospects: int, weeks: int, mixing: str = "well_mixed"
) -> Scenario:
    """The shipped ``bass`` scenario with the given coefficients, market size and horizon."""
    levers = {
        "marketing.direct_adoption_per_year": p,
        "market.imitation_per_year": q,
        "market.prospects": prospects,
        "market.word_of_mouth_mixing": mixing,
        "simulation.weeks": weeks,
    }
    return with_levers(load_scenario("bass"), levers, name=f"bass-{mixing}")


@dataclass
class BassCheck:
    """Model adoption curves against the closed form, week by week (shares of the market)."""

    p: float
    q: float
    prospects: int
    curves: pd.DataFrame  # index: week; columns: one adopter share per seed

    @property
    def weeks(self) -> np.ndarray:
        return self.curves.index.to_numpy()

    @property
    def mean(self) -> np.ndarray:
        return self.curves.mean(axis=1).to_numpy()

    @property
    def closed_form(self) -> np.ndarray:
        return bass_closed_form(self.p, self.q, self.weeks / WEEKS_PER_YEAR)

    @property
    def discrete(self) -> np.ndarray:
        return discrete_bass(self.p, self.q, int(self.weeks.max()))[self.weeks - 1]

    @property
    def max_gap_pp(self) -> float:
        """Largest |mean model - closed form| over all weeks, in percentage points."""
        return float(100.0 * np.max(np.abs(self.mean - self.closed_form)))

    @property
    def discretisation_gap_pp(self) -> float:
        """Largest |discrete rule - closed form|, in percentage points (no sampling noise)."""
        return float(100.0 * np.max(np.abs(self.discrete - self.closed_form)))


def run_bass_check(
    p: float = defaults.BASS_P,
    q: float = defaults.BASS_Q,
    prospects: int = defaults.BASS_PROSPECTS,
    weeks: int = defaults.BASS_WEEKS,
    seeds: int = defaults.BASS_SEEDS,
    mixing: str = "well_mixed",
    workers: int | Executor = 1,
    base_seed: int = defaults.BASS_BASE_SEED,
    on_done=None,
) -> BassCheck:
    """Run the Bass scenario over ``seeds`` seeds and collect each run's adopter share."""
    scenario = bass_scenario(p, q, prospects, weeks, mixing)
    batch = run_batch([scenario], replicate_seeds(base_seed, seeds), weeks, workers, on_done)
    frame = batch.timeseries()
    curves = frame.pivot(index="week", columns="seed", values="customers") / prospects
    return BassCheck(p, q, prospects, curves)


def curves_table(check: BassCheck) -> pd.DataFrame:
    """The check as a tidy table (shares in % of market), for saving and plotting."""
    low, high = np.percentile(check.curves.to_numpy(), INTERVAL, axis=1)
    return pd.DataFrame(
        {
            "week": check.weeks,
            "years": check.weeks / WEEKS_PER_YEAR,
            "closed_form_pct": 100.0 * check.closed_form,
            "discrete_rule_pct": 100.0 * check.discrete,
            "model_mean_pct": 100.0 * check.mean,
            "model_p05_pct": 100.0 * low,
            "model_p95_pct": 100.0 * high,
        }
    )
