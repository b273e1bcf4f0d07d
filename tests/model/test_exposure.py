"""Marketing's exposure sampler, :meth:`MarketingDepartment.draw_exposed`.

Prospect i is exposed to channel c with probability ``min(1, reach * weight_i)``, where
``weight_i = focus_by_segment[segment_i] * (1 - ft + ft * fit_i / mean fit)`` (``ft`` is the
channel's fit targeting, ``focus_by_segment`` the segment focus over its market mean);
customers are never exposed. Tested, on a real model that is not stepped: the indices are
unique, sorted and never customers; no reach exposes nobody and a huge one every
non-customer; the mean number exposed, the exposure frequency by fit decile and the
exposures by segment under a moved segment focus match those probabilities.
"""

from __future__ import annotations

import numpy as np
import pytest

from gtmsim.model import GrowthModel, load_scenario
from gtmsim.model.journey import Stage
from gtmsim.model.scenario import with_levers

SEED = 1
N = 20_000


def _model(seed: int = SEED) -> GrowthModel:
    """A default-size market with a quarter of the prospects made customers."""
    model = GrowthModel(with_levers(load_scenario("separate"), {"market.prospects": N}), seed=seed)
    customers = np.random.default_rng(123).random(N) < 0.25
    model.population.stage[customers] = Stage.CUSTOMER
    return model


@pytest.fixture
def model() -> GrowthModel:
    return _model()


def _weights(model: GrowthModel, channel: int) -> np.ndarray:
    """Each prospect's targeting weight, recomputed from the population and parameters."""
    pop = model.population
    marketing = model.marketing
    focus = marketing.segment_focus / marketing.segment_focus[pop.segment].mean()
    ft = marketing.channels[channel].fit_targeting
    return focus[pop.segment] * (1 - ft + ft * pop.fit / pop.fit.mean())


def _probabilities(model: GrowthModel, channel: int, reach: float) -> np.ndarray:
    """Each prospect's exposure probability: min(1, reach * weight), 0 for customers."""
    p = np.minimum(1.0, reach * _weights(model, channel))
    p[model.population.stage == Stage.CUSTOMER] = 0.0
    return p


def _exposure_counts(model: GrowthModel, channel: int, reach: float, draws: int) -> np.ndarray:
    """How many of ``draws`` independent draws exposed each prospect."""
    counts = np.zeros(model.population.n, dtype=np.int64)
    for _ in range(draws):
        counts[model.marketing.draw_exposed(channel, reach)] += 1
    return counts


def test_indices_are_unique_sorted_and_never_customers(model: GrowthModel) -> None:
    customer = model.population.stage == Stage.CUSTOMER
    for channel in range(len(model.marketing.channels)):
        for reach in (0.01, 0.3, 0.9):
            for _ in range(5):
                idx = model.marketing.draw_exposed(channel, reach)
                assert idx.ndim == 1 and np.issubdtype(idx.dtype, np.integer)
                assert len(idx) > 0
                assert np.all(np.diff(idx) > 0)  # sorted, so unique
                assert idx[0] >= 0 and idx[-1] < N
                assert not customer[idx].any()


def test_no_reach_exposes_nobody(model: GrowthModel) -> None:
    for channel in range(len(model.marketing.channels)):
        for reach in (0.0, -0.5):
            idx = model.marketing.draw_exposed(channel, reach)
            assert len(idx) == 0 and np.issubdtype(idx.dtype, np.integer)


def test_huge_reach_exposes_every_non_customer(model: GrowthModel) -> None:
    # Every weight is positive (fit > 0), so reach * weight > 1 for all: everyone is exposed.
    non_customers = np.flatnonzero(model.population.stage != Stage.CUSTOMER)
    for channel in range(len(model.marketing.channels)):
        np.testing.assert_array_equal(model.marketing.draw_exposed(channel, 1e6), non_customers)


@pytest.mark.parametrize("reach", [0.05, 0.8])
def test_mean_number_exposed_is_the_sum_of_probabilities(model: GrowthModel, reach: float) -> None:
    draws = 200
    capped_channels = 0
    for channel in range(len(model.marketing.channels)):
        p = _probabilities(model, channel, reach)
        counts = [len(model.marketing.draw_exposed(channel, reach)) for _ in range(draws)]
        # Tolerance: the number exposed is a sum of independent Bernoulli(p_i), variance
        # sum p_i (1 - p_i); 4 sigma of the mean of 200 draws. |z| < 2.8 over the 10 channel
        # and reach cases on model seeds 1-12.
        sigma = np.sqrt(np.sum(p * (1 - p)) / draws)
        assert abs(np.mean(counts) - p.sum()) < 4 * sigma, model.marketing.channel_names[channel]
        if np.any(p == 1):  # the cap at 1 matters: without it the mean would be far larger
            capped_channels += 1
            uncapped = reach * _weights(model, channel)[p > 0]
            assert uncapped.sum() > p.sum() + 20 * sigma
    # At reach 0.8 the targeted channels (content, seo_sem, events) reach weights above 1.25.
    assert capped_channels == (3 if reach == 0.8 else 0)


