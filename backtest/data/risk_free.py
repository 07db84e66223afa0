"""The risk-free rate of a run: a constant, or a CSV series (e.g. a T-bill yield) on its calendar.

A series file has two columns, ``date`` (ISO, unique, ascending) and ``rate`` (the annual
rate as a fraction: 0.05 for 5 %, finite, in (-1, 1)). The rate that applies on a trading day is
the last one dated on or before it (a yield is known from the day it is published), so a run
day before the file's first date is an error, never back-filled. The metrics turn the annual
rate into a daily one (`backtest.metrics.daily_risk_free`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from backtest.errors import DataError

__all__ = ["load_risk_free", "risk_free_on"]


def load_risk_free(path: str | Path) -> pd.Series:
    """Read a ``date,rate`` CSV into a Series of annual rates indexed by date.

    Raises
    ------
    DataError
        Naming the file and the row or column at fault.
    """
    source = Path(path)
    if not source.is_file():
        raise DataError(f"risk-free file `{source}` does not exist")
    try:
        table = pd.read_csv(source)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"risk-free file `{source}` is not a CSV: {exc}") from exc
    if list(table.columns) != ["date", "rate"]:
        raise DataError(
            f"risk-free file `{source}` must have the columns date,rate, got "
            f"{','.join(map(str, table.columns))}"
        )
    if table.empty:
        raise DataError(f"risk-free file `{source}` has no rows")
    dates = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0]) + 2
        raise DataError(
            f"risk-free file `{source}` row {row}: `date` must be YYYY-MM-DD, "
            f"got {table['date'].iloc[row - 2]!r}"
        )
    if not dates.is_monotonic_increasing or dates.duplicated().any():
        raise DataError(f"risk-free file `{source}`: dates must be unique and ascending")
    rates = pd.to_numeric(table["rate"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(rates) | (rates <= -1.0) | (rates >= 1.0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"risk-free file `{source}` row {row + 2}: `rate` must be an annual fraction in "
            f"(-1, 1), got {table['rate'].iloc[row]!r}"
        )
    return pd.Series(rates, index=pd.DatetimeIndex(dates, name="date"), name="rate")


def risk_free_on(
    rates: pd.Series, calendar: pd.DatetimeIndex, *, source: str = "the risk-free series"
) -> np.ndarray:
    """Return the annual rate in force on each day of ``calendar`` (last dated on or before it).

    ``source`` names the series in the error (its file).

    Raises
    ------
    DataError
        When the calendar starts before the series' first date.
    """
    if len(calendar) and calendar[0] < rates.index[0]:
        raise DataError(
            f"{source} starts {rates.index[0].date()}, after the run's first traded day "
            f"{calendar[0].date()}; it must cover the whole run"
        )
    positions = rates.index.searchsorted(calendar, side="right") - 1
    return rates.to_numpy(dtype=float)[positions]
