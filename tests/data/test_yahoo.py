"""Yahoo provider: yfinance's own download and parsing code fed with recorded chart answers.

Every test passes `tests.data.yahoo_stub.StubYahoo` as the HTTP session, so ``yf.download``
builds its real requests and parses the replayed JSON; nothing leaves the process and no test
sleeps (the sleep function records the delays instead).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.config import QualityConfig
from backtest.data.cache import PriceCache
from backtest.data.cached import CachedProvider
from backtest.data.panel import Panel, load_panel
from backtest.data.quality_policy import DataQualityError
from backtest.data.yahoo import RetryPolicy, YahooFetcher, _close_frame
from backtest.errors import DataError
from tests.data.yahoo_stub import FIXTURES, StubYahoo

START, END = dt.date(2024, 6, 3), dt.date(2024, 6, 14)
TOO_MANY = (429, b"Too Many Requests")


def _expected(symbol: str) -> pd.Series:
    """Adjusted closes read straight from the fixture JSON (independent of yfinance)."""
    result = json.loads((FIXTURES / f"chart_{symbol}.json").read_text())["chart"]["result"][0]
    dates = pd.to_datetime(result["timestamp"], unit="s").normalize()
    return pd.Series(result["indicators"]["adjclose"][0]["adjclose"], index=dates, dtype=float)


def _fetcher(
    stub: StubYahoo, tmp_path: Path, sleeps: list[float], retry: RetryPolicy | None = None
) -> YahooFetcher:
    return YahooFetcher(
        retry=retry or RetryPolicy(),
        session_factory=lambda: stub,
        sleep=sleeps.append,
        seed=7,
        yfinance_cache_dir=tmp_path / "yf",
    )


def test_several_tickers_come_back_as_adjusted_closes(tmp_path: Path) -> None:
    stub = StubYahoo(
        {s: [(200, f"chart_{s}.json")] for s in ("NVDA", "AMD", "MSFT")},
    )
    sleeps: list[float] = []
    result = _fetcher(stub, tmp_path, sleeps).fetch(["NVDA", "AMD", "MSFT"], START, END)
    assert result.missing == {}
    assert result.attempts == 1 and sleeps == []
    for symbol in ("NVDA", "AMD", "MSFT"):
        got = result.prices[symbol]
        want = _expected(symbol)
        assert list(got.index) == list(want.index)
        np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    # MSFT's dividend: the adjusted close (413.5), not the raw close (415.0), on 2024-06-03
    assert result.prices["MSFT"].iloc[0] == 413.5
    # yfinance asked Yahoo for the window with an exclusive end one day after END
    period = next(c for c in stub.chart_calls("AMD") if "period1" in c.params)
    assert pd.Timestamp(int(period.params["period1"]), unit="s").date() <= START
    assert pd.Timestamp(int(period.params["period2"]), unit="s").date() > END
    assert period.params["interval"] == "1d"


def test_unknown_ticker_is_reported_by_name(tmp_path: Path) -> None:
    stub = StubYahoo({"NVDA": [(200, "chart_NVDA.json")], "NOPE": [(404, "chart_unknown.json")]})
    result = _fetcher(stub, tmp_path, []).fetch(["NVDA", "NOPE"], START, END)
    assert set(result.prices) == {"NVDA"}
    assert set(result.missing) == {"NOPE"}
    provider = CachedProvider(
        cache=PriceCache(root=tmp_path / "cache"),
        fetcher=_fetcher(stub, tmp_path, []),
        last_complete_day=lambda: END,
    )
    with pytest.raises(DataError, match=r"no prices for NOPE \(NOPE: "):
        provider.load(["NVDA", "NOPE"], START, END)


def test_unknown_ticker_allowed_is_listed_in_provenance(tmp_path: Path) -> None:
    stub = StubYahoo({"NVDA": [(200, "chart_NVDA.json")], "NOPE": [(404, "chart_unknown.json")]})
    provider = CachedProvider(
        cache=PriceCache(root=tmp_path / "cache"),
        fetcher=_fetcher(stub, tmp_path, []),
        allow_missing=True,
        last_complete_day=lambda: END,
    )
    loaded = provider.load(["NVDA", "NOPE"], START, END)
    assert list(loaded.prices.columns) == ["NVDA"]
    assert loaded.provenance["missing_tickers"] == ["NOPE"]


def test_rate_limit_then_success_retries_only_that_ticker(tmp_path: Path) -> None:
    # one attempt costs two chart requests (yfinance re-asks once on an HTTP error itself)
    stub = StubYahoo(
        {"NVDA": [(200, "chart_NVDA.json")], "AMD": [TOO_MANY, TOO_MANY, (200, "chart_AMD.json")]}
    )
    sleeps: list[float] = []
    retry = RetryPolicy(base_delay_seconds=2.0, max_delay_seconds=30.0, jitter=0.5)
    result = _fetcher(stub, tmp_path, sleeps, retry).fetch(["NVDA", "AMD"], START, END)
    assert result.attempts == 2
    np.testing.assert_array_equal(result.prices["AMD"].to_numpy(), _expected("AMD").to_numpy())
    # the first wait is base * (1 - jitter * u) with u the seeded generator's first draw
    u = random.Random(7).random()
    assert sleeps == [pytest.approx(2.0 * (1 - 0.5 * u))]
    # NVDA was fetched once: the retry asked only for AMD
    assert len([c for c in stub.chart_calls("NVDA") if "period1" in c.params]) == 1


def test_rate_limit_that_persists_is_bounded_and_named(tmp_path: Path) -> None:
    stub = StubYahoo({"NVDA": [(200, "chart_NVDA.json")], "AMD": [TOO_MANY]})
    sleeps: list[float] = []
    retry = RetryPolicy(max_attempts=4, base_delay_seconds=1.0, max_delay_seconds=2.0, jitter=0.0)
    with pytest.raises(DataError, match=r"Yahoo kept failing for AMD after 4 attempts"):
        _fetcher(stub, tmp_path, sleeps, retry).fetch(["NVDA", "AMD"], START, END)
    assert sleeps == [1.0, 2.0, 2.0]  # doubling, capped at max_delay_seconds


def test_total_backoff_budget_stops_retries_early(tmp_path: Path) -> None:
    stub = StubYahoo({"AMD": [TOO_MANY]})
    sleeps: list[float] = []
    retry = RetryPolicy(
        max_attempts=10, base_delay_seconds=4.0, max_delay_seconds=60.0, max_total_seconds=10.0,
        jitter=0.0,
    )  # fmt: skip
    with pytest.raises(DataError, match=r"after 2 attempts and 4.0 s of backoff"):
        _fetcher(stub, tmp_path, sleeps, retry).fetch(["AMD"], START, END)
    assert sleeps == [4.0]  # the next wait (8 s) would pass the 10 s budget


def test_timeout_is_transient_and_retried(tmp_path: Path) -> None:
    stub = StubYahoo({"AMD": [(0, "TIMEOUT"), (200, "chart_AMD.json")]})
    sleeps: list[float] = []
    result = _fetcher(stub, tmp_path, sleeps).fetch(["AMD"], START, END)
    assert result.attempts == 2 and len(sleeps) == 1
    assert result.prices["AMD"].iloc[-1] == 158.0


def test_empty_body_is_reported_as_missing(tmp_path: Path) -> None:
    stub = StubYahoo({"NVDA": [(200, "chart_NVDA.json")], "AMD": [(200, None)]})
    sleeps: list[float] = []
    result = _fetcher(stub, tmp_path, sleeps).fetch(["NVDA", "AMD"], START, END)
    assert set(result.missing) == {"AMD"} and sleeps == []
    provider = CachedProvider(
        cache=PriceCache(root=tmp_path / "cache"),
        fetcher=_fetcher(stub, tmp_path, sleeps),
        last_complete_day=lambda: END,
    )
    with pytest.raises(DataError, match=r"no prices for AMD"):
        provider.load(["NVDA", "AMD"], START, END)


def test_split_day_is_continuous(tmp_path: Path) -> None:
    # NVDA split 10:1 effective 2024-06-10; the answer carries the split event
    stub = StubYahoo({"NVDA": [(200, "chart_NVDA.json")]})
    prices = _fetcher(stub, tmp_path, []).fetch(["NVDA"], START, END).prices["NVDA"]
    step = prices.loc["2024-06-10"] / prices.loc["2024-06-07"] - 1.0
    assert step == pytest.approx(121.8 / 120.8 - 1.0)  # +0.83 %, not -90 %
    assert (prices.pct_change().dropna().abs() < 0.1).all()


def test_provider_caches_and_then_serves_without_network(tmp_path: Path) -> None:
    stub = StubYahoo({s: [(200, f"chart_{s}.json")] for s in ("NVDA", "AMD")})
    cache = PriceCache(root=tmp_path / "cache")
    online = CachedProvider(
        cache=cache, fetcher=_fetcher(stub, tmp_path, []), last_complete_day=lambda: END
    )
    first = online.load(["NVDA", "AMD"], START, END).prices
    offline_stub = StubYahoo({})  # would answer 404 for everything
    offline = CachedProvider(
        cache=cache,
        fetcher=_fetcher(offline_stub, tmp_path, []),
        offline=True,
        last_complete_day=lambda: END,
    )
    loaded = offline.load(["NVDA", "AMD"], START, END)
    again = loaded.prices
    pd.testing.assert_frame_equal(first, again)
    assert offline_stub.calls == []
    assert loaded.provenance["from_cache"] == ["AMD", "NVDA"]


def test_without_stub_session_nothing_reaches_the_network(tmp_path: Path) -> None:
    fetcher = YahooFetcher(sleep=lambda s: None, yfinance_cache_dir=tmp_path / "yf")
    result = fetcher.fetch(["NVDA"], START, END)
    assert "network access is forbidden" in result.missing["NVDA"]


@pytest.mark.parametrize("shape", ["price_ticker", "ticker_price", "flat"])
def test_both_column_shapes_of_yf_download(shape: str) -> None:
    dates = pd.DatetimeIndex(["2024-06-03", "2024-06-04"])
    close = {"NVDA": [1.0, 2.0], "AMD": [3.0, 4.0]}
    if shape == "flat":
        frame = pd.DataFrame({"Close": close["NVDA"], "Open": [9.0, 9.0]}, index=dates)
        got = _close_frame(frame, ["NVDA"])
        assert got["NVDA"].tolist() == [1.0, 2.0]
        return
    columns = {("Close", t): v for t, v in close.items()} | {("Open", "NVDA"): [9.0, 9.0]}
    frame = pd.DataFrame(columns, index=dates)
    if shape == "ticker_price":
        frame.columns = frame.columns.swaplevel(0, 1)
    got = _close_frame(frame, ["AMD", "NVDA"])
    assert got["NVDA"].tolist() == [1.0, 2.0] and got["AMD"].tolist() == [3.0, 4.0]


def test_retry_policy_rejects_bad_bounds() -> None:
    with pytest.raises(DataError, match=r"`max_attempts` must be >= 1, got 0"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(DataError, match=r"`jitter` must be in \[0, 1\], got 2"):
        RetryPolicy(jitter=2)


def _panel(stub: StubYahoo, tmp_path: Path) -> Panel:
    provider = CachedProvider(
        cache=PriceCache(root=tmp_path / "cache"),
        fetcher=_fetcher(stub, tmp_path, []),
        last_complete_day=lambda: END,
    )
    return load_panel(
        provider, tickers=["AMD", "MSFT", "NVDA"], members=(), fx=None, start=START, end=END,
        baseline="NVDA", max_fill_days=5, quality=QualityConfig(),
    )  # fmt: skip


def test_a_failed_split_adjustment_is_refused(tmp_path: Path) -> None:
    """A replayed answer whose 10:1 split was not applied (pre-split closes left raw) is refused;
    the same days correctly adjusted pass the same checks."""
    answers = {s: [(200, f"chart_{s}.json")] for s in ("AMD", "MSFT")}
    good = _panel(StubYahoo(answers | {"NVDA": [(200, "chart_NVDA.json")]}), tmp_path / "good")
    assert good.quality is not None and good.quality.findings == ()
    raw = _expected("NVDA_unadjusted")
    ratio = raw.loc["2024-06-10"] / raw.loc["2024-06-07"]  # 121.8 / 1208
    bad = StubYahoo(answers | {"NVDA": [(200, "chart_NVDA_unadjusted.json")]})
    with pytest.raises(
        DataQualityError,
        match=rf"^data quality: `NVDA` 2024-06-10 split_like: one-day move x{ratio:.3f} .*"
        r"unapplied 10:1 split \(the prices before 2024-06-10 not divided by 10\)",
    ):
        _panel(bad, tmp_path / "bad")
