"""One return series walked once (numba): its metrics over spans, moments, CSCV blocks, months.

`walk` is the inner loop of `backtest.sweep.reduce`: it keeps running sums (in registers) of a
series, its active returns and the baseline, its wealth, drawdown and calendar months, and at each
requested cut evaluates the 16 return metrics of `backtest.metrics` over ``[lo, cut)``. Sums of
squares are taken about the span's mean (a first pass), so dispersion keeps its precision for
series that hardly move; a drawdown divides once per new peak, by its trough. On the whole
window it also yields the moments of the deflated Sharpe ratio, the per-block sufficient
statistics of CSCV (raw sums: equal returns give bitwise equal statistics) and the month
returns of the SPA test.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from backtest.constants import TRADING_DAYS_PER_YEAR
from backtest.metrics import METRIC_NAMES

__all__ = ["BLOCK_STATS", "MOMENT_NAMES", "RETURN_METRICS", "series_metrics", "walk"]

RETURN_METRICS: tuple[str, ...] = METRIC_NAMES[:-2]
"""The metrics a return series determines (every metric but turnover and fees), in order."""
MOMENT_NAMES: tuple[str, ...] = (
    "sharpe",  # per period, ddof 1
    "mean",
    "std",  # ddof 1
    "active_sharpe",  # of r - r_baseline
    "active_mean",
    "active_std",
)
"""Columns of the moments array of `reduce_equity`."""
BLOCK_STATS: tuple[str, ...] = (
    "sum",  # sum r
    "squares",  # sum r^2
    "downside",  # sum min(r, 0)^2
    "active_sum",  # sum (r - b)
    "active_squares",  # sum (r - b)^2
    "cross",  # sum r b
    "growth",  # prod (1 + r)
    "high",  # max(1, max wealth) within the block, wealth 1 at its start
    "low",  # min(1, min wealth)
    "drawdown",  # deepest fall within the block, peaks from its start (<= 0)
)
"""Per-block sufficient statistics of CSCV (raw sums: equal returns give bitwise equal stats)."""

_P = float(TRADING_DAYS_PER_YEAR)
_ROOT_P = math.sqrt(_P)
# the state of a walk at a cut, as `_evaluate` reads it
_N, _S1, _S2, _D2, _A1, _A2, _RB, _B1, _B2, _W, _DD, _BW = range(12)
_MW, _MB, _MDAYS, _UPR, _UPB, _NUP, _DNR, _DNB, _NDN, _HIT, _NM = range(12, 23)
_NSTATE = 23


@njit(cache=True, inline="always")
def _ratio(num: float, den: float) -> float:
    if not (np.isfinite(num) and np.isfinite(den)) or den == 0.0:
        return np.nan
    return num / den


@njit(cache=True, inline="always")
def _cagr(growth: float, n: float) -> float:
    return growth ** (_P / n) - 1.0 if growth > 0.0 else -1.0


@njit(cache=True)
def _evaluate(st: np.ndarray, cr: float, ca: float, cb: float, out: np.ndarray) -> None:
    """Write the 16 `RETURN_METRICS` of a walk state into ``out``."""
    n = st[_N]
    out[:] = np.nan
    if n < 1:
        return
    out[0] = st[_W] - 1.0
    cagr = _cagr(st[_W], n)
    out[1] = cagr
    out[5] = st[_DD]
    out[6] = _ratio(cagr, abs(st[_DD]))
    out[7] = cagr - _cagr(st[_BW], n)
    n_up, n_down, n_months = st[_NUP], st[_NDN], st[_NM]
    up_r, up_b, down_r, down_b, hits = st[_UPR], st[_UPB], st[_DNR], st[_DNB], st[_HIT]
    if st[_MDAYS] > 0:  # the partial month in progress counts as a month
        rm, bm = st[_W] / st[_MW] - 1.0, st[_BW] / st[_MB] - 1.0
        n_months += 1.0
        hits += 1.0 if rm > bm else 0.0
        if bm > 0.0:
            n_up, up_r, up_b = n_up + 1.0, up_r + rm, up_b + bm
        elif bm < 0.0:
            n_down, down_r, down_b = n_down + 1.0, down_r + rm, down_b + bm
    if n_up > 0:
        out[13] = _ratio(up_r / n_up, up_b / n_up)
    if n_down > 0:
        out[14] = _ratio(down_r / n_down, down_b / n_down)
    if n_months > 0:
        out[15] = hits / n_months
    if n < 2:
        return
    s1, a1, b1 = st[_S1], st[_A1], st[_B1]
    mean, mean_a, mean_b = cr + s1 / n, ca + a1 / n, cb + b1 / n
    std = math.sqrt(max((st[_S2] - s1 * s1 / n) / (n - 1.0), 0.0))
    std_a = math.sqrt(max((st[_A2] - a1 * a1 / n) / (n - 1.0), 0.0))
    var_b = max((st[_B2] - b1 * b1 / n) / (n - 1.0), 0.0)
    cov = (st[_RB] - s1 * b1 / n) / (n - 1.0)
    out[2] = std * _ROOT_P
    out[3] = _ratio(mean, std) * _ROOT_P
    out[4] = _ratio(mean * _P, math.sqrt(st[_D2] / n) * _ROOT_P)
    te = std_a * _ROOT_P
    out[8] = te
    out[9] = _ratio(mean_a * _P, te)
    beta = _ratio(cov, var_b)
    out[10] = beta
    out[11] = (mean - beta * mean_b) * _P
    out[12] = _ratio(cov, std * math.sqrt(var_b))


@njit(cache=True, inline="always")
def _moments(n: float, s1: float, s2: float, shift: float) -> tuple[float, float, float]:
    """(per-period Sharpe ratio, mean, std ddof 1) from sums about ``shift``."""
    mu = s1 / n
    std = math.sqrt(max(s2 / n - mu * mu, 0.0) * n / (n - 1.0)) if n > 1 else np.nan
    mean = shift + mu
    return (mean / std if std > 0.0 else np.nan), mean, std


@njit(cache=True, fastmath={"reassoc", "nsz", "contract"})
def _means(r: np.ndarray, b: np.ndarray, lo: int, hi: int) -> tuple[float, float, float]:
    """Means of ``r``, ``r - b`` and ``b`` over ``[lo, hi)`` (reassociated: vectorised)."""
    total_r = 0.0
    total_b = 0.0
    for t in range(lo, hi):
        total_r += r[t]
        total_b += b[t]
    count = max(hi - lo, 1)
    return total_r / count, (total_r - total_b) / count, total_b / count


@njit(cache=True)
def walk(
    r: np.ndarray,
    b: np.ndarray,
    month_end: np.ndarray,
    lo: int,
    cuts: np.ndarray,
    out: np.ndarray,
    full: bool,
    moments: np.ndarray,
    blocks: np.ndarray,
    block_first: int,
    block_size: int,
    months: np.ndarray,
    paths: bool = True,
) -> None:
    """Walk ``r`` from ``lo``; write the metrics of ``[lo, cut)`` into ``out[i]`` for each cut.

    With ``full`` (the whole window, ``lo = 0``) also the moments, the blocks (when
    ``blocks.shape[0] > 0``; their high, low and drawdown only with ``paths``) and the monthly
    returns (when ``months.shape[0] > 0``). The state lives in scalars (registers); a drawdown
    divides once per new peak, by its trough.
    """
    cr, ca, cb = _means(r, b, lo, cuts[-1])  # the shifts the sums of squares are taken about
    n = s1 = s2 = d2 = a1 = a2 = rb = b1 = b2 = 0.0
    wealth = peak = trough = b_wealth = m_wealth = m_base = 1.0
    dd = up_r = up_b = n_up = down_r = down_b = n_down = hits = n_months = m_days = 0.0
    n_blocks = blocks.shape[0]
    growth = high = low = block_peak = block_trough = 1.0
    bs1 = bs2 = bd2 = ba1 = ba2 = bx = block_dd = 0.0
    st = np.zeros(_NSTATE)
    month = 0
    block = 0
    within = lo - block_first  # the day's place in its CSCV block (< 0 before the first)
    day = lo
    for ci in range(cuts.shape[0]):
        for t in range(day, cuts[ci]):  # the days up to this cut: no call in this loop
            x = r[t]
            bt = b[t]
            a = x - bt
            dx = x - cr
            da = a - ca
            db = bt - cb
            n += 1.0
            s1 += dx
            s2 += dx * dx
            a1 += da
            a2 += da * da
            b1 += db
            b2 += db * db
            rb += dx * db
            loss = min(x, 0.0)
            d2 += loss * loss
            wealth *= 1.0 + x
            b_wealth *= 1.0 + bt
            closed = wealth > peak  # a new peak closes the fall from the old one (no branch)
            dd = min(dd, trough / peak - 1.0) if closed else dd
            trough = wealth if closed else min(trough, wealth)
            peak = wealth if closed else peak
            m_days += 1.0
            if full:
                if n_blocks and within >= 0:
                    if within == 0:
                        bs1 = bs2 = bd2 = ba1 = ba2 = bx = block_dd = 0.0
                        growth = high = low = block_peak = block_trough = 1.0
                    bs1 += x
                    bs2 += x * x
                    bd2 += loss * loss
                    ba1 += a
                    ba2 += a * a
                    bx += x * bt
                    growth *= 1.0 + x
                    if paths:  # the block's own wealth path: for drawdown-based metrics
                        high = max(high, growth)
                        low = min(low, growth)
                        closed = growth > block_peak
                        block_dd = (
                            min(block_dd, block_trough / block_peak - 1.0) if closed else block_dd
                        )
                        block_trough = growth if closed else min(block_trough, growth)
                        block_peak = growth if closed else block_peak
                    if within == block_size - 1:
                        row = blocks[block]
                        row[0], row[1], row[2], row[3], row[4] = bs1, bs2, bd2, ba1, ba2
                        row[5], row[6] = bx, growth
                        row[7] = high if paths else np.nan
                        row[8] = low if paths else np.nan
                        row[9] = min(block_dd, block_trough / block_peak - 1.0) if paths else np.nan
                        block += 1
                        within = -1
                within += 1
            if month_end[t]:
                rm = wealth / m_wealth - 1.0
                bm = b_wealth / m_base - 1.0
                if full and months.shape[0]:
                    months[month] = rm
                month += 1
                n_months += 1.0
                hits += 1.0 if rm > bm else 0.0
                if bm > 0.0:
                    n_up += 1.0
                    up_r += rm
                    up_b += bm
                elif bm < 0.0:
                    n_down += 1.0
                    down_r += rm
                    down_b += bm
                m_wealth = wealth
                m_base = b_wealth
                m_days = 0.0
        day = cuts[ci]
        st[_N], st[_S1], st[_S2], st[_D2] = n, s1, s2, d2
        st[_A1], st[_A2], st[_RB], st[_B1], st[_B2] = a1, a2, rb, b1, b2
        st[_W], st[_DD], st[_BW] = wealth, min(dd, trough / peak - 1.0), b_wealth
        st[_MW], st[_MB], st[_MDAYS] = m_wealth, m_base, m_days
        st[_UPR], st[_UPB], st[_NUP] = up_r, up_b, n_up
        st[_DNR], st[_DNB], st[_NDN] = down_r, down_b, n_down
        st[_HIT], st[_NM] = hits, n_months
        _evaluate(st, cr, ca, cb, out[ci])
    if full:
        moments[0], moments[1], moments[2] = _moments(n, s1, s2, cr)
        moments[3], moments[4], moments[5] = _moments(n, a1, a2, ca)


def series_metrics(
    returns: np.ndarray, *, baseline: np.ndarray, month_end: np.ndarray
) -> np.ndarray:
    """Return the 16 `RETURN_METRICS` of one daily return series, shape (16,)."""
    out = np.empty((1, len(RETURN_METRICS)))
    walk(
        np.ascontiguousarray(returns, dtype=np.float64),
        np.ascontiguousarray(baseline, dtype=np.float64),
        np.ascontiguousarray(month_end, dtype=np.bool_),
        0,
        np.array([len(returns)], dtype=np.int64),
        out,
        False,
        np.empty(len(MOMENT_NAMES)),
        np.empty((0, len(BLOCK_STATS))),
        0,
        1,
        np.empty(0),
    )
    row: np.ndarray = out[0]
    return row
