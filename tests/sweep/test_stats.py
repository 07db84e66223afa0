"""PSR, DSR, effective trials and arch's SPA against published numbers and plain numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from backtest.sweep.stats import (
    average_correlation,
    deflated_sharpe_ratio,
    effective_trials,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
    sharpe_moments,
    spa_test,
)


def test_dsr_worked_example_of_bailey_and_lopez_de_prado_2014() -> None:
    # "The Deflated Sharpe Ratio" (2014), numerical example: N = 100 trials whose annualised
    # Sharpe ratios have variance 1/2, the best one 2.5 annualised over T = 1250 daily returns
    # with skewness -3 and kurtosis 10; the paper reports E[max SR] ~ 0.1132 and DSR ~ 0.9004.
    sr0 = expected_max_sharpe(100, 0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    dsr = probabilistic_sharpe_ratio(2.5 / math.sqrt(250), sr0, 1250, -3.0, 10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-4)


def test_psr_and_expected_max_by_hand_with_scipy() -> None:
    sr, sr_star, n, g3, g4 = 0.08, 0.02, 600, -0.4, 5.5
    z = (sr - sr_star) * math.sqrt(n - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    assert probabilistic_sharpe_ratio(sr, sr_star, n, g3, g4) == pytest.approx(
        stats.norm.cdf(z), rel=1e-12
    )
    gamma = 0.5772156649015329
    expected = math.sqrt(0.003) * (
        (1 - gamma) * stats.norm.ppf(1 - 1 / 40) + gamma * stats.norm.ppf(1 - 1 / (40 * math.e))
    )
    assert expected_max_sharpe(40, 0.003) == pytest.approx(expected, rel=1e-12)
    assert expected_max_sharpe(1, 0.003) == 0.0


def test_sharpe_moments_match_scipy() -> None:
    rng = np.random.default_rng(1)
    r = rng.standard_t(5, size=(4, 500)) * 0.01 + 0.0004
    sharpe, skew, kurt = sharpe_moments(r)
    np.testing.assert_allclose(sharpe, r.mean(axis=1) / r.std(axis=1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(skew, stats.skew(r, axis=1, bias=True), rtol=1e-10)
    np.testing.assert_allclose(kurt, stats.kurtosis(r, axis=1, fisher=False, bias=True), rtol=1e-10)


def test_dsr_of_the_best_trial_uses_the_variance_across_trials() -> None:
    rng = np.random.default_rng(2)
    r = rng.normal(0.0002, 0.01, (30, 800))
    sharpe = r.mean(axis=1) / r.std(axis=1, ddof=1)
    best = int(np.argmax(sharpe))
    z = stats.skew(r[best], bias=True)
    k = stats.kurtosis(r[best], fisher=False, bias=True)
    got = deflated_sharpe_ratio(
        sharpe=sharpe[best], skew=z, kurtosis=k, n_obs=800, trial_sharpes=sharpe
    )
    sr0 = expected_max_sharpe(30, float(np.var(sharpe, ddof=1)))
    assert got["sr0"] == pytest.approx(sr0, rel=1e-12)
    assert got["n_trials"] == 30
    assert got["dsr"] == pytest.approx(
        probabilistic_sharpe_ratio(sharpe[best], sr0, 800, z, k), rel=1e-12
    )
    assert got["dsr"] < got["psr"]  # deflation only lowers the probability
    fewer = deflated_sharpe_ratio(
        sharpe=sharpe[best], skew=z, kurtosis=k, n_obs=800, trial_sharpes=sharpe, n_trials=7.5
    )
    assert fewer["sr0"] == pytest.approx(expected_max_sharpe(7.5, float(np.var(sharpe, ddof=1))))
    assert fewer["dsr"] > got["dsr"]  # fewer effective trials, less deflation


def test_average_correlation_and_effective_trials_by_numpy() -> None:
    rng = np.random.default_rng(9)
    common = rng.normal(0.0, 0.01, 300)
    r = common + rng.normal(0.0, 0.006, (12, 300))
    z = (r - r.mean(axis=1, keepdims=True)) / r.std(axis=1, ddof=1, keepdims=True)
    corr = np.corrcoef(r)
    expected = (corr.sum() - 12) / (12 * 11)  # mean of the off-diagonal correlations
    got = average_correlation(z.sum(axis=0), n_series=12, n_obs=300)
    assert got == pytest.approx(expected, rel=1e-10)
    assert effective_trials(12, got) == pytest.approx(got + (1 - got) * 12)
    assert effective_trials(12, 1.0) == 1.0
    assert effective_trials(12, -0.2) == 12.0  # clipped: never more than N
    assert effective_trials(12, float("nan")) == 12.0
    assert np.isnan(average_correlation(z[0], n_series=1, n_obs=300))


def test_spa_finds_a_superior_trial_and_not_an_inferior_one() -> None:
    rng = np.random.default_rng(5)
    baseline = rng.normal(0.0, 0.01, 500)
    worse = baseline + rng.normal(-0.002, 0.002, (20, 500))
    result = spa_test(worse, baseline, reps=300, block_size=5, seed=1)
    assert result.pvalue_consistent > 0.5
    better = worse.copy()
    better[3] = baseline + 0.002 + rng.normal(0.0, 0.002, 500)
    result = spa_test(better, baseline, reps=300, block_size=5, seed=1)
    assert result.pvalue_consistent < 0.01
    again = spa_test(better, baseline, reps=300, block_size=5, seed=1)
    assert again == result  # seeded: reproducible
