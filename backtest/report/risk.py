"""Risk over time of a run: its drawdown periods and rolling beta, tracking error, IR, volatility.

Pure functions of daily returns (`backtest.metrics.daily_returns`). Conventions:

* Wealth is ``W_0 = 1`` (the initial cash, ``V_{-1}``) then ``W_i = prod_{t < i}(1 + r_t)``, as
  in `backtest.metrics.max_drawdown`, so the deepest period's ``depth`` equals ``max_drawdown``
  bit for bit. A drawdown period starts at a running peak, reaches its trough (the lowest
  ``W / peak - 1``) and ends on the first close back at or above the peak (the recovery) or
  is ``not recovered`` at the run's end. Durations are counted in trading days (rows).
  When the peak is the initial cash, its date is the run's first day.
* Rolling statistics over a trailing window of ``window_days`` returns (ddof 1, 252-day
  annualisation), NaN until the window is full: volatility ``std(r) * sqrt(252)``; against the
  baseline beta ``cov(r, r_b) / var(r_b)``, tracking error ``std(r - r_b) * sqrt(252)`` and
  information ratio ``mean(r - r_b) * 252 / tracking error``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtest.constants import BASELINE_COLUMN
from backtest.constants import TRADING_DAYS_PER_YEAR as P
from backtest.errors import ConfigError

__all__ = ["DRAWDOWN_COLUMNS", "ROLLING_COLUMNS", "drawdown_periods", "rolling_risk"]

DRAWDOWN_COLUMNS = (
    "strategy",
    "rank",
    "peak_date",
    "trough_date",
    "recovery_date",
    "depth",
    "days_to_trough",
    "days_to_recover",
)
"""Columns of `drawdown_periods` (and of ``drawdowns.csv``)."""

ROLLING_COLUMNS = ("date", "strategy", "volatility", "beta", "tracking_error", "information_ratio")
"""Columns of `rolling_risk` (and of ``rolling.csv``)."""


def _periods_of(returns: np.ndarray, dates: pd.DatetimeIndex, top: int) -> list[dict[str, object]]:
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + returns)))
    peaks = np.maximum.accumulate(wealth)
    drawdown = wealth / peaks - 1.0
    under = wealth < peaks
    edges = np.diff(np.concatenate(([0], under.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # [start, stop)
    found: list[dict[str, object]] = []
    for first, end in zip(starts, stops, strict=True):
        start, stop = int(first), int(end)
        trough = start + int(np.argmin(drawdown[start:stop]))
        peak = start - 1
        recovered = stop < len(wealth)
        found.append(
            {
                "peak_date": dates[max(peak - 1, 0)],
                "trough_date": dates[trough - 1],
                "recovery_date": dates[stop - 1] if recovered else pd.NaT,
                "depth": float(drawdown[trough]),
                "days_to_trough": int(trough - peak),
                "days_to_recover": int(stop - trough) if recovered else pd.NA,
            }
        )
    found.sort(key=lambda row: (row["depth"], row["peak_date"]))  # deepest first
    return found[:top]


def drawdown_periods(returns: pd.DataFrame, *, top: int = 5) -> pd.DataFrame:
    """Return the ``top`` deepest drawdown periods of every series (conventions: module doc).

    Parameters
    ----------
    returns : DataFrame, shape (n_days, n_series)
        Daily returns with a DatetimeIndex, ascending, no NaN.
    top : int
        Periods kept per series, deepest first, >= 1.

    Returns
    -------
    DataFrame (long) with `DRAWDOWN_COLUMNS`: ``rank`` 1 is the deepest; ``recovery_date`` NaT
    and ``days_to_recover`` missing when the period is not recovered; ``days_to_trough`` from
    the peak's close to the trough's, ``days_to_recover`` from the trough's to the recovery's.
    A series that never falls below its peak has no row.
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ConfigError(f"`top` must be an integer >= 1, got {top!r}")
    dates = pd.DatetimeIndex(returns.index)
    rows = []
    for name in returns.columns:
        for rank, row in enumerate(
            _periods_of(returns[name].to_numpy(dtype=float), dates, top), start=1
        ):
            rows.append({"strategy": str(name), "rank": rank, **row})
    table = pd.DataFrame(rows, columns=list(DRAWDOWN_COLUMNS))
    return table.astype({"days_to_trough": "Int64", "days_to_recover": "Int64", "rank": "int64"})


def rolling_risk(
    returns: pd.DataFrame, *, baseline: str = BASELINE_COLUMN, window_days: int = P
) -> pd.DataFrame:
    """Return rolling volatility, and beta, tracking error and IR against ``baseline``.

    Parameters
    ----------
    returns : DataFrame, shape (n_days, n_series)
        Daily returns with a DatetimeIndex, the ``baseline`` column included.
    window_days : int
        Trailing returns per window, >= 2.

    Returns
    -------
    DataFrame (long) with `ROLLING_COLUMNS`, one row per series and day (the baseline's
    relative columns NaN: a series against itself). NaN until ``window_days`` returns exist.
    """
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 2:
        raise ConfigError(f"`window_days` must be an integer >= 2, got {window_days!r}")
    base = returns[baseline]
    frames = []
    for name in returns.columns:
        r = returns[name]
        frame = pd.DataFrame(
            {
                "date": pd.DatetimeIndex(returns.index),
                "strategy": str(name),
                "volatility": r.rolling(window_days).std(ddof=1).to_numpy() * np.sqrt(P),
            }
        )
        if name == baseline:
            frame[["beta", "tracking_error", "information_ratio"]] = np.nan
        else:
            active = r - base
            tracking = active.rolling(window_days).std(ddof=1) * np.sqrt(P)
            cov = r.rolling(window_days).cov(base, ddof=1)
            var = base.rolling(window_days).var(ddof=1)
            frame["beta"] = (cov / var.where(var > 0)).to_numpy()
            frame["tracking_error"] = tracking.to_numpy()
            ir = active.rolling(window_days).mean() * P / tracking.where(tracking > 0)
            frame["information_ratio"] = ir.to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[list(ROLLING_COLUMNS)]
