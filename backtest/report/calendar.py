"""Calendar tables of a run: returns by year and by month, and metrics over chosen sub-periods.

Pure functions of daily returns (`backtest.metrics.daily_returns`, so the first day carries the
first trade's costs). Every table chains: the product of ``1 + return`` over the years (or the
months, or adjacent sub-periods that cover the run) is ``V_T / V_{-1}``, the run's total growth,
because each day's return belongs to exactly one calendar year, month or period.

Partial years: only the first and the last year of a run can be partial. The first is labelled
partial when the run's first day is after January 7, the last when its last day is before
December 24 (a trading week of slack for the holidays around the new year).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.constants import BASELINE_COLUMN
from backtest.errors import ConfigError
from backtest.metrics import (
    RiskFree,
    annual_volatility,
    cagr,
    excess_cagr,
    information_ratio,
    max_drawdown,
    sharpe_ratio,
    total_return,
)
from backtest.parsing import parse_period

__all__ = [
    "MONTH_COLUMNS",
    "PERIOD_METRICS",
    "Period",
    "monthly_table",
    "period_table",
    "yearly_table",
]

MONTH_COLUMNS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Month columns of `monthly_table`, before the year's ``total``."""


@dataclass(frozen=True, kw_only=True)
class Period:
    """A sub-period ``[first, last]`` (both inclusive) of a run, named as the user wrote it."""

    name: str
    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if self.last < self.first:
            raise ConfigError(
                f"period `{self.name}` must end on or after {self.first}, got {self.last}"
            )

    @classmethod
    def parse(cls, text: str) -> Period:
        """Return the period ``YYYY``, ``YYYY-YYYY`` or ``YYYY-MM-DD..YYYY-MM-DD``.

        Raises
        ------
        ConfigError
            For any other form (`backtest.parsing.parse_period`).
        """
        first, last = parse_period(text, "a period")
        return cls(name=text.strip(), first=first, last=last)


