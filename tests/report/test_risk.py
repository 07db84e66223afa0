"""Drawdown periods and rolling risk, against hand-worked numbers and a plain numpy reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.errors import ConfigError
from backtest.metrics import max_drawdown
from backtest.report.risk import drawdown_periods, rolling_risk


def test_drawdown_periods_by_hand() -> None:
    idx = pd.bdate_range("2024-01-01", periods=7)  # Mon 1 .. Tue 9
    # wealth after each day: 1.1, 0.99, 1.1 (recovered), 1.21 (new peak), 0.605, 0.726, 0.6655
    r = [0.1, -0.1, 1.1 / 0.99 - 1.0, 0.1, -0.5, 0.2, 0.6655 / 0.726 - 1.0]
    table = drawdown_periods(pd.DataFrame({"s": r}, index=idx))
    assert table["rank"].tolist() == [1, 2]
    deep, shallow = table.iloc[0], table.iloc[1]
    assert deep["peak_date"] == idx[3] and deep["trough_date"] == idx[4]
    assert pd.isna(deep["recovery_date"]) and pd.isna(deep["days_to_recover"])
    assert deep["depth"] == pytest.approx(-0.5) and deep["days_to_trough"] == 1
    assert shallow["peak_date"] == idx[0] and shallow["trough_date"] == idx[1]
    assert shallow["recovery_date"] == idx[2]
    assert shallow["depth"] == pytest.approx(-0.1)
    assert (shallow["days_to_trough"], shallow["days_to_recover"]) == (1, 1)


def test_a_fall_on_the_first_day_peaks_at_the_initial_cash() -> None:
    idx = pd.bdate_range("2024-01-01", periods=3)
    table = drawdown_periods(pd.DataFrame({"s": [-0.001, -0.2, 0.5]}, index=idx))
    row = table.iloc[0]
    assert row["peak_date"] == idx[0] and row["trough_date"] == idx[1]
    assert row["days_to_trough"] == 2 and row["recovery_date"] == idx[2]
    assert row["depth"] == pytest.approx(0.999 * 0.8 - 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_deepest_period_is_the_max_drawdown(seed: int) -> None:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2020-01-01", periods=800)
    returns = pd.DataFrame({"a": rng.normal(3e-4, 0.02, 800), "b": rng.normal(0, 0.03, 800)}, idx)
    table = drawdown_periods(returns)
    for name in returns.columns:
        mine = table[table["strategy"] == name]
        assert 1 <= len(mine) <= 5 and mine["depth"].is_monotonic_increasing
        assert mine["depth"].iloc[0] == max_drawdown(returns[name])  # bit for bit
        recovered = mine.dropna(subset=["recovery_date"])
        assert (recovered["recovery_date"] > recovered["trough_date"]).all()
        assert (mine["trough_date"] >= mine["peak_date"]).all()


def test_the_five_deepest_are_kept() -> None:
    idx = pd.bdate_range("2024-01-01", periods=14)
    falls = [-0.01, -0.02, -0.03, -0.04, -0.05, -0.06, -0.07]  # each recovered the next day
    r = [x for f in falls for x in (f, 1.0 / (1.0 + f) - 1.0 + 1e-9)]
    table = drawdown_periods(pd.DataFrame({"s": r}, index=idx))
    np.testing.assert_allclose(table["depth"], [-0.07, -0.06, -0.05, -0.04, -0.03])


def test_a_series_that_only_rises_has_no_drawdown() -> None:
    idx = pd.bdate_range("2024-01-01", periods=4)
    assert drawdown_periods(pd.DataFrame({"s": [0.01] * 4}, index=idx)).empty


def test_rolling_risk_equals_a_numpy_reference() -> None:
    rng = np.random.default_rng(3)
    idx = pd.bdate_range("2021-01-01", periods=120)
    r, b = rng.normal(5e-4, 0.02, 120), rng.normal(1e-3, 0.03, 120)
    table = rolling_risk(pd.DataFrame({"s": r, "baseline": b}, index=idx), window_days=40)
    s = table[table["strategy"] == "s"].set_index("date")
    assert s.drop(columns="strategy").iloc[:39].isna().all().all()
    for end in (39, 77, 119):
        wr, wb = r[end - 39 : end + 1], b[end - 39 : end + 1]
        active = wr - wb
        te = np.std(active, ddof=1) * np.sqrt(252)
        row = s.loc[idx[end]]
        assert row["volatility"] == pytest.approx(np.std(wr, ddof=1) * np.sqrt(252), rel=1e-9)
        assert row["beta"] == pytest.approx(np.cov(wr, wb)[0, 1] / np.var(wb, ddof=1), rel=1e-9)
        assert row["tracking_error"] == pytest.approx(te, rel=1e-9)
        assert row["information_ratio"] == pytest.approx(np.mean(active) * 252 / te, rel=1e-9)
    base = table[table["strategy"] == "baseline"]
    assert base[["beta", "tracking_error", "information_ratio"]].isna().all().all()
    assert base["volatility"].notna().sum() == 120 - 39


def test_bad_windows_are_refused() -> None:
    idx = pd.bdate_range("2024-01-01", periods=3)
    frame = pd.DataFrame({"baseline": [0.0, 0.1, 0.2]}, index=idx)
    with pytest.raises(ConfigError, match="`window_days` must be an integer >= 2, got 1"):
        rolling_risk(frame, window_days=1)
    with pytest.raises(ConfigError, match="`top` must be an integer >= 1, got 0"):
        drawdown_periods(frame, top=0)
