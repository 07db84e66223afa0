"""Metrics against hand-worked numbers (each value derived in the test, not by the code)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backtest import metrics as m


def test_daily_returns_start_from_initial_cash() -> None:
    r = m.daily_returns(np.array([99.0, 108.9, 98.01]), 100.0)
    assert r.tolist() == pytest.approx([-0.01, 0.1, -0.1])


def test_daily_returns_of_columns_and_frames_are_each_column_by_hand() -> None:
    values = np.array([[99.0, 110.0], [108.9, 99.0], [98.01, 99.0]])
    expected = np.array([[-0.01, 0.1], [0.1, -0.1], [-0.1, 0.0]])
    np.testing.assert_allclose(m.daily_returns(values, 100.0), expected, rtol=1e-12, atol=1e-15)
    frame = pd.DataFrame(values, columns=["a", "b"])
    np.testing.assert_allclose(m.daily_returns(frame, 100.0), expected, rtol=1e-12, atol=1e-15)
    assert m.daily_returns(frame["b"], 100.0).tolist() == pytest.approx([0.1, -0.1, 0.0])


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


@settings(max_examples=100, deadline=None)
@given(
    gross=hnp.arrays(float, st.integers(1, 300), elements=st.floats(-0.5, 0.5)),
    cost=st.floats(0.0, 0.01),
    every=st.integers(1, 30),
)
def test_costs_never_raise_cagr_or_total_return(gross: np.ndarray, cost: float, every: int) -> None:
    net = gross.copy()
    net[::every] = (1.0 + net[::every]) * (1.0 - cost) - 1.0  # fee as a fraction of the value
    assert m.cagr(net) <= m.cagr(gross) + 1e-12
    assert m.total_return(net) <= m.total_return(gross) + 1e-12


def test_excess_cagr_hand_worked() -> None:
    r = np.full(252, 0.001)  # 1.001**252 - 1 a year
    b = np.full(252, -0.0005)
    assert m.excess_cagr(r, b) == pytest.approx((1.001**252 - 1) - (0.9995**252 - 1))


def test_risk_free_rate_moves_sharpe_sortino_and_alpha_as_defined() -> None:
    r = np.array([0.01, -0.02, 0.03, 0.0])
    rf_d = 1.0252 ** (1 / 252) - 1.0  # compounded: 0.0000988 a day (rf / 252 would be 0.0001)
    x = r - rf_d
    mean, std = float(np.mean(x)), float(np.std(x, ddof=1))
    assert m.sharpe_ratio(r, 0.0252) == pytest.approx(mean / std * math.sqrt(252))
    downside = math.sqrt(np.mean(np.minimum(x, 0.0) ** 2))
    assert m.sortino_ratio(r, 0.0252) == pytest.approx(mean * 252 / (downside * math.sqrt(252)))
    b = np.array([0.01, -0.01, 0.02, 0.0])
    # x_r = 2 b + 0.001 - rf_d and x_b = b - rf_d, beta 2, so
    # mean(x_r) - 2 mean(x_b) = 0.001 - rf_d + 2 rf_d = 0.001 + rf_d
    assert m.alpha(2.0 * b + 0.001, b, 0.0252) == pytest.approx((0.001 + rf_d) * 252)


def test_monthly_returns_compound_within_calendar_months() -> None:
    idx = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-03-29"])
    months = m.monthly_returns(pd.Series([0.1, 0.1, -0.5, 0.2], index=idx))
    assert months.tolist() == pytest.approx([0.21, -0.5, 0.2])
    assert [str(p) for p in months.index] == ["2024-01", "2024-02", "2024-03"]


def test_cagr_of_a_wiped_out_portfolio_is_minus_one() -> None:
    assert m.cagr(np.array([0.1, -1.0])) == -1.0
    assert m.max_drawdown(np.array([0.1, -1.0])) == pytest.approx(-1.0)


def test_nan_anywhere_gives_nan_everywhere() -> None:
    idx = pd.bdate_range("2024-01-01", periods=6)
    r = pd.Series([0.01, np.nan, 0.02, -0.01, 0.0, 0.01], index=idx)
    b = pd.Series([0.01, 0.02, -0.02, 0.01, 0.0, 0.01], index=idx)
    one_arg = [m.total_return, m.cagr, m.annual_volatility, m.sharpe_ratio, m.sortino_ratio,
               m.max_drawdown, m.calmar_ratio]  # fmt: skip
    two_args = [m.excess_cagr, m.tracking_error, m.information_ratio, m.beta, m.alpha,
                m.correlation, m.up_capture, m.down_capture, m.monthly_hit_rate]  # fmt: skip
    for metric in one_arg:
        assert math.isnan(metric(r)), metric.__name__
    for metric2 in two_args:
        assert math.isnan(metric2(r, b)), metric2.__name__
        assert math.isnan(metric2(b, r)), metric2.__name__
    assert math.isnan(m.annual_turnover(np.array([0.5, np.nan]), 10))


def test_empty_and_single_day_inputs_give_nan_not_errors() -> None:
    empty = pd.Series([], dtype=float, index=pd.DatetimeIndex([]))
    for metric in (m.total_return, m.cagr, m.max_drawdown, m.annual_volatility, m.sharpe_ratio):
        assert math.isnan(metric(empty)), metric.__name__
    for metric2 in (m.up_capture, m.down_capture, m.monthly_hit_rate, m.tracking_error, m.beta):
        assert math.isnan(metric2(empty, empty)), metric2.__name__
    one = pd.Series([0.01], index=pd.DatetimeIndex(["2024-01-02"]))
    assert m.total_return(one) == pytest.approx(0.01)
    for metric2 in (m.tracking_error, m.information_ratio, m.beta, m.alpha, m.correlation):
        assert math.isnan(metric2(one, one)), metric2.__name__
    assert math.isnan(m.annual_turnover(np.array([0.5]), 0))


def test_ratios_without_a_denominator_are_nan() -> None:
    rising = np.array([0.01, 0.02, 0.005])
    assert math.isnan(m.sortino_ratio(rising))  # no losing day
    assert math.isnan(m.calmar_ratio(rising))  # no drawdown
    idx = pd.to_datetime(["2024-01-10", "2024-02-10"])
    up_only = pd.Series([0.1, 0.2], index=idx)
    assert math.isnan(m.down_capture(up_only, up_only))
    assert m.up_capture(up_only, up_only) == pytest.approx(1.0)


def _frame(columns: dict[str, list[float]]) -> pd.DataFrame:
    idx = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"])
    return pd.DataFrame(columns, index=idx)


def test_metrics_table_rows_order_and_baseline_identities() -> None:
    base = [0.01, -0.02, 0.03, 0.005]
    returns = _frame({"ref_SPY": [0.0, 0.01, -0.01, 0.0], "s": [0.02, -0.01, 0.0, 0.01],
                      "baseline": base})  # fmt: skip
    turnover = pd.DataFrame(
        {"s": [0.5, 0.2], "baseline": [0.5, np.nan], "ref_SPY": [0.5, np.nan]},
        index=returns.index[[0, 2]],
    )
    fees = pd.Series({"s": 12.0, "baseline": 3.0, "ref_SPY": 4.0})
    table = m.metrics_table(returns, turnover=turnover, fees=fees, references=("ref_SPY",))
    assert list(table.index) == ["s", "baseline", "ref_SPY"]
    assert list(table.columns) == list(m.METRIC_NAMES)
    row = table.loc["baseline"]
    # a series against itself: every relative metric is n/a (NaN), the others are measured
    assert row[list(m.RELATIVE_METRICS)].isna().all()
    assert set(m.RELATIVE_METRICS) == {
        "excess_cagr", "tracking_error", "information_ratio", "beta", "alpha", "correlation",
        "up_capture", "down_capture", "monthly_hit_rate",
    }  # fmt: skip
    assert row["total_return"] == pytest.approx(1.01 * 0.98 * 1.03 * 1.005 - 1.0)
    assert table.loc["ref_SPY", list(m.RELATIVE_METRICS)].notna().all()
    # s: turnover 0.7 over 4 days -> 0.7 / (4 / 252) a year; fees passed through
    assert table.loc["s", "annual_turnover"] == pytest.approx(0.7 * 252 / 4)
    assert table.loc["s", "fees_paid"] == 12.0
    assert table.loc["ref_SPY", "annual_turnover"] == pytest.approx(0.5 * 252 / 4)
    growth = 1.02 * 0.99 * 1.0 * 1.01
    assert table.loc["s", "total_return"] == pytest.approx(growth - 1.0)


def test_correlation_and_beta_hand_worked_when_not_collinear() -> None:
    r = np.array([1.0, 2.0, 3.0, 4.0]) / 100
    b = np.array([1.0, 3.0, 2.0, 4.0]) / 100
    # deviations (x100): r -1.5, -0.5, 0.5, 1.5; b -1.5, 0.5, -0.5, 1.5
    # cov = (2.25 - 0.25 - 0.25 + 2.25) / 3 = 4/3; var(r) = var(b) = 5/3 (all x 1e-4)
    assert m.correlation(r, b) == pytest.approx(0.8)
    assert m.beta(r, b) == pytest.approx(0.8)
    # alpha = (mean(r) - 0.8 mean(b)) * 252 = (0.025 - 0.02) * 252
    assert m.alpha(r, b) == pytest.approx(0.005 * 252)


def test_daily_risk_free_compounds_the_annual_rate() -> None:
    assert m.daily_risk_free(0.05) == pytest.approx(1.05 ** (1 / 252) - 1.0, rel=1e-15)
    assert (1.0 + m.daily_risk_free(0.05)) ** 252 == pytest.approx(1.05, rel=1e-12)
    np.testing.assert_allclose(
        m.daily_risk_free(np.array([0.0, 0.1])), [0.0, 1.1 ** (1 / 252) - 1.0], rtol=1e-15
    )
    assert m.daily_risk_free(0.0) == 0.0


def test_sharpe_sortino_alpha_with_a_risk_free_rate_by_hand() -> None:
    r = np.array([0.01, -0.02, 0.015, 0.004, -0.003])
    b = np.array([0.012, -0.01, 0.02, 0.0, -0.006])
    rf = np.array([0.03, 0.03, 0.05, 0.05, 0.05])  # a series: 3 % then 5 %
    daily = (1.0 + rf) ** (1.0 / 252) - 1.0
    x, xb = r - daily, b - daily
    assert m.sharpe_ratio(r, rf) == pytest.approx(
        x.mean() / x.std(ddof=1) * np.sqrt(252), rel=1e-12
    )
    downside = np.sqrt(np.mean(np.minimum(x, 0.0) ** 2))
    assert m.sortino_ratio(r, rf) == pytest.approx(
        x.mean() * 252 / (downside * np.sqrt(252)), rel=1e-12
    )
    slope = np.cov(x, xb, ddof=1)[0, 1] / np.var(xb, ddof=1)
    assert m.alpha(r, b, rf) == pytest.approx((x.mean() - slope * xb.mean()) * 252, rel=1e-12)
    # a constant rate: the same as the series of that rate
    assert m.sharpe_ratio(r, 0.04) == m.sharpe_ratio(r, np.full(5, 0.04))
    assert m.sharpe_ratio(r, 0.04) < m.sharpe_ratio(r, 0.0)


def test_every_metric_is_defined_in_the_readme_and_in_docs_metrics() -> None:
    """The README's table and docs/metrics.md each have one row per column of metrics.csv."""
    import re

    from tests.conftest import REPO

    for document in ("README.md", "docs/metrics.md"):
        text = (REPO / document).read_text(encoding="utf-8")
        rows = re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| [^|]+ \| [^|]*\|$", text, re.M)
        defined = [r for r in rows if r in m.METRIC_NAMES]
        assert sorted(defined) == sorted(m.METRIC_NAMES), document
