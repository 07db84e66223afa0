"""A chunk of equity curves reduced in parallel (numba): metrics, moments, PBO blocks, hashes.

A chunk of variants is reduced to what the sweep's outputs and statistics need, never kept as
daily series: the metrics of DESIGN section 8 over the window (and the ranking metric over the
out-of-sample spans), the moments of the deflated Sharpe ratio, per-block sufficient statistics
for CSCV, calendar-month returns for the SPA test, a 128-bit hash of the return series (which
variants are the same trial) and, per chunk, the sums of the standardised returns that give the
average pairwise correlation of the trials.

Conventions are those of `backtest.metrics` (tested column by column against it): daily returns
``r_t = V_t / V_{t-1} - 1`` with ``V_{-1}`` the initial cash, 252 periods a year, risk-free 0,
``ddof = 1``, NaN for a ratio whose denominator is 0 or not finite, monthly figures compounding
the days of each calendar month (a partial first or last month counts). A span ``[lo, hi)``
starts at wealth 1 (its own ``V_{lo-1}``). Each variant is walked by `backtest.sweep.walk`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from backtest.sweep.walk import BLOCK_STATS, MOMENT_NAMES, RETURN_METRICS, walk

__all__ = ["hash_keys", "reduce_equity", "standardised_sums"]


def hash_keys(n_days: int) -> np.ndarray:
    """Two fixed random odd 64-bit multipliers per day, shape (2, n_days) (seeded constants)."""
    rng = np.random.default_rng(0x5EED_CAFE)
    keys: np.ndarray = rng.integers(0, 2**63, size=(2, n_days), dtype=np.int64).view(np.uint64)
    return keys * np.uint64(2) + np.uint64(1)


@njit(cache=True, parallel=True)
def _reduce(
    equity: np.ndarray,
    initial_cash: float,
    b: np.ndarray,
    month_end: np.ndarray,
    walk_lo: np.ndarray,
    walk_cuts: np.ndarray,
    walk_offsets: np.ndarray,
    keys: np.ndarray,
    block_first: int,
    block_size: int,
    paths: bool,
    span_metric: int,
    metrics: np.ndarray,
    spans: np.ndarray,
    moments: np.ndarray,
    blocks: np.ndarray,
    months: np.ndarray,
    hashes: np.ndarray,
) -> None:
    n_days = equity.shape[1]
    n_metrics = metrics.shape[1]
    for k in prange(equity.shape[0]):
        r = np.empty(n_days)
        previous = initial_cash
        for t in range(n_days):
            r[t] = equity[k, t] / previous - 1.0
            previous = equity[k, t]
        bits = r.view(np.uint64)
        h1 = np.uint64(0)
        h2 = np.uint64(0)
        for t in range(n_days):
            h1 += bits[t] * keys[0, t]
            h2 += bits[t] * keys[1, t]
        hashes[k, 0], hashes[k, 1] = h1, h2
        full_cut = np.array([n_days])
        row = np.empty((1, n_metrics))
        walk(r, b, month_end, 0, full_cut, row, True, moments[k], blocks[k], block_first,
             block_size, months[k], paths)  # fmt: skip
        metrics[k] = row[0]
        for w in range(walk_lo.shape[0]):
            cuts = walk_cuts[walk_offsets[w] : walk_offsets[w + 1]]
            values = np.empty((cuts.shape[0], n_metrics))
            walk(r, b, month_end, walk_lo[w], cuts, values, False, moments[k], blocks[k, :0],
                  0, 1, months[k, :0])  # fmt: skip
            spans[k, walk_offsets[w] : walk_offsets[w + 1]] = values[:, span_metric]


def reduce_equity(
    equity: np.ndarray,
    *,
    initial_cash: float,
    baseline: np.ndarray,
    month_end: np.ndarray,
    walks: Sequence[tuple[int, np.ndarray]] = (),
    span_metric: str = "sharpe_ratio",
    n_blocks: int = 0,
    block_paths: bool = True,
    months: bool = False,
    keys: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Reduce K equity curves (one chunk) to the arrays the sweep keeps.

    Parameters
    ----------
    equity : ndarray, shape (K, n_days)
        Daily portfolio values (`backtest.sweep.kernel.simulate_into`).
    initial_cash : float
        ``V_{-1}``.
    baseline : ndarray, shape (n_days,)
        Daily returns of the baseline.
    month_end : ndarray of bool, shape (n_days,)
        True on the last trading day of each calendar month.
    walks : sequence of (lo, cuts)
        Spans ``[lo, cut)`` for each ascending ``cut`` in ``cuts`` (exclusive ends, ``> lo``).
    span_metric : str
        The metric of `RETURN_METRICS` kept for each span.
    n_blocks : int
        CSCV blocks ``S`` (0: none); the first ``n_days mod S`` days are left out.
    block_paths : bool
        Also each block's high, low and drawdown (for drawdown-based metrics; NaN otherwise).
    months : bool
        Keep the calendar-month returns.
    keys : ndarray of uint64, shape (2, n_days), optional
        Hash multipliers (`hash_keys`); computed when omitted.

    Returns
    -------
    dict with ``metrics`` (K, 16) in `RETURN_METRICS` order; ``spans`` (K, n_cuts),
    ``span_metric`` over every span of ``walks`` in order; ``moments`` (K, 6) in
    `MOMENT_NAMES` order; ``blocks`` (K, S, 10) in `BLOCK_STATS` order; ``months``
    (K, n_months); ``hashes`` (K, 2) uint64.
    """
    k, n_days = equity.shape
    n_months = int(np.count_nonzero(month_end)) if months else 0
    size = n_days // n_blocks if n_blocks else 1
    lows = np.array([lo for lo, _ in walks], dtype=np.int64)
    cut_list = [np.asarray(c, dtype=np.int64) for _, c in walks]
    offsets = np.cumsum([0, *(len(c) for c in cut_list)]).astype(np.int64)
    cuts = np.concatenate(cut_list) if cut_list else np.zeros(0, dtype=np.int64)
    for (lo, _), c in zip(walks, cut_list, strict=True):
        if not len(c) or c[0] <= lo or c[-1] > n_days or (np.diff(c) <= 0).any():
            raise ValueError(f"span cuts must ascend in ({lo}, {n_days}], got {c.tolist()}")
    out = {
        "metrics": np.empty((k, len(RETURN_METRICS))),
        "spans": np.empty((k, len(cuts))),
        "moments": np.empty((k, len(MOMENT_NAMES))),
        "blocks": np.full((k, n_blocks, len(BLOCK_STATS)), np.nan),
        "months": np.empty((k, n_months)),
        "hashes": np.empty((k, 2), dtype=np.uint64),
    }
    _reduce(
        np.ascontiguousarray(equity, dtype=np.float64),
        float(initial_cash),
        np.ascontiguousarray(baseline, dtype=np.float64),
        np.ascontiguousarray(month_end, dtype=np.bool_),
        lows,
        cuts,
        offsets,
        hash_keys(n_days) if keys is None else keys,
        n_days - size * n_blocks,
        size,
        bool(block_paths),
        RETURN_METRICS.index(span_metric),
        *out.values(),
    )
    return out


