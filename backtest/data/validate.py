"""Boundary checks: turn a raw price panel into the validated, calendar-aligned `prices` frame.

Rules (DESIGN section 2): the calendar is the baseline ticker's valid trading days inside
``[start, end]``; other tickers are aligned to it; a ticker has NaN before its first valid price
(never back-filled); a missing run of at most ``max_fill_days`` inside a listing is
forward-filled and reported, a longer one is a `DataError`; prices must be finite and > 0;
dates unique and ascending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from backtest.constants import DEFAULT_MAX_FILL_DAYS, PRICE_BOUNDS
from backtest.errors import DataError

__all__ = [
    "AlignmentReport",
    "FilledGap",
    "align_prices",
    "as_dates",
    "check_raw_panel",
    "check_series",
    "forward_fill",
    "missing_runs",
]


@dataclass(frozen=True, kw_only=True)
class FilledGap:
    """A run of missing days inside a listing that was forward-filled for valuation."""

    ticker: str
    first_missing: dt.date
    last_missing: dt.date
    days: int


@dataclass(frozen=True, kw_only=True)
class AlignmentReport:
    """What alignment did: gaps filled, first valid date per ticker."""

    filled_gaps: tuple[FilledGap, ...] = ()
    first_valid: dict[str, dt.date] = field(default_factory=dict)


def _fmt_dates(index: pd.DatetimeIndex, limit: int = 5) -> str:
    shown = ", ".join(d.date().isoformat() for d in index[:limit])
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return shown + more


def as_dates(values: Any) -> pd.DatetimeIndex:
    """Return ``values`` as the canonical date index: tz-naive, nanosecond unit, named ``date``.

    One unit everywhere keeps hashes of a panel (``asi8`` bytes) independent of which provider
    or file format produced it.
    """
    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_localize(None)
    return pd.DatetimeIndex(index.as_unit("ns").to_numpy(), name="date")  # drops any freq


def check_series(series: pd.Series, *, ticker: str, source: str) -> None:
    """Raise `DataError` unless one ticker's dates are unique and ascending and prices finite > 0.

    Parameters
    ----------
    series : Series, shape (n_days,)
        Prices indexed by date; NaN means "no price that day".
    ticker, source : str
        Named in the error message (``source`` is the file or service the prices came from).
    """
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"{source}: dates of `{ticker}` must be dates, got {type(index).__name__}")
    duplicated = index[index.duplicated()]
    if len(duplicated):
        raise DataError(
            f"{source}: dates of `{ticker}` must be unique; duplicated: {_fmt_dates(duplicated)}"
        )
    if not index.is_monotonic_increasing:
        steps = np.flatnonzero(np.diff(index.asi8) < 0)
        raise DataError(
            f"{source}: dates of `{ticker}` must be ascending; out of order at "
            f"{_fmt_dates(index[steps + 1])}"
        )
    if not pd.api.types.is_numeric_dtype(series):
        raise DataError(f"{source}: prices of `{ticker}` must be numbers, got dtype {series.dtype}")
    _check_values(series.to_numpy(dtype=float), index, f"{source}: prices of `{ticker}`")


def check_raw_panel(raw: pd.DataFrame) -> None:
    """Raise `DataError` unless dates are unique and ascending and every price is finite > 0.

    NaN means "no price that day" and is allowed; ``inf`` and non-positive values are not.
    """
    if not isinstance(raw.index, pd.DatetimeIndex):
        raise DataError(f"price index must be dates, got {type(raw.index).__name__}")
    duplicated = raw.index[raw.index.duplicated()]
    if len(duplicated):
        raise DataError(f"price dates must be unique; duplicated: {_fmt_dates(duplicated)}")
    if not raw.index.is_monotonic_increasing:
        steps = np.flatnonzero(np.diff(raw.index.asi8) < 0)
        raise DataError(
            f"price dates must be ascending; out of order at {_fmt_dates(raw.index[steps + 1])}"
        )
    if all(pd.api.types.is_float_dtype(t) for t in raw.dtypes):
        panel = raw.to_numpy(dtype=float)
        low, high = PRICE_BOUNDS
        with np.errstate(invalid="ignore"):
            if not ((panel < low) | (panel > high)).any():
                return  # fast path: all-float panel with only plausible prices and NaN
    for ticker in raw.columns:
        column = raw[ticker]
        if not pd.api.types.is_numeric_dtype(column):
            raise DataError(f"prices of `{ticker}` must be numbers, got dtype {column.dtype}")
        _check_values(column.to_numpy(dtype=float), raw.index, f"prices of `{ticker}`")


def _check_values(values: np.ndarray, index: pd.DatetimeIndex, what: str) -> None:
    """Raise `DataError` for a price that is inf, <= 0 or outside `PRICE_BOUNDS` (NaN is fine)."""
    present = ~np.isnan(values)
    bad = present & (~np.isfinite(values) | (values <= 0.0))
    if bad.any():
        raise DataError(
            f"{what} must be finite and > 0; got {float(values[bad][0])!r} on "
            f"{_fmt_dates(index[bad])}"
        )
    low, high = PRICE_BOUNDS
    implausible = present & ((values < low) | (values > high))
    if implausible.any():
        raise DataError(
            f"{what} must be between {low:g} and {high:g} (a plausibility bound on an adjusted "
            f"close); got {float(values[implausible][0])!r} on {_fmt_dates(index[implausible])}"
        )


def align_prices(
    raw: pd.DataFrame,
    *,
    baseline: str,
    start: dt.date,
    end: dt.date,
    max_fill_days: int = DEFAULT_MAX_FILL_DAYS,
    allow_missing: Collection[str] = (),
) -> tuple[pd.DataFrame, AlignmentReport]:
    """Validate ``raw`` and align it to the baseline's trading calendar.

    Parameters
    ----------
    raw : DataFrame, shape (n_raw_days, n_tickers)
        Adjusted closes, NaN where a source has no price.
    baseline : str
        Ticker whose valid days inside ``[start, end]`` form the calendar.
    start, end : datetime.date
        Inclusive run window.
    max_fill_days : int
        Longest missing run inside a listing that is forward-filled.
    allow_missing : collection of str
        Tickers allowed to have no price at all in the window (the provider could not get
        them and the config allows missing members); they stay all-NaN. Any other ticker
        without a price is a `DataError`.

    Returns
    -------
    prices : DataFrame, shape (n_days, n_tickers)
        Sorted columns, ``DatetimeIndex`` named ``date``; NaN only before a ticker's first price.
    report : AlignmentReport
    """
    if max_fill_days < 0:
        raise DataError(f"`max_fill_days` must be >= 0, got {max_fill_days}")
    check_raw_panel(raw)
    if baseline not in raw.columns:
        raise DataError(
            f"baseline `{baseline}` has no prices; available: {', '.join(map(str, raw.columns))}"
        )
    window = raw.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    calendar = window.index[window[baseline].notna().to_numpy()]
    if len(calendar) == 0:
        raise DataError(f"baseline `{baseline}` has no price between {start} and {end}")
    calendar = pd.DatetimeIndex(calendar, name="date")
    aligned = window.reindex(calendar)
    gaps: list[FilledGap] = []
    first_valid: dict[str, dt.date] = {}
    columns: dict[str, np.ndarray] = {}
    for ticker in sorted(aligned.columns):
        values = aligned[ticker].to_numpy(dtype=float)
        valid = np.flatnonzero(~np.isnan(values))
        if len(valid) == 0:
            if ticker in allow_missing and ticker != baseline:
                columns[ticker] = values
                continue
            raise DataError(
                f"`{ticker}` has no price on the {baseline} calendar between {start} and {end}; "
                "every member needs a price in the run's window (set its `member_from` to its "
                "listing date, end the run after its first price, or use a universe without it)"
            )
        first_valid[ticker] = calendar[valid[0]].date()
        values, ticker_gaps = _fill_gaps(values, ticker, calendar, max_fill_days)
        gaps.extend(ticker_gaps)
        columns[ticker] = values
    prices = pd.DataFrame(columns, index=calendar)
    return prices, AlignmentReport(filled_gaps=tuple(gaps), first_valid=first_valid)


def missing_runs(values: np.ndarray) -> list[tuple[int, int]]:
    """Return the runs of missing days inside a listing, as ``[lo, hi)`` row ranges.

    Parameters
    ----------
    values : ndarray, shape (n_days,)
        One ticker's prices on a calendar, NaN = no price.

    Returns
    -------
    list of (int, int)
        Each run of consecutive NaN after the first valid price, ``hi`` exclusive; NaN before
        the first price (before a listing) is not a run.
    """
    missing = np.isnan(values)
    valid = np.flatnonzero(~missing)
    if len(valid) == 0:
        return []
    missing[: valid[0]] = False
    if not missing.any():
        return []
    edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)  # exclusive
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


def forward_fill(values: np.ndarray, runs: list[tuple[int, int]], *, limit: int) -> np.ndarray:
    """Return ``values`` with the first ``limit`` days of each run set to the price before it.

    Parameters
    ----------
    values : ndarray, shape (n_days,)
    runs : list of (int, int)
        Missing runs from `missing_runs` (each starts after a valid price).
    limit : int
        Days filled per run, >= 0; the rest of a longer run stays NaN.
    """
    filled = values.copy()
    for lo, hi in runs:
        filled[lo : min(hi, lo + limit)] = filled[lo - 1]
    return filled


def _fill_gaps(
    values: np.ndarray,
    ticker: str,
    calendar: pd.DatetimeIndex,
    max_fill_days: int,
) -> tuple[np.ndarray, list[FilledGap]]:
    runs = missing_runs(values)
    if not runs:
        return values, []
    gaps: list[FilledGap] = []
    for lo, hi in runs:
        days = int(hi - lo)
        first_missing, last_missing = calendar[lo].date(), calendar[hi - 1].date()
        if days > max_fill_days:
            raise DataError(
                f"`{ticker}` has no price for {days} trading days from {first_missing} to "
                f"{last_missing}; at most {max_fill_days} (`max_fill_days`) are forward-filled"
            )
        gaps.append(
            FilledGap(
                ticker=ticker, first_missing=first_missing, last_missing=last_missing, days=days
            )
        )
    return forward_fill(values, runs, limit=max_fill_days), gaps
