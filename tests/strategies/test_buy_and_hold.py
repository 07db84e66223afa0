"""`BuyAndHold` (the baseline and the reference rows): one purchase on the first event, held."""

from __future__ import annotations

import numpy as np
import pytest

from backtest.context import check_weights, trading_dates
from backtest.errors import ConfigError, StrategyError
from strategies import BuyAndHold, EqualWeight
from tests.strategies.helpers import hand_context


def test_one_row_on_the_first_effective_date_with_all_the_weight_on_the_ticker() -> None:
    context = hand_context([0.3, 0.4, 0.5])
    weights = BuyAndHold(ticker="A2").weights(context)
    assert list(weights.index) == [context.effective_dates[0]]
    assert weights.loc[:, "A2"].tolist() == [1.0]
    assert weights.drop(columns="A2").to_numpy().sum() == 0.0
    # the runner's check accepts exactly this shape for a buy-and-hold, and no other
    dates = trading_dates(BuyAndHold(ticker="A2"), context)
    assert list(dates) == [context.effective_dates[0]]
    check_weights(weights, columns=context.tickers, name="b", index=dates)
    with pytest.raises(StrategyError, match="indexed by the 3 effective dates"):
        check_weights(
            weights,
            columns=context.tickers,
            name="b",
            index=trading_dates(EqualWeight(), context),
        )


def test_a_ticker_outside_the_context_or_empty_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"`ticker` 'ZZZ' is not in the context; tickers: A1, "):
        BuyAndHold(ticker="ZZZ").weights(hand_context())
    with pytest.raises(ConfigError, match=r"`ticker` must be a non-empty string, got ' '"):
        BuyAndHold(ticker=" ")


def test_an_unknown_trades_value_is_refused() -> None:
    class Odd:
        trades = "weekly"

    with pytest.raises(StrategyError, match=r"`trades` of Odd must be one of every_event, "):
        trading_dates(Odd(), hand_context())
    assert np.array_equal(
        trading_dates(EqualWeight(), hand_context([0.3, 0.4])),
        hand_context([0.3, 0.4]).effective_dates,
    )
