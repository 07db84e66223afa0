"""Brute-force references for the sweep's statistics: every split, every trial, plain numpy."""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import stats

from backtest import metrics as m
from backtest.sweep.ranking import LOWER_IS_BETTER

_RELATIVE = ("beta", "alpha", "correlation", "tracking_error", "information_ratio", "excess_cagr")


def metric_value(name: str, r: np.ndarray, b: np.ndarray) -> float:
    """``name`` of returns ``r`` (against ``b``) by `backtest.metrics`."""
    if name in _RELATIVE:
        return float(getattr(m, name)(r, b))
    return float(getattr(m, name)(r))


def cscv_logits(
    returns: np.ndarray, baseline: np.ndarray, metric: str, n_blocks: int, ties: str = "average"
) -> np.ndarray:
    """CSCV written out: the metric of every trial on every split's joined blocks."""
    k, n = returns.shape
    size = n // n_blocks
    first = n - size * n_blocks
    blocks = [np.arange(first + i * size, first + (i + 1) * size) for i in range(n_blocks)]
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    logits = []
    for train in itertools.combinations(range(n_blocks), n_blocks // 2):
        test = [i for i in range(n_blocks) if i not in train]
        score = {}
        for span, ids in (("train", train), ("test", test)):
            cols = np.concatenate([blocks[i] for i in ids])
            values = np.array(
                [sign * metric_value(metric, returns[j, cols], baseline[cols]) for j in range(k)]
            )
            values[~np.isfinite(values)] = -np.inf
            score[span] = values
        winners = np.flatnonzero(score["train"] == score["train"].max())
        if ties == "first":  # argmax's first index: the rule the sweep replaced
            winners = winners[:1]
        rank = stats.rankdata(score["test"])[winners].mean()  # average ranks, ties averaged
        omega = rank / (k + 1)
        logits.append(math.log(omega / (1 - omega)))
    return np.array(logits)
