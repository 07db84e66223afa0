"""``backtest data snapshot|info`` end to end on a tiny folder of CSVs."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.cli import main
from backtest.data.snapshot import read_snapshot
from tests.data.helpers import d, write_ticker_csv

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


def _walks(folder: Path, *, cliff: str | None = None, cell: str | None = None) -> Path:
    """NVDA, AAA and BBB over 30 business days (1 % daily moves), BBB halved from ``cliff`` on
    and one AAA price written as ``cell``."""
    dates = pd.bdate_range("2024-03-01", periods=30)
    rng = np.random.default_rng(11)
    for ticker in ("NVDA", "AAA", "BBB"):
        path = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, len(dates))))
        if ticker == "BBB" and cliff is not None:
            path = np.where(dates >= pd.Timestamp(cliff), path / 2.0, path)
        rows: list[tuple[str, object, object]] = [
            (f"{day:%Y-%m-%d}", value, value) for day, value in zip(dates, path, strict=True)
        ]
        if ticker == "AAA" and cell is not None:
            rows[10] = (rows[10][0], rows[10][1], cell)
        write_ticker_csv(folder, ticker, rows)
    return folder


def test_check_a_clean_folder_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _walks(tmp_path / "prices")
    assert main(["data", "check", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{folder} (files): 3 tickers, 2024-03-01 .. 2024-04-11; 0 finding(s), 0 accepted"
    ]


def test_check_prints_every_finding_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _walks(tmp_path / "prices", cliff="2024-03-20", cell="n/a")
    assert main(["data", "check", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("; 2 finding(s), 0 accepted")
    assert re.match(r"^AAA +2024-03-15 +missing_filled +1 value\(s\) .*cell `n/a`", lines[1])
    assert re.match(
        r"^BBB +2024-03-20 +split_like +one-day move x0\.\d+ .*suspected cause: an unapplied "
        r"2:1 split",
        lines[2],
    )
    assert main(["data", "check", str(folder), "--json", "--accept", "BBB:2024-03-20"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert [(f["ticker"], f["kind"]) for f in payload["findings"]] == [("AAA", "missing_filled")]
    assert [(f["ticker"], f["date"]) for f in payload["accepted"]] == [("BBB", "2024-03-20")]
    assert payload["clean"] is False and payload["thresholds"]["stale_days"] == 10
    accept = "BBB:2024-03-20,AAA:2024-03-15"
    assert main(["data", "check", str(folder), "--accept", accept]) == 0
    assert capsys.readouterr().out.count("[accepted]") == 2


def test_check_reads_a_snapshot_and_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backtest.data.cache import CACHE_ENV_VAR, PriceCache
    from backtest.data.files import FilesProvider
    from backtest.data.snapshot import write_snapshot

    folder = _walks(tmp_path / "prices", cliff="2024-03-20")
    loaded = FilesProvider(path=folder).load(
        ["AAA", "BBB", "NVDA"], d("2024-01-01"), d("2024-12-31")
    )
    snapshot = tmp_path / "snap.parquet"
    write_snapshot(loaded.prices, snapshot, provenance={})
    cache = PriceCache(root=tmp_path / "cache")
    for ticker in loaded.prices.columns:
        cache.write(
            ticker, loaded.prices[ticker], start=d("2024-03-01"), covered_until=d("2024-04-11"),
            source="yahoo", fetched_at=dt.datetime(2024, 4, 12, tzinfo=dt.UTC),
            adjustment="adj_close", versions={},
        )  # fmt: skip
    monkeypatch.setenv(CACHE_ENV_VAR, str(cache.root))
    for argv, source in (
        (["data", "check", str(snapshot)], "snapshot"),
        (["data", "check", str(cache.root)], "cache"),
        (["data", "check", "--cache"], "cache"),
    ):
        assert main([*argv, "--json"]) == 1, argv
        payload = json.loads(capsys.readouterr().out)
        assert payload["source"] == source
        assert [(f["ticker"], f["date"], f["kind"]) for f in payload["findings"]] == [
            ("BBB", "2024-03-20", "split_like")
        ]


def test_check_needs_a_path_and_well_formed_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "check"]) == 2
    assert "needs a PATH (or --cache" in capsys.readouterr().err
    folder = _walks(tmp_path / "prices")
    assert main(["data", "check", str(folder), "--accept", "BBB-2024-03-20"]) == 2
    assert "`--accept` entries must look like `AAPL:2000-09-29`" in capsys.readouterr().err
    assert main(["data", "check", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_snapshot_refuses_a_cliff_unless_accepted_and_warns_on_a_filled_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _walks(tmp_path / "prices", cliff="2024-03-20", cell="null")
    universe = tmp_path / "three.toml"
    universe.write_text(
        UNIVERSE.format(second="AAA", currency="USD")
        + '\n[[members]]\nticker = "BBB"\nname = "B"\nbucket = "asic"\ncurrency = "USD"\n'
        'note = "test"\n'
    )
    out = tmp_path / "snap.parquet"
    argv = ["data", "snapshot", "--universe", str(universe), "--start", "2024-03-01",
            "--end", "2024-04-30", "--source", "files", "--data-dir", str(folder),
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: data quality: `BBB` 2024-03-20 split_like")
    assert not out.exists()
    assert main([*argv, "--accept", "BBB:2024-03-20"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "warning: data quality: `AAA` 2024-03-15 missing_filled: 1 trading day(s) forward-filled "
        f"with {read_snapshot(out)[0].loc['2024-03-14', 'AAA']:.6g}, the price of 2024-03-14; "
        "suspected cause: the source's cell `null` read as missing"
    ]
    quality = read_snapshot(out)[1]["provenance"]["provider"]["quality"]
    assert [f["ticker"] for f in quality["accepted"]] == ["BBB"]
    assert [f["kind"] for f in quality["findings"]] == ["missing_filled"]


def test_a_data_dir_that_is_empty_or_missing_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import REPO

    (tmp_path / "configs").mkdir()
    config = tmp_path / "configs" / "run.toml"
    config.write_text(
        (REPO / "configs" / "shared-files.toml")
        .read_text()
        .replace('dir = "../../shared/data/prices"', 'dir = "../prices"')
    )
    assert main(["run", str(config), "--out", str(tmp_path / "results")]) == 2
    err = capsys.readouterr().err
    assert f"`data.dir` `{tmp_path / 'prices'}` does not exist" in err
    assert f'`dir = "../prices"` in `{config}` was resolved against the config file\'s folder ' \
        f"`{tmp_path / 'configs'}`" in err  # fmt: skip
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "README.txt").write_text("prices go here\n")
    assert main(["run", str(config), "--out", str(tmp_path / "results")]) == 2
    err = capsys.readouterr().err
    assert "is empty: no <TICKER>.csv or <TICKER>.parquet price file; it holds README.txt" in err
    assert "allow_missing" not in err and "no prices for" not in err
