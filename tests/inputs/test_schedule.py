"""Rebalance events: anchors, frequencies, lag and warm-up."""

from __future__ import annotations

import pandas as pd
import pytest

from backtest.config import Schedule
from backtest.errors import ConfigError
from backtest.inputs.schedule import rebalance_events


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


def test_first_day_anchor_for_semiannual_and_annual_periods() -> None:
    cal = pd.bdate_range("2015-01-02", "2017-12-31")
    semi = rebalance_events(cal, Schedule(frequency="semiannual"), warmup_days=21)
    assert semi["effective_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2015-07-01",
        "2016-01-01",
        "2016-07-01",
        "2017-01-02",
        "2017-07-03",
    ]
    annual = rebalance_events(cal, Schedule(frequency="annual"), warmup_days=21)
    assert annual["effective_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2016-01-01",
        "2017-01-02",
    ]


def test_monthly_last_day_skips_holidays_in_the_calendar() -> None:
    cal = pd.bdate_range("2015-01-02", "2015-04-30").drop(pd.Timestamp("2015-03-31"))
    events = rebalance_events(cal, Schedule(anchor="last", lag_days=2))
    assert events["effective_date"].dt.strftime("%m-%d").tolist() == [
        "01-30",
        "02-27",
        "03-30",  # the 31st is not a trading day in this calendar
        "04-30",
    ]
    assert events["determination_date"].dt.strftime("%m-%d").tolist() == [
        "01-28",
        "02-25",
        "03-26",
        "04-28",
    ]


def test_warmup_counts_trading_days_up_to_t_d() -> None:
    cal = pd.bdate_range("2015-01-01", "2015-04-30")  # Jan has 22 business days
    # February's t_d is Jan 30, row 21 -> 22 rows of history: kept with warmup 22, not 23
    assert rebalance_events(cal, Schedule(), warmup_days=22)["effective_date"].iloc[0] == (
        pd.Timestamp("2015-02-02")
    )
    assert rebalance_events(cal, Schedule(), warmup_days=23)["effective_date"].iloc[0] == (
        pd.Timestamp("2015-03-02")
    )


def test_lag_longer_than_the_first_period_drops_that_event() -> None:
    cal = pd.bdate_range("2015-01-01", "2015-03-31")
    events = rebalance_events(cal, Schedule(lag_days=25))
    # the Feb 2 event would be decided 25 rows earlier, before the calendar starts
    assert events["effective_date"].tolist() == [pd.Timestamp("2015-03-02")]
    assert int(events["determination_row"].iloc[0]) == int(events["effective_row"].iloc[0]) - 25


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"anchor": "middle"}, r"`anchor` must be one of first, last, got 'middle'"),
        ({"lag_days": True}, r"`lag_days` must be an integer >= 1, got True"),
        ({"lag_days": 1.5}, r"`lag_days` must be an integer >= 1, got 1.5"),
        ({"rebalance_band": -0.01}, r"`rebalance_band` must be a number in \[0, 1\), got -0.01"),
        ({"rebalance_band": 1.0}, r"`rebalance_band` must be a number in \[0, 1\), got 1.0"),
        ({"rebalance_band": float("nan")}, r"`rebalance_band` must be .*, got nan"),
        ({"rebalance_band": "5%"}, r"`rebalance_band` must be .*, got '5%'"),
    ],
)
def test_schedule_rejects_bad_options(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Schedule(**kwargs)  # type: ignore[arg-type]


def test_rebalance_events_rejects_bad_calendar_and_warmup() -> None:
    with pytest.raises(ConfigError, match="`calendar` must not be empty"):
        rebalance_events(pd.DatetimeIndex([]), Schedule())
    backwards = pd.DatetimeIndex(["2015-01-05", "2015-01-02"])
    with pytest.raises(ConfigError, match="`calendar` must be unique, ascending"):
        rebalance_events(backwards, Schedule())
    with pytest.raises(ConfigError, match=r"`warmup_days` must be an integer >= 1, got 0"):
        rebalance_events(pd.bdate_range("2015-01-01", periods=40), Schedule(), warmup_days=0)


def test_every_event_decides_strictly_before_it_trades() -> None:
    cal = pd.bdate_range("2015-01-01", "2019-12-31")
    for frequency in ("monthly", "quarterly", "semiannual", "annual"):
        for anchor in ("first", "last"):
            schedule = Schedule(frequency=frequency, anchor=anchor, lag_days=3)  # type: ignore[arg-type]
            events = rebalance_events(cal, schedule, warmup_days=21)
            assert (events["determination_date"] < events["effective_date"]).all()
            assert events["effective_date"].is_monotonic_increasing
            assert (cal[events["effective_row"]] == events["effective_date"]).all()
