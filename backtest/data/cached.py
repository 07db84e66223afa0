"""Cache-first price provider: serve from the on-disk cache, fetch only what is missing.

For each ticker and a request ``[start, end]`` (``end`` capped at yesterday, UTC, because
today's bar may be intraday):

* cached, ``cache.start <= start`` and ``covered_until >= end``: served from the cache;
* cached but ending earlier: **incremental refresh**, fetch ``[last_date - overlap_days, end]``;
  if the prices on the overlapping dates differ from the cache (relative ``rtol``; a new dividend
  or split re-adjusts the whole history) the ticker is fetched again whole, else the new dates
  are appended;
* not cached, cached from a later start, or the cache entry is corrupt: fetched whole.

``offline=True`` never fetches: anything the cache cannot serve is a `DataError` listing each
ticker and what is missing. A ticker the fetcher cannot get is a `DataError` naming it unless
``allow_missing`` (it is then left out and listed in the load's provenance).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from backtest.data.cache import CacheCorrupt, CachedSeries, PriceCache
from backtest.data.providers import LoadedPrices
from backtest.data.validate import as_dates, check_series
from backtest.errors import DataError

__all__ = ["CachedProvider", "Fetcher"]


class Fetcher(Protocol):
    """Fetches adjusted closes (`backtest.data.yahoo.YahooFetcher` is the real one)."""

    def fetch(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> Any:
        """Return an object with ``prices: dict[str, Series]`` and ``missing: dict[str, str]``."""
        ...


def _yesterday_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, kw_only=True)
class CachedProvider:
    """`PriceProvider` that reads through a `PriceCache` and refreshes it with a `Fetcher`."""

    cache: PriceCache
    fetcher: Fetcher
    offline: bool = False
    allow_missing: bool = False
    overlap_days: int = 10
    rtol: float = 1e-6
    last_complete_day: Callable[[], dt.date] = _yesterday_utc
    now: Callable[[], dt.datetime] = _now_utc
    versions: dict[str, str] = field(default_factory=dict)
    name: str = "yahoo"
    synthetic: bool = False

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        """Return adjusted closes, shape (n_dates, n_tickers), inside ``[start, end]``.

        The provenance says what this load did: cache dir, adjustment, offline, the tickers
        served from the cache, refreshed, re-fetched after a re-adjustment, fetched, discarded
        as corrupt, and missing.
        """
        end = min(end, self.last_complete_day())
        if end < start:
            raise DataError(f"no complete trading day between {start} and {end} to load")
        wanted = sorted(set(tickers))
        entries: dict[str, CachedSeries | None] = {}
        corrupt: list[str] = []
        for ticker in wanted:
            try:
                entries[ticker] = self.cache.read(ticker)
            except CacheCorrupt as exc:
                if self.offline:
                    raise
                warnings.warn(f"{exc}; fetching `{ticker}` again", UserWarning, stacklevel=2)
                corrupt.append(ticker)
                entries[ticker] = None
        fresh, extend, full = self._plan(entries, start, end)
        if self.offline and (extend or full):
            self._refuse_offline(entries, sorted([*extend, *full]), start, end)
        result: dict[str, pd.Series] = {t: entries[t].prices for t in fresh}  # type: ignore[union-attr]
        missing: dict[str, str] = {}
        readjusted: list[str] = []
        for ticker, series in self._extend(entries, extend, end, readjusted, full).items():
            result[ticker] = series
        for (lo, hi), group in self._group(full).items():
            fetched = self.fetcher.fetch(group, lo, hi)
            missing.update(fetched.missing)
            for ticker in group:
                if ticker in fetched.prices:
                    result[ticker] = self._store(ticker, fetched.prices[ticker], lo, hi).prices
                elif ticker not in fetched.missing:
                    missing[ticker] = "no rows returned"
        if missing and not self.allow_missing:
            detail = "; ".join(f"{t}: {missing[t]}" for t in sorted(missing))
            raise DataError(
                f"Yahoo returned no prices for {', '.join(sorted(missing))} ({detail}); fix the "
                "tickers or set `data.allow_missing = true`"
            )
        provenance: dict[str, Any] = {
            "cache_dir": str(self.cache.root),
            "adjustment": "adj_close (yfinance auto_adjust: splits and dividends)",
            "offline": self.offline,
            "from_cache": sorted(fresh),
            "refreshed": sorted(set(extend) - set(readjusted)),
            "refetched_after_readjustment": sorted(readjusted),
            "fetched": sorted(set(full) - set(readjusted)),
            "discarded_corrupt_cache": sorted(corrupt),
            "missing_tickers": sorted(missing),
        }
        if not result:
            raise DataError(f"no prices for any of {', '.join(wanted)}")
        panel = pd.concat([result[t].rename(t) for t in sorted(result)], axis=1, sort=True)
        panel.index = as_dates(panel.index)
        return LoadedPrices(
            prices=panel.loc[pd.Timestamp(start) : pd.Timestamp(end)], provenance=provenance
        )

    def _plan(
        self, entries: dict[str, CachedSeries | None], start: dt.date, end: dt.date
    ) -> tuple[list[str], list[str], dict[str, tuple[dt.date, dt.date]]]:
        fresh: list[str] = []
        extend: list[str] = []
        full: dict[str, tuple[dt.date, dt.date]] = {}
        for ticker, entry in entries.items():
            if entry is None or len(entry.prices) == 0:
                full[ticker] = (start, end)
            elif entry.start > start:
                full[ticker] = (start, max(end, entry.covered_until))
            elif entry.covered_until >= end:
                fresh.append(ticker)
            else:
                extend.append(ticker)
        return fresh, extend, full

    def _refuse_offline(
        self,
        entries: dict[str, CachedSeries | None],
        tickers: list[str],
        start: dt.date,
        end: dt.date,
    ) -> None:
        reasons = []
        for ticker in tickers:
            entry = entries[ticker]
            if entry is None:
                reasons.append(f"{ticker} (not cached)")
            else:
                reasons.append(
                    f"{ticker} (cached {entry.start} .. {entry.covered_until}, "
                    f"need {start} .. {end})"
                )
        raise DataError(
            f"offline mode: the cache in `{self.cache.root}` cannot serve {', '.join(reasons)}; "
            "run once without `--offline` to fill it"
        )

    def _extend(
        self,
        entries: dict[str, CachedSeries | None],
        tickers: list[str],
        end: dt.date,
        readjusted: list[str],
        full: dict[str, tuple[dt.date, dt.date]],
    ) -> dict[str, pd.Series]:
        out: dict[str, pd.Series] = {}
        by_from: dict[dt.date, list[str]] = defaultdict(list)
        for ticker in tickers:
            entry = entries[ticker]
            assert entry is not None
            last = entry.prices.index[-1].date()
            by_from[last - dt.timedelta(days=self.overlap_days)].append(ticker)
        for lo, group in sorted(by_from.items()):
            fetched = self.fetcher.fetch(group, lo, end)
            for ticker in group:
                entry = entries[ticker]
                assert entry is not None
                new = fetched.prices.get(ticker)
                if new is None or not self._overlap_agrees(entry.prices, new, lo):
                    readjusted.append(ticker)
                    full[ticker] = (entry.start, end)  # fetched whole with the full group
                    continue
                merged = pd.concat([entry.prices.loc[: new.index[0] - pd.Timedelta(days=1)], new])
                out[ticker] = self._store(ticker, merged, entry.start, end).prices
        return out

    def _overlap_agrees(self, cached: pd.Series, new: pd.Series, lo: dt.date) -> bool:
        old = cached.loc[pd.Timestamp(lo) :]
        common = new.loc[: old.index[-1]]
        if len(old) == 0 or not old.index.equals(common.index):
            return False
        return bool(np.allclose(common.to_numpy(), old.to_numpy(), rtol=self.rtol, atol=0.0))

    def _group(
        self, full: dict[str, tuple[dt.date, dt.date]]
    ) -> dict[tuple[dt.date, dt.date], list[str]]:
        groups: dict[tuple[dt.date, dt.date], list[str]] = defaultdict(list)
        for ticker, window in sorted(full.items()):
            groups[window].append(ticker)
        return dict(groups)

    def _store(self, ticker: str, prices: pd.Series, lo: dt.date, hi: dt.date) -> CachedSeries:
        check_series(prices, ticker=ticker, source=f"{self.name} download")
        return self.cache.write(
            ticker,
            prices,
            start=lo,
            covered_until=hi,
            source=self.name,
            fetched_at=self.now(),
            adjustment="adj_close",
            versions=self.versions,
        )