def _compound(returns: pd.DataFrame, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first row of each run of equal ``keys`` and ``prod(1 + r) - 1`` per run."""
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    growth = np.multiply.reduceat(1.0 + returns.to_numpy(dtype=float), starts, axis=0)
    return starts, growth - 1.0


def yearly_table(returns: pd.DataFrame, *, baseline: str = BASELINE_COLUMN) -> pd.DataFrame:
    """Return each series' calendar-year return and its excess over the baseline's.

    Parameters
    ----------
    returns : DataFrame, shape (n_days, n_series)
        Daily returns with a DatetimeIndex, ascending; the ``baseline`` column included.
    baseline : str

    Returns
    -------
    DataFrame (long), one row per series and year: ``strategy, year, first_date, last_date,
    partial, return, excess``. ``return`` is ``prod(1 + r) - 1`` over the year's days of the run,
    ``excess`` is ``return - return(baseline)`` (percentage points as a fraction; NaN on the
    baseline's own rows). Series in column order.
    """
    dates = pd.DatetimeIndex(returns.index)
    if not len(dates):
        columns = ["strategy", "year", "first_date", "last_date", "partial", "return", "excess"]
        return pd.DataFrame(columns=columns)
    starts, growth = _compound(returns, dates.year.to_numpy())
    ends = np.concatenate((starts[1:] - 1, [len(dates) - 1]))
    years = dates.year.to_numpy()[starts]
    first, last = dates[starts], dates[ends]
    partial = np.zeros(len(starts), dtype=bool)
    partial[0] |= (first[0].month, first[0].day) > (1, 7)
    partial[-1] |= (last[-1].month, last[-1].day) < (12, 24)
    base = growth[:, list(returns.columns).index(baseline)]
    frames = []
    for j, name in enumerate(returns.columns):
        excess = np.full(len(starts), np.nan) if name == baseline else growth[:, j] - base
        frames.append(
            pd.DataFrame(
                {
                    "strategy": str(name),
                    "year": years.astype(np.int64),
                    "first_date": first,
                    "last_date": last,
                    "partial": partial,
                    "return": growth[:, j],
                    "excess": excess,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def monthly_table(returns: pd.DataFrame) -> pd.DataFrame:
    """Return each series' month x year table of returns with the year's total last.

    Parameters
    ----------
    returns : DataFrame, shape (n_days, n_series)
        Daily returns with a DatetimeIndex, ascending.

    Returns
    -------
    DataFrame (long over series), one row per series and year: ``strategy, year``, then
    `MONTH_COLUMNS` (``prod(1 + r) - 1`` over the month's days of the run; NaN for a month
    outside the run) and ``total`` (the year's return, equal to the compounded months and to
    `yearly_table`'s ``return``).
    """
    dates = pd.DatetimeIndex(returns.index)
    if not len(dates):
        return pd.DataFrame(columns=["strategy", "year", *MONTH_COLUMNS, "total"])
    keys = dates.year.to_numpy() * 12 + dates.month.to_numpy() - 1
    starts, growth = _compound(returns, keys)
    month_keys = keys[starts]
    years = np.unique(month_keys // 12)
    _, year_growth = _compound(returns, dates.year.to_numpy())
    frames = []
    for j, name in enumerate(returns.columns):
        grid = np.full((len(years), 12), np.nan)
        grid[np.searchsorted(years, month_keys // 12), month_keys % 12] = growth[:, j]
        frame = pd.DataFrame(grid, columns=list(MONTH_COLUMNS))
        frame.insert(0, "year", years.astype(np.int64))
        frame.insert(0, "strategy", str(name))
        frame["total"] = year_growth[:, j]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


PERIOD_METRICS = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe_ratio",
    "max_drawdown",
    "excess_cagr",
    "information_ratio",
)
"""Metric columns of `period_table` (the functions of `backtest.metrics` of the same name)."""


def period_table(
    returns: pd.DataFrame,
    periods: Sequence[Period],
    *,
    baseline: str = BASELINE_COLUMN,
    risk_free: RiskFree = 0.0,
) -> pd.DataFrame:
    """Return the metrics of every series over each sub-period, from the one run's returns.

    A period's days are the run's days inside ``[first, last]``; its first day's return is
    measured from the close before it, so adjacent periods chain exactly (no day falls in
    neither) and their ``1 + total_return`` multiply to the whole run's.

    Parameters
    ----------
    returns : DataFrame, shape (n_days, n_series)
        Daily returns with a DatetimeIndex, the ``baseline`` column included.
    periods : sequence of Period
    risk_free : float or array of length n_days
        Annual risk-free rate (Sharpe ratio), sliced with the returns when it is an array.

    Returns
    -------
    DataFrame (long), one row per period and series: ``period, strategy, first_date,
    last_date, n_days`` and `PERIOD_METRICS` (``excess_cagr`` and ``information_ratio`` NaN on
    the baseline's rows). A period without a day of the run has ``n_days`` 0 and NaN metrics.
    """
    dates = pd.DatetimeIndex(returns.index)
    rf = None if isinstance(risk_free, int | float) else np.asarray(risk_free, dtype=float)
    rows = []
    for period in periods:
        inside = (dates >= pd.Timestamp(period.first)) & (dates <= pd.Timestamp(period.last))
        chunk = returns.loc[inside]
        rate: RiskFree = risk_free if rf is None else rf[inside]
        base = chunk[baseline]
        for name in returns.columns:
            r = chunk[name]
            own = name == baseline
            rows.append(
                {
                    "period": period.name,
                    "strategy": str(name),
                    "first_date": chunk.index[0] if len(chunk) else pd.NaT,
                    "last_date": chunk.index[-1] if len(chunk) else pd.NaT,
                    "n_days": len(chunk),
                    "total_return": total_return(r),
                    "cagr": cagr(r),
                    "annual_volatility": annual_volatility(r),
                    "sharpe_ratio": sharpe_ratio(r, rate),
                    "max_drawdown": max_drawdown(r),
                    "excess_cagr": float("nan") if own else excess_cagr(r, base),
                    "information_ratio": float("nan") if own else information_ratio(r, base),
                }
            )
    columns = ["period", "strategy", "first_date", "last_date", "n_days", *PERIOD_METRICS]
    return pd.DataFrame(rows, columns=columns)
