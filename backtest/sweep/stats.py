"""Statistics that keep a sweep honest: PSR, DSR, the effective number of trials, the SPA test.

Conventions: Sharpe ratios here are **per period** (daily, not annualised) unless a name says
``annual``; skewness and kurtosis are the biased sample moments, kurtosis non-excess (a normal
distribution has 3).

* `probabilistic_sharpe_ratio` (Bailey and Lopez de Prado, 2012):
  ``PSR(SR*) = Phi((SR - SR*) sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))``.
* `expected_max_sharpe` (Bailey and Lopez de Prado, 2014): the Sharpe ratio the best of ``N``
  unskilled trials reaches by luck, ``SR0 = sqrt(V[SR_n]) ((1 - gamma) Phi^-1(1 - 1/N) +
  gamma Phi^-1(1 - 1/(N e)))`` with ``gamma`` the Euler-Mascheroni constant.
* `deflated_sharpe_ratio`: ``PSR(SR0)`` of the selected trial.
* `effective_trials`: the usual approximation for correlated trials, ``N_eff = rho + (1 - rho)
  N`` independent ones with ``rho`` their average pairwise correlation (`average_correlation`,
  exact from the sum of the standardised return series); ``N`` itself overstates the search
  when the trials move together, ``N_eff`` may understate it.
* `spa_test`: Hansen's (2005) SPA test through arch itself (``arch.bootstrap.SPA``) on
  per-period returns; the sweep streams the same computation (`backtest.sweep.spa`).
* CSCV's probability of backtest overfitting: `backtest.sweep.pbo`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri  # type: ignore[import-untyped]

__all__ = [
    "EULER_GAMMA",
    "SpaResult",
    "average_correlation",
    "deflated_sharpe_ratio",
    "effective_trials",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
    "sharpe_moments",
    "spa_test",
]

EULER_GAMMA = 0.5772156649015329
"""The Euler-Mascheroni constant."""


def sharpe_moments(returns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-period Sharpe ratio (ddof 1), skewness and non-excess kurtosis of each row.

    Parameters
    ----------
    returns : ndarray, shape (K, n) or (n,)

    Returns
    -------
    sharpe, skew, kurtosis : ndarray, shape (K,) (or scalars' 0-d arrays for 1-d input)
    """
    r = np.asarray(returns, dtype=float)
    mean = r.mean(axis=-1, keepdims=True)
    centred = r - mean
    squared = centred * centred
    m2 = squared.mean(axis=-1)
    m3 = (squared * centred).mean(axis=-1)
    m4 = (squared * squared).mean(axis=-1)
    n = r.shape[-1]
    std = np.sqrt(m2 * n / (n - 1)) if n > 1 else np.full(m2.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = np.where(std > 0, mean[..., 0] / std, np.nan)
        skew = np.where(m2 > 0, m3 / m2**1.5, np.nan)
        kurtosis = np.where(m2 > 0, m4 / m2**2, np.nan)
    return sharpe, skew, kurtosis


def probabilistic_sharpe_ratio(
    sharpe: float, benchmark: float, n_obs: int, skew: float, kurtosis: float
) -> float:
    """Probability that the true per-period Sharpe ratio exceeds ``benchmark``.

    Parameters
    ----------
    sharpe : float
        Observed per-period Sharpe ratio.
    benchmark : float
        ``SR*``, per period.
    n_obs : int
        Number of returns.
    skew, kurtosis : float
        Skewness and non-excess kurtosis of the returns.
    """
    var = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if n_obs < 2 or not np.isfinite(var) or var <= 0:
        return float("nan")
    return float(ndtr((sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(var)))


def expected_max_sharpe(n_trials: float, sharpe_variance: float) -> float:
    """Return expected maximum per-period Sharpe ratio of ``n_trials`` zero-skill trials.

    Parameters
    ----------
    n_trials : float
        ``N`` (an effective number may be fractional); below 2 gives 0 (no selection, no
        deflation: the approximation is for many trials).
    sharpe_variance : float
        Variance of the trials' per-period Sharpe ratios.
    """
    if not n_trials >= 2:
        return 0.0
    z = (1.0 - EULER_GAMMA) * ndtri(1.0 - 1.0 / n_trials) + EULER_GAMMA * ndtri(
        1.0 - 1.0 / (n_trials * math.e)
    )
    return float(math.sqrt(max(sharpe_variance, 0.0)) * z)


def average_correlation(sums: np.ndarray, *, n_series: int, n_obs: int) -> float:
    """Average pairwise correlation of ``n_series`` series from the sum of their z-scores.

    With ``z_k = (r_k - mean_k) / std_k`` (ddof 1) each ``z_k . z_k = n_obs - 1``, so
    ``|sum_k z_k|^2 = (n_obs - 1) (N + sum_{i != j} corr_ij)`` and the average over the
    ``N (N - 1)`` ordered pairs is ``(|sum z|^2 / (n_obs - 1) - N) / (N (N - 1))``.

    Parameters
    ----------
    sums : ndarray, shape (n_obs,)
        ``sum_k z_k``.
    n_series : int
        ``N`` (NaN below 2).
    n_obs : int
    """
    if n_series < 2 or n_obs < 2:
        return float("nan")
    total = float(np.dot(sums, sums)) / (n_obs - 1)
    return (total - n_series) / (n_series * (n_series - 1.0))


def effective_trials(n_trials: int, correlation: float) -> float:
    """``rho + (1 - rho) N`` with ``rho`` clipped to [0, 1] (``N`` when ``rho`` is NaN)."""
    if not np.isfinite(correlation):
        return float(n_trials)
    rho = min(max(correlation, 0.0), 1.0)
    return rho + (1.0 - rho) * n_trials


def deflated_sharpe_ratio(
    *,
    sharpe: float,
    skew: float,
    kurtosis: float,
    n_obs: int,
    trial_sharpes: np.ndarray,
    n_trials: float | None = None,
) -> dict[str, float]:
    """DSR of the selected trial against the expected best of the trials by luck.

    Parameters
    ----------
    sharpe, skew, kurtosis : float
        The selected trial's per-period Sharpe ratio and the moments of its returns.
    n_obs : int
        Returns per trial.
    trial_sharpes : ndarray, shape (N,)
        Per-period Sharpe ratio of every trial (NaN ones are left out).
    n_trials : float, optional
        ``N`` of `expected_max_sharpe` (e.g. `effective_trials`); default the finite trials.

    Returns
    -------
    dict with ``sharpe`` (per period), ``sharpe_annual``, ``psr`` (against 0), ``sr0``
    (expected maximum per period), ``sr0_annual``, ``dsr``, ``n_trials``, ``sharpe_variance``.
    """
    values = np.asarray(trial_sharpes, dtype=float)
    finite = values[np.isfinite(values)]
    variance = float(np.var(finite, ddof=1)) if len(finite) >= 2 else 0.0
    count = float(len(finite)) if n_trials is None else float(n_trials)
    sr0 = expected_max_sharpe(count, variance)
    root = math.sqrt(252)
    return {
        "sharpe": float(sharpe),
        "sharpe_annual": float(sharpe) * root,
        "psr": probabilistic_sharpe_ratio(sharpe, 0.0, n_obs, skew, kurtosis),
        "sr0": sr0,
        "sr0_annual": sr0 * root,
        "dsr": probabilistic_sharpe_ratio(sharpe, sr0, n_obs, skew, kurtosis),
        "n_trials": count,
        "sharpe_variance": variance,
    }


@dataclass(frozen=True, kw_only=True)
class SpaResult:
    """Hansen's SPA p-values (lower, consistent, upper); small = some trial beats the baseline."""

    pvalue_lower: float
    pvalue_consistent: float
    pvalue_upper: float
    reps: int
    block_size: int
    seed: int


def spa_test(
    returns: np.ndarray,
    baseline: np.ndarray,
    *,
    reps: int = 1000,
    block_size: int = 3,
    seed: int = 0,
) -> SpaResult:
    """Hansen's SPA test of every trial against the baseline through arch (null: none beats it).

    It tests the trials' mean return per period (losses are minus the returns). The sweep gives
    it calendar-month returns (`backtest.sweep.spa` streams the same test over chunks).

    Parameters
    ----------
    returns : ndarray, shape (K, n_periods)
        Returns per trial and period (monthly in the sweep).
    baseline : ndarray, shape (n_periods,)
    reps : int
        Bootstrap replications.
    block_size : int
        Mean block length of the stationary bootstrap, in periods (months in the sweep).
    seed : int
    """
    from arch.bootstrap import SPA

    losses = -np.ascontiguousarray(np.asarray(returns, dtype=float).T)
    test = SPA(
        -np.asarray(baseline, dtype=float),
        losses,
        block_size=block_size,
        reps=reps,
        bootstrap="stationary",
        studentize=True,
        nested=False,
        seed=seed,
    )
    test.compute()
    p = test.pvalues
    return SpaResult(
        pvalue_lower=float(p["lower"]),
        pvalue_consistent=float(p["consistent"]),
        pvalue_upper=float(p["upper"]),
        reps=reps,
        block_size=block_size,
        seed=seed,
    )
