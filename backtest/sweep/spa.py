"""Hansen's SPA test streamed over chunks of trials, with the p-values of arch's `SPA`.

What it tests: whether any trial's **mean monthly return** exceeds the baseline's (the loss of a
trial is minus its calendar-month return; the null is that no trial has a larger expected
monthly return than the baseline). It is neither the ranking metric nor CAGR.

arch 8 (`arch.bootstrap.SPA`, stationary bootstrap, ``nested=False``) computes, with
``d_k = r_k - r_baseline`` (T months) and bootstrap index draws shared by all trials:

* the statistic ``max_k mean(d_k)``;
* per trial the variance ``omega_k^2`` of Politis and Romano's stationary-bootstrap kernel
  (``sum`` of autocovariances weighted by ``kappa_i``), used only to decide which trials enter
  the *consistent* re-centring (``mean(d_k) >= -sqrt(omega_k^2 / T * 2 log log T)``); the
  statistic itself is not studentised;
* for each draw ``b`` and re-centring ``mu`` (lower: ``max(mean, 0)``; consistent: ``mean`` for
  the trials above, else 0; upper: ``mean``) the value ``max_k (mean_b(d_k) - mu_k)``;
* p-values: the share of draws whose value exceeds the statistic.

Each piece is a maximum over trials, so a chunk of trials reduces to its own maxima
(`spa_chunk`, a (3, reps) array and one number) and chunks combine by taking maxima again
(`SpaPartial.combine`): exact, in any order, and the same trial twice changes nothing. The draws
are arch's own (``numpy.random.default_rng(seed)``: ``integers(T, size=T)`` then ``random(T)``
per draw, the stationary-bootstrap recursion), held as counts so a bootstrap mean is one matrix
product. `backtest.sweep.stats.spa_test` runs arch itself (tests compare the two).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

__all__ = ["SpaPartial", "bootstrap_counts", "spa_chunk", "spa_pvalues"]


@njit(cache=True)
def _stationary_indices(indices: np.ndarray, u: np.ndarray, p: float) -> np.ndarray:
    n = indices.shape[0]
    for i in range(1, n):
        if u[i] > p:
            indices[i] = indices[i - 1] + 1
            if indices[i] == n:
                indices[i] = 0
    return indices


def bootstrap_counts(n_obs: int, *, reps: int, block_size: int, seed: int) -> np.ndarray:
    """How often each observation appears in each stationary-bootstrap draw, as arch draws them.

    Returns
    -------
    ndarray, shape (reps, n_obs)
    """
    rng = np.random.default_rng(seed)
    counts = np.zeros((reps, n_obs))
    for b in range(reps):
        indices = rng.integers(n_obs, size=n_obs, dtype=np.int64)
        u = rng.random(n_obs)
        counts[b] = np.bincount(_stationary_indices(indices, u, 1.0 / block_size), minlength=n_obs)
    return counts


@njit(cache=True, fastmath={"reassoc", "nsz", "contract"})
def _autocovariance(x: np.ndarray, lag: int) -> float:
    total = 0.0
    for s in range(x.shape[0] - lag):
        total += x[s] * x[s + lag]
    return total


@njit(cache=True, parallel=True)
def _variances(demeaned: np.ndarray, p: float) -> np.ndarray:
    """Variance of each row's mean as arch computes it (not nested): kappa-weighted lags."""
    k, t = demeaned.shape
    kappa = np.empty(t)
    for i in range(1, t):
        kappa[i] = (1.0 - i / t) * (1.0 - p) ** i + (i / t) * (1.0 - p) ** (t - i)
    out = np.empty(k)
    for m in prange(k):
        x = demeaned[m]
        variance = _autocovariance(x, 0) / t
        for i in range(1, t):
            variance += 2.0 * kappa[i] * _autocovariance(x, i) / t
        out[m] = variance
    return out


@njit(cache=True, parallel=True)
def _maxima(sums: np.ndarray, n_obs: int, centres: np.ndarray, out: np.ndarray) -> None:
    """``out[j, b] = max_k (sums[b, k] / n_obs - centres[j, k])``."""
    for b in prange(sums.shape[0]):
        lower = -np.inf
        consistent = -np.inf
        upper = -np.inf
        for k in range(sums.shape[1]):
            mean = sums[b, k] / n_obs  # the bootstrap mean
            lower = max(lower, mean - centres[0, k])
            consistent = max(consistent, mean - centres[1, k])
            upper = max(upper, mean - centres[2, k])
        out[0, b], out[1, b], out[2, b] = lower, consistent, upper


@dataclass(frozen=True, kw_only=True)
class SpaPartial:
    """The SPA maxima of a set of trials.

    Attributes
    ----------
    statistic : float
        ``max_k mean(d_k)`` over the set (``-inf`` for no trial).
    simulated : ndarray, shape (3, reps)
        Per re-centring (lower, consistent, upper) and draw, ``max_k (mean_b(d_k) - mu_k)``.
    """

    statistic: float
    simulated: np.ndarray

    def combine(self, other: SpaPartial) -> SpaPartial:
        """Return the maxima of the union of both sets of trials."""
        return SpaPartial(
            statistic=max(self.statistic, other.statistic),
            simulated=np.maximum(self.simulated, other.simulated),
        )


def spa_chunk(
    monthly: np.ndarray, baseline: np.ndarray, counts: np.ndarray, *, block_size: int
) -> SpaPartial:
    """SPA maxima of the trials in ``monthly``.

    Parameters
    ----------
    monthly : ndarray, shape (k, T)
        Calendar-month returns of k trials.
    baseline : ndarray, shape (T,)
        The baseline's month returns.
    counts : ndarray, shape (reps, T)
        `bootstrap_counts`.
    block_size : int
        Mean block length of the stationary bootstrap (months).
    """
    diff = np.ascontiguousarray(monthly - baseline[None, :])  # loss(baseline) - loss(trial)
    k, t = diff.shape
    if k == 0:
        return SpaPartial(statistic=-np.inf, simulated=np.full((3, len(counts)), -np.inf))
    mean = diff.mean(axis=1)
    variance = _variances(diff - mean[:, None], 1.0 / block_size)
    valid = mean >= -np.sqrt(variance / t * 2.0 * math.log(math.log(t)))
    centres = np.vstack([np.where(mean < 0.0, 0.0, mean), np.where(valid, mean, 0.0), mean])
    sums = counts @ diff.T  # (reps, k): each draw's sum of each trial's differences
    simulated = np.empty((3, len(counts)))
    _maxima(np.ascontiguousarray(sums), t, np.ascontiguousarray(centres), simulated)
    return SpaPartial(statistic=float(mean.max()), simulated=simulated)


def spa_pvalues(partial: SpaPartial) -> tuple[float, float, float]:
    """(lower, consistent, upper) p-values of the combined maxima."""
    lower, consistent, upper = (partial.simulated > partial.statistic).mean(axis=1)
    return float(lower), float(consistent), float(upper)
