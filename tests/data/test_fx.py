"""One currency per run: non-USD listings are refused, or converted with a configured FX series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from backtest.data.fx import convert_to_usd, fx_tickers_for, load_usd, parse_fx
from backtest.data.providers import LoadedPrices
from backtest.errors import ConfigError, DataError
from tests.data.helpers import d


@dataclass(frozen=True)
class Listing:
    ticker: str
    currency: str


MEMBERS = [Listing("NVDA", "USD"), Listing("2454.TW", "TWD")]


def test_non_usd_member_is_refused_without_fx() -> None:
    with pytest.raises(ConfigError, match=r"2454.TW \(TWD\) cannot be used without an FX series"):
        fx_tickers_for(MEMBERS, {})
    assert fx_tickers_for(MEMBERS, parse_fx({"twd": "TWDUSD=X"})) == {"2454.TW": "TWDUSD=X"}


def test_parse_fx_forms_and_errors() -> None:
    assert parse_fx("TWD:TWDUSD=X, JPY:JPYUSD=X") == {"TWD": "TWDUSD=X", "JPY": "JPYUSD=X"}
    with pytest.raises(ConfigError, match=r"`data.fx` entries must look like `TWD:TWDUSD=X`"):
        parse_fx("TWDUSD=X")
    with pytest.raises(ConfigError, match=r"maps an ISO currency code .* got 'TAIWAN'"):
        parse_fx({"TAIWAN": "TWDUSD=X"})


def test_conversion_uses_the_last_rate_known_on_each_day() -> None:
    local = pd.Series([100.0, 110.0, np.nan, 120.0], index=pd.to_datetime(
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]))  # fmt: skip
    # no rate on 01-03 and 01-05: the earlier rate applies, never the later one
    rate = pd.Series([0.03, 0.031, 0.032], index=pd.to_datetime(
        ["2024-01-01", "2024-01-04", "2024-01-06"]))  # fmt: skip
    usd = convert_to_usd(local, rate, ticker="2454.TW", fx_ticker="TWDUSD=X")
    np.testing.assert_allclose(usd.to_numpy(), [3.0, 3.3, np.nan, 120.0 * 0.031])


def test_price_before_any_rate_is_an_error() -> None:
    local = pd.Series([100.0], index=pd.to_datetime(["2024-01-02"]))
    rate = pd.Series([0.03], index=pd.to_datetime(["2024-01-03"]))
    with pytest.raises(DataError, match=r"`2454.TW` has a price on 2024-01-02 but FX series"):
        convert_to_usd(local, rate, ticker="2454.TW", fx_ticker="TWDUSD=X")


@dataclass
class Panel:
    frame: pd.DataFrame
    name: str = "stub"
    synthetic: bool = False

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        return LoadedPrices(
            prices=self.frame.loc[pd.Timestamp(start) : pd.Timestamp(end), list(tickers)]
        )


def test_load_usd_converts_and_drops_the_fx_series() -> None:
    dates = pd.bdate_range("2024-01-01", periods=3)
    frame = pd.DataFrame(
        {"NVDA": [1.0, 2.0, 3.0], "2454.TW": [1000.0, 1100.0, 1200.0], "TWDUSD=X": [0.03] * 3},
        index=dates,
    )
    raw = load_usd(
        Panel(frame),
        tickers=["2454.TW", "NVDA"],
        members=MEMBERS,
        fx_spec={"TWD": "TWDUSD=X"},
        start=d("2024-01-01"),
        end=d("2024-01-03"),
    ).loaded.prices
    assert list(raw.columns) == ["2454.TW", "NVDA"]
    np.testing.assert_allclose(raw["2454.TW"].to_numpy(), [30.0, 33.0, 36.0])
    with pytest.raises(ConfigError, match=r"2454.TW \(TWD\)"):
        load_usd(
            Panel(frame), tickers=["2454.TW", "NVDA"], members=MEMBERS, fx_spec=None,
            start=d("2024-01-01"), end=d("2024-01-03"),
        )  # fmt: skip


def test_runner_refuses_a_twd_member_before_loading_prices() -> None:
    from backtest.config import parse_config
    from backtest.pipeline.runner import run

    config = parse_config({"universe": "compute_layer_global", "data": {"source": "demo"}})
    with pytest.raises(ConfigError, match=r"2454.TW \(TWD\) cannot be used without an FX series"):
        run(config)
