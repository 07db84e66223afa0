"""Shared stage: spread bucket weights over the eligible members of each bucket."""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import pandas as pd

from backtest.constants import BUCKETS
from backtest.context import Context
from backtest.errors import ConfigError

__all__ = ["EmptyBucket", "Within", "check_choice", "spread_buckets"]

Within = Literal["equal", "exposure"]
EmptyBucket = Literal["redistribute", "cash"]


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    """Raise `ConfigError` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ConfigError(f"`{name}` must be one of {', '.join(allowed)}, got {value!r}")


def within_scores(context: Context, within: str) -> np.ndarray:
    """Per-event, per-ticker raw scores of a within-bucket scheme (before masking).

    Returns
    -------
    ndarray, shape (n_events, n_tickers)
    """
    check_choice("within", within, get_args(Within))
    n_events, tickers = len(context.events), context.tickers
    if within == "equal":
        return np.ones((n_events, len(tickers)))
    exposure = np.array([context.exposures[t] for t in tickers], dtype=float)
    return np.broadcast_to(exposure, (n_events, len(tickers))).copy()


def spread_buckets(
    bucket_weights: np.ndarray,
    context: Context,
    *,
    within: str = "equal",
    empty_bucket: str = "redistribute",
) -> pd.DataFrame:
    """Turn bucket weights into ticker weights.

    Parameters
    ----------
    bucket_weights : ndarray, shape (n_events, 3)
        Columns in `BUCKETS` order (gpu, asic, edge); rows sum to 1.
    context : Context
    within : {"equal", "exposure"}
        Inside a bucket, weight eligible members equally or in proportion to exposure.
    empty_bucket : {"redistribute", "cash"}
        A bucket with no eligible member passes its weight to the other buckets pro rata to
        their weights, or leaves it in cash.

    Returns
    -------
    DataFrame, shape (n_events, n_tickers)
        Index = effective dates, columns = tickers. All zeros (cash) if nobody is eligible.
    """
    check_choice("empty_bucket", empty_bucket, get_args(EmptyBucket))
    tickers = context.tickers
    eligible = context.eligible.to_numpy(dtype=bool)
    scores = within_scores(context, within) * eligible
    bucket_of = np.array([BUCKETS.index(context.buckets[t]) for t in tickers])
    onehot = bucket_of[:, None] == np.arange(len(BUCKETS))[None, :]  # (n_tickers, 3)
    bucket_totals = scores @ onehot  # (n_events, 3)
    nonempty = bucket_totals > 0.0
    bw = np.where(nonempty, bucket_weights, 0.0)
    if empty_bucket == "redistribute":
        kept = bw.sum(axis=1, keepdims=True)
        bw = np.divide(bw, kept, out=np.zeros_like(bw), where=kept > 0.0)
    per_ticker_bucket_weight = bw[:, bucket_of]  # (n_events, n_tickers)
    per_ticker_total = bucket_totals[:, bucket_of]
    weights = np.divide(
        scores * per_ticker_bucket_weight,
        per_ticker_total,
        out=np.zeros_like(scores),
        where=per_ticker_total > 0.0,
    )
    return pd.DataFrame(weights, index=context.effective_dates, columns=tickers)
