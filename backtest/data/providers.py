"""The `PriceProvider` protocol every data source implements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import pandas as pd

__all__ = ["PriceProvider"]


@runtime_checkable
class PriceProvider(Protocol):
    """A source of daily adjusted closes.

    ``load`` returns a raw panel: a ``DatetimeIndex`` of trading days (unique, ascending), one
    float column per requested ticker, NaN where the source has no price. The panel is validated
    and aligned to the baseline calendar by `backtest.data.validate.align_prices`.

    A provider may also have ``provenance() -> dict`` describing its last ``load`` (files and
    columns used, cache actions, snapshot sha256, ``missing_tickers`` it was allowed to leave
    out); the runner records it in the manifest under ``data_provenance``.
    """

    @property
    def name(self) -> str:
        """Short name recorded in the manifest (``demo``, ``files``, ``yahoo``, ``snapshot``)."""
        ...

    @property
    def synthetic(self) -> bool:
        """Whether the prices are synthetic (every output is then labelled so)."""
        ...

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """Return adjusted closes for ``tickers`` between ``start`` and ``end`` inclusive."""
        ...
