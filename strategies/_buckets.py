"""Shared stage: spread bucket weights over the eligible members of each bucket.

Within a bucket, eligible member ``i`` gets the fraction ``score_i / sum(scores of the bucket)``
of the bucket's weight, where the score is 1 (``equal``), the universe ``exposure``, or
``1 / sigma_i`` (``inverse_volatility``: ``sigma_i`` the standard deviation, ddof 1, of the
member's daily simple returns over the ``lookback_days`` returns ending at the determination
row, using the valid ones only). Ineligible members score 0. A bucket with no eligible member
is *empty*: its weight goes to the other buckets pro rata to their weights
(``empty_bucket="redistribute"``) or stays in cash (``"cash"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd

from backtest.constants import BUCKETS
from backtest.context import Context
from backtest.errors import StrategyError
from strategies._params import check_choice, check_int
from strategies._scaling import row_sum

__all__ = [
    "BucketOptions",
    "BucketSplit",
    "EmptyBucket",
    "Within",
    "apply_split",
    "bucket_split",
    "bucket_totals",
    "check_choice",
    "effective_bucket_weights",
    "fraction_levels",
    "spread_buckets",
    "within_scores",
]

Within = Literal["equal", "exposure", "inverse_volatility"]
EmptyBucket = Literal["redistribute", "cash"]


def _check_options(within: object, empty_bucket: object, lookback_days: object) -> None:
    check_choice("within", within, get_args(Within))
    check_choice("empty_bucket", empty_bucket, get_args(EmptyBucket))
    check_int("lookback_days", lookback_days, low=2)


@dataclass(frozen=True, kw_only=True)
class BucketOptions:
    """The within-bucket options every bucket-level scheme shares (static, proportional, tilt).

    A scheme subclasses it for these three parameters, validates its own in ``__post_init__``
    and then calls ``super().__post_init__()``; `spread` turns its bucket weights into names.

    Parameters
    ----------
    within : {"equal", "exposure", "inverse_volatility"}
        Weighting inside a bucket.
    lookback_days : int
        Returns used by ``inverse_volatility`` (>= 2).
    empty_bucket : {"redistribute", "cash"}
        Where an empty bucket's weight goes.
    """

    within: Within = "equal"
    lookback_days: int = 63
    empty_bucket: EmptyBucket = "redistribute"

    def __post_init__(self) -> None:
        """Validate the three options; a bad value lists the allowed ones."""
        _check_options(self.within, self.empty_bucket, self.lookback_days)

    def spread(self, bucket_weights: np.ndarray, context: Context) -> pd.DataFrame:
        """Return `spread_buckets` of ``bucket_weights`` (n_events, 3) with these options."""
        return spread_buckets(
            bucket_weights,
            context,
            within=self.within,
            empty_bucket=self.empty_bucket,
            lookback_days=self.lookback_days,
        )


def _inverse_volatility(context: Context, lookback_days: int) -> np.ndarray:
    prices = context.prices.to_numpy(dtype=float)
    eligible = context.eligible.to_numpy(dtype=bool)
    scores = np.zeros(eligible.shape)
    for k, row in enumerate(context.events["determination_row"].to_numpy()):
        lo = max(int(row) - lookback_days, 0)
        window = prices[lo : int(row) + 1]  # prices up to the close of t_d only
        returns = window[1:] / window[:-1] - 1.0
        for j in np.flatnonzero(eligible[k]):
            valid = returns[:, j][np.isfinite(returns[:, j])]
            sigma = float(np.std(valid, ddof=1)) if valid.size >= 2 else 0.0
            if not sigma > 0.0:
                date = context.events["determination_date"].iloc[k].date()
                raise StrategyError(
                    f"`inverse_volatility` needs a positive volatility for "
                    f"{context.tickers[j]} at {date}, got {valid.size} valid returns "
                    f"with standard deviation {sigma:g}"
                )
            scores[k, j] = 1.0 / sigma
    return scores


def within_scores(context: Context, within: Within, lookback_days: int = 63) -> np.ndarray:
    """Per-event, per-ticker raw scores of a within-bucket scheme (ineligible members get 0).

    Returns
    -------
    ndarray, shape (n_events, n_tickers)
    """
    check_choice("within", within, get_args(Within))
    eligible = context.eligible.to_numpy(dtype=bool)
    if within == "equal":
        return eligible.astype(float)
    if within == "exposure":
        exposure = np.array([context.exposures[t] for t in context.tickers], dtype=float)
        return np.asarray(exposure[None, :] * eligible, dtype=float)
    return _inverse_volatility(context, check_int("lookback_days", lookback_days, low=2))


def bucket_totals(values: np.ndarray, bucket_of: np.ndarray) -> np.ndarray:
    """Sum ``values`` (shape (n_events, n_tickers)) per bucket -> shape (n_events, 3).

    Row by row (no matrix product), so a row's totals never depend on the other rows.
    """
    return np.concatenate([row_sum(values[:, bucket_of == b]) for b in range(len(BUCKETS))], axis=1)


@dataclass(frozen=True, kw_only=True)
class BucketSplit:
    """How each bucket's weight divides among tickers, per event.

    Attributes
    ----------
    fractions : ndarray, shape (n_events, n_tickers)
        Each ticker's share of its bucket (rows sum to 1 within every non-empty bucket).
    nonempty : ndarray of bool, shape (n_events, 3)
        Whether the bucket (in `BUCKETS` order) has an eligible member.
    bucket_of : ndarray of int, shape (n_tickers,)
        Index in `BUCKETS` of each ticker's bucket.
    """

    fractions: np.ndarray
    nonempty: np.ndarray
    bucket_of: np.ndarray


def bucket_split(
    context: Context, *, within: Within = "equal", lookback_days: int = 63
) -> BucketSplit:
    """Return the within-bucket split of ``context`` under ``within``."""
    scores = within_scores(context, within, lookback_days)
    bucket_of = np.array([BUCKETS.index(context.buckets[t]) for t in context.tickers], dtype=int)
    totals = bucket_totals(scores, bucket_of)
    per_ticker_total = totals[:, bucket_of]
    fractions = np.divide(
        scores, per_ticker_total, out=np.zeros_like(scores), where=per_ticker_total > 0.0
    )
    return BucketSplit(fractions=fractions, nonempty=totals > 0.0, bucket_of=bucket_of)


def fraction_levels(split: BucketSplit) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct positive fractions of each bucket per event, with their multiplicities.

    Returns
    -------
    levels : ndarray, shape (n_events, 3, n_levels)
        Descending, zero-padded.
    counts : ndarray, shape (n_events, 3, n_levels)
        How many tickers of the bucket have each level (0 for padding).
    """
    distinct = [
        [
            np.unique(row[(split.bucket_of == b) & (row > 0.0)], return_counts=True)
            for b in range(len(BUCKETS))
        ]
        for row in split.fractions
    ]
    width = max([1, *(len(v) for per_event in distinct for v, _ in per_event)])
    levels = np.zeros((len(split.fractions), len(BUCKETS), width))
    counts = np.zeros((len(split.fractions), len(BUCKETS), width))
    for e, per_event in enumerate(distinct):
        for b, (values, count) in enumerate(per_event):
            levels[e, b, : len(values)] = values[::-1]
            counts[e, b, : len(values)] = count[::-1]
    return levels, counts