@njit(cache=True, parallel=True, fastmath={"reassoc", "nsz", "contract"})
def _standardised_sums(
    equity: np.ndarray,
    initial_cash: float,
    b: np.ndarray,
    rows: np.ndarray,
    moments: np.ndarray,
    group: int,
    partial: np.ndarray,
) -> None:
    """``partial[g]`` = sums of ``(r - mean) / std`` (raw, active) over group ``g`` of ``rows``."""
    n_days = equity.shape[1]
    for g in prange(partial.shape[0]):
        raw = partial[g, 0]
        active = partial[g, 1]
        shift_raw = 0.0
        shift_active = 0.0
        for i in range(g * group, min((g + 1) * group, rows.shape[0])):
            k = rows[i]
            std, astd = moments[k, 2], moments[k, 5]
            w = 1.0 / std if np.isfinite(std) and std > 0.0 else 0.0
            wa = 1.0 / astd if np.isfinite(astd) and astd > 0.0 else 0.0
            shift_raw += moments[k, 1] * w
            shift_active += moments[k, 4] * wa
            x = equity[k, 0] / initial_cash - 1.0
            raw[0] += w * x
            active[0] += wa * (x - b[0])
            for t in range(1, n_days):
                x = equity[k, t] / equity[k, t - 1] - 1.0
                raw[t] += w * x
                active[t] += wa * (x - b[t])
        for t in range(n_days):
            raw[t] -= shift_raw
            active[t] -= shift_active


def standardised_sums(
    equity: np.ndarray,
    *,
    initial_cash: float,
    baseline: np.ndarray,
    rows: np.ndarray,
    moments: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum the standardised returns ``(r - mean) / std`` of ``rows``, raw and active.

    Parameters
    ----------
    equity : ndarray, shape (K, n_days)
    initial_cash : float
    baseline : ndarray, shape (n_days,)
    rows : ndarray of int
        Rows of ``equity`` to add (a series with zero or non-finite std adds nothing).
    moments : ndarray, shape (K, 6)
        From `reduce_equity`.

    Returns
    -------
    sums : ndarray, shape (2, n_days)
        Raw and active sums, added in groups of 32 rows in a fixed order (the same bits whatever
        the number of threads).
    counts : ndarray of int, shape (2,)
        How many series each sum holds.
    """
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    group = 32
    partial = np.zeros((max(1, -(-len(rows) // group)), 2, equity.shape[1]))
    _standardised_sums(
        np.ascontiguousarray(equity, dtype=np.float64),
        float(initial_cash),
        np.ascontiguousarray(baseline, dtype=np.float64),
        rows,
        moments,
        group,
        partial,
    )
    sums = np.zeros((2, equity.shape[1]))
    for g in range(partial.shape[0]):  # fixed order
        sums += partial[g]
    std = moments[rows][:, [2, 5]]
    counts = (np.isfinite(std) & (std > 0)).sum(axis=0).astype(np.int64)
    return sums, counts
