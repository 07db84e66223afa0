"""Reference rows: buy-and-hold of market ETFs (SPY, QQQ, SMH) shown beside a run's strategies.

A reference is never a strategy: it appears as an extra metrics row named ``ref_<TICKER>`` and in
``reference_equity.csv``, never in ``equity.csv``. It buys the ETF with all the initial cash at the
close of the run's first effective date, pays the run's fees and slippage, and holds (like the
baseline). A reference ticker the price source does not have, or whose prices do not cover the
run, is left out and the reason recorded in the manifest (``references``); it never fails a run.

Its prices follow the rules of the run's own (`backtest.data.validate`): dates unique and
ascending, prices finite and > 0 (`check_series`); on the run's calendar, NaN before its first
price and missing runs inside its listing forward-filled for at most ``max_fill_days``
(`missing_runs`, `forward_fill`). Where the run's prices raise a `DataError`, a reference is
left out with the reason instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from backtest.data.providers import PriceProvider
from backtest.data.validate import check_series, forward_fill, missing_runs
from backtest.errors import DataError

__all__ = ["REFERENCE_PREFIX", "REFERENCE_TICKERS", "ReferencePrices", "load_references"]

REFERENCE_TICKERS: Final = ("SPY", "QQQ", "SMH")
"""Tickers tried as reference rows, in reporting order."""

REFERENCE_PREFIX: Final = "ref_"
"""Prefix of a reference row's name (``ref_SPY``)."""


@dataclass(frozen=True, kw_only=True)
class ReferencePrices:
    """Reference closes aligned to a run's calendar.

    Attributes
    ----------
    prices : DataFrame, shape (n_days, n_references)
        Adjusted closes on the run calendar, one column per usable ticker (reporting order).
    absent : dict[str, str]
        Ticker -> why it was left out.
    """

    prices: pd.DataFrame
    absent: dict[str, str] = field(default_factory=dict)


def _load_each(
    provider: PriceProvider, tickers: Sequence[str], start: dt.date, end: dt.date
) -> tuple[dict[str, pd.Series], dict[str, str]]:
    try:
        raw = provider.load(list(tickers), start, end).prices
        return {t: raw[t] for t in tickers if t in raw.columns}, {
            t: "not returned by the price source" for t in tickers if t not in raw.columns
        }
    except DataError:
        if len(tickers) == 1:
            raise
    series: dict[str, pd.Series] = {}
    absent: dict[str, str] = {}
    for ticker in tickers:
        try:
            found, missing = _load_each(provider, [ticker], start, end)
        except DataError as exc:
            absent[ticker] = " ".join(str(exc).split())
            continue
        series |= found
        absent |= missing
    return series, absent


def load_references(
    provider: PriceProvider,
    calendar: pd.DatetimeIndex,
    *,
    first_date: pd.Timestamp,
    max_fill_days: int,
    tickers: Sequence[str] = REFERENCE_TICKERS,
) -> ReferencePrices:
    """Load ``tickers`` from ``provider`` and align them to ``calendar``.

    Parameters
    ----------
    provider : PriceProvider
    calendar : DatetimeIndex, length n_days
        The run's trading days.
    first_date : Timestamp
        The run's first effective date: a reference needs a price there.
    max_fill_days : int
        Longest run of missing days forward-filled inside the reference's listing (as for the
        run's own prices); a longer gap leaves the reference out.
    tickers : sequence of str

    Returns
    -------
    ReferencePrices
    """
    if not tickers:
        return ReferencePrices(prices=pd.DataFrame(index=calendar))
    start, end = calendar[0].date(), calendar[-1].date()
    series, absent = _load_each(provider, list(tickers), start, end)
    usable: dict[str, pd.Series] = {}
    for ticker, raw in series.items():
        try:
            check_series(raw, ticker=ticker, source="reference")
        except DataError as exc:
            absent[ticker] = " ".join(str(exc).split())
            continue
        why, filled = _aligned(raw, calendar, first_date, max_fill_days)
        if why:
            absent[ticker] = why
        else:
            usable[ticker] = pd.Series(filled, index=calendar, name=ticker)
    ordered = [t for t in tickers if t in usable]
    prices = pd.DataFrame({t: usable[t] for t in ordered}, index=calendar)
    return ReferencePrices(prices=prices, absent={t: absent[t] for t in tickers if t in absent})


def _aligned(
    raw: pd.Series, calendar: pd.DatetimeIndex, first_date: pd.Timestamp, max_fill_days: int
) -> tuple[str, np.ndarray]:
    """Put one reference on ``calendar``; return ``(why it cannot be used or "", prices)``.

    Runs of at most ``max_fill_days`` missing days are filled; of a longer run the first
    ``max_fill_days`` days are, and the reference is unusable when a day from ``first_date`` on
    stays without a price.
    """
    values = raw.reindex(calendar).to_numpy(dtype=float)
    filled = forward_fill(values, missing_runs(values), limit=max_fill_days)
    first_row = int(calendar.get_indexer(pd.DatetimeIndex([first_date]))[0])
    if first_row < 0 or np.isnan(filled[first_row]):
        return f"no price on the first effective date {first_date.date()}", filled
    unpriced = np.flatnonzero(np.isnan(filled[first_row:]))
    if len(unpriced):
        gap = calendar[first_row + unpriced[0]].date()
        return f"gap longer than {max_fill_days} days at {gap}", filled
    return "", filled
