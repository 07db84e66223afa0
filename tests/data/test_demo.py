"""The embedded demo market: deterministic and plausible."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from backtest.data.demo import CALIBRATION, DemoProvider, demo_prices


def _digest(prices: pd.DataFrame) -> str:
    return hashlib.sha256(prices.to_numpy().tobytes() + prices.index.asi8.tobytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_differs() -> None:
    assert _digest(demo_prices()) == _digest(demo_prices())
    assert _digest(demo_prices(seed=1)) != _digest(demo_prices())


def test_plausible_volatility_and_prices() -> None:
    prices = demo_prices()
    assert prices.index[0] == pd.Timestamp("2015-01-02")
    assert prices.index[-1] == pd.Timestamp("2026-07-31")
    assert np.nanmin(prices.to_numpy()) > 0
    vols = prices.pct_change(fill_method=None).std() * np.sqrt(252)
    for ticker, cal in CALIBRATION.items():
        assert abs(vols[ticker] / cal.annual_volatility - 1.0) < 0.1, ticker


def test_ipo_tickers_start_at_listing() -> None:
    prices = demo_prices()
    assert prices["ARM"].first_valid_index() == pd.Timestamp("2023-09-14")
    assert prices["ALAB"].first_valid_index() == pd.Timestamp("2024-03-20")
    assert prices["ALAB"].loc[:"2024-03-19"].isna().all()


def test_correlation_with_nvda_is_calibrated() -> None:
    corr = demo_prices().pct_change(fill_method=None).corr()["NVDA"]
    for ticker, cal in CALIBRATION.items():
        assert abs(corr[ticker] - cal.corr_nvda) < 0.08, ticker


def test_provider_slices_window_and_tickers() -> None:
    panel = (
        DemoProvider()
        .load(["NVDA", "AMD"], pd.Timestamp("2020-01-01").date(), pd.Timestamp("2020-12-31").date())
        .prices
    )
    assert list(panel.columns) == ["AMD", "NVDA"]
    assert panel.index.min() >= pd.Timestamp("2020-01-01")
