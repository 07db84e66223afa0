"""The probability of backtest overfitting by CSCV, from per-block sufficient statistics (numba).

Bailey, Borwein, Lopez de Prado and Zhu (2015): split the window's days into ``S`` equal blocks
(the first ``n mod S`` days are left out); for every choice of ``S/2`` blocks as the training
set (in time order, the rest is the test set), pick the trial that is best **by the sweep's
metric** on the training blocks and find its relative rank ``w = rank / (N + 1)`` among all
``N`` trials on the test blocks (average ranks for ties); ``PBO`` is the share of splits with
``logit(w) = log(w / (1 - w)) <= 0``: the in-sample winner is at or below the out-of-sample
median.

**Ties.** Trials whose training scores are exactly equal (e.g. variants that only part ways in
the test blocks) all win that split: their out-of-sample ranks are averaged, so the rule does
not depend on the order of the variants.

**Metrics.** A metric is computed on a set of blocks from the blocks' statistics
(`backtest.sweep.reduce.BLOCK_STATS`: sums, sums of squares, downside and active sums, the
cross sum with the baseline, growth, and the high, low and drawdown of each block's own wealth
path, from which the drawdown of the concatenated blocks follows exactly). Every metric of
`backtest.metrics` that is a function of the daily returns alone is supported, each through a
transform that ranks like it (a Sharpe ratio without ``sqrt(252)``, growth for CAGR), with the
direction of `backtest.sweep.ranking.LOWER_IS_BETTER`. The monthly metrics (up/down capture,
hit rate) do not decompose into day blocks, and turnover and fees are not return series: for
those `pbo_cscv` ranks by the Sharpe ratio and says so (`PboResult.ranked_by`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from backtest.sweep.walk import BLOCK_STATS

__all__ = ["PBO_METRICS", "PboResult", "block_columns", "pbo_cscv"]

_CODES: dict[str, tuple[int, tuple[str, ...]]] = {
    "sharpe_ratio": (0, ("sum", "squares")),
    "annual_volatility": (1, ("sum", "squares")),
    "sortino_ratio": (2, ("sum", "downside")),
    "total_return": (3, ("growth",)),
    "cagr": (3, ("growth",)),
    "excess_cagr": (3, ("growth",)),  # minus the baseline's CAGR, the same for every trial
    "max_drawdown": (4, ("growth", "high", "low", "drawdown")),
    "calmar_ratio": (5, ("growth", "high", "low", "drawdown")),
    "tracking_error": (6, ("active_sum", "active_squares")),
    "information_ratio": (7, ("active_sum", "active_squares")),
    "beta": (8, ("sum", "cross")),
    "alpha": (9, ("sum", "cross")),
    "correlation": (10, ("sum", "squares", "cross")),
}
PBO_METRICS: frozenset[str] = frozenset(_CODES)
"""Metrics CSCV can rank by (the others fall back to the Sharpe ratio)."""


def block_columns(metric: str) -> tuple[str, ...]:
    """Name the `BLOCK_STATS` CSCV needs to rank by ``metric`` (Sharpe's when unsupported)."""
    return _CODES.get(metric, _CODES["sharpe_ratio"])[1]


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
    n_trials : int
    metric : str
        The metric asked for.
    ranked_by : str
        The metric the winners were picked by (``metric``, or ``sharpe_ratio`` when ``metric``
        does not decompose into blocks).
    tied_splits : int
        Splits in which several trials tied for the in-sample best (their ranks averaged).
    """

    pbo: float
    logits: np.ndarray
    n_blocks: int
    n_trials: int
    metric: str
    ranked_by: str
    tied_splits: int


@njit(cache=True)
def _score(stats: np.ndarray, cols: np.ndarray, chosen: np.ndarray, code: int,
           base: np.ndarray, size: int) -> float:  # fmt: skip
    s1 = s2 = d2 = a1 = a2 = cross = b1 = b2 = 0.0
    growth = level = peak = 1.0
    drawdown = 0.0
    for s in chosen:
        row = stats[s]
        if code <= 2 or code >= 8:
            s1 += row[cols[0]]
        if code <= 1 or code == 10:
            s2 += row[cols[1]]
        if code == 2:
            d2 += row[cols[2]]
        if code == 6 or code == 7:
            a1 += row[cols[3]]
            a2 += row[cols[4]]
        if code >= 8:
            cross += row[cols[5]]
            b1 += base[s, 0]
            b2 += base[s, 1]
        if 3 <= code <= 5:
            g = row[cols[6]]
            if code >= 4:
                drawdown = min(drawdown, row[cols[9]], level * row[cols[8]] / peak - 1.0)
                peak = max(peak, level * row[cols[7]])
                level *= g
            growth *= g
    n = float(chosen.shape[0] * size)
    mean = s1 / n
    std = math.sqrt(max((s2 - s1 * s1 / n) / (n - 1.0), 0.0))
    if code == 0:
        value = mean / std if std > 0.0 else np.nan
    elif code == 1:
        value = -std
    elif code == 2:
        downside = math.sqrt(d2 / n)
        value = mean / downside if downside > 0.0 else np.nan
    elif code == 3:
        value = growth if growth > 0.0 else 0.0  # CAGR is -1 for every wiped-out trial
    elif code == 4:
        value = drawdown
    elif code == 5:
        cagr = growth ** (252.0 / n) - 1.0 if growth > 0.0 else -1.0
        value = cagr / abs(drawdown) if drawdown < 0.0 else np.nan
    elif code == 6 or code == 7:
        active_std = math.sqrt(max((a2 - a1 * a1 / n) / (n - 1.0), 0.0))
        value = -active_std if code == 6 else (a1 / n / active_std if active_std > 0 else np.nan)
    else:
        cov = (cross - s1 * b1 / n) / (n - 1.0)
        var_b = (b2 - b1 * b1 / n) / (n - 1.0)
        beta = cov / var_b if var_b > 0.0 else np.nan
        if code == 8:
            value = beta
        elif code == 9:
            value = mean - beta * b1 / n
        else:
            den = std * math.sqrt(max(var_b, 0.0))
            value = cov / den if den > 0.0 else np.nan
    return value if np.isfinite(value) else -np.inf


@njit(cache=True, parallel=True)
def _cscv(stats: np.ndarray, cols: np.ndarray, code: int, base: np.ndarray, size: int,
          train_sets: np.ndarray, test_sets: np.ndarray, logits: np.ndarray,
          tied: np.ndarray) -> None:  # fmt: skip
    k = stats.shape[0]
    for i in prange(train_sets.shape[0]):
        train = np.empty(k)
        test = np.empty(k)
        for m in range(k):
            train[m] = _score(stats[m], cols, train_sets[i], code, base, size)
            test[m] = _score(stats[m], cols, test_sets[i], code, base, size)
        best = train.max()
        n_tied = 0
        for m in range(k):
            if train[m] == best:
                n_tied += 1
        tied[i] = n_tied
        ordered = np.sort(test) if n_tied > 16 else test[:0]
        total_rank = 0.0
        for m in range(k):
            if train[m] != best:
                continue
            v = test[m]
            if n_tied > 16:
                below = np.searchsorted(ordered, v, side="left")
                equal = np.searchsorted(ordered, v, side="right") - below
            else:
                below = 0
                equal = 0
                for j in range(k):
                    below += 1 if test[j] < v else 0
                    equal += 1 if test[j] == v else 0
            total_rank += below + (equal + 1.0) / 2.0  # average rank, 1 .. k
        omega = total_rank / n_tied / (k + 1.0)
        logits[i] = math.log(omega / (1.0 - omega))


def pbo_cscv(
    stats: np.ndarray,
    *,
    columns: tuple[str, ...],
    metric: str,
    baseline: np.ndarray,
    block_size: int,
) -> PboResult:
    """CSCV over the trials whose block statistics are ``stats``.

    Parameters
    ----------
    stats : ndarray, shape (N, S, len(columns))
        Per trial and block, the `BLOCK_STATS` named in ``columns`` (`block_columns`).
    columns : tuple of str
    metric : str
        The sweep's ranking metric (sign from `backtest.sweep.ranking.LOWER_IS_BETTER`).
    baseline : ndarray, shape (S, 2)
        Per block, the baseline's sum and sum of squares of daily returns.
    block_size : int
        Days per block.

    Returns
    -------
    PboResult
    """
    n_trials, n_blocks = stats.shape[0], stats.shape[1]
    if n_blocks < 2 or n_blocks % 2:
        raise ValueError(f"`n_blocks` must be an even integer >= 2, got {n_blocks}")
    if n_trials < 2:
        raise ValueError(f"PBO needs at least 2 trials, got {n_trials}")
    if block_size < 2:
        raise ValueError(f"blocks must hold at least 2 days, got {block_size}")
    ranked_by = metric if metric in _CODES else "sharpe_ratio"
    code, needed = _CODES[ranked_by]
    if tuple(columns) != needed:
        raise ValueError(f"`columns` must be {needed} for {ranked_by}, got {tuple(columns)}")
    cols = np.full(len(BLOCK_STATS), 0, dtype=np.int64)
    for i, name in enumerate(columns):
        cols[BLOCK_STATS.index(name)] = i
    train_sets = np.array(list(itertools.combinations(range(n_blocks), n_blocks // 2)))
    test_sets = np.array([[b for b in range(n_blocks) if b not in row] for row in train_sets])
    logits = np.empty(len(train_sets))
    tied = np.empty(len(train_sets), dtype=np.int64)
    _cscv(
        np.ascontiguousarray(stats, dtype=np.float64),
        cols,
        code,
        np.ascontiguousarray(baseline, dtype=np.float64),
        int(block_size),
        train_sets.astype(np.int64),
        test_sets.astype(np.int64),
        logits,
        tied,
    )
    return PboResult(
        pbo=float(np.mean(logits <= 0.0)),
        logits=logits,
        n_blocks=n_blocks,
        n_trials=n_trials,
        metric=metric,
        ranked_by=ranked_by,
        tied_splits=int(np.count_nonzero(tied > 1)),
    )