@pytest.mark.parametrize("name", ["ads", "events"])
def test_exposure_frequency_follows_fit(model: GrowthModel, name: str) -> None:
    # ads targets fit weakly (0.1), events strongly (0.7).
    marketing = model.marketing
    channel = marketing.channel_names.index(name)
    draws, reach = 400, 0.2
    p = _probabilities(model, channel, reach)
    counts = _exposure_counts(model, channel, reach, draws)
    open_ = np.flatnonzero(model.population.stage != Stage.CUSTOMER)
    by_fit = open_[np.argsort(model.population.fit[open_])]
    deciles = np.array_split(by_fit, 10)
    observed = np.array([counts[d].sum() / (len(d) * draws) for d in deciles])
    expected = np.array([p[d].mean() for d in deciles])
    # Tolerance: a decile's exposures are a sum of independent Binomial(draws, p_i), variance
    # draws * sum p_i (1 - p_i); 4 sigma of its mean rate. max |z| < 2.9 over the 10 deciles
    # and both channels on model seeds 1-12.
    sigma = np.array(
        [np.sqrt(draws * np.sum(p[d] * (1 - p[d]))) / (len(d) * draws) for d in deciles]
    )
    assert np.all(np.abs(observed - expected) < 4 * sigma)
    # Targeting shows: the best-fitting decile is exposed more than the worst by a factor of
    # 1 - ft + ft * fit ratio (1.16-1.17 for ads and 3.3-3.4 for events on model seeds 1-12).
    ratio = observed[-1] / observed[0]
    if name == "ads":
        assert 1.1 < ratio < 1.4
    else:
        assert ratio > 2.5


def test_segment_focus_shifts_exposures_between_segments(model: GrowthModel) -> None:
    marketing = model.marketing
    pop = model.population
    marketing.segment_focus = np.array([2.0, 1.0, 0.5])
    marketing.update_targeting()
    # The focus is relative: its mean over the market is 1.
    assert np.isclose(marketing.focus_by_segment[pop.segment].mean(), 1.0)
    channel = marketing.channel_names.index("content")
    reach, draws = 0.1, 300
    p = _probabilities(model, channel, reach)
    # The sampler's largest weight is that of the best-fitting prospect (the thinning bound).
    assert np.isclose(marketing.max_weights[channel], _weights(model, channel).max())
    counts = _exposure_counts(model, channel, reach, draws)
    for segment in range(len(pop.segment_names)):
        members = pop.segment == segment
        observed = counts[members].sum() / draws
        expected = p[members].sum()
        # Tolerance: as in the mean-number test, 4 sigma of the mean of 300 draws, per
        # segment. max |z| < 2.8 over the 3 segments on model seeds 1-12.
        sigma = np.sqrt(np.sum(p[members] * (1 - p[members])) / draws)
        assert abs(observed - expected) < 4 * sigma, pop.segment_names[segment]
    # smb (focus 2) gets 4 times the exposures per open prospect of enterprise (focus 0.5):
    # 4.1-4.25 on model seeds 1-12.
    open_ = pop.stage != Stage.CUSTOMER
    per_prospect = [counts[(pop.segment == s) & open_].mean() for s in (0, 2)]
    assert per_prospect[0] > 3 * per_prospect[1]


def test_bernoulli_positions_are_independent_trials() -> None:
    """20,000 draws of 1,000 trials at p = 0.3: each index succeeds at rate 0.3 (every index
    within 5 binomial sd of it: sd 0.0032), the count's mean and variance are n p and n p (1-p)
    within 5 standard errors, positions are sorted, distinct and inside 0..n-1; an almost-sure
    p gives almost every index and a tiny one almost none."""
    from gtmsim.model.marketing import bernoulli_positions

    rng = np.random.default_rng(4)
    n, p, draws = 1_000, 0.3, 20_000
    hits = np.zeros(n)
    counts = np.empty(draws)
    for i in range(draws):
        positions = bernoulli_positions(n, p, rng)
        assert np.all(np.diff(positions) > 0) and positions[0] >= 0 and positions[-1] < n
        hits[positions] += 1
        counts[i] = len(positions)
    rate_sd = np.sqrt(p * (1 - p) / draws)
    assert np.all(np.abs(hits / draws - p) < 5 * rate_sd)
    assert abs(counts.mean() - n * p) < 5 * np.sqrt(n * p * (1 - p) / draws)
    variance_se = n * p * (1 - p) * np.sqrt(2 / draws)  # the sample variance's (near-normal)
    assert abs(counts.var() - n * p * (1 - p)) < 5 * variance_se
    assert len(bernoulli_positions(100, 0.9999, rng)) >= 98
    assert len(bernoulli_positions(100, 1e-9, rng)) == 0
