"""Statistics that keep a sweep honest: PSR, DSR, PBO (CSCV) and Hansen's SPA test.

Conventions: Sharpe ratios here are **per period** (daily, not annualised) unless a name says
``annual``; skewness and kurtosis are the biased sample moments, kurtosis non-excess (a normal
distribution has 3).

* `probabilistic_sharpe_ratio` (Bailey and Lopez de Prado, 2012):
  ``PSR(SR*) = Phi((SR - SR*) sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2))``.
* `expected_max_sharpe` (Bailey and Lopez de Prado, 2014): the Sharpe ratio the best of ``N``
  unskilled trials reaches by luck, ``SR0 = sqrt(V[SR_n]) ((1 - gamma) Phi^-1(1 - 1/N) +
  gamma Phi^-1(1 - 1/(N e)))`` with ``gamma`` the Euler-Mascheroni constant.
* `deflated_sharpe_ratio`: ``PSR(SR0)`` of the selected trial.
* `pbo_cscv` (Bailey, Borwein, Lopez de Prado and Zhu, 2015): split the days into ``S`` equal
  blocks; for every choice of ``S/2`` blocks as the training set, pick the trial with the best
  training Sharpe and find its relative rank ``w`` among all trials on the other half;
  ``PBO = share of splits with logit(w) <= 0`` (the in-sample winner is at or below the
  out-of-sample median).
* `spa_test`: Hansen's (2005) superior predictive ability test of every trial against the
  baseline (arch's `arch.bootstrap.SPA`, stationary bootstrap, seeded), losses = -returns.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri  # type: ignore[import-untyped]

__all__ = [
    "EULER_GAMMA",
    "PboResult",
    "SpaResult",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "pbo_cscv",
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


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Return expected maximum per-period Sharpe ratio of ``n_trials`` zero-skill trials.

    Parameters
    ----------
    n_trials : int
        ``N`` >= 1 (1 gives 0: no selection, no deflation).
    sharpe_variance : float
        Variance of the trials' per-period Sharpe ratios.
    """
    if n_trials < 2:
        return 0.0
    z = (1.0 - EULER_GAMMA) * ndtri(1.0 - 1.0 / n_trials) + EULER_GAMMA * ndtri(
        1.0 - 1.0 / (n_trials * math.e)
    )
    return float(math.sqrt(max(sharpe_variance, 0.0)) * z)


def _row_sharpe(
    returns: np.ndarray, offset: np.ndarray | None, rows: np.ndarray, step: int = 1024
) -> np.ndarray:
    """Per-row Sharpe ratio (ddof 1) of ``returns[rows] - offset``, a block of rows at a time."""
    out = np.empty(len(rows))
    for lo in range(0, len(rows), step):
        block = np.asarray(returns[rows[lo : lo + step]], dtype=float)
        if offset is not None:
            block = block - offset
        mean = block.mean(axis=1)
        std = block.std(axis=1, ddof=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[lo : lo + step] = np.where(std > 0, mean / std, np.nan)
    return out


def deflated_sharpe_ratio(
    returns: np.ndarray,
    selected: int,
    *,
    offset: np.ndarray | None = None,
    rows: np.ndarray | None = None,
) -> dict[str, float]:
    """DSR of trial ``selected`` among all rows of ``returns`` (each row one trial).

    Parameters
    ----------
    returns : ndarray, shape (K, n)
    selected : int
        Row of the trial that was picked (usually the best Sharpe ratio).
    offset : ndarray, shape (n,), optional
        Subtracted from every row first (a benchmark: the statistics of active returns).
    rows : ndarray of int, optional
        The trials are ``returns[rows]`` (read a block at a time, never copied whole); default
        every row. ``selected`` is a row of ``returns``.

    Returns
    -------
    dict with ``sharpe`` (per period), ``sharpe_annual``, ``psr`` (against 0), ``sr0``
    (expected maximum per period), ``sr0_annual``, ``dsr``, ``n_trials``, ``sharpe_variance``.
    """
    rows = np.arange(len(returns)) if rows is None else np.asarray(rows)
    sharpe = _row_sharpe(returns, offset, rows)
    chosen = np.asarray(returns[selected], dtype=float)
    chosen_sharpe, skew, kurtosis = sharpe_moments(chosen if offset is None else chosen - offset)
    finite = np.isfinite(sharpe)
    variance = float(np.var(sharpe[finite], ddof=1)) if finite.sum() >= 2 else 0.0
    n_trials = int(finite.sum())
    sr0 = expected_max_sharpe(n_trials, variance)
    n_obs = returns.shape[1]
    sr, g3, g4 = float(chosen_sharpe), float(skew), float(kurtosis)
    return {
        "sharpe": sr,
        "sharpe_annual": sr * math.sqrt(252),
        "psr": probabilistic_sharpe_ratio(sr, 0.0, n_obs, g3, g4),
        "sr0": sr0,
        "sr0_annual": sr0 * math.sqrt(252),
        "dsr": probabilistic_sharpe_ratio(sr, sr0, n_obs, g3, g4),
        "n_trials": float(n_trials),
        "sharpe_variance": variance,
    }


@dataclass(frozen=True, kw_only=True)
class PboResult:
    """Outcome of CSCV.

    Attributes
    ----------
    pbo : float
        Share of splits whose in-sample winner ranks at or below the out-of-sample median.
    logits : ndarray, shape (n_splits,)
        ``log(w / (1 - w))`` per split, ``w`` the winner's relative out-of-sample rank.
    n_blocks : int
    """

    pbo: float
    logits: np.ndarray
    n_blocks: int


def _block_sharpe(n: float, total: np.ndarray, squares: np.ndarray) -> np.ndarray:
    mean = total / n
    var = (squares - n * mean**2) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, mean / np.sqrt(np.maximum(var, 0.0)), np.nan)


