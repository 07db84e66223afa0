"""Audit a price source whole (``backtest data check``): a folder of files, a snapshot, the cache.

`audit_source` reads every ticker the source holds over its full history, runs the quality
checks of `backtest.data.quality` on the panel (each ticker's moves against the others', stale
runs, the adjustment factor where files have ``close`` too, cells read as missing) and sets
aside the findings on accepted days. Nothing is aligned or filled: this is the source as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from backtest.data.cache import PriceCache
from backtest.data.files import FilesProvider, price_file_tickers
from backtest.data.providers import LoadedPrices
from backtest.data.quality import (
    DIVIDEND_LIMIT,
    FACTOR_NOISE,
    MOVE_LIMIT,
    SPLIT_FACTORS,
    SPLIT_TOLERANCE,
    STALE_DAYS,
    check_prices,
    missing_value_findings,
)
from backtest.data.quality_policy import QualityReport, screen
from backtest.data.snapshot import SnapshotProvider, read_snapshot, sidecar_path
from backtest.data.validate import as_dates
from backtest.errors import DataError

__all__ = ["SourceAudit", "SourceKind", "audit_source", "source_kind"]

SourceKind = Literal["files", "snapshot", "cache"]
_EVER = (dt.date(1800, 1, 1), dt.date(2200, 1, 1))


@dataclass(frozen=True, kw_only=True)
class SourceAudit:
    """What `audit_source` found.

    Attributes
    ----------
    path : str
    source : {"files", "snapshot", "cache"}
    tickers : tuple of str
        Tickers checked.
    skipped : tuple of str
        Files of a folder that are not price files, with why (``manifest.csv: no `date` ...``).
    start, end : datetime.date or None
        First and last date of the panel.
    report : QualityReport
    """

    path: str
    source: SourceKind
    tickers: tuple[str, ...]
    skipped: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    report: QualityReport

    @property
    def clean(self) -> bool:
        """Whether every finding was accepted (or there was none)."""
        return not self.report.findings

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (``backtest data check --json``), thresholds included."""
        return {
            "path": self.path,
            "source": self.source,
            "tickers": list(self.tickers),
            "skipped": list(self.skipped),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "clean": self.clean,
            **self.report.to_dict(),
            "thresholds": {
                "split_factors": list(SPLIT_FACTORS),
                "split_tolerance_log": SPLIT_TOLERANCE,
                "move_limit_log": MOVE_LIMIT,
                "stale_days": STALE_DAYS,
                "factor_noise_log": FACTOR_NOISE,
                "dividend_limit_log": DIVIDEND_LIMIT,
            },
        }


def source_kind(path: Path) -> SourceKind:
    """Tell what ``path`` is: a snapshot file, a cache folder or a folder of price files.

    Raises
    ------
    DataError
        When ``path`` does not exist or is none of the three.
    """
    if path.is_file():
        if path.suffix == ".parquet" and sidecar_path(path).is_file():
            return "snapshot"
        raise DataError(
            f"`{path}` must be a folder of price files, a snapshot (FILE.parquet with its "
            "FILE.parquet.json) or a price cache folder"
        )
    if not path.is_dir():
        raise DataError(f"`{path}` does not exist (a folder of price files, a snapshot or a cache)")
    parquet = sorted(path.glob("*.parquet"))
    if (
        parquet
        and not any(path.glob("*.csv"))
        and all(p.with_suffix(".json").is_file() for p in parquet)
    ):
        return "cache"
    return "files"


def audit_source(
    path: Path, *, accept: Mapping[str, Sequence[dt.date]], kind: SourceKind | None = None
) -> SourceAudit:
    """Read the whole source at ``path`` and check it; ``accept`` sets known events aside."""
    kind = kind or source_kind(path)
    skipped: tuple[str, ...] = ()
    if kind == "snapshot":
        tickers = [str(t) for t in read_snapshot(path)[0].columns]
        loaded = SnapshotProvider(path=path).load(tickers, *_EVER)
    elif kind == "cache":
        loaded = _read_cache(path)
        tickers = [str(t) for t in loaded.prices.columns]
    else:
        tickers, skips = price_file_tickers(path)
        skipped = tuple(skips)
        loaded = FilesProvider(path=path).load(tickers, *_EVER)
    prices = loaded.prices
    findings = [
        *check_prices(prices, close=loaded.close),
        *missing_value_findings(loaded.missing_values, prices),
    ]
    return SourceAudit(
        path=str(path),
        source=kind,
        tickers=tuple(tickers),
        skipped=skipped,
        start=prices.index[0].date() if len(prices) else None,
        end=prices.index[-1].date() if len(prices) else None,
        report=screen(findings, accept),
    )


def _read_cache(root: Path) -> LoadedPrices:
    cache = PriceCache(root=root)
    series: dict[str, pd.Series] = {}
    for sidecar in sorted(root.glob("*.json")):
        entry = cache.read(sidecar.stem)
        if entry is not None and len(entry.prices):
            series[sidecar.stem] = entry.prices
    if not series:
        raise DataError(f"the price cache `{root}` holds no prices")
    panel = pd.concat(series, axis=1, sort=True)
    panel.index = as_dates(panel.index)
    return LoadedPrices(prices=panel, provenance={"cache_dir": str(root)})
