"""Validation at the boundary (DESIGN section 2), on hand-checkable frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.data.validate import align_prices, as_dates
from backtest.errors import DataError
from tests.data.helpers import d

START, END = d("2024-01-01"), d("2024-12-31")


def _panel(**columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame(columns, index=pd.bdate_range("2024-01-01", periods=n))


def test_calendar_is_the_baselines_trading_days() -> None:
    nan = np.nan
    raw = _panel(NVDA=[1.0, nan, 3.0, 4.0], AAA=[5.0, 6.0, 7.0, 8.0])
    prices, _ = align_prices(raw, baseline="NVDA", start=START, end=END)
    # 2024-01-02 has no NVDA price: it is not a trading day of the run, AAA's price is dropped
    assert list(prices.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-03", "2024-01-04"]
    assert prices["AAA"].tolist() == [5.0, 7.0, 8.0]


def test_ipo_ticker_is_not_back_filled() -> None:
    nan = np.nan
    raw = _panel(NVDA=[1.0, 2.0, 3.0, 4.0], NEW=[nan, nan, 7.0, 8.0])
    prices, report = align_prices(raw, baseline="NVDA", start=START, end=END)
    assert prices["NEW"].isna().tolist() == [True, True, False, False]
    assert report.first_valid["NEW"] == d("2024-01-03")
    assert report.filled_gaps == ()


def test_short_gap_is_forward_filled_and_reported() -> None:
    nan = np.nan
    raw = _panel(NVDA=[1.0] * 6, AAA=[5.0, 6.0, nan, nan, 9.0, 10.0])
    prices, report = align_prices(raw, baseline="NVDA", start=START, end=END, max_fill_days=2)
    assert prices["AAA"].tolist() == [5.0, 6.0, 6.0, 6.0, 9.0, 10.0]
    (gap,) = report.filled_gaps
    assert (gap.ticker, gap.first_missing, gap.last_missing, gap.days) == (
        "AAA",
        d("2024-01-03"),
        d("2024-01-04"),
        2,
    )


def test_long_gap_is_an_error_naming_ticker_and_dates() -> None:
    nan = np.nan
    raw = _panel(NVDA=[1.0] * 6, AAA=[5.0, nan, nan, nan, 9.0, 10.0])
    with pytest.raises(
        DataError,
        match=r"`AAA` has no price for 3 trading days from 2024-01-02 to 2024-01-04; at most 2",
    ):
        align_prices(raw, baseline="NVDA", start=START, end=END, max_fill_days=2)


def test_ticker_ending_early_is_a_long_gap() -> None:
    # a partial download (prices stop before the end) is caught, not silently filled
    nan = np.nan
    raw = _panel(NVDA=[1.0] * 5, AAA=[5.0, 6.0, nan, nan, nan])
    with pytest.raises(DataError, match=r"`AAA` has no price for 3 trading days from 2024-01-03"):
        align_prices(raw, baseline="NVDA", start=START, end=END, max_fill_days=2)


def test_missing_baseline_duplicates_unsorted_and_bad_values() -> None:
    with pytest.raises(DataError, match=r"baseline `NVDA` has no prices; available: AAA"):
        align_prices(_panel(AAA=[1.0, 2.0]), baseline="NVDA", start=START, end=END)
    raw = _panel(NVDA=[1.0, 2.0, 3.0])
    dup = raw.set_axis(pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-02"]))
    with pytest.raises(DataError, match=r"unique; duplicated: 2024-01-02"):
        align_prices(dup, baseline="NVDA", start=START, end=END)
    unsorted = raw.set_axis(pd.DatetimeIndex(["2024-01-01", "2024-01-03", "2024-01-02"]))
    with pytest.raises(DataError, match=r"ascending; out of order at 2024-01-02"):
        align_prices(unsorted, baseline="NVDA", start=START, end=END)
    with pytest.raises(DataError, match=r"prices of `AAA` must be finite and > 0; got -1.0 on"):
        align_prices(
            _panel(NVDA=[1.0, 2.0], AAA=[1.0, -1.0]), baseline="NVDA", start=START, end=END
        )
    with pytest.raises(DataError, match=r"prices of `AAA` must be finite and > 0; got inf on"):
        align_prices(
            _panel(NVDA=[1.0, 2.0], AAA=[np.inf, 1.0]), baseline="NVDA", start=START, end=END
        )


@pytest.mark.parametrize("absurd", [9.9e-9, 1.01e9, 1e300, 1e-300])
def test_a_price_outside_the_plausibility_bound_is_an_error(absurd: float) -> None:
    raw = _panel(NVDA=[1.0, 2.0, 3.0], AAA=[5.0, absurd, 7.0])
    with pytest.raises(
        DataError,
        match=r"prices of `AAA` must be between 1e-08 and 1e\+09 .* on "
        r"2024-01-02",
    ):
        align_prices(raw, baseline="NVDA", start=START, end=END)


def test_the_plausibility_bound_is_inclusive() -> None:
    raw = _panel(NVDA=[1.0, 2.0, 3.0], AAA=[1e-8, 1e9, 7.0])
    prices, _ = align_prices(raw, baseline="NVDA", start=START, end=END)
    assert prices["AAA"].tolist() == [1e-8, 1e9, 7.0]


def test_allowed_missing_ticker_stays_empty_other_empty_ticker_is_an_error() -> None:
    raw = _panel(NVDA=[1.0, 2.0], GONE=[np.nan, np.nan])
    with pytest.raises(DataError, match=r"`GONE` has no price on the NVDA calendar"):
        align_prices(raw, baseline="NVDA", start=START, end=END)
    prices, _ = align_prices(raw, baseline="NVDA", start=START, end=END, allow_missing=["GONE"])
    assert prices["GONE"].isna().all()


def test_as_dates_is_canonical() -> None:
    index = as_dates(pd.DatetimeIndex(["2024-01-02"], tz="America/New_York").as_unit("s"))
    assert str(index.dtype) == "datetime64[ns]" and index.name == "date" and index.tz is None