def effective_bucket_weights(
    bucket_weights: np.ndarray, split: BucketSplit, *, empty_bucket: EmptyBucket
) -> np.ndarray:
    """Bucket weights after the empty-bucket rule (zero for an empty bucket).

    Parameters
    ----------
    bucket_weights : ndarray, shape (..., n_events, 3)

    Returns
    -------
    ndarray, shape (..., n_events, 3)
        ``redistribute``: an empty bucket's weight goes to the others pro rata (row total kept);
        ``cash``: it is dropped. ``bucket_weights`` itself when no bucket is ever empty.
    """
    check_choice("empty_bucket", empty_bucket, get_args(EmptyBucket))
    if split.nonempty.all():
        return bucket_weights
    bw = np.where(split.nonempty, bucket_weights, 0.0)
    if empty_bucket == "redistribute" and not split.nonempty.all():
        kept, whole = row_sum(bw), row_sum(bucket_weights)
        bw = np.divide(bw * whole, kept, out=np.zeros_like(bw), where=kept > 0.0)
    return bw


def apply_split(
    bucket_weights: np.ndarray, split: BucketSplit, *, empty_bucket: EmptyBucket
) -> np.ndarray:
    """Turn bucket weights into ticker weights, for one or many variants at once.

    Parameters
    ----------
    bucket_weights : ndarray, shape (..., n_events, 3)
        Columns in `BUCKETS` order; any leading axes (e.g. K variants) broadcast.
    split : BucketSplit
    empty_bucket : {"redistribute", "cash"}

    Returns
    -------
    ndarray, shape (..., n_events, n_tickers)
        All zeros (cash) on an event where nobody is eligible.
    """
    weights: np.ndarray = effective_bucket_weights(
        bucket_weights, split, empty_bucket=empty_bucket
    )[..., split.bucket_of]
    weights *= split.fractions
    return weights


def spread_buckets(
    bucket_weights: np.ndarray,
    context: Context,
    *,
    within: Within = "equal",
    empty_bucket: EmptyBucket = "redistribute",
    lookback_days: int = 63,
) -> pd.DataFrame:
    """Turn bucket weights into ticker weights (see the module docstring for the rules).

    Parameters
    ----------
    bucket_weights : ndarray, shape (n_events, 3)
        Columns in `BUCKETS` order (gpu, asic, edge); rows sum to 1.
    context : Context
    within : {"equal", "exposure", "inverse_volatility"}
    empty_bucket : {"redistribute", "cash"}
    lookback_days : int
        Returns used by ``inverse_volatility`` (>= 2).

    Returns
    -------
    DataFrame, shape (n_events, n_tickers)
        Index = effective dates, columns = tickers.
    """
    _check_options(within, empty_bucket, lookback_days)
    split = bucket_split(context, within=within, lookback_days=lookback_days)
    weights = apply_split(np.asarray(bucket_weights, dtype=float), split, empty_bucket=empty_bucket)
    return pd.DataFrame(weights, index=context.effective_dates, columns=context.tickers)
