"""Docking with the Bass model: the weekly rule, the stochastic model and the closed form."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from gtmsim.cli import main
from gtmsim.experiments.bass import bass_closed_form, discrete_bass, run_bass_check

#: Usual ranges (Sultan, Farley & Lehmann 1990: p ~ 0.03, q ~ 0.38 per year).
USUAL = [(0.01, 0.3), (0.03, 0.38), (0.05, 0.5), (0.02, 0.6)]


def test_closed_form_is_the_bass_curve():
    years = np.linspace(0, 30, 301)
    f = bass_closed_form(0.03, 0.38, years)
    assert f[0] == 0 and 0.99 < f[-1] < 1
    # it solves dF/dt = (p + q F)(1 - F): compare a central difference with the right side
    dfdt = np.gradient(f, years)
    assert np.allclose(dfdt[1:-1], ((0.03 + 0.38 * f) * (1 - f))[1:-1], atol=2e-3)


@pytest.mark.parametrize(("p", "q"), USUAL)
def test_weekly_rule_discretisation_error_is_small(p, q):
    """The weekly rule holds F fixed for a week; its error is first order in the step
    (1/52 year), so it stays a fraction of a percentage point and halves with a half step."""
    weeks = 52 * 25
    exact = bass_closed_form(p, q, np.arange(1, weeks + 1) / 52)
    gap = np.max(np.abs(discrete_bass(p, q, weeks) - exact))
    assert gap < 0.005  # 0.5 pp
    # the same rule with half-week steps (hazard / 104 per step) roughly halves the error
    share, fine = 0.0, []
    for _ in range(2 * weeks):
        share += (1 - share) * -np.expm1(-(p + q * share) / 104)
        fine.append(share)
    fine_gap = np.max(np.abs(np.array(fine)[1::2] - exact))
    assert 0.4 < fine_gap / gap < 0.6


@pytest.mark.parametrize(("p", "q"), USUAL)
def test_model_mean_follows_the_weekly_rule_within_sampling_noise(p, q):
    """The model's mean curve matches the weekly rule's expected curve up to sampling noise.

    Tolerance: a binomial 4-sigma band, sqrt(F(1-F)/(N*S)) for N prospects and S runs, widened
    by 3 because contagion makes a stochastic Bass curve vary more than a binomial draw (the
    take-off time itself is random; at p=0.03, q=0.38 we measured a run-to-run sd 2.8 times the
    binomial one), plus 0.1 pp for the band's floor where F is near 0 or 1.
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