def pbo_cscv(
    returns: np.ndarray, *, n_blocks: int = 16, batch: int = 256, rows: np.ndarray | None = None
) -> PboResult:
    """Probability of backtest overfitting by combinatorially symmetric cross-validation.

    Parameters
    ----------
    returns : ndarray, shape (K, n)
        One row per trial (K >= 2); the first ``n mod n_blocks`` days are dropped so the blocks
        are equal.
    n_blocks : int
        ``S``, even, >= 2; there are ``C(S, S/2)`` splits.
    batch : int
        Splits evaluated together (bounds memory to ``batch x K`` floats per array).
    rows : ndarray of int, optional
        The trials are ``returns[rows]`` (read a block of days at a time); default every row.

    Returns
    -------
    PboResult
    """
    r = np.asarray(returns, dtype=float)
    rows = np.arange(len(r)) if rows is None else np.asarray(rows)
    k, n = len(rows), r.shape[1]
    if n_blocks < 2 or n_blocks % 2:
        raise ValueError(f"`n_blocks` must be an even integer >= 2, got {n_blocks}")
    if k < 2:
        raise ValueError(f"PBO needs at least 2 trials, got {k}")
    size = n // n_blocks
    if size < 2:
        raise ValueError(f"{n} days cannot make {n_blocks} blocks of at least 2 days")
    sums = np.empty((n_blocks, k))  # (S, K)
    squares = np.empty((n_blocks, k))
    first = n - size * n_blocks
    for b in range(n_blocks):
        block = r[np.ix_(rows, np.arange(first + b * size, first + (b + 1) * size))]
        sums[b] = block.sum(axis=1)
        squares[b] = np.einsum("ij,ij->i", block, block)
    splits = np.array(
        [
            [b in chosen for b in range(n_blocks)]
            for chosen in itertools.combinations(range(n_blocks), n_blocks // 2)
        ],
        dtype=float,
    )
    half = size * n_blocks / 2
    logits = np.empty(len(splits))
    for lo in range(0, len(splits), batch):
        train = splits[lo : lo + batch]
        test = 1.0 - train
        train_sr = _block_sharpe(half, train @ sums, train @ squares)
        test_sr = _block_sharpe(half, test @ sums, test @ squares)
        train_sr = np.where(np.isnan(train_sr), -np.inf, train_sr)
        best = np.argmax(train_sr, axis=1)
        chosen = test_sr[np.arange(len(train)), best][:, None]
        below = np.sum(test_sr < chosen, axis=1)
        ties = np.sum(test_sr == chosen, axis=1)
        rank = below + (ties + 1) / 2.0  # average rank, 1 .. K
        omega = rank / (k + 1.0)
        logits[lo : lo + batch] = np.log(omega / (1.0 - omega))
    return PboResult(pbo=float(np.mean(logits <= 0.0)), logits=logits, n_blocks=n_blocks)


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
    block_size: int = 21,
    seed: int = 0,
) -> SpaResult:
    """Hansen's SPA test of every trial against the baseline (null: none beats it).

    Parameters
    ----------
    returns : ndarray, shape (K, n)
        Daily returns per trial.
    baseline : ndarray, shape (n,)
    reps : int
        Bootstrap replications.
    block_size : int
        Mean block length of the stationary bootstrap (days).
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
