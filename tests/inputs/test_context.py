"""Eligibility (DESIGN section 3): membership window and minimum history at ``t_d``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.data.demo import demo_prices
from backtest.errors import ConfigError
from backtest.inputs.context import eligibility


def _daily_events(index: pd.DatetimeIndex) -> pd.DataFrame:
    """One event per day: determination on row i, effective on row i + 1."""
    rows = np.arange(len(index) - 1)
    return pd.DataFrame(
        {
            "determination_date": index[rows],
            "effective_date": index[rows + 1],
            "determination_row": rows,
            "effective_row": rows + 1,
        }
    )


def test_min_history_counts_valid_prices_up_to_and_including_t_d(
    tiny_prices: pd.DataFrame,
) -> None:
    flags = eligibility(tiny_prices, _daily_events(tiny_prices.index), {}, min_history_days=3)
    # A and B trade from row 0: 3 prices on row 2. C lists on row 2: 3 prices on row 4.
    expected_first_row = {"A": 2, "B": 2, "C": 4}
    for ticker, first in expected_first_row.items():
        assert flags[ticker].tolist() == [row >= first for row in range(9)], ticker
    assert flags.index.equals(pd.DatetimeIndex(tiny_prices.index[1:], name="effective_date"))


def test_membership_window_is_inclusive_and_read_at_t_d(tiny_prices: pd.DataFrame) -> None:
    dates = tiny_prices.index
    membership = {"B": (dates[4], dates[6].date()), "C": (None, dates[5])}  # Timestamp or date
    flags = eligibility(tiny_prices, _daily_events(dates), membership, min_history_days=1)
    assert flags["B"].tolist() == [4 <= row <= 6 for row in range(9)]
    assert flags["C"].tolist() == [2 <= row <= 5 for row in range(9)]
    assert flags["A"].all()  # not in the mapping: a member throughout


def test_later_prices_do_not_change_eligibility(synthetic_panel: pd.DataFrame) -> None:
    events = _daily_events(synthetic_panel.index)
    full = eligibility(synthetic_panel, events, {}, min_history_days=21)
    for cut in (30, 119, 140, 200):
        truncated = synthetic_panel.iloc[: cut + 1]
        part = eligibility(truncated, events.iloc[:cut], {}, min_history_days=21)
        pd.testing.assert_frame_equal(part, full.iloc[:cut])
        # rewriting every price after the determination row changes nothing
        noisy = synthetic_panel.copy()
        noisy.iloc[cut + 1 :] = np.nan
        again = eligibility(noisy, events.iloc[: cut + 1], {}, min_history_days=21)
        pd.testing.assert_frame_equal(again, full.iloc[: cut + 1])


def test_arm_on_the_demo_market() -> None:
    # ARM lists on 2023-09-14; business days from then: Sep 14..29 are 12, Oct 2..6 five more,
    # Oct 9..12 four more: the 21st price is on 2023-10-12.
    prices = demo_prices().loc["2023-08-01":"2023-11-30", ["ARM", "NVDA"]]
    flags = eligibility(prices, _daily_events(prices.index), {}, min_history_days=21)
    det = pd.DatetimeIndex(_daily_events(prices.index)["determination_date"])
    first = det[flags["ARM"].to_numpy()][0]
    assert first == pd.Timestamp("2023-10-12")
    assert not flags["ARM"].to_numpy()[det < pd.Timestamp("2023-09-14")].any()


def test_arm_on_real_prices(shared_prices_dir: Path) -> None:
    def adj_close(ticker: str) -> pd.Series:
        frame = pd.read_csv(shared_prices_dir / f"{ticker}.csv", usecols=["date", "adj_close"])
        return frame.set_index(pd.DatetimeIndex(frame["date"]))["adj_close"]

    nvda = adj_close("NVDA").loc["2023-07-01":"2023-12-31"]
    prices = pd.DataFrame({"ARM": adj_close("ARM").reindex(nvda.index), "NVDA": nvda})
    events = _daily_events(prices.index)
    flags = eligibility(prices, events, {}, min_history_days=21)
    det = pd.DatetimeIndex(events["determination_date"])
    # NYSE days from 2023-09-14 (no holiday until Thanksgiving): the 21st is 2023-10-12.
    assert det[flags["ARM"].to_numpy()][0] == pd.Timestamp("2023-10-12")
    # and a member outside its window is not eligible even with history
    window = {"ARM": (pd.Timestamp("2023-11-01"), dt.date(2023, 11, 30))}
    windowed = eligibility(prices, events, window, min_history_days=21)
    inside = (det >= pd.Timestamp("2023-11-01")) & (det <= pd.Timestamp("2023-11-30"))
    assert windowed["ARM"].tolist() == list(inside)


@pytest.mark.parametrize("value", [0, -3, True, 2.5, "21"])
def test_bad_min_history_days(tiny_prices: pd.DataFrame, value: object) -> None:
    with pytest.raises(ConfigError, match="`min_history_days` must be an integer >= 1, got"):
        eligibility(tiny_prices, _daily_events(tiny_prices.index), {}, min_history_days=value)  # type: ignore[arg-type]


def test_determination_row_outside_prices(tiny_prices: pd.DataFrame) -> None:
    events = _daily_events(tiny_prices.index)
    events.loc[0, "determination_row"] = 10
    with pytest.raises(ConfigError, match=r"`determination_row` must lie in \[0, 9\]"):
        eligibility(tiny_prices, events, {})
