"""Engine accounting against hand-worked numbers and independent computations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from backtest.engine import simulate
from backtest.errors import ConfigError, StrategyError
from tests.reference_engine import reference_equity


def _targets(prices: pd.DataFrame, rows: list[int], weights: list[list[float]]) -> pd.DataFrame:
    return pd.DataFrame(weights, index=prices.index[rows], columns=prices.columns)


def test_hand_worked_three_tickers_with_fees(tiny_prices: pd.DataFrame) -> None:
    targets = _targets(tiny_prices, [1, 5], [[0.5, 0.5, 0.0], [0.2, 0.4, 0.4]])
    sim = simulate(
        tiny_prices, {"s": targets}, initial_cash=1000.0, fees_bps=100.0, slippage_bps=0.0
    )
    # Event 1 (day 1, A=11, B=20): V = 1000; A and B both want 500 (tie -> column order).
    a_shares = 500.0 / 11.0  # costs 500, fee 5, cash left 495
    cash = 1000.0 - 500.0 - 5.0
    b_shares = cash / (20.0 * 1.01)  # wants 25 shares (505 with fee) but only 495 is left
    cash = 0.0
    day1 = a_shares * 11.0 + b_shares * 20.0
    day4 = a_shares * 10.0 + b_shares * 24.0
    # Event 2 (day 5, A=10, B=25, C=5): V at the close before trading.
    value = a_shares * 10.0 + b_shares * 25.0
    a_target, b_target, c_target = 0.2 * value / 10.0, 0.4 * value / 25.0, 0.4 * value / 5.0
    cash += (a_shares - a_target) * 10.0 * 0.99  # sells first, fees 1%
    cash += (b_shares - b_target) * 25.0 * 0.99
    c_shares = min(c_target, cash / (5.0 * 1.01))  # the buy is clipped to the cash left
    assert c_shares < c_target
    day9 = a_target * 12.0 + b_target * 22.0 + c_shares * 6.0
    equity = sim.equity["s"]
    assert equity.index[0] == tiny_prices.index[1]  # equity starts at the first effective date
    assert equity.iloc[0] == pytest.approx(day1, rel=1e-12)
    assert equity.iloc[3] == pytest.approx(day4, rel=1e-12)
    assert equity.iloc[-1] == pytest.approx(day9, rel=1e-12)
    fees_paid = 5.0 + b_shares * 20.0 * 0.01 + (a_shares - a_target) * 10.0 * 0.01
    fees_paid += (b_shares - b_target) * 25.0 * 0.01 + c_shares * 5.0 * 0.01
    assert sim.fees["s"] == pytest.approx(fees_paid, rel=1e-12)


def test_zero_fees_constant_weights_match_pandas(synthetic_panel: pd.DataFrame) -> None:
    prices = synthetic_panel.iloc[:, :5]  # all listed from day 0
    rows = list(range(10, 300, 21))
    weights = np.tile([0.1, 0.2, 0.3, 0.25, 0.15], (len(rows), 1))
    sim = simulate(
        prices,
        {"s": _targets(prices, rows, weights.tolist())},
        initial_cash=100.0,
        fees_bps=0.0,
        slippage_bps=0.0,
    )
    # pandas: between events each sleeve grows with its own price relative.
    expected = pd.Series(np.nan, index=prices.index[rows[0] :])
    value = 100.0
    bounds = [*rows, len(prices)]
    for lo, hi in itertools.pairwise(bounds):
        relative = prices.iloc[lo:hi] / prices.iloc[lo]
        path = value * (relative * weights[0]).sum(axis=1)
        expected.loc[path.index] = path
        if hi < len(prices):
            value = float(value * (prices.iloc[hi] / prices.iloc[lo] * weights[0]).sum())
    np.testing.assert_allclose(sim.equity["s"].to_numpy(), expected.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(("fees_bps", "slippage_bps"), [(0.0, 0.0), (10.0, 5.0), (250.0, 80.0)])
def test_matches_numpy_reference_with_ipos(
    synthetic_panel: pd.DataFrame, fees_bps: float, slippage_bps: float
) -> None:
    prices = synthetic_panel
    rng = np.random.default_rng(11)
    rows = list(range(5, 300, 17))
    raw = rng.random((len(rows), prices.shape[1]))
    listed = prices.iloc[rows].notna().to_numpy()
    raw = np.where(listed, raw, 0.0)
    weights = raw / raw.sum(axis=1, keepdims=True) * rng.uniform(0.8, 1.0, (len(rows), 1))
    targets = _targets(prices, rows, weights.tolist())
    sim = simulate(
        prices,
        {"a": targets, "b": targets * 0.5},
        initial_cash=1e6,
        fees_bps=fees_bps,
        slippage_bps=slippage_bps,
        chunk_size=1,
    )
    close = prices.to_numpy()[rows[0] :]
    for name, w in (("a", weights), ("b", weights * 0.5)):
        expected, _, fees = reference_equity(
            close,
            np.array(rows) - rows[0],
            np.where(listed, w, np.nan),
            initial_cash=1e6,
            fees=fees_bps / 1e4,
            slippage=slippage_bps / 1e4,
        )
        np.testing.assert_allclose(sim.equity[name].to_numpy(), expected, rtol=1e-9)
        assert sim.fees[name] == pytest.approx(fees, rel=1e-9)


def test_holdings_are_drifted_weights(tiny_prices: pd.DataFrame) -> None:
    targets = _targets(tiny_prices, [2], [[0.5, 0.5, 0.0]])
    sim = simulate(tiny_prices, {"s": targets}, initial_cash=1000.0, fees_bps=0.0, slippage_bps=0.0)
    held = sim.holdings["s"]
    assert held.iloc[0].tolist() == pytest.approx([0.5, 0.5, 0.0])
    # day 4: A 12 -> 10, B 21 -> 24; drifted weights follow the price relatives
    a, b = 0.5 * 10 / 12, 0.5 * 24 / 21
    assert held.iloc[2].tolist() == pytest.approx([a / (a + b), b / (a + b), 0.0])


def test_turnover_is_half_traded_notional_over_pre_trade_value(tiny_prices: pd.DataFrame) -> None:
    targets = _targets(tiny_prices, [1, 5], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    sim = simulate(tiny_prices, {"s": targets}, initial_cash=1000.0, fees_bps=0.0, slippage_bps=0.0)
    # event 1 buys 1000 from cash; event 2 sells all A and buys B with the proceeds
    value = 1000.0 / 11.0 * 10.0
    assert sim.turnover["s"].tolist() == pytest.approx([0.5, 1.0])
    assert sim.equity["s"].iloc[4] == pytest.approx(value)


def test_bad_inputs_raise(tiny_prices: pd.DataFrame) -> None:
    good = _targets(tiny_prices, [1], [[0.5, 0.5, 0.0]])
    with pytest.raises(ConfigError, match="`fees_bps` must be >= 0, got -5"):
        simulate(tiny_prices, {"s": good}, initial_cash=1.0, fees_bps=-5, slippage_bps=0)
    with pytest.raises(ConfigError, match="`initial_cash` must be > 0"):
        simulate(tiny_prices, {"s": good}, initial_cash=0.0, fees_bps=0, slippage_bps=0)
    early_c = _targets(tiny_prices, [1], [[0.5, 0.0, 0.5]])
    with pytest.raises(StrategyError, match="targets C on 2024-01-02 before its first price"):
        simulate(tiny_prices, {"s": early_c}, initial_cash=1.0, fees_bps=0, slippage_bps=0)
    over = _targets(tiny_prices, [1], [[0.7, 0.7, 0.0]])
    with pytest.raises(StrategyError, match="sum to at most 1"):
        simulate(tiny_prices, {"s": over}, initial_cash=1.0, fees_bps=0, slippage_bps=0)
