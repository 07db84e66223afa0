"""Which way each metric ranks, and the rank order of variants by a metric."""

from __future__ import annotations

import numpy as np

__all__ = ["LOWER_IS_BETTER", "rank_order", "ranks"]

LOWER_IS_BETTER: frozenset[str] = frozenset(
    {"annual_volatility", "tracking_error", "annual_turnover", "fees_paid"}
)
"""Metrics where a smaller value ranks higher; every other metric ranks larger first."""


def rank_order(values: np.ndarray, metric: str) -> np.ndarray:
    """Variant rows from best to worst by ``metric`` (NaN last, ties by row)."""
    key = np.asarray(values, dtype=float)
    key = key if metric in LOWER_IS_BETTER else -key
    key = np.where(np.isnan(key), np.inf, key)
    return np.argsort(key, kind="stable")


def ranks(values: np.ndarray, metric: str) -> np.ndarray:
    """Rank of each row by ``metric``, 1 = best (`rank_order`), shape (K,)."""
    out = np.empty(len(values), dtype=np.int64)
    out[rank_order(values, metric)] = np.arange(1, len(values) + 1)
    return out
