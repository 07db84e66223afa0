"""On-disk price cache: one Parquet file per ticker plus a JSON metadata sidecar with its sha256.

Layout under the cache directory::

    <TICKER>.parquet   one column ``adj_close`` indexed by ``date`` (float64, ascending, unique)
    <TICKER>.json      source, fetched_at, yfinance version, adjustment, requested window
                       (``start``, ``covered_until``), first/last date, rows, sha256 of the Parquet

Both files are written atomically (temporary file, then rename), the Parquet first. A Parquet
whose sha256 differs from its sidecar (a torn write, an edit by hand, disk damage) is never used
silently: `PriceCache.read` raises `CacheCorrupt`.

The directory is a parameter; `default_cache_dir` resolves it: an explicit ``data.cache_dir``,
else the ``INFERENCE_SHIFT_CACHE`` environment variable, else ``<user cache dir>/inference-shift``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import platformdirs

from backtest.atomic import atomic_write_bytes, write_json_atomic
from backtest.data.storage import file_sha256, parquet_bytes
from backtest.data.validate import as_dates
from backtest.errors import DataError

__all__ = [
    "CACHE_ENV_VAR",
    "CacheCorrupt",
    "CachedSeries",
    "PriceCache",
    "default_cache_dir",
]

CACHE_ENV_VAR: Final = "INFERENCE_SHIFT_CACHE"
_FORMAT: Final = 1


class CacheCorrupt(DataError):
    """A cache file does not match its recorded checksum or cannot be read."""


def default_cache_dir(explicit: str | Path | None = None) -> Path:
    """Return the cache folder: ``explicit``, else ``$INFERENCE_SHIFT_CACHE``, else user cache."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env)
    return Path(platformdirs.user_cache_dir("inference-shift")) / "prices"


@dataclass(frozen=True, kw_only=True)
class CachedSeries:
    """One ticker's cached prices and what they cover.

    Attributes
    ----------
    prices : Series, shape (n_days,)
        Adjusted closes indexed by date.
    start : datetime.date
        First day of the window that was requested (prices may begin later, e.g. after an IPO).
    covered_until : datetime.date
        Last day the cache knows to be complete (a fetch's end, capped at the day before it ran).
    meta : dict
        The sidecar as stored.
    """

    prices: pd.Series
    start: dt.date
    covered_until: dt.date
    meta: Mapping[str, Any]


def _stem(ticker: str) -> str:
    if not ticker or ticker.startswith(".") or any(c in ticker for c in "/\\\0"):
        raise DataError(f"ticker {ticker!r} cannot name a cache file")
    return ticker


@dataclass(frozen=True, kw_only=True)
class PriceCache:
    """Per-ticker Parquet cache rooted at ``root`` (created on first write)."""

    root: Path

    def paths(self, ticker: str) -> tuple[Path, Path]:
        """Return ``(parquet_path, sidecar_path)`` of ``ticker``."""
        stem = _stem(ticker)
        return self.root / f"{stem}.parquet", self.root / f"{stem}.json"

    def read(self, ticker: str) -> CachedSeries | None:
        """Return the cached series of ``ticker``, or ``None`` when it is not cached.

        Raises
        ------
        CacheCorrupt
            When the sidecar is unreadable or the Parquet's sha256 differs from it.
        """
        data_path, meta_path = self.paths(ticker)
        if not data_path.exists() and not meta_path.exists():
            return None
        if not data_path.is_file() or not meta_path.is_file():
            raise CacheCorrupt(
                f"cache entry of `{ticker}` in `{self.root}` is incomplete (one of "
                f"{data_path.name}, {meta_path.name} is missing)"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            expected = str(meta["sha256"])
            start = dt.date.fromisoformat(meta["start"])
            covered_until = dt.date.fromisoformat(meta["covered_until"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CacheCorrupt(f"cache metadata `{meta_path}` is unreadable: {exc}") from exc
        payload = data_path.read_bytes()  # read once: the bytes hashed are the bytes parsed
        actual = hashlib.sha256(payload).hexdigest()
        if actual != expected:
            raise CacheCorrupt(
                f"cache file `{data_path}` has sha256 {actual[:12]}..., its metadata says "
                f"{expected[:12]}...; it is not used"
            )
        try:
            frame = pd.read_parquet(io.BytesIO(payload))
        except (OSError, ValueError) as exc:
            raise CacheCorrupt(f"cache file `{data_path}` is unreadable: {exc}") from exc
        prices = frame["adj_close"].astype(float).rename(ticker)
        prices.index = as_dates(prices.index)
        return CachedSeries(prices=prices, start=start, covered_until=covered_until, meta=meta)

    def write(
        self,
        ticker: str,
        prices: pd.Series,
        *,
        start: dt.date,
        covered_until: dt.date,
        source: str,
        fetched_at: dt.datetime,
        adjustment: str,
        versions: Mapping[str, str],
    ) -> CachedSeries:
        """Store ``prices`` (Series indexed by date) for ``ticker`` atomically; return the entry."""
        data_path, meta_path = self.paths(ticker)
        clean = prices.dropna().astype(float)
        clean.index = as_dates(clean.index)
        payload = parquet_bytes(clean.rename("adj_close").to_frame())
        atomic_write_bytes(data_path, payload)
        meta: dict[str, Any] = {
            "format": _FORMAT,
            "ticker": ticker,
            "source": source,
            "fetched_at": fetched_at.isoformat(timespec="seconds"),
            "adjustment": adjustment,
            "versions": dict(versions),
            "start": start.isoformat(),
            "covered_until": covered_until.isoformat(),
            "first_date": clean.index[0].date().isoformat() if len(clean) else None,
            "last_date": clean.index[-1].date().isoformat() if len(clean) else None,
            "rows": len(clean),
            "sha256": file_sha256(data_path),
        }
        write_json_atomic(meta_path, meta)
        return CachedSeries(prices=clean, start=start, covered_until=covered_until, meta=meta)

    def remove(self, ticker: str) -> None:
        """Delete ``ticker``'s entry (both files) if present."""
        for path in self.paths(ticker):
            path.unlink(missing_ok=True)
