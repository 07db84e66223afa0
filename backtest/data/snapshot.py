"""Pinned snapshots for CI: an aligned price panel in one Parquet file plus a sha256 sidecar.

``FILE.parquet`` holds the aligned panel (dates x tickers, float64, NaN before a listing);
``FILE.parquet.json`` holds its sha256 (of the Parquet bytes), span, tickers and provenance.
A config names the snapshot and, for CI, the expected ``sha256``; `SnapshotProvider` refuses a
file whose bytes hash differently (from the config or from the sidecar) with a `DataError`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.atomic import atomic_write_bytes, write_json_atomic
from backtest.data.providers import LoadedPrices
from backtest.data.storage import file_sha256, parquet_bytes
from backtest.data.validate import as_dates, check_raw_panel
from backtest.errors import ConfigError, DataError

__all__ = ["SnapshotProvider", "read_snapshot", "sidecar_path", "snapshot_info", "write_snapshot"]


def sidecar_path(path: Path) -> Path:
    """Return the sidecar of snapshot ``path`` (``FILE.parquet.json``)."""
    return path.with_name(path.name + ".json")


def write_snapshot(
    prices: pd.DataFrame, path: Path, *, provenance: Mapping[str, Any], force: bool = False
) -> dict[str, Any]:
    """Write ``prices`` (aligned panel, dates x tickers) to ``path`` and its sidecar; return it.

    Raises
    ------
    ConfigError
        When ``path`` exists and ``force`` is false, or does not end in ``.parquet``.
    """
    if path.suffix != ".parquet":
        raise ConfigError(f"snapshot `--out` must end in .parquet, got `{path}`")
    if (path.exists() or sidecar_path(path).exists()) and not force:
        raise ConfigError(f"snapshot `{path}` already exists; pass --force to replace it")
    check_raw_panel(prices)
    panel = prices.astype(np.float64)
    panel.index = as_dates(panel.index)
    panel.columns = [str(c) for c in panel.columns]
    atomic_write_bytes(path, parquet_bytes(panel))
    meta: dict[str, Any] = {
        "sha256": file_sha256(path),
        "start": panel.index[0].date().isoformat(),
        "end": panel.index[-1].date().isoformat(),
        "rows": len(panel),
        "tickers": list(panel.columns),
        "provenance": dict(provenance),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    write_json_atomic(sidecar_path(path), meta)
    return meta


def read_snapshot(path: Path, *, sha256: str | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a snapshot after checking its sha256; return ``(prices, sidecar)``.

    ``sha256`` (from a config) and the sidecar's hash, when present, must both match the file's
    bytes; otherwise `DataError`.
    """
    prices, meta, _ = _read_verified(path, sha256)
    return prices, meta


def _read_verified(path: Path, sha256: str | None) -> tuple[pd.DataFrame, dict[str, Any], str]:
    if not path.is_file():
        raise DataError(f"snapshot `{path}` does not exist")
    payload = path.read_bytes()  # read once: the bytes hashed are the bytes parsed
    actual = hashlib.sha256(payload).hexdigest()
    if sha256 is not None and actual != sha256.strip().lower():
        raise DataError(
            f"snapshot `{path}` has sha256 {actual}, the config expects `data.sha256` = {sha256}"
        )
    meta: dict[str, Any] = {}
    side = sidecar_path(path)
    if side.is_file():
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataError(f"snapshot sidecar `{side}` is not valid JSON: {exc}") from exc
        if meta.get("sha256") != actual:
            raise DataError(
                f"snapshot `{path}` has sha256 {actual}, its sidecar `{side.name}` records "
                f"{meta.get('sha256')}"
            )
    prices = pd.read_parquet(io.BytesIO(payload))
    prices.index = as_dates(prices.index)
    check_raw_panel(prices)
    return prices, meta, actual


def snapshot_info(path: Path) -> dict[str, Any]:
    """Summarise a snapshot: span, rows, sha256, and per ticker first/last price and gaps.

    A gap is a run of NaN days after a ticker's first price (alignment fills short ones, so a
    snapshot written by ``backtest data snapshot`` normally has none).
    """
    prices, meta = read_snapshot(path)
    tickers: dict[str, Any] = {}
    for ticker in prices.columns:
        values = prices[ticker]
        valid = values.notna().to_numpy()
        if not valid.any():
            tickers[ticker] = {"first": None, "last": None, "prices": 0, "gaps": []}
            continue
        first, last = np.flatnonzero(valid)[[0, -1]]
        inside = ~valid[first : last + 1]
        edges = np.diff(np.concatenate(([0], inside.astype(np.int8), [0])))
        gaps = [
            f"{prices.index[first + lo].date()}..{prices.index[first + hi - 1].date()}"
            for lo, hi in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
        ]
        tickers[ticker] = {
            "first": prices.index[first].date().isoformat(),
            "last": prices.index[last].date().isoformat(),
            "prices": int(valid.sum()),
            "gaps": gaps,
        }
    return {
        "path": str(path),
        "sha256": file_sha256(path),
        "start": prices.index[0].date().isoformat() if len(prices) else None,
        "end": prices.index[-1].date().isoformat() if len(prices) else None,
        "rows": len(prices),
        "tickers": tickers,
        "provenance": meta.get("provenance", {}),
    }


@dataclass(frozen=True, kw_only=True)
class SnapshotProvider:
    """`PriceProvider` over a pinned snapshot, verified against ``sha256`` before use."""

    path: Path
    sha256: str | None = None
    allow_missing: bool = False
    name: str = "snapshot"
    synthetic: bool = False

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        """Return the snapshot's prices for ``tickers`` inside ``[start, end]``.

        The provenance holds the snapshot path, its verified sha256 (and whether the config
        pinned it), the snapshot's own provenance and the missing tickers.
        """
        prices, meta, actual = _read_verified(self.path, self.sha256)
        missing = sorted(set(tickers) - set(prices.columns))
        if missing and not self.allow_missing:
            raise DataError(
                f"snapshot `{self.path}` has no column for {', '.join(missing)}; it holds "
                f"{', '.join(prices.columns)}"
            )
        provenance = {
            "snapshot": str(self.path),
            "sha256": actual,
            "sha256_pinned": self.sha256 is not None,
            "snapshot_provenance": meta.get("provenance", {}),
            "missing_tickers": missing,
        }
        present = [t for t in sorted(set(tickers)) if t in prices.columns]
        window = prices.loc[pd.Timestamp(start) : pd.Timestamp(end), present]
        return LoadedPrices(prices=window, provenance=provenance, missing_values=_holes(window))


def _holes(prices: pd.DataFrame) -> dict[str, dict[pd.Timestamp, str]]:
    """NaN cells after each ticker's first price (a snapshot is aligned: it should have none)."""
    holes: dict[str, dict[pd.Timestamp, str]] = {}
    for ticker in prices.columns:
        missing = prices[ticker].isna().to_numpy()
        listed = np.cumsum(~missing) > 0
        if (missing & listed).any():
            holes[str(ticker)] = dict.fromkeys(prices.index[missing & listed], "null")
    return holes
