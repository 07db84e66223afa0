"""ProportionalTilt: hand-computed bucket weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.context import Context
from backtest.errors import ConfigError
from strategies import ProportionalTilt


def _context(share: float, eligible_rows: list[list[bool]]) -> Context:
    tickers = ["A1", "A2", "E1", "G1", "G2"]
    buckets = {"A1": "asic", "A2": "asic", "E1": "edge", "G1": "gpu", "G2": "gpu"}
    dates = pd.bdate_range("2024-01-01", periods=30)
    prices = pd.DataFrame(100.0, index=dates, columns=tickers)
    events = pd.DataFrame(
        {
            "determination_date": dates[[20]],
            "effective_date": dates[[21]],
            "determination_row": [20],
            "effective_row": [21],
        }
    )
    idx = pd.DatetimeIndex(events["effective_date"])
    return Context(
        prices=prices,
        events=events,
        eligible=pd.DataFrame(eligible_rows, index=idx, columns=tickers),
        share=pd.Series([share], index=idx),
        buckets=buckets,
        exposures=dict.fromkeys(tickers, 1.0),
    )


def test_share_04_edge_025_gives_06_03_01() -> None:
    weights = ProportionalTilt(edge_fraction=0.25).weights(_context(0.4, [[True] * 5]))
    row = weights.iloc[0]
    assert row["G1"] + row["G2"] == pytest.approx(0.6)
    assert row["A1"] + row["A2"] == pytest.approx(0.3)
    assert row["E1"] == pytest.approx(0.1)
    assert row["G1"] == pytest.approx(0.3)  # equal inside the bucket


def test_ineligible_member_weight_stays_in_bucket() -> None:
    weights = ProportionalTilt().weights(_context(0.4, [[True, False, True, True, True]]))
    assert weights.iloc[0]["A1"] == pytest.approx(0.3)
    assert weights.iloc[0]["A2"] == 0.0


def test_empty_bucket_redistributes_or_goes_to_cash() -> None:
    ctx = _context(0.4, [[True, True, False, True, True]])  # no edge member
    redistributed = ProportionalTilt().weights(ctx).iloc[0]
    assert redistributed.sum() == pytest.approx(1.0)
    assert redistributed["G1"] + redistributed["G2"] == pytest.approx(0.6 / 0.9)
    cash = ProportionalTilt(empty_bucket="cash").weights(ctx).iloc[0]
    assert cash.sum() == pytest.approx(0.9)


def test_parameters_are_frozen_and_validated() -> None:
    strategy = ProportionalTilt()
    with pytest.raises(AttributeError):
        strategy.edge_fraction = 0.5  # type: ignore[misc]
    with pytest.raises(ConfigError, match=r"`edge_fraction` must be a number in \[0, 1\], got 1.5"):
        ProportionalTilt(edge_fraction=1.5)
    with pytest.raises(
        ConfigError, match=r"`within` must be one of equal, exposure, inverse_volatility, got .cap."
    ):
        ProportionalTilt(within="cap").weights(_context(0.4, [[True] * 5]))


def test_nan_share_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no usable value"):
        ProportionalTilt().weights(_context(np.nan, [[True] * 5]))
