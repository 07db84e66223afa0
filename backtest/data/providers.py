"""The `PriceProvider` protocol every data source implements, and the `LoadedPrices` it returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pandas as pd

__all__ = ["LoadedPrices", "PriceProvider"]


@dataclass(frozen=True, kw_only=True)
class LoadedPrices:
    """What one `PriceProvider.load` returned: the raw panel and where it came from.

    Attributes
    ----------
    prices : DataFrame, shape (n_dates, n_tickers)
        Raw adjusted closes: a ``DatetimeIndex`` of trading days (unique, ascending), one float
        column per ticker found, NaN where the source has no price.
    provenance : dict
        What the load used and did (files and columns, cache actions, snapshot sha256, the
        ``missing_tickers`` it was allowed to leave out); ``{}`` for the demo market. The
        runner records it in the manifest under ``data_provenance``.
    close : DataFrame or None, shape (n_dates, n_both)
        The source's ``close`` (split- but not dividend-adjusted, or raw) on the same dates,
        for the tickers whose source also has the ``adj_close`` used in ``prices``; the
        quality checks compare the two (`backtest.data.quality`). None when no ticker has both.
    missing_values : dict of str to {Timestamp: str}
        Cells the source has a row for but the reader took as missing (``n/a``, ``null``,
        empty), ticker -> date -> the cell's text.
    """

    prices: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)
    close: pd.DataFrame | None = None
    missing_values: dict[str, dict[pd.Timestamp, str]] = field(default_factory=dict)


@runtime_checkable
class PriceProvider(Protocol):
    """A source of daily adjusted closes.

    ``load`` returns a `LoadedPrices`: the raw panel (validated and aligned to the baseline
    calendar afterwards by `backtest.data.panel.load_panel`) together with the provenance of
    that very load. A provider holds parameters only: loading twice gives two independent
    answers, and nothing about a load is kept on the provider.
    """

    @property
    def name(self) -> str:
        """Short name recorded in the manifest (``demo``, ``files``, ``yahoo``, ``snapshot``)."""
        ...

    @property
    def synthetic(self) -> bool:
        """Whether the prices are synthetic (every output is then labelled so)."""
        ...

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        """Return adjusted closes for ``tickers`` between ``start`` and ``end`` inclusive."""
        ...
