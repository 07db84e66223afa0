"""Every metric of DESIGN section 8 for many variants at once (vectorised `backtest.metrics`).

Each column equals the pure function of `backtest.metrics` of the same name applied to one
variant (tested to 1e-9 relative): daily returns ``r_t = V_t / V_{t-1} - 1`` with ``V_{-1}`` the
initial cash, 252 periods a year, risk-free rate 0, ``ddof = 1``, NaN for a ratio whose
denominator is 0 or not finite. Monthly metrics compound daily returns per calendar month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtest.constants import TRADING_DAYS_PER_YEAR as P
from backtest.metrics import METRIC_NAMES

__all__ = [
    "METRIC_NAMES",
    "batch_metrics",
    "daily_returns_batch",
    "month_end_rows",
    "monthly_returns_batch",
]


def daily_returns_batch(equity: np.ndarray, initial_cash: float) -> np.ndarray:
    """Return ``V_t / V_{t-1} - 1`` per variant, ``V_{-1} = initial_cash``.

    Parameters
    ----------
    equity : ndarray, shape (K, n_days)

    Returns
    -------
    ndarray, shape (K, n_days)
    """
    previous = np.empty_like(equity)
    previous[:, 0] = initial_cash
    previous[:, 1:] = equity[:, :-1]
    returns: np.ndarray = equity / previous - 1.0
    return returns


def month_end_rows(dates: pd.DatetimeIndex) -> np.ndarray:
    """Rows of the last trading day of each calendar month of ``dates`` (ascending)."""
    months = dates.year.to_numpy() * 12 + dates.month.to_numpy()
    return np.flatnonzero(np.append(np.diff(months) != 0, True))


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    ok = np.isfinite(num) & np.isfinite(den) & (den != 0.0)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=ok)
    return out


def _cagr(growth: np.ndarray, n_days: int) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(growth > 0, np.abs(growth) ** (P / n_days) - 1.0, -1.0)


def batch_metrics(
    returns: np.ndarray,
    baseline: np.ndarray,
    *,
    dates: pd.DatetimeIndex,
    turnover: np.ndarray,
    fees_paid: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every metric of `METRIC_NAMES` for each variant against the baseline.

    Parameters
    ----------
    returns : ndarray, shape (K, n_days)
        Daily returns of each variant (`daily_returns_batch`).
    baseline : ndarray, shape (n_days,)
        Daily returns of the baseline over the same days.
    dates : DatetimeIndex, length n_days
    turnover : ndarray, shape (K, n_events)
        One-way turnover per event (NaN for no event).
    fees_paid : ndarray, shape (K,)

    Returns
    -------
    dict of name -> ndarray, shape (K,), in `METRIC_NAMES` order.
    """
    r = np.asarray(returns, dtype=float)
    b = np.asarray(baseline, dtype=float)
    n = r.shape[1]
    wealth = np.cumprod(1.0 + r, axis=1)
    growth = wealth[:, -1].copy()
    b_growth = float(np.prod(1.0 + b))
    cagr = _cagr(growth, n)
    b_cagr = float(_cagr(np.array([b_growth]), n)[0])
    mean = r.mean(axis=1)
    std = r.std(axis=1, ddof=1)
    losses = np.minimum(r, 0.0)
    downside = np.sqrt(np.mean(losses * losses, axis=1))
    del losses
    peaks = np.maximum(np.maximum.accumulate(wealth, axis=1), 1.0)
    max_dd = np.minimum((wealth / peaks - 1.0).min(axis=1), 0.0)
    active = r - b
    te = active.std(axis=1, ddof=1) * np.sqrt(P)
    b_mean = float(b.mean())
    b_var = float(b.var(ddof=1))
    cov = ((r - mean[:, None]) * (b - b_mean)).sum(axis=1) / (n - 1)
    beta = _safe_ratio(cov, np.full(len(r), b_var))
    ends = month_end_rows(dates)
    month_growth = np.concatenate((np.ones((len(r), 1)), wealth[:, ends]), axis=1)
    rm = month_growth[:, 1:] / month_growth[:, :-1] - 1.0
    b_wealth = np.concatenate(([1.0], np.cumprod(1.0 + b)[ends]))
    bm = b_wealth[1:] / b_wealth[:-1] - 1.0
    up, down = bm > 0, bm < 0
    up_capture = _safe_ratio(rm[:, up].mean(axis=1), bm[up].mean()) if up.any() else np.nan
    down_capture = _safe_ratio(rm[:, down].mean(axis=1), bm[down].mean()) if down.any() else np.nan
    values = {
        "total_return": growth - 1.0,
        "cagr": cagr,
        "annual_volatility": std * np.sqrt(P),
        "sharpe_ratio": _safe_ratio(mean, std) * np.sqrt(P),
        "sortino_ratio": _safe_ratio(mean * P, downside * np.sqrt(P)),
        "max_drawdown": max_dd,
        "calmar_ratio": _safe_ratio(cagr, np.abs(max_dd)),
        "excess_cagr": cagr - b_cagr,
        "tracking_error": te,
        "information_ratio": _safe_ratio(active.mean(axis=1) * P, te),
        "beta": beta,
        "alpha": (mean - beta * b_mean) * P,
        "correlation": _safe_ratio(cov, std * np.sqrt(b_var)),
        "up_capture": np.broadcast_to(up_capture, (len(r),)).astype(float),
        "down_capture": np.broadcast_to(down_capture, (len(r),)).astype(float),
        "monthly_hit_rate": (rm > bm).mean(axis=1),
        "annual_turnover": np.nansum(turnover, axis=1) / (n / P),
        "fees_paid": np.asarray(fees_paid, dtype=float),
    }
    return {name: np.asarray(values[name], dtype=float) for name in METRIC_NAMES}


def monthly_returns_batch(returns: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """Compound daily returns into calendar-month returns, per row.

    Parameters
    ----------
    returns : ndarray, shape (K, n_days) or (n_days,)
    dates : DatetimeIndex, length n_days

    Returns
    -------
    ndarray, shape (K, n_months) or (n_months,)
    """
    r = np.asarray(returns, dtype=float)
    wealth = np.cumprod(1.0 + r, axis=-1)[..., month_end_rows(dates)]
    previous = np.concatenate((np.ones((*wealth.shape[:-1], 1)), wealth[..., :-1]), axis=-1)
    monthly: np.ndarray = wealth / previous - 1.0
    return monthly
