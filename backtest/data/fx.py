"""One currency per run: refuse non-USD listings unless an FX series converts them to USD.

``[data.fx]`` in a config names, per currency, the ticker of a series giving the **USD price of
one unit** of that currency, e.g. ``TWD = "TWDUSD=X"`` (a ``"TWD:TWDUSD=X,JPY:JPYUSD=X"`` string
is accepted too).
The FX series is loaded from the same provider as the prices. A local price on day ``t`` becomes
``price_usd[t] = price_local[t] * rate[t']`` with ``t'`` the latest FX date ``<= t`` (never a later
rate: no look-ahead); a listing day with no FX rate at or before it is a `DataError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from backtest.data.providers import LoadedPrices, PriceProvider
from backtest.errors import ConfigError, DataError

__all__ = [
    "BASE_CURRENCY",
    "Listing",
    "UsdPrices",
    "convert_to_usd",
    "fx_tickers_for",
    "load_usd",
    "parse_fx",
]

BASE_CURRENCY = "USD"


class Listing(Protocol):
    """What the conversion needs of a universe member: its ticker and its currency."""

    @property
    def ticker(self) -> str:
        """The member's ticker."""
        ...

    @property
    def currency(self) -> str:
        """ISO code of the currency its prices are in (``USD``, ``TWD``)."""
        ...


def parse_fx(spec: Mapping[str, str] | str | None) -> dict[str, str]:
    """Normalise ``data.fx`` into ``{currency: fx_ticker}`` (currency upper-case ISO code)."""
    if not spec:
        return {}
    if isinstance(spec, str):
        items = [item.strip().partition(":") for item in spec.split(",")]
        raw = (
            {cur: ticker for cur, sep, ticker in items if sep} if all(i[1] for i in items) else None
        )
        if raw is None:
            raise ConfigError(
                f"`data.fx` entries must look like `TWD:TWDUSD=X` (currency:ticker), got {spec!r}"
            )
    else:
        raw = dict(spec)
    pairs: dict[str, str] = {}
    for currency, ticker in raw.items():
        code = str(currency).strip().upper()
        if (
            len(code) != 3
            or not code.isalpha()
            or not isinstance(ticker, str)
            or not ticker.strip()
        ):
            raise ConfigError(
                "`data.fx` maps an ISO currency code to the ticker of its USD rate, e.g. "
                f'TWD = "TWDUSD=X"; got {currency!r} = {ticker!r}'
            )
        pairs[code] = ticker.strip()
    return pairs


def fx_tickers_for(members: Sequence[Listing], fx: Mapping[str, str]) -> dict[str, str]:
    """Return ``{member ticker: fx ticker}`` for every non-USD member.

    Raises
    ------
    ConfigError
        When a member's currency is not USD and ``fx`` has no series for it.
    """
    needed: dict[str, str] = {}
    refused: list[str] = []
    for member in members:
        currency = member.currency.upper()
        if currency == BASE_CURRENCY:
            continue
        if currency in fx:
            needed[member.ticker] = fx[currency]
        else:
            refused.append(f"{member.ticker} ({currency})")
    if refused:
        raise ConfigError(
            f"all prices of a run must be in {BASE_CURRENCY}; {', '.join(refused)} "
            "cannot be used without an FX series: add it under `[data.fx]`, e.g. "
            '`TWD = "TWDUSD=X"` (USD per unit of the currency), or drop the member'
        )
    return needed


def convert_to_usd(local: pd.Series, rate: pd.Series, *, ticker: str, fx_ticker: str) -> pd.Series:
    """Convert one ticker's local prices to USD with the last FX rate known on each day.

    Parameters
    ----------
    local : Series, shape (n_days,)
        Local-currency prices on the ticker's dates (NaN = no price).
    rate : Series, shape (n_fx_days,)
        USD per unit of the local currency, on the FX series' own dates.
    """
    known = rate.dropna().sort_index()
    if not known.index.is_unique:
        raise DataError(f"FX series `{fx_ticker}` has duplicated dates")
    positions = known.index.searchsorted(local.index, side="right") - 1
    values = local.to_numpy(dtype=float)
    has_price = ~np.isnan(values)
    no_rate = has_price & (positions < 0)
    if no_rate.any():
        first = local.index[no_rate][0].date()
        raise DataError(
            f"`{ticker}` has a price on {first} but FX series `{fx_ticker}` has no rate on or "
            "before that day"
        )
    rates = known.to_numpy(dtype=float)[np.clip(positions, 0, None)]
    return pd.Series(np.where(has_price, values * rates, np.nan), index=local.index, name=ticker)


@dataclass(frozen=True, kw_only=True)
class UsdPrices:
    """A load with every non-USD member converted, and the FX series that converted it.

    Attributes
    ----------
    loaded : LoadedPrices
        Prices (and ``close``, where the source has it) in USD from ``start``, shape
        (n_dates, n_tickers), FX series removed; the provider's provenance and missing cells.
    rates : DataFrame, shape (n_fx_dates, n_fx_series)
        Each FX series used (USD per unit of the currency) as the provider returned it, from
        30 days before ``start``; no column when every member is in USD.
    """

    loaded: LoadedPrices
    rates: pd.DataFrame


def load_usd(
    provider: PriceProvider,
    *,
    tickers: Sequence[str],
    members: Sequence[Listing],
    fx_spec: Mapping[str, str] | str | None,
    start: dt.date,
    end: dt.date,
) -> UsdPrices:
    """Load ``tickers`` (and the FX series they need) in one call and convert them to USD.

    Tickers that are not ``members`` (the baseline) are taken to be USD.
    """
    needed = fx_tickers_for(members, parse_fx(fx_spec))
    fx_series = sorted(set(needed.values()) - set(tickers))
    # FX rates from a few weeks before start, so the first local price has a known rate
    loaded = provider.load(
        [*tickers, *fx_series], start - dt.timedelta(days=30) if needed else start, end
    )
    raw = loaded.prices.copy() if needed else loaded.prices  # never change the provider's frame
    close = loaded.close.copy() if needed and loaded.close is not None else loaded.close
    for ticker, fx_ticker in needed.items():
        if ticker not in raw.columns:
            continue  # a missing member allowed by the config
        if fx_ticker not in raw.columns:
            raise DataError(f"FX series `{fx_ticker}` (for `{ticker}`) has no prices")
        raw[ticker] = convert_to_usd(
            raw[ticker], raw[fx_ticker], ticker=ticker, fx_ticker=fx_ticker
        )
        if close is not None and ticker in close.columns:
            close[ticker] = convert_to_usd(
                close[ticker], raw[fx_ticker], ticker=ticker, fx_ticker=fx_ticker
            )
    used = sorted({f for f in needed.values() if f in raw.columns})
    rates = raw[used] if used else pd.DataFrame(index=raw.index)
    raw = raw.drop(columns=[c for c in fx_series if c in raw.columns])
    wanted = sorted(set(tickers))
    # a ticker the provider was allowed to miss stays as an all-NaN column (listed in provenance)
    # a mask, not a slice: an unsorted panel reaches validation, which names the bad dates
    after = raw.index >= pd.Timestamp(start)
    usd = LoadedPrices(
        prices=raw.loc[after].reindex(columns=wanted),
        provenance=dict(loaded.provenance),
        close=(
            close.loc[close.index >= pd.Timestamp(start), [c for c in close.columns if c in wanted]]
            if close is not None
            else None
        ),
        missing_values={t: v for t, v in loaded.missing_values.items() if t in wanted},
    )
    return UsdPrices(loaded=usd, rates=rates)
