"""Docking with the Bass model: the weekly rule, the stochastic model and the closed form."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.experiments.bass import (
    bass_closed_form,
    discrete_bass,
    held_share_bass,
    run_bass_check,
)

#: Usual ranges (Sultan, Farley & Lehmann 1990: p ~ 0.03, q ~ 0.38 per year).
USUAL = [(0.01, 0.3), (0.03, 0.38), (0.05, 0.5), (0.02, 0.6)]


def test_closed_form_is_the_bass_curve():
    years = np.linspace(0, 30, 301)
    f = bass_closed_form(0.03, 0.38, years)
    assert f[0] == 0 and 0.99 < f[-1] < 1
    # it solves dF/dt = (p + q F)(1 - F): compare a central difference with the right side
    dfdt = np.gradient(f, years)
    assert np.allclose(dfdt[1:-1], ((0.03 + 0.38 * f) * (1 - f))[1:-1], atol=2e-3)


#: Corners of the range the model must dock over (per year): slow and fast innovation, no and
#: fast imitation.
CORNERS = [(0.001, 0.0), (0.001, 2.0), (0.1, 0.0), (0.1, 2.0)]


@pytest.mark.parametrize(("p", "q"), USUAL + CORNERS)
def test_weekly_rule_solves_the_bass_equation_over_each_week(p, q):
    """The model's weekly chance of adopting solves the Bass equation over the week, so its
    infinite-market curve is the closed form at every week (25 years) up to rounding; holding
    F at its start-of-week value instead (the rule before) lags by 3.3 pp at p = 0.001, q = 2."""
    weeks = 52 * 25
    exact = bass_closed_form(p, q, np.arange(1, weeks + 1) / 52)
    assert np.max(np.abs(discrete_bass(p, q, weeks) - exact)) < 1e-9
    if (p, q) == (0.001, 2.0):
        assert np.max(np.abs(held_share_bass(p, q, weeks) - exact)) > 0.03


@pytest.mark.parametrize(("p", "q"), [(0.001, 0.0), (0.1, 0.0), (0.1, 2.0)])
def test_model_docks_within_1pp_at_the_corners(p, q):
    """100,000 prospects, 4 runs, 10 years: the mean curve within 1 pp of the closed form at
    every week. Measured on seeds of root 5: 0.02, 0.12 and 0.34 pp, run-to-run sd at most
    0.04, 0.18 and 0.40 pp, so 1 pp is over 4 standard errors of the mean away. (The fourth
    corner, p = 0.001 with q = 2, is the next test.)"""
    check = run_bass_check(p, q, 100_000, 520, 4, workers=2, base_seed=11)
    assert check.max_gap_pp < 1.0


def test_slow_innovation_fast_imitation_docks_within_its_take_off_noise():
    """At p = 0.001, q = 2 a handful of innovators start an explosive imitation, so when the
    curve takes off is random: at 100,000 prospects one run's share strays up to 4 pp from
    the closed form (sd measured on seeds of root 5). The mean of 6 runs must stay within 4
    standard errors (estimated from the runs themselves) plus 0.1 pp at every week; at
    1,000,000 prospects and 10 runs the mean docks within 1 pp (docs/validation.md), which is
    too slow for the suite."""
    check = run_bass_check(0.001, 2.0, 100_000, 520, 6, workers=2, base_seed=11)
    standard_error = check.curves.std(axis=1).to_numpy() / np.sqrt(6)
    gap = np.abs(check.mean - check.closed_form)
    assert np.all(gap <= 4 * standard_error + 0.001), float(np.max(gap - 4 * standard_error))


@pytest.mark.parametrize(("p", "q"), USUAL)
def test_model_mean_follows_the_weekly_rule_within_sampling_noise(p, q):
    """The model's mean curve matches the weekly rule's expected curve (the closed form) up to
    sampling noise.

    Tolerance: a binomial 4-sigma band, sqrt(F(1-F)/(N*S)) for N prospects and S runs, widened
    by 3 because contagion makes a stochastic Bass curve vary more than a binomial draw (the
    take-off time itself is random; at p=0.03, q=0.38 and 100,000 prospects we measured a
    run-to-run sd of 0.48 pp over 10 runs, 3.0 times the binomial one), plus 0.1 pp for the band's floor where F is near 0 or 1.
    """
    n, seeds, weeks = 20_000, 6, 520
    check = run_bass_check(p, q, n, weeks, seeds, workers=1, base_seed=7)
    expected = check.discrete
    band = 4 * 3 * np.sqrt(expected * (1 - expected) / (n * seeds)) + 0.001
    worst = np.max(np.abs(check.mean - expected) - band)
    assert worst <= 0, f"mean curve leaves the noise band by {100 * worst:.2f} pp"


def test_acceptance_100k_prospects_20_years_within_1pp():
    """The issue's acceptance: p=0.03, q=0.38, 100k prospects, 20 years weekly, 10 runs:
    every week within 1 pp of the closed form (measured: 0.23 pp, of which 0.21 pp is the
    weekly rule's discretisation error)."""
    check = run_bass_check(0.03, 0.38, 100_000, 1040, 10, workers=2)
    assert check.max_gap_pp < 1.0
    assert check.discretisation_gap_pp < 0.25


def test_network_slows_diffusion_compared_with_a_well_mixed_market():
    """On a clustered network imitation is local: neighbourhoods saturate while the rest of
    the market has not heard, so adoption at the median time lags the well-mixed curve."""
    mixed = run_bass_check(0.03, 0.38, 10_000, 520, 3, "well_mixed", base_seed=3)
    network = run_bass_check(0.03, 0.38, 10_000, 520, 3, "network", base_seed=3)
    week_half = int(np.argmax(mixed.mean >= 0.5))
    assert network.mean[week_half] < mixed.mean[week_half] - 0.02


def test_check_command_prints_max_gap_last(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "check",
            "bass",
            "--n",
            "3000",
            "--weeks",
            "260",
            "--seeds",
            "2",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("max gap: ") and last.endswith(" pp")
    assert (tmp_path / "bass.png").stat().st_size > 10_000
    assert (tmp_path / "bass.csv").is_file()
