"""CSCV from block statistics equals a brute-force CSCV on the concatenated returns.

The brute force recomputes every split's metric with `backtest.metrics` on the training and test
blocks joined in time order, ranks with scipy's average ranks, and averages the out-of-sample
ranks of trials tied for the in-sample best: the rule `backtest.sweep.pbo` documents.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from backtest.sweep.pbo import PBO_METRICS, block_columns, pbo_cscv
from backtest.sweep.plan import month_end_flags
from backtest.sweep.reduce import reduce_equity
from backtest.sweep.walk import BLOCK_STATS
from tests.sweep.brute import cscv_logits

CASH = 1e6
S = 6


def _case(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equity of 8 trials, their returns, the baseline; trials 0 and 1 part ways in blocks 4-5."""
    rng = np.random.default_rng(seed)
    n = 6 * 40 + 3  # 3 leading days are left out
    r = rng.normal(0.0004, 0.015, (8, n))
    r[0, 3:163] += 0.008  # a strong in-sample edge on blocks 0-3 for trials 0 and 1 ...
    r[1] = r[0]
    r[1, 163:] = rng.normal(-0.001, 0.02, n - 163)  # ... which differ only on blocks 4-5
    equity = CASH * np.cumprod(1.0 + r, axis=1)
    previous = np.concatenate((np.full((8, 1), CASH), equity[:, :-1]), axis=1)
    return equity, equity / previous - 1.0, rng.normal(0.0006, 0.02, n)


def _brute_force(
    returns: np.ndarray, baseline: np.ndarray, metric: str, ties: str = "average"
) -> np.ndarray:
    return cscv_logits(returns, baseline, metric, S, ties)


def _pbo(equity: np.ndarray, baseline: np.ndarray, metric: str):  # type: ignore[no-untyped-def]
    dates = pd.bdate_range("2021-01-04", periods=equity.shape[1])
    blocks = reduce_equity(
        equity, initial_cash=CASH, baseline=baseline, month_end=month_end_flags(dates), n_blocks=S
    )["blocks"]
    columns = block_columns(metric)
    size = equity.shape[1] // S
    b = baseline[equity.shape[1] - size * S :].reshape(S, size)
    return pbo_cscv(
        blocks[:, :, [BLOCK_STATS.index(c) for c in columns]],
        columns=columns,
        metric=metric,
        baseline=np.column_stack([b.sum(axis=1), (b * b).sum(axis=1)]),
        block_size=size,
    )


@pytest.mark.parametrize("metric", sorted(PBO_METRICS))
def test_cscv_ranks_by_the_sweeps_metric_and_averages_tied_winners(metric: str) -> None:
    equity, returns, baseline = _case(3)
    result = _pbo(equity, baseline, metric)
    expected = _brute_force(returns, baseline, metric)
    np.testing.assert_allclose(result.logits, expected, rtol=1e-9, atol=1e-12)
    assert result.pbo == pytest.approx(float(np.mean(expected <= 0)))
    assert result.ranked_by == metric and result.n_trials == 8


def test_tied_winners_are_found_and_their_order_does_not_matter() -> None:
    equity, returns, baseline = _case(3)
    result = _pbo(equity, baseline, "sharpe_ratio")
    # trials 0 and 1 tie whenever blocks 4 and 5 are both in the test half: C(4, 1) = 4 splits
    assert result.tied_splits == 4
    swapped = _pbo(equity[[1, 0, *range(2, 8)]], baseline, "sharpe_ratio")
    np.testing.assert_array_equal(swapped.logits, result.logits)
    first = _brute_force(returns, baseline, "sharpe_ratio", ties="first")
    first_swapped = _brute_force(returns[[1, 0, *range(2, 8)]], baseline, "sharpe_ratio", "first")
    moved = ~np.isclose(first, first_swapped)
    assert moved.sum() == 4  # argmax's first index depends on the order of the variants
    assert (
        (result.logits[moved] - first[moved]) * (result.logits[moved] - first_swapped[moved]) < 0
    ).all()


def test_a_monthly_metric_falls_back_to_the_sharpe_ratio_and_says_so() -> None:
    equity, returns, baseline = _case(4)
    result = _pbo(equity, baseline, "monthly_hit_rate")
    assert result.metric == "monthly_hit_rate" and result.ranked_by == "sharpe_ratio"
    np.testing.assert_allclose(result.logits, _brute_force(returns, baseline, "sharpe_ratio"))


def test_pbo_hand_case_two_trials_that_swap() -> None:
    # A wins the first half, B the second: whichever half trains, its winner is last out of
    # sample (rank 1 of 2, w = 1/3, logit < 0), so PBO = 1.
    a = np.r_[np.full(10, 0.01) + np.arange(10) * 1e-4, np.full(10, -0.01) + np.arange(10) * 1e-4]
    r = np.vstack([a, a[::-1]])
    blocks = np.stack([r[:, :10], r[:, 10:]], axis=1)
    stats_ = np.stack([blocks.sum(axis=2), (blocks * blocks).sum(axis=2)], axis=2)
    result = pbo_cscv(
        stats_,
        columns=("sum", "squares"),
        metric="sharpe_ratio",
        baseline=np.zeros((2, 2)),
        block_size=10,
    )
    np.testing.assert_allclose(result.logits, [math.log(0.5)] * 2)
    assert result.pbo == 1.0


def test_pbo_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="`n_blocks` must be an even integer"):
        pbo_cscv(np.zeros((3, 5, 2)), columns=("sum", "squares"), metric="sharpe_ratio",
                 baseline=np.zeros((5, 2)), block_size=10)  # fmt: skip
    with pytest.raises(ValueError, match="at least 2 trials"):
        pbo_cscv(np.zeros((1, 4, 2)), columns=("sum", "squares"), metric="sharpe_ratio",
                 baseline=np.zeros((4, 2)), block_size=10)  # fmt: skip
