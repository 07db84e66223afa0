"""The vectorised sweep metrics equal `backtest.metrics.metrics_table` column by column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.metrics import METRIC_NAMES, metrics_table
from backtest.sweep.metrics import batch_metrics, daily_returns_batch, month_end_rows


def test_month_end_rows_by_hand() -> None:
    dates = pd.DatetimeIndex(["2024-01-30", "2024-01-31", "2024-02-01", "2024-03-05"])
    assert month_end_rows(dates).tolist() == [1, 2, 3]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_metrics_equal_the_pure_functions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-15", periods=400, name="date")
    equity = 1e6 * np.cumprod(1.0 + rng.normal(0.0005, 0.02, (5, 400)), axis=1)
    equity[3] = 1e6 * np.cumprod(1.0 + rng.normal(-0.002, 0.03, 400))  # a loser
    equity[4, :] = 1e6  # flat: NaN ratios
    baseline = 1e6 * np.cumprod(1.0 + rng.normal(0.001, 0.025, 400))
    returns = daily_returns_batch(equity, 1e6)
    base = daily_returns_batch(baseline[None, :], 1e6)[0]
    turnover = rng.uniform(0, 0.3, (5, 19))
    turnover[1, 4] = np.nan
    fees = rng.uniform(0, 1000, 5)
    got = batch_metrics(returns, base, dates=dates, turnover=turnover, fees_paid=fees)
    frame = pd.DataFrame(returns.T, index=dates, columns=[f"v{k}" for k in range(5)])
    frame["baseline"] = base
    names = [*frame.columns]
    expected = metrics_table(
        frame,
        turnover=pd.DataFrame(np.vstack([turnover, np.zeros((1, 19))]).T, columns=names),
        fees=pd.Series([*fees, 0.0], index=names),
        baseline="baseline",
    )
    assert list(got) == list(METRIC_NAMES)
    for name in METRIC_NAMES:
        np.testing.assert_allclose(
            got[name], expected[name].to_numpy()[:5], rtol=1e-9, atol=1e-12, err_msg=name
        )


def test_monthly_returns_batch_equals_pandas_resampling() -> None:
    from backtest.metrics import monthly_returns
    from backtest.sweep.metrics import monthly_returns_batch

    rng = np.random.default_rng(8)
    dates = pd.bdate_range("2021-03-10", periods=230)
    r = rng.normal(0.0, 0.01, (2, 230))
    got = monthly_returns_batch(r, dates)
    for k in range(2):
        expected = monthly_returns(pd.Series(r[k], index=dates)).to_numpy()
        np.testing.assert_allclose(got[k], expected, rtol=1e-10, atol=1e-14)
