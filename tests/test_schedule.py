"""Rebalance events: anchors, frequencies, lag and warm-up."""

from __future__ import annotations

import pandas as pd
import pytest

from backtest.errors import ConfigError
from backtest.schedule import Schedule, rebalance_events


def test_monthly_first_day_lag_one() -> None:
    cal = pd.bdate_range("2015-01-02", "2015-06-30")
    events = rebalance_events(cal, Schedule(), warmup_days=21)
    assert events["effective_date"].iloc[0] == pd.Timestamp("2015-02-02")
    assert events["determination_date"].iloc[0] == pd.Timestamp("2015-01-30")
    assert (events["effective_row"] - events["determination_row"] == 1).all()
    assert events["effective_date"].dt.month.tolist() == [2, 3, 4, 5, 6]


def test_quarterly_last_day_lag_three() -> None:
    cal = pd.bdate_range("2015-01-02", "2015-12-31")
    events = rebalance_events(cal, Schedule(frequency="quarterly", anchor="last", lag_days=3))
    assert events["effective_date"].dt.strftime("%m-%d").tolist() == [
        "03-31",
        "06-30",
        "09-30",
        "12-31",
    ]
    assert (events["effective_row"] - events["determination_row"] == 3).all()


@pytest.mark.parametrize(("freq", "count"), [("semiannual", 4), ("annual", 2)])
def test_semiannual_and_annual(freq: str, count: int) -> None:
    cal = pd.bdate_range("2015-01-02", "2016-12-31")
    events = rebalance_events(cal, Schedule(frequency=freq, anchor="last"))  # type: ignore[arg-type]
    assert len(events) == count


def test_lag_zero_and_bad_frequency_raise() -> None:
    with pytest.raises(ConfigError, match="`lag_days` must be >= 1, got 0"):
        Schedule(lag_days=0)
    with pytest.raises(ConfigError, match="`frequency` must be one of monthly"):
        Schedule(frequency="weekly")  # type: ignore[arg-type]
