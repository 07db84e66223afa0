"""The one price-loading pipeline: provider -> USD conversion -> validation and alignment.

`load_panel` is what a run (`backtest.pipeline.prepare.prepare`), the gate's re-read of a
golden panel (`backtest.gate.golden.verify_data`), ``backtest data snapshot`` and ``backtest
universes show`` call, so every one of them sees the same prices for the same inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from backtest.data.fx import Listing, load_usd_prices
from backtest.data.providers import PriceProvider
from backtest.data.validate import AlignmentReport, align_prices

__all__ = ["Panel", "load_panel"]


@dataclass(frozen=True, kw_only=True)
class Panel:
    """A validated price panel on the baseline's calendar and what produced it.

    Attributes
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Adjusted closes in USD, columns in the order the tickers were asked for; NaN only
        before a listing (or for a ticker the provider was allowed to miss).
    alignment : AlignmentReport
        Gaps forward-filled and first valid date per ticker.
    provenance : dict
        The provider's account of the load (`backtest.data.providers.LoadedPrices`).
    """

    prices: pd.DataFrame
    alignment: AlignmentReport = field(default_factory=AlignmentReport)
    provenance: dict[str, Any] = field(default_factory=dict)


def load_panel(
    provider: PriceProvider,
    *,
    tickers: Sequence[str],
    members: Sequence[Listing],
    fx: Mapping[str, str] | str | None,
    start: dt.date,
    end: dt.date,
    baseline: str,
    max_fill_days: int,
) -> Panel:
    """Load ``tickers`` from ``provider``, convert them to USD and align them to ``baseline``.

    Parameters
    ----------
    provider : PriceProvider
    tickers : sequence of str
        Every ticker of the panel, the baseline included.
    members : sequence of Listing
        Universe members (``ticker`` and ``currency``): a non-USD member is converted with the FX
        series ``fx`` names for its currency (`backtest.data.fx`); tickers that are not
        members are taken to be USD.
    fx : mapping or str or None
        ``data.fx`` of a config (currency -> ticker of its USD rate).
    start, end : datetime.date
        Inclusive window.
    baseline : str
        Ticker whose trading days are the calendar.
    max_fill_days : int
        Longest missing run inside a listing that is forward-filled.

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        What the provider, the conversion or the alignment refuses (`align_prices`).
    ConfigError
        A non-USD member without an FX series.
    """
    loaded = load_usd_prices(
        provider, tickers=tickers, members=members, fx_spec=fx, start=start, end=end
    )
    prices, alignment = align_prices(
        loaded.prices,
        baseline=baseline,
        start=start,
        end=end,
        max_fill_days=max_fill_days,
        allow_missing=loaded.provenance.get("missing_tickers", ()),
    )
    return Panel(
        prices=prices[list(dict.fromkeys(tickers))],
        alignment=alignment,
        provenance=dict(loaded.provenance),
    )
