"""The one-pass reductions equal `backtest.metrics` and plain numpy, by span and by block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.metrics import METRIC_NAMES, metrics_table, monthly_returns
from backtest.sweep.plan import month_end_flags
from backtest.sweep.reduce import reduce_equity, standardised_sums
from backtest.sweep.walk import BLOCK_STATS, MOMENT_NAMES, RETURN_METRICS, series_metrics

DATES = pd.bdate_range("2020-01-15", periods=400, name="date")
CASH = 1e6


def _case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(equity (6, n), its returns as numpy computes them, baseline returns)."""
    rng = np.random.default_rng(seed)
    n = len(DATES)
    equity = CASH * np.cumprod(1.0 + rng.normal(0.0005, 0.02, (6, n)), axis=1)
    equity[3] = CASH * np.cumprod(1.0 + rng.normal(-0.002, 0.03, n))  # a loser
    equity[4, :] = CASH  # flat: NaN ratios
    equity[5] = equity[0] * (1.0 + 1e-9)  # almost a copy of variant 0
    previous = np.concatenate((np.full((6, 1), CASH), equity[:, :-1]), axis=1)
    baseline = rng.normal(0.001, 0.025, n)
    return equity, equity / previous - 1.0, baseline


def _metrics(returns: np.ndarray, baseline: np.ndarray, dates: pd.DatetimeIndex) -> pd.DataFrame:
    frame = pd.DataFrame(returns.T, index=dates, columns=[f"v{k}" for k in range(len(returns))])
    frame["baseline"] = baseline
    names = list(frame.columns)
    return metrics_table(
        frame,
        turnover=pd.DataFrame(np.zeros((1, len(names))), columns=names),
        fees=pd.Series(0.0, index=names),
        baseline="baseline",
    )[list(RETURN_METRICS)].iloc[: len(returns)]


@pytest.mark.parametrize("seed", [0, 1])
def test_metrics_and_spans_equal_the_pure_functions(seed: int) -> None:
    equity, returns, baseline = _case(seed)
    month_end = month_end_flags(DATES)
    n, split = len(DATES), 157  # the split day is inside a month: partial months on both sides
    out = reduce_equity(
        equity,
        initial_cash=CASH,
        baseline=baseline,
        month_end=month_end,
        walks=[(0, np.array([split, 300])), (split, np.array([n]))],
        span_metric="monthly_hit_rate",
    )
    assert METRIC_NAMES[:-2] == RETURN_METRICS
    np.testing.assert_allclose(
        out["metrics"], _metrics(returns, baseline, DATES).to_numpy(), rtol=1e-9, atol=1e-12
    )
    for column, (lo, hi) in enumerate([(0, split), (0, 300), (split, n)]):
        expected = _metrics(returns[:, lo:hi], baseline[lo:hi], DATES[lo:hi])
        np.testing.assert_allclose(
            out["spans"][:, column], expected["monthly_hit_rate"], rtol=1e-12, err_msg=f"{lo}"
        )
    assert np.isnan(out["metrics"][4, RETURN_METRICS.index("sharpe_ratio")])  # flat series
    np.testing.assert_allclose(
        series_metrics(returns[1], baseline=baseline, month_end=month_end),
        out["metrics"][1],
        rtol=1e-12,
    )


def test_moments_blocks_months_and_hashes_by_numpy() -> None:
    equity, returns, baseline = _case(2)
    month_end = month_end_flags(DATES)
    out = reduce_equity(
        equity, initial_cash=CASH, baseline=baseline, month_end=month_end, n_blocks=6, months=True
    )
    live = [0, 1, 2, 3, 5]
    assert MOMENT_NAMES == ("sharpe", "mean", "std", "active_sharpe", "active_mean", "active_std")
    for first, series in ((0, returns[live]), (3, returns[live] - baseline)):
        expected = [
            series.mean(axis=1) / series.std(axis=1, ddof=1),
            series.mean(axis=1),
            series.std(axis=1, ddof=1),
        ]
        for i, values in enumerate(expected):
            np.testing.assert_allclose(out["moments"][live][:, first + i], values, rtol=1e-9)
    assert np.isnan(out["moments"][4, 0])  # a flat series has no Sharpe ratio
    size = len(DATES) // 6
    first = len(DATES) - 6 * size
    for b in range(6):
        r = returns[:, first + b * size : first + (b + 1) * size]
        base = baseline[first + b * size : first + (b + 1) * size]
        a = r - base
        wealth = np.cumprod(1.0 + r, axis=1)
        peak = np.maximum.accumulate(np.maximum(wealth, 1.0), axis=1)
        expected = {
            "sum": r.sum(axis=1),
            "squares": (r * r).sum(axis=1),
            "downside": (np.minimum(r, 0.0) ** 2).sum(axis=1),
            "active_sum": a.sum(axis=1),
            "active_squares": (a * a).sum(axis=1),
            "cross": (r * base).sum(axis=1),
            "growth": wealth[:, -1],
            "high": np.maximum(wealth.max(axis=1), 1.0),
            "low": np.minimum(wealth.min(axis=1), 1.0),
            "drawdown": np.minimum((wealth / peak - 1.0).min(axis=1), 0.0),
        }
        for i, name in enumerate(BLOCK_STATS):
            np.testing.assert_allclose(
                out["blocks"][:, b, i], expected[name], rtol=1e-9, atol=1e-15, err_msg=name
            )
    for k in range(6):
        expected = monthly_returns(pd.Series(returns[k], index=DATES)).to_numpy()
        np.testing.assert_allclose(out["months"][k], expected, rtol=1e-9, atol=1e-15)
    lean = reduce_equity(
        equity, initial_cash=CASH, baseline=baseline, month_end=month_end, n_blocks=6,
        block_paths=False,
    )["blocks"]  # fmt: skip
    np.testing.assert_array_equal(lean[:, :, :7], out["blocks"][:, :, :7])
    assert np.isnan(lean[:, :, 7:]).all()  # no wealth paths asked for: none computed
    hashes = [tuple(h) for h in out["hashes"].tolist()]
    assert len(set(hashes)) == 6  # a return series 1e-9 away is another series
    twice = reduce_equity(
        equity[[0, 0, 1]], initial_cash=CASH, baseline=baseline, month_end=month_end
    )["hashes"]
    assert (twice[0] == twice[1]).all() and (twice[0] == out["hashes"][0]).all()


def test_standardised_sums_by_numpy() -> None:
    equity, returns, baseline = _case(3)
    moments = reduce_equity(
        equity, initial_cash=CASH, baseline=baseline, month_end=month_end_flags(DATES)
    )["moments"]
    rows = np.array([0, 1, 2, 3, 4])  # 4 is flat: it adds nothing
    sums, counts = standardised_sums(
        equity, initial_cash=CASH, baseline=baseline, rows=rows, moments=moments
    )
    live = returns[[0, 1, 2, 3]]
    z = (live - live.mean(axis=1, keepdims=True)) / live.std(axis=1, ddof=1, keepdims=True)
    active = returns[rows] - baseline  # the flat series' active returns move
    za = (active - active.mean(axis=1, keepdims=True)) / active.std(axis=1, ddof=1, keepdims=True)
    np.testing.assert_allclose(sums[0], z.sum(axis=0), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sums[1], za.sum(axis=0), rtol=1e-9, atol=1e-9)
    assert counts.tolist() == [4, 5]  # the flat series' active returns do move
