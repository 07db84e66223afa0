"""Reference ETFs: aligned by the validation rules; left out with a reason, never fatal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from backtest.data.providers import LoadedPrices
from backtest.inputs.references import load_references


class _Panel:
    name = "panel"
    synthetic = True

    def __init__(self, panel: pd.DataFrame) -> None:
        self.panel = panel

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        return LoadedPrices(prices=self.panel[[t for t in tickers if t in self.panel.columns]])


def _pandas_alignment(
    raw: pd.Series, calendar: pd.DatetimeIndex, first: pd.Timestamp, limit: int
) -> tuple[str, pd.Series]:
    """The rule written with pandas' own ffill (an independent statement of it)."""
    aligned = raw.reindex(calendar)
    listed = aligned.notna().cumsum() > 0
    filled = (aligned.ffill(limit=limit) if limit else aligned).where(listed)
    if pd.isna(filled.get(first)):
        return f"no price on the first effective date {first.date()}", filled
    rest = filled.loc[first:]
    if rest.isna().any():
        return f"gap longer than {limit} days at {rest.index[rest.isna()][0].date()}", filled
    return "", filled


def test_alignment_matches_pandas_ffill_on_random_gaps() -> None:
    calendar = pd.bdate_range("2024-01-01", periods=40)
    outcomes: set[str] = set()
    for seed in range(30):
        rng = np.random.default_rng(seed)
        series = {}
        for ticker in ("SPY", "QQQ", "SMH"):
            values = pd.Series(100.0 + rng.normal(0, 1, 40).cumsum(), index=calendar)
            keep = rng.random(40) > rng.choice([0.0, 0.1, 0.3])
            keep[: rng.integers(0, 8)] = False  # a late listing, now and then
            series[ticker] = values[keep]
        limit = int(rng.integers(0, 4))
        first = calendar[int(rng.integers(0, 10))]
        refs = load_references(
            _Panel(pd.DataFrame(series)), calendar, first_date=first, max_fill_days=limit
        )
        for ticker in ("SPY", "QQQ", "SMH"):
            why, expected = _pandas_alignment(series[ticker], calendar, first, limit)
            outcomes.add(why.split(" days at ")[0].split(" date ")[0].rstrip("0123456789 "))
            if why:
                assert refs.absent[ticker] == why, (seed, ticker)
                assert ticker not in refs.prices.columns
            else:
                assert ticker not in refs.absent
                np.testing.assert_array_equal(refs.prices[ticker].to_numpy(), expected.to_numpy())
    # every branch was exercised: usable, not listed on the first date, a gap too long
    assert outcomes == {"", "no price on the first effective", "gap longer than"}, outcomes


def test_a_reference_with_a_non_positive_price_is_left_out_with_the_rule() -> None:
    calendar = pd.bdate_range("2024-01-01", periods=5)
    panel = pd.DataFrame(
        {"SPY": [1.0, 2.0, -3.0, 4.0, 5.0], "QQQ": [1.0, 2.0, 3.0, 4.0, 5.0]}, index=calendar
    )
    refs = load_references(
        _Panel(panel), calendar, first_date=calendar[0], max_fill_days=2, tickers=("SPY", "QQQ")
    )
    assert list(refs.prices.columns) == ["QQQ"]
    assert refs.absent == {
        "SPY": "reference: prices of `SPY` must be finite and > 0; got -3.0 on 2024-01-03"
    }
