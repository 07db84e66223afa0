"""Engine accounting against hand-worked numbers and independent computations."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtest.engine.simulation import simulate
from backtest.errors import ConfigError, StrategyError
from tests.reference_engine import reference_equity, reference_run


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
        expected, _, fees, _ = reference_equity(
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


def test_a_variant_without_events_is_refused(tiny_prices: pd.DataFrame) -> None:
    none = pd.DataFrame(columns=tiny_prices.columns, index=pd.DatetimeIndex([]), dtype=float)
    with pytest.raises(StrategyError, match="weights of `s` must have at least one event"):
        simulate(tiny_prices, {"s": none}, initial_cash=1.0, fees_bps=0, slippage_bps=0)


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


# --- rebalance band ---------------------------------------------------------------------------


def test_band_skips_an_event_whose_drift_is_inside_the_band(tiny_prices: pd.DataFrame) -> None:
    prices = tiny_prices[["A", "B"]]
    targets = pd.DataFrame([[0.5, 0.5]] * 3, index=prices.index[[1, 2, 4]], columns=["A", "B"])
    sim = simulate(
        prices, {"s": targets}, initial_cash=1000.0, fees_bps=0.0, slippage_bps=0.0,
        rebalance_band=0.05,
    )  # fmt: skip
    a, b = 500.0 / 11.0, 500.0 / 20.0  # shares bought on day 1
    # day 2 (A=12, B=21): drifted A = 12a / (12a + 21b) = 0.5095..., within 0.05 -> skipped
    day2_a = 12 * a / (12 * a + 21 * b)
    assert abs(day2_a - 0.5) < 0.05
    # day 4 (A=10, B=24): drifted A = 10a / (10a + 24b) = 0.431..., outside 0.05 -> trades
    day4_value = 10 * a + 24 * b
    assert abs(10 * a / day4_value - 0.5) > 0.05
    assert list(sim.skipped_events["s"]) == [prices.index[2]]
    assert sim.turnover["s"].tolist() == pytest.approx(
        [0.5, 0.0, 0.5 * (abs(10 * a - day4_value / 2) + abs(24 * b - day4_value / 2)) / day4_value]
    )
    assert sim.equity["s"].iloc[1] == pytest.approx(12 * a + 21 * b)  # no trade on day 2
    after = day4_value / 2
    assert sim.equity["s"].iloc[-1] == pytest.approx(after / 10 * 12 + after / 24 * 22)


def test_band_never_skips_the_first_event(tiny_prices: pd.DataFrame) -> None:
    # every target (0.1) is within a 0.2 band of the all-cash drifted weights (0)
    targets = _targets(tiny_prices, [1, 3], [[0.1, 0.1, 0.0], [0.1, 0.1, 0.1]])
    sim = simulate(
        tiny_prices, {"s": targets}, initial_cash=1000.0, fees_bps=0.0, slippage_bps=0.0,
        rebalance_band=0.2,
    )  # fmt: skip
    assert list(sim.skipped_events["s"]) == [tiny_prices.index[3]]
    assert sim.holdings["s"].iloc[0].sum() == pytest.approx(0.2)


def test_wide_band_is_buy_and_hold_of_the_first_targets(synthetic_panel: pd.DataFrame) -> None:
    prices = synthetic_panel.iloc[:, :4]
    rows = list(range(3, 300, 10))
    weights = np.tile([0.4, 0.3, 0.2, 0.1], (len(rows), 1))
    wide = simulate(
        prices, {"s": _targets(prices, rows, weights.tolist())}, initial_cash=1e4,
        fees_bps=20.0, slippage_bps=10.0, rebalance_band=0.99,
    )  # fmt: skip
    once = simulate(
        prices, {"s": _targets(prices, rows[:1], weights[:1].tolist())}, initial_cash=1e4,
        fees_bps=20.0, slippage_bps=10.0,
    )  # fmt: skip
    assert list(wide.skipped_events["s"]) == list(prices.index[rows[1:]])
    np.testing.assert_allclose(wide.equity["s"], once.equity["s"], rtol=1e-12)
    assert wide.turnover["s"].iloc[1:].eq(0.0).all()


# --- engine against the independent reference on random cases ------------------------------------


@st.composite
def _cases(draw: st.DrawFn) -> dict[str, Any]:
    n_days = draw(st.integers(2, 40))
    n_tickers = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    log_steps = rng.normal(0.0, draw(st.sampled_from([0.0, 0.01, 0.05, 0.3])), (n_days, n_tickers))
    close = rng.uniform(1.0, 500.0, n_tickers) * np.exp(np.cumsum(log_steps, axis=0))
    listing = [
        draw(st.integers(0, n_days - 1)) if draw(st.booleans()) else 0 for _ in range(n_tickers)
    ]
    for j, first in enumerate(listing):
        close[:first, j] = np.nan
    variants = {}
    for v in range(draw(st.integers(1, 3))):
        rows = sorted(draw(st.sets(st.integers(0, n_days - 1), min_size=1, max_size=n_days)))
        raw = rng.random((len(rows), n_tickers)) * (rng.random((len(rows), n_tickers)) > 0.3)
        raw = np.where(np.isnan(close[rows]), 0.0, raw)
        total = raw.sum(axis=1, keepdims=True)
        invested = rng.choice([1.0, rng.uniform(0.3, 1.0)], size=(len(rows), 1))
        variants[f"v{v}"] = (
            np.array(rows),
            np.divide(raw, total, out=np.zeros_like(raw), where=total > 0) * invested,
        )
    return {
        "close": close,
        "variants": variants,
        "fees_bps": draw(st.sampled_from([0.0, 1.0, 10.0, 150.0, 500.0])),
        "slippage_bps": draw(st.sampled_from([0.0, 5.0, 100.0])),
        "band": draw(st.sampled_from([0.0, 0.0, 0.01, 0.05, 0.2])),
        "chunk_size": draw(st.integers(1, 3)),
        "initial_cash": draw(st.sampled_from([1.0, 1e4, 1e9])),
    }  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_cases())
def test_engine_matches_reference_on_random_cases(case: dict[str, Any]) -> None:
    close = case["close"]
    dates = pd.bdate_range("2021-01-04", periods=close.shape[0])
    prices = pd.DataFrame(close, index=dates, columns=[f"T{j}" for j in range(close.shape[1])])
    targets = {
        name: pd.DataFrame(w, index=dates[rows], columns=prices.columns)
        for name, (rows, w) in case["variants"].items()
    }
    sim = simulate(
        prices, targets, initial_cash=case["initial_cash"], fees_bps=case["fees_bps"],
        slippage_bps=case["slippage_bps"], rebalance_band=case["band"],
        chunk_size=case["chunk_size"],
    )  # fmt: skip
    start = min(int(rows[0]) for rows, _ in case["variants"].values())
    assert sim.equity.index[0] == dates[start]
    for name, (rows, w) in case["variants"].items():
        equity, positions, fees, skipped, turnover = reference_run(
            close[start:], rows - start, np.where(np.isnan(close[rows]), np.nan, w),
            initial_cash=case["initial_cash"], fees=case["fees_bps"] / 1e4,
            slippage=case["slippage_bps"] / 1e4, band=case["band"],
        )  # fmt: skip
        np.testing.assert_allclose(sim.equity[name].to_numpy(), equity, rtol=1e-9, atol=0)
        assert sim.fees[name] == pytest.approx(fees, rel=1e-9, abs=1e-12 * case["initial_cash"])
        assert list(sim.skipped_events[name]) == list(dates[rows[skipped]])
        engine_turnover = sim.turnover[name].dropna().to_numpy()
        np.testing.assert_allclose(engine_turnover, turnover, rtol=1e-9, atol=1e-12)
        held = np.nan_to_num(positions * close[start:]) / equity[:, None]
        np.testing.assert_allclose(sim.holdings[name].to_numpy(), held, rtol=1e-9, atol=1e-12)


def test_fees_never_raise_equity(synthetic_panel: pd.DataFrame) -> None:
    rng = np.random.default_rng(5)
    rows = list(range(130, 300, 5))
    raw = rng.random((len(rows), 8))
    targets = _targets(synthetic_panel, rows, (raw / raw.sum(axis=1, keepdims=True)).tolist())
    curves = [
        simulate(
            synthetic_panel, {"s": targets}, initial_cash=1e6, fees_bps=fees, slippage_bps=slip
        ).equity["s"]
        for fees, slip in [(0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (100.0, 50.0)]
    ]
    for cheaper, dearer in itertools.pairwise(curves):
        assert (dearer <= cheaper).all()
        assert dearer.iloc[-1] < cheaper.iloc[-1]


def test_ticker_order_of_the_input_does_not_change_the_result(
    synthetic_panel: pd.DataFrame,
) -> None:
    rng = np.random.default_rng(9)
    rows = list(range(130, 300, 7))
    raw = rng.random((len(rows), 8))
    targets = _targets(synthetic_panel, rows, (raw / raw.sum(axis=1, keepdims=True)).tolist())
    order = list(rng.permutation(synthetic_panel.columns))
    kwargs: dict[str, Any] = {"initial_cash": 1e6, "fees_bps": 10.0, "slippage_bps": 5.0}
    base = simulate(synthetic_panel, {"s": targets}, **kwargs)
    shuffled = simulate(synthetic_panel[order], {"s": targets[order]}, **kwargs)
    # same accounting up to the tie-break of equal-value orders (none here)
    np.testing.assert_allclose(base.equity["s"], shuffled.equity["s"], rtol=1e-12)


def test_chunking_changes_nothing(synthetic_panel: pd.DataFrame) -> None:
    rng = np.random.default_rng(2)
    rows = list(range(130, 300, 9))
    targets = {}
    for v in range(5):
        raw = rng.random((len(rows), 8))
        targets[f"v{v}"] = _targets(
            synthetic_panel, rows, (raw / raw.sum(1, keepdims=True)).tolist()
        )
    kwargs: dict[str, Any] = {"initial_cash": 1e6, "fees_bps": 10.0, "slippage_bps": 5.0}
    whole = simulate(synthetic_panel, targets, chunk_size=5, rebalance_band=0.03, **kwargs)
    split = simulate(synthetic_panel, targets, chunk_size=2, rebalance_band=0.03, **kwargs)
    pd.testing.assert_frame_equal(whole.equity, split.equity)
    pd.testing.assert_frame_equal(whole.orders, split.orders)
    assert whole.skipped_events.keys() == split.skipped_events.keys()


@pytest.mark.slow
def test_numba_and_rust_kernels_agree(synthetic_panel: pd.DataFrame) -> None:
    rows = list(range(130, 300, 21))
    targets = _targets(synthetic_panel, rows, np.full((len(rows), 8), 0.125).tolist())
    kwargs: dict[str, Any] = {"initial_cash": 1e6, "fees_bps": 10.0, "slippage_bps": 5.0}
    rust = simulate(synthetic_panel, {"s": targets}, engine="rust", **kwargs)
    numba = simulate(synthetic_panel, {"s": targets}, engine="numba", **kwargs)
    np.testing.assert_allclose(rust.equity, numba.equity, rtol=1e-12)


def test_bad_engine_band_and_chunk_raise(tiny_prices: pd.DataFrame) -> None:
    good = {"s": _targets(tiny_prices, [1], [[0.5, 0.5, 0.0]])}
    base: dict[str, Any] = {"initial_cash": 1.0, "fees_bps": 0.0, "slippage_bps": 0.0}
    with pytest.raises(ConfigError, match=r"`rebalance_band` must be in \[0, 1\), got 1.5"):
        simulate(tiny_prices, good, rebalance_band=1.5, **base)
    with pytest.raises(ConfigError, match="`chunk_size` must be an integer >= 1, got 0"):
        simulate(tiny_prices, good, chunk_size=0, **base)
    with pytest.raises(ConfigError, match="`engine` must be one of rust, numba, got 'jax'"):
        simulate(tiny_prices, good, engine="jax", **base)  # type: ignore[arg-type]
    unsorted = _targets(tiny_prices, [3, 1], [[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    with pytest.raises(StrategyError, match="must be unique and ascending"):
        simulate(tiny_prices, {"s": unsorted}, **base)


# --- the real panel --------------------------------------------------------------------------


@pytest.mark.realdata
def test_engine_matches_reference_on_the_real_panel(shared_prices_dir: Path) -> None:
    tickers = ["ALAB", "AMD", "ARM", "AVGO", "INTC", "NVDA", "QCOM"]
    frames = {
        t: pd.read_csv(shared_prices_dir / f"{t}.csv", index_col="date", parse_dates=["date"])[
            "adj_close"
        ]
        for t in tickers
    }
    prices = pd.DataFrame(frames).loc["2015-01-02":"2026-07-31"]
    prices = prices.loc[prices["NVDA"].notna()].ffill(limit=5)
    prices = prices.where(prices.notna().cumsum() > 0)
    rows = np.flatnonzero(np.diff(prices.index.month, prepend=0) != 0)[1:]
    listed = prices.iloc[rows].notna().to_numpy()
    weights = listed / listed.sum(axis=1, keepdims=True)  # equal weight of the listed names
    targets = {"s": pd.DataFrame(weights, index=prices.index[rows], columns=prices.columns)}
    for band in (0.0, 0.05):
        sim = simulate(
            prices, targets, initial_cash=1e6, fees_bps=10.0, slippage_bps=5.0,
            rebalance_band=band,
        )  # fmt: skip
        close = prices.to_numpy()[rows[0] :]
        equity, _, fees, skipped = reference_equity(
            close, rows - rows[0], np.where(listed, weights, np.nan), initial_cash=1e6,
            fees=1e-3, slippage=5e-4, band=band,
        )  # fmt: skip
        np.testing.assert_allclose(sim.equity["s"].to_numpy(), equity, rtol=1e-9, atol=0)
        assert sim.fees["s"] == pytest.approx(fees, rel=1e-9)
        assert len(sim.skipped_events["s"]) == len(skipped)
        assert (len(skipped) > 0) == (band > 0)
