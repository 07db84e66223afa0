"""Train/test and walk-forward picks: hand-built cases and the no-look-ahead property."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from backtest.errors import ConfigError
from backtest.sweep.oos import rank_order, train_test, walk_forward

DATES = pd.bdate_range("2020-01-01", "2021-12-31")


def _regime_returns() -> np.ndarray:
    """Variant 0 wins in 2020 and loses in 2021; variant 1 the opposite; variant 2 is flat-ish."""
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 0.001, (3, len(DATES)))
    in_2020 = DATES.year == 2020
    drift = np.vstack(
        [
            np.where(in_2020, 0.002, -0.002),
            np.where(in_2020, -0.002, 0.002),
            np.full(len(DATES), 1e-4),
        ]
    )
    return drift + noise


def test_rank_order_direction_and_nan() -> None:
    assert rank_order(np.array([0.1, np.nan, 0.3]), "sharpe_ratio").tolist() == [2, 0, 1]
    assert rank_order(np.array([0.1, np.nan, 0.3]), "tracking_error").tolist() == [0, 2, 1]


def test_train_test_picks_on_training_days_and_judges_on_the_rest() -> None:
    returns = _regime_returns()
    split = train_test(
        returns, np.zeros(len(DATES)), DATES, train_until=dt.date(2020, 12, 31), metric="cagr"
    )
    assert split.picked == 0  # best in 2020
    assert split.best_test == 1  # best in 2021
    assert split.table.loc[0, "rank_test"] == 3  # the training winner is last out of sample
    growth_2021 = np.prod(1 + returns[0, DATES.year == 2021])
    expected = growth_2021 ** (252 / (DATES.year == 2021).sum()) - 1
    assert split.table.loc[0, "test"] == pytest.approx(expected, rel=1e-12)


def test_walk_forward_uses_only_earlier_days() -> None:
    returns = _regime_returns()
    result = walk_forward(
        returns,
        np.zeros(len(DATES)),
        DATES,
        train_until=dt.date(2020, 6, 30),
        every_months=3,
        metric="cagr",
    )
    assert result.picks["date"].iloc[0] == pd.Timestamp("2020-07-01")
    assert [d.month for d in result.picks["date"]] == [7, 10, 1, 4, 7, 10]
    # changing returns after a re-pick date cannot change that pick or any earlier one
    for i, date in enumerate(result.picks["date"]):
        scrambled = returns.copy()
        later = np.asarray(date <= DATES)
        scrambled[:, later] = np.random.default_rng(i).normal(0, 0.05, (3, later.sum()))
        again = walk_forward(
            scrambled,
            np.zeros(len(DATES)),
            DATES,
            train_until=dt.date(2020, 6, 30),
            every_months=3,
            metric="cagr",
        )
        assert (
            again.picks["variant"].iloc[: i + 1].tolist()
            == result.picks["variant"].iloc[: i + 1].tolist()
        )
    # the path is the picked variant's own returns, block by block
    first = result.picks.iloc[0]
    held = (first["date"] <= DATES) & (result.picks["date"].iloc[1] > DATES)
    np.testing.assert_array_equal(
        result.returns[DATES[held]].to_numpy(), returns[int(first["variant"]), held]
    )


def test_bad_splits_raise() -> None:
    returns = _regime_returns()
    with pytest.raises(ConfigError, match="cannot rank a split"):
        train_test(
            returns,
            np.zeros(len(DATES)),
            DATES,
            train_until=dt.date(2020, 6, 30),
            metric="fees_paid",
        )
    with pytest.raises(ConfigError, match="must leave at least 2 days"):
        train_test(
            returns, np.zeros(len(DATES)), DATES, train_until=dt.date(2030, 1, 1), metric="cagr"
        )
    with pytest.raises(ConfigError, match="whole number of months >= 1, got 0"):
        walk_forward(
            returns,
            np.zeros(len(DATES)),
            DATES,
            train_until=dt.date(2020, 6, 30),
            every_months=0,
            metric="cagr",
        )
