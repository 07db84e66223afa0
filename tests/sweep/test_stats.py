"""PSR, DSR, PBO and SPA against published numbers and independent computations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from backtest.sweep.stats import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    pbo_cscv,
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
    got = deflated_sharpe_ratio(r, best)
    sr0 = expected_max_sharpe(30, float(np.var(sharpe, ddof=1)))
    z = stats.skew(r[best], bias=True)
    k = stats.kurtosis(r[best], fisher=False, bias=True)
    assert got["sr0"] == pytest.approx(sr0, rel=1e-12)
    assert got["dsr"] == pytest.approx(
        probabilistic_sharpe_ratio(sharpe[best], sr0, 800, z, k), rel=1e-12
    )
    assert got["dsr"] < got["psr"]  # deflation only lowers the probability


def _pbo_brute_force(r: np.ndarray, n_blocks: int) -> np.ndarray:
    """CSCV written out with loops over splits and trials (independent of the vectorised one)."""
    k, n = r.shape
    size = n // n_blocks
    r = r[:, n - size * n_blocks :]
    blocks = [r[:, b * size : (b + 1) * size] for b in range(n_blocks)]
    logits = []
    for train_ids in itertools.combinations(range(n_blocks), n_blocks // 2):
        test_ids = [b for b in range(n_blocks) if b not in train_ids]
        train = np.concatenate([blocks[b] for b in train_ids], axis=1)
        test = np.concatenate([blocks[b] for b in test_ids], axis=1)
        train_sr = [np.mean(x) / np.std(x, ddof=1) for x in train]
        test_sr = [np.mean(x) / np.std(x, ddof=1) for x in test]
        best = int(np.argmax(train_sr))
        rank = stats.rankdata(test_sr)[best]  # average ranks, 1..K
        omega = rank / (k + 1)
        logits.append(math.log(omega / (1 - omega)))
    return np.array(logits)


def test_pbo_equals_a_brute_force_cscv() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.0, 0.01, (7, 123))
    result = pbo_cscv(r, n_blocks=6)
    expected = _pbo_brute_force(r, 6)
    np.testing.assert_allclose(result.logits, expected, rtol=1e-9)
    assert result.pbo == pytest.approx(np.mean(expected <= 0))


def test_pbo_hand_case_two_trials_that_swap() -> None:
    # A wins the first half, B the second: whichever half trains, its winner is last out of
    # sample (rank 1 of 2, w = 1/3, logit < 0), so PBO = 1.
    a = np.r_[np.full(10, 0.01) + np.arange(10) * 1e-4, np.full(10, -0.01) + np.arange(10) * 1e-4]
    b = a[::-1].copy()
    result = pbo_cscv(np.vstack([a, b]), n_blocks=2)
    np.testing.assert_allclose(result.logits, [math.log(0.5)] * 2)
    assert result.pbo == 1.0


def test_pbo_noise_is_about_one_half_and_skill_is_about_zero() -> None:
    rng = np.random.default_rng(4)
    noise = rng.normal(0.0, 0.01, (200, 1000))
    assert 0.3 <= pbo_cscv(noise, n_blocks=10).pbo <= 0.7
    skilled = noise.copy()
    skilled[17] += 0.004  # one trial with a large, persistent edge
    assert pbo_cscv(skilled, n_blocks=10).pbo == 0.0


def test_pbo_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="`n_blocks` must be an even integer"):
        pbo_cscv(np.zeros((3, 100)), n_blocks=5)
    with pytest.raises(ValueError, match="at least 2 trials"):
        pbo_cscv(np.zeros((1, 100)))


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


def test_rows_select_trials_without_copying_and_duplicates_count_once() -> None:
    from backtest.sweep.summary import distinct_rows

    rng = np.random.default_rng(6)
    r = rng.normal(0.0003, 0.01, (6, 400))
    r[4] = r[1]  # a duplicate variant
    keep = distinct_rows(r)
    assert keep.tolist() == [0, 1, 2, 3, 5]
    copy = r[keep]
    base = rng.normal(0.0, 0.01, 400)
    assert deflated_sharpe_ratio(r, 3, rows=keep) == deflated_sharpe_ratio(copy, 3)
    assert deflated_sharpe_ratio(r, 5, rows=keep, offset=base) == deflated_sharpe_ratio(
        copy - base, 4
    )
    np.testing.assert_allclose(
        pbo_cscv(r, n_blocks=4, rows=keep).logits, pbo_cscv(copy, n_blocks=4).logits, rtol=1e-12
    )
