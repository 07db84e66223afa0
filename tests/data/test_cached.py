"""Cache-first provider: on-disk cache, incremental refresh, re-adjustment, offline mode.

A scripted fetcher stands in for Yahoo (the yfinance path itself is covered in test_yahoo.py),
so each test states exactly which prices "Yahoo" holds and checks which windows were asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.atomic import atomic_write_bytes
from backtest.data.cache import CACHE_ENV_VAR, CacheCorrupt, PriceCache, default_cache_dir
from backtest.data.cached import CachedProvider
from backtest.data.storage import file_sha256
from backtest.data.yahoo import FetchResult
from backtest.errors import DataError
from tests.data.helpers import d

DATES = pd.bdate_range("2024-01-01", "2024-03-29")  # 65 business days


@dataclass
class ScriptedYahoo:
    """Serves slices of ``truth``; records every (tickers, start, end) asked for."""

    truth: dict[str, pd.Series]
    calls: list[tuple[tuple[str, ...], dt.date, dt.date]] = field(default_factory=list)

    def fetch(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> FetchResult:
        self.calls.append((tuple(tickers), start, end))
        prices = {}
        missing = {}
        for ticker in tickers:
            series = self.truth.get(ticker)
            if series is None:
                missing[ticker] = "unknown symbol"
                continue
            prices[ticker] = series.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        return FetchResult(prices=prices, missing=missing)


def _truth(scale: float = 1.0) -> dict[str, pd.Series]:
    steps = np.arange(len(DATES), dtype=float)
    return {
        "AAA": pd.Series(100.0 + steps, index=DATES) * scale,
        "BBB": pd.Series(50.0 * 1.01**steps, index=DATES),
    }


def _provider(
    tmp_path: Path, yahoo: ScriptedYahoo, today: dt.date, **kwargs: object
) -> CachedProvider:
    return CachedProvider(
        cache=PriceCache(root=tmp_path / "cache"),
        fetcher=yahoo,
        last_complete_day=lambda: today,
        now=lambda: dt.datetime(2024, 4, 1, 12, tzinfo=dt.UTC),
        versions={"yfinance": "test"},
        **kwargs,  # type: ignore[arg-type]
    )


def test_first_load_fetches_and_writes_parquet_plus_metadata(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    provider = _provider(tmp_path, yahoo, d("2024-03-29"))
    loaded = provider.load(["AAA", "BBB"], d("2024-01-01"), d("2024-03-29"))
    panel = loaded.prices
    assert yahoo.calls == [(("AAA", "BBB"), d("2024-01-01"), d("2024-03-29"))]
    np.testing.assert_array_equal(panel["AAA"].to_numpy(), 100.0 + np.arange(65))
    meta = json.loads((tmp_path / "cache" / "AAA.json").read_text())
    assert meta["source"] == "yahoo" and meta["adjustment"] == "adj_close"
    assert meta["first_date"] == "2024-01-01" and meta["last_date"] == "2024-03-29"
    assert meta["fetched_at"] == "2024-04-01T12:00:00+00:00" and meta["versions"]["yfinance"]
    assert meta["sha256"] == file_sha256(tmp_path / "cache" / "AAA.parquet")
    assert loaded.provenance["fetched"] == ["AAA", "BBB"]


def test_second_load_is_served_from_cache_without_fetching(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    first = (
        _provider(tmp_path, yahoo, d("2024-03-29"))
        .load(["AAA"], d("2024-01-01"), d("2024-03-29"))
        .prices
    )
    again = _provider(tmp_path, yahoo, d("2024-03-29"))
    loaded = again.load(["AAA"], d("2024-02-01"), d("2024-03-15"))
    second = loaded.prices
    assert len(yahoo.calls) == 1
    pd.testing.assert_frame_equal(second, first.loc["2024-02-01":"2024-03-15"])
    assert loaded.provenance["from_cache"] == ["AAA"]


def test_incremental_refresh_fetches_only_new_dates_plus_overlap(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    _provider(tmp_path, yahoo, d("2024-02-29")).load(["AAA"], d("2024-01-01"), d("2024-02-29"))
    later = _provider(tmp_path, yahoo, d("2024-03-29"), overlap_days=10)
    loaded = later.load(["AAA"], d("2024-01-01"), d("2024-03-29"))
    panel = loaded.prices
    # cached through 2024-02-29, so the refresh asks from 2024-02-19 (10 days of overlap)
    assert yahoo.calls[-1] == (("AAA",), d("2024-02-19"), d("2024-03-29"))
    np.testing.assert_array_equal(panel["AAA"].to_numpy(), _truth()["AAA"].to_numpy())
    assert panel.index.equals(DATES)
    assert loaded.provenance["refreshed"] == ["AAA"]
    meta = json.loads((tmp_path / "cache" / "AAA.json").read_text())
    assert meta["covered_until"] == "2024-03-29" and meta["start"] == "2024-01-01"


def test_overlap_disagreement_refetches_the_whole_history(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    _provider(tmp_path, yahoo, d("2024-02-29")).load(["AAA"], d("2024-01-01"), d("2024-02-29"))
    # a 2:1 split re-adjusts every past price: Yahoo now holds the history halved
    yahoo.truth = _truth(scale=0.5)
    later = _provider(tmp_path, yahoo, d("2024-03-29"))
    loaded = later.load(["AAA"], d("2024-01-01"), d("2024-03-29"))
    panel = loaded.prices
    assert yahoo.calls[-1] == (("AAA",), d("2024-01-01"), d("2024-03-29"))
    np.testing.assert_array_equal(panel["AAA"].to_numpy(), 0.5 * (100.0 + np.arange(65)))
    assert loaded.provenance["refetched_after_readjustment"] == ["AAA"]


def test_offline_serves_a_full_cache_and_never_fetches(tmp_path: Path) -> None:
    _provider(tmp_path, ScriptedYahoo(_truth()), d("2024-03-29")).load(
        ["AAA", "BBB"], d("2024-01-01"), d("2024-03-29")
    )
    silent = ScriptedYahoo({})
    offline = _provider(tmp_path, silent, d("2024-03-29"), offline=True)
    panel = offline.load(["AAA", "BBB"], d("2024-01-01"), d("2024-03-29")).prices
    assert silent.calls == [] and panel.shape == (65, 2)


def test_offline_names_what_the_cache_lacks(tmp_path: Path) -> None:
    _provider(tmp_path, ScriptedYahoo(_truth()), d("2024-02-29")).load(
        ["AAA"], d("2024-01-01"), d("2024-02-29")
    )
    offline = _provider(tmp_path, ScriptedYahoo({}), d("2024-03-29"), offline=True)
    with pytest.raises(
        DataError,
        match=r"offline mode: .* AAA \(cached 2024-01-01 \.\. 2024-02-29, need 2024-01-01 \.\. "
        r"2024-03-29\), BBB \(not cached\)",
    ):
        offline.load(["AAA", "BBB"], d("2024-01-01"), d("2024-03-29"))


def test_corrupt_cache_file_is_never_used_silently(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    _provider(tmp_path, yahoo, d("2024-03-29")).load(["AAA"], d("2024-01-01"), d("2024-03-29"))
    parquet = tmp_path / "cache" / "AAA.parquet"
    parquet.write_bytes(parquet.read_bytes()[:-8] + b"\0" * 8)
    offline = _provider(tmp_path, yahoo, d("2024-03-29"), offline=True)
    with pytest.raises(CacheCorrupt, match=r"AAA.parquet` has sha256 .* it is not used"):
        offline.load(["AAA"], d("2024-01-01"), d("2024-03-29"))
    online = _provider(tmp_path, yahoo, d("2024-03-29"))
    with pytest.warns(UserWarning, match=r"fetching `AAA` again"):
        loaded = online.load(["AAA"], d("2024-01-01"), d("2024-03-29"))
    assert loaded.prices["AAA"].iloc[-1] == 164.0
    assert loaded.provenance["discarded_corrupt_cache"] == ["AAA"]
    assert PriceCache(root=tmp_path / "cache").read("AAA") is not None  # repaired


def test_missing_ticker_is_an_error_unless_allowed(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    with pytest.raises(DataError, match=r"no prices for ZZZ \(ZZZ: unknown symbol\)"):
        _provider(tmp_path, yahoo, d("2024-03-29")).load(
            ["AAA", "ZZZ"], d("2024-01-01"), d("2024-03-29")
        )
    allowing = _provider(tmp_path, yahoo, d("2024-03-29"), allow_missing=True)
    loaded = allowing.load(["AAA", "ZZZ"], d("2024-01-01"), d("2024-03-29"))
    assert list(loaded.prices.columns) == ["AAA"]
    assert loaded.provenance["missing_tickers"] == ["ZZZ"]


def test_today_is_never_requested(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    _provider(tmp_path, yahoo, d("2024-03-15")).load(["AAA"], d("2024-01-01"), d("2024-12-31"))
    assert yahoo.calls[0][2] == d("2024-03-15")


def test_atomic_write_leaves_the_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x.bin"
    atomic_write_bytes(target, b"old")

    def broken(self: Path, other: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bin"]  # no temp file left


def test_cache_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "env"))
    assert default_cache_dir(tmp_path / "cfg") == tmp_path / "cfg"
    assert default_cache_dir(None) == tmp_path / "env"
    monkeypatch.delenv(CACHE_ENV_VAR)
    assert default_cache_dir(None).parts[-2:] == ("inference-shift", "prices")


def test_half_written_entry_is_refused(tmp_path: Path) -> None:
    yahoo = ScriptedYahoo(_truth())
    _provider(tmp_path, yahoo, d("2024-03-29")).load(["AAA"], d("2024-01-01"), d("2024-03-29"))
    (tmp_path / "cache" / "AAA.json").unlink()  # a crash between the two renames
    with pytest.raises(CacheCorrupt, match=r"cache entry of `AAA` .* is incomplete"):
        PriceCache(root=tmp_path / "cache").read("AAA")
