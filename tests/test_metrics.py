"""Metrics against hand-worked numbers (each value derived in the test, not by the code)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backtest import metrics as m


def test_daily_returns_start_from_initial_cash() -> None:
    r = m.daily_returns(np.array([99.0, 108.9, 98.01]), 100.0)
    assert r.tolist() == pytest.approx([-0.01, 0.1, -0.1])


def test_total_return_and_cagr_hand_worked() -> None:
    r = np.array([0.1, -0.05, 0.02])
    growth = 1.1 * 0.95 * 1.02  # 1.0659
    assert m.total_return(r) == pytest.approx(growth - 1.0)
    assert m.cagr(r) == pytest.approx(growth ** (252 / 3) - 1.0)
    assert m.cagr(np.full(252, 0.001)) == pytest.approx(1.001**252 - 1.0)


def test_volatility_sharpe_sortino_hand_worked() -> None:
    r = np.array([0.01, -0.02, 0.03, 0.0])
    mean = 0.02 / 4  # 0.005
    var = ((0.005) ** 2 + (0.025) ** 2 + (0.025) ** 2 + (0.005) ** 2) / 3  # ddof 1
    assert m.annual_volatility(r) == pytest.approx(math.sqrt(var) * math.sqrt(252))
    assert m.sharpe_ratio(r) == pytest.approx(mean / math.sqrt(var) * math.sqrt(252))
    downside = math.sqrt((0.02**2) / 4)
    assert m.sortino_ratio(r) == pytest.approx(mean * 252 / (downside * math.sqrt(252)))


def test_max_drawdown_counts_the_initial_cash_as_a_peak() -> None:
    # 100 -> 90 -> 99 -> 81 -> 120: trough 81 from peak 100
    r = np.array([-0.1, 0.1, 81 / 99 - 1, 120 / 81 - 1])
    assert m.max_drawdown(r) == pytest.approx(-0.19)
    assert m.calmar_ratio(r) == pytest.approx(m.cagr(r) / 0.19)
    assert math.isnan(m.calmar_ratio(np.array([0.01, 0.02])))


def test_relative_metrics_hand_worked() -> None:
    b = np.array([0.01, -0.01, 0.02, 0.0])
    r = 2.0 * b + 0.001  # beta 2, daily alpha 0.001
    assert m.beta(r, b) == pytest.approx(2.0)
    assert m.alpha(r, b) == pytest.approx(0.001 * 252)
    assert m.correlation(r, b) == pytest.approx(1.0)
    active = r - b  # = b + 0.001
    te = np.std(active, ddof=1) * math.sqrt(252)
    assert m.tracking_error(r, b) == pytest.approx(te)
    assert m.information_ratio(r, b) == pytest.approx(np.mean(active) * 252 / te)


def test_identical_to_baseline_gives_zero_te_unit_beta_nan_ir() -> None:
    b = np.array([0.01, -0.02, 0.015, 0.003])
    assert m.tracking_error(b, b) == 0.0
    assert m.beta(b, b) == pytest.approx(1.0)
    assert math.isnan(m.information_ratio(b, b))
    assert m.excess_cagr(b, b) == 0.0


def test_short_and_flat_inputs_give_nan_not_errors() -> None:
    one = np.array([0.01])
    assert math.isnan(m.annual_volatility(one))
    assert math.isnan(m.sharpe_ratio(one))
    flat = np.zeros(5)
    assert math.isnan(m.sharpe_ratio(flat))
    assert math.isnan(m.beta(np.array([0.01, 0.02, 0.0, 0.01, 0.0]), flat))
    assert math.isnan(m.total_return(np.array([])))


def test_monthly_capture_and_hit_rate_hand_worked() -> None:
    idx = pd.to_datetime(["2024-01-10", "2024-01-20", "2024-02-10", "2024-03-10"])
    b = pd.Series([0.1, 0.1, -0.1, 0.05], index=idx)  # months: 0.21, -0.1, 0.05
    r = pd.Series([0.05, 0.0, -0.05, 0.1], index=idx)  # months: 0.05, -0.05, 0.1
    assert m.up_capture(r, b) == pytest.approx(((0.05 + 0.1) / 2) / ((0.21 + 0.05) / 2))
    assert m.down_capture(r, b) == pytest.approx(-0.05 / -0.1)
    assert m.monthly_hit_rate(r, b) == pytest.approx(2 / 3)


def test_annual_turnover() -> None:
    assert m.annual_turnover(np.array([0.5, 0.1, 0.2, 0.2]), 504) == pytest.approx(0.5)


def test_fees_never_raise_cagr() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.0005, 0.01, 500)
    net = r.copy()
    net[::21] -= 0.001  # a fee on each rebalance day
    assert m.cagr(net) < m.cagr(r)
