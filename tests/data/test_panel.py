"""The one loading pipeline (`load_panel`) and loads that return their own provenance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.data.files import FilesProvider
from backtest.data.panel import load_panel
from backtest.data.providers import LoadedPrices, PriceProvider
from backtest.errors import DataError
from tests.data.helpers import d, write_ticker_csv


@dataclass(frozen=True)
class Listing:
    ticker: str
    currency: str


@dataclass(frozen=True)
class FramePanel:
    """Serves the requested columns of a fixed frame, with a provenance naming them."""

    frame: pd.DataFrame
    name: str = "frame"
    synthetic: bool = False

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        window = self.frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        found = [t for t in tickers if t in window.columns]
        return LoadedPrices(prices=window[found], provenance={"served": sorted(found)})


def test_each_load_carries_its_own_provenance_and_the_provider_keeps_nothing(
    tmp_path: Path,
) -> None:
    write_ticker_csv(tmp_path, "AAA", [("2024-01-02", 10.0, 9.5), ("2024-01-03", 11.0, 10.5)])
    (tmp_path / "BBB.csv").write_text("date,close\n2024-01-02,20\n2024-01-03,21\n")
    provider = FilesProvider(path=tmp_path, allow_missing=True)
    first = provider.load(["AAA"], d("2024-01-01"), d("2024-12-31"))
    second = provider.load(["BBB", "CCC"], d("2024-01-01"), d("2024-12-31"))
    # the second load does not rewrite what the first one said
    assert first.provenance["adjustment"] == {"AAA": "adj_close"}
    assert first.provenance["missing_tickers"] == []
    assert second.provenance["adjustment"] == {"BBB": "close"}
    assert second.provenance["missing_tickers"] == ["CCC"]
    assert not hasattr(provider, "provenance") and not hasattr(provider, "_record")
    assert provider == FilesProvider(path=tmp_path, allow_missing=True)
    assert isinstance(provider, PriceProvider)


def test_load_panel_converts_aligns_and_orders_as_asked() -> None:
    dates = pd.bdate_range("2024-01-01", periods=5, name="date")
    frame = pd.DataFrame(
        {
            "NVDA": [1.0, 2.0, 3.0, 4.0, 5.0],
            "2454.TW": [1000.0, np.nan, 1200.0, 1300.0, 1400.0],
            "TWDUSD=X": [0.03, 0.03, 0.031, 0.031, 0.032],
        },
        index=dates,
    )
    panel = load_panel(
        FramePanel(frame),
        tickers=["NVDA", "2454.TW"],
        members=[Listing("NVDA", "USD"), Listing("2454.TW", "TWD")],
        fx={"TWD": "TWDUSD=X"},
        start=d("2024-01-01"),
        end=d("2024-01-05"),
        baseline="NVDA",
        max_fill_days=1,
        quality=None,
    )
    assert list(panel.prices.columns) == ["NVDA", "2454.TW"]  # the order asked for
    # 1000 x 0.03, the missing 01-02 filled from 01-01, then 1200 x 0.031, ...
    np.testing.assert_allclose(
        panel.prices["2454.TW"].to_numpy(), [30.0, 30.0, 37.2, 40.3, 44.8], rtol=1e-15
    )
    (gap,) = panel.alignment.filled_gaps
    assert (gap.ticker, gap.first_missing, gap.days) == ("2454.TW", d("2024-01-02"), 1)
    # one load served the prices and the FX series together
    assert panel.provenance == {"served": ["2454.TW", "NVDA", "TWDUSD=X"]}


def test_load_panel_refuses_what_alignment_refuses() -> None:
    dates = pd.bdate_range("2024-01-01", periods=5, name="date")
    frame = pd.DataFrame({"NVDA": [1.0] * 5, "AAA": [1.0, np.nan, np.nan, 2.0, 2.0]}, index=dates)
    with pytest.raises(DataError, match=r"`AAA` has no price for 2 trading days from 2024-01-02"):
        load_panel(
            FramePanel(frame), tickers=["AAA", "NVDA"], members=(), fx=None,
            start=d("2024-01-01"), end=d("2024-01-05"), baseline="NVDA", max_fill_days=1,
            quality=None,
        )  # fmt: skip
