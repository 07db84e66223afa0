"""``backtest data snapshot|info`` end to end on a tiny folder of CSVs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.cli import main
from backtest.data.snapshot import read_snapshot
from tests.data.helpers import write_ticker_csv

UNIVERSE = """
name = "tiny"
description = "two names"
baseline = "NVDA"

[[members]]
ticker = "NVDA"
name = "NVIDIA"
bucket = "gpu"
currency = "USD"
note = "baseline"

[[members]]
ticker = "{second}"
name = "Second"
bucket = "edge"
currency = "{currency}"
note = "test"
"""


def _setup(tmp_path: Path, second: str = "AAA", currency: str = "USD") -> tuple[Path, Path]:
    prices = tmp_path / "prices"
    dates = [f"2024-01-{day:02d}" for day in (2, 3, 4, 5, 8, 9)]
    write_ticker_csv(prices, "NVDA", [(x, 10.0 + i, 10.0 + i) for i, x in enumerate(dates)])
    # second name misses 2024-01-04 (filled, one day) and lists from 2024-01-03
    rows = [
        (x, 5.0 + i, 5.0 + i) for i, x in enumerate(dates) if x not in ("2024-01-02", "2024-01-04")
    ]
    write_ticker_csv(prices, second, rows)
    universe = tmp_path / "tiny.toml"
    universe.write_text(UNIVERSE.format(second=second, currency=currency))
    return prices, universe


def _snapshot_args(prices: Path, universe: Path, out: Path) -> list[str]:
    return [
        "data", "snapshot", "--universe", str(universe), "--start", "2024-01-01",
        "--end", "2024-01-31", "--source", "files", "--data-dir", str(prices), "--out", str(out),
    ]  # fmt: skip


def test_snapshot_then_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prices, universe = _setup(tmp_path)
    out = tmp_path / "snap.parquet"
    assert main(_snapshot_args(prices, universe, out)) == 0
    printed = capsys.readouterr().out
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"sha256 = {digest}" in printed
    panel, meta = read_snapshot(out, sha256=digest)
    assert list(panel.columns) == ["AAA", "NVDA"] and len(panel) == 6
    # NaN before the listing, the one-day gap forward-filled (5.0 + 1 from 2024-01-03)
    assert np.isnan(panel["AAA"].iloc[0])
    assert panel.loc["2024-01-04", "AAA"] == panel.loc["2024-01-03", "AAA"] == 6.0
    assert meta["provenance"]["filled_gaps"] == ["AAA 2024-01-04..2024-01-04 (1 days)"]
    assert main(["data", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["tickers"]["AAA"]["first"] == "2024-01-03" and info["sha256"] == digest


def test_existing_snapshot_is_refused_before_loading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices, universe = _setup(tmp_path)
    out = tmp_path / "snap.parquet"
    out.write_bytes(b"keep me")
    assert main(_snapshot_args(prices, universe, out)) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"


def test_non_usd_member_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prices, universe = _setup(tmp_path, second="2454.TW", currency="TWD")
    assert main(_snapshot_args(prices, universe, tmp_path / "s.parquet")) == 2
    assert "2454.TW (TWD) cannot be used without an FX series" in capsys.readouterr().err


def test_non_usd_member_with_fx_is_converted(tmp_path: Path) -> None:
    prices, universe = _setup(tmp_path, second="2454.TW", currency="TWD")
    dates = ["2023-12-29", *(f"2024-01-{day:02d}" for day in (2, 3, 4, 5, 8, 9))]
    write_ticker_csv(prices, "TWDUSD=X", [(x, 0.03, 0.03) for x in dates])
    out = tmp_path / "s.parquet"
    assert main([*_snapshot_args(prices, universe, out), "--fx", "TWD:TWDUSD=X"]) == 0
    panel, _ = read_snapshot(out)
    assert list(panel.columns) == ["2454.TW", "NVDA"]
    assert panel.loc["2024-01-03", "2454.TW"] == pytest.approx(6.0 * 0.03)
    assert isinstance(panel.index, pd.DatetimeIndex)


def test_run_offline_on_an_empty_cache_names_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backtest.data.cache import CACHE_ENV_VAR
    from tests.conftest import REPO

    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "empty-cache"))
    argv = [
        "run", str(REPO / "configs" / "default.toml"), "--source", "yahoo", "--offline",
        "--out", str(tmp_path / "results"),
    ]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "offline mode: the cache in" in err and "NVDA (not cached)" in err
    assert not (tmp_path / "results" / "default").exists()


def test_snapshot_from_yahoo_through_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--source yahoo``: yfinance parses replayed chart answers, the cache fills, then
    ``--offline`` rebuilds the identical snapshot from the cache alone."""
    import backtest.data.yahoo as yahoo_module
    from backtest.data.cache import CACHE_ENV_VAR
    from tests.data.yahoo_stub import StubYahoo

    stub = StubYahoo({s: [(200, f"chart_{s}.json")] for s in ("NVDA", "AMD", "MSFT")})
    original = yahoo_module.YahooFetcher

    def with_stub(**kwargs: object) -> object:
        return original(session_factory=lambda: stub, sleep=lambda s: None, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(yahoo_module, "YahooFetcher", with_stub)
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    universe = tmp_path / "three.toml"
    universe.write_text(
        UNIVERSE.format(second="AMD", currency="USD")
        + '\n[[members]]\nticker = "MSFT"\nname = "Microsoft"\nbucket = "asic"\n'
        'currency = "USD"\nnote = "test"\n'
    )
    base = ["data", "snapshot", "--universe", str(universe), "--start", "2024-06-03",
            "--end", "2024-06-14", "--source", "yahoo"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "a.parquet")]) == 0
    online_calls = len(stub.calls)
    assert online_calls > 0
    assert sorted(p.name for p in (tmp_path / "cache").glob("*.parquet")) == [
        "AMD.parquet", "MSFT.parquet", "NVDA.parquet"
    ]  # fmt: skip
    assert main([*base, "--offline", "--out", str(tmp_path / "b.parquet")]) == 0
    assert len(stub.calls) == online_calls  # the offline run asked nothing
    a, _ = read_snapshot(tmp_path / "a.parquet")
    b, meta = read_snapshot(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["2024-06-03", "MSFT"] == 413.5  # adjusted close from the fixture
    assert meta["provenance"]["provider"]["from_cache"] == ["AMD", "MSFT", "NVDA"]
    capsys.readouterr()
