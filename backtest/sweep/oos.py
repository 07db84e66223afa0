"""Out-of-sample checks of a sweep: a train/test split and a rolling walk-forward re-pick.

Both only ever choose a variant from returns strictly before the days it is judged on.

* `train_test` ranks every variant by a metric on the days up to ``train_until`` (inclusive),
  picks the best, and reports that variant's metrics on the remaining days next to the
  in-sample (full-window) ranking, the pick's out-of-sample rank, and the out-of-sample best.
* `walk_forward` starts after ``train_until`` and every ``every_months`` calendar months
  re-picks the variant with the best metric over all days before the re-pick date (expanding
  window); the walk-forward return series strings the picked variants' daily returns together.
  Switching between variants is assumed free (the picked variant's own returns are used, not a
  re-simulated transition), which flatters the walk-forward slightly when picks change often.

The metrics of a span are those of `backtest.sweep.metrics.batch_metrics` on that span's daily
returns; ``annual_turnover`` and ``fees_paid`` are not split by span and cannot rank a split.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.errors import ConfigError
from backtest.sweep.metrics import batch_metrics

__all__ = ["LOWER_IS_BETTER", "OosSplit", "WalkForward", "rank_order", "train_test", "walk_forward"]

LOWER_IS_BETTER: frozenset[str] = frozenset(
    {"annual_volatility", "tracking_error", "annual_turnover", "fees_paid"}
)
"""Metrics where a smaller value ranks higher; every other metric ranks larger first."""

_UNSPLITTABLE = ("annual_turnover", "fees_paid")


def rank_order(values: np.ndarray, metric: str) -> np.ndarray:
    """Variant rows from best to worst by ``metric`` (NaN last, ties by row)."""
    key = np.asarray(values, dtype=float)
    key = key if metric in LOWER_IS_BETTER else -key
    key = np.where(np.isnan(key), np.inf, key)
    return np.argsort(key, kind="stable")


def _span_metric(
    returns: np.ndarray,
    baseline: np.ndarray,
    dates: pd.DatetimeIndex,
    metric: str,
    rows: int = 1024,
) -> np.ndarray:
    """``metric`` of each row over the given days, ``rows`` variants at a time (bounded memory)."""
    out = np.empty(len(returns))
    for lo in range(0, len(returns), rows):
        block = returns[lo : lo + rows]
        out[lo : lo + rows] = batch_metrics(
            block,
            baseline,
            dates=dates,
            turnover=np.zeros((len(block), 0)),
            fees_paid=np.zeros(len(block)),
        )[metric]
    return out


def _check(metric: str, dates: pd.DatetimeIndex, train_until: dt.date) -> np.ndarray:
    if metric in _UNSPLITTABLE:
        raise ConfigError(
            f"`metric` {metric!r} cannot rank a split; use a return-based metric such as "
            "sharpe_ratio"
        )
    train = np.asarray(dates <= pd.Timestamp(train_until))
    if train.sum() < 2 or (~train).sum() < 2:
        raise ConfigError(
            f"`--train-until` {train_until} must leave at least 2 days on each side of the "
            f"window {dates[0].date()} .. {dates[-1].date()}"
        )
    return train


@dataclass(frozen=True, kw_only=True)
class OosSplit:
    """Result of `train_test`.

    Attributes
    ----------
    metric : str
    train_until : date
    table : DataFrame, shape (K, 5)
        Per variant: ``full``, ``train``, ``test`` metric values and ``rank_full``,
        ``rank_train``, ``rank_test`` (1 = best).
    picked : int
        The variant with the best training value.
    best_test : int
        The variant with the best test value (known only in hindsight).
    """

    metric: str
    train_until: dt.date
    table: pd.DataFrame
    picked: int
    best_test: int


def train_test(
    returns: np.ndarray,
    baseline: np.ndarray,
    dates: pd.DatetimeIndex,
    *,
    train_until: dt.date,
    metric: str,
) -> OosSplit:
    """Pick the best variant on the days up to ``train_until``; judge it on the rest.

    Parameters
    ----------
    returns : ndarray, shape (K, n_days)
    baseline : ndarray, shape (n_days,)
    dates : DatetimeIndex, length n_days
    train_until : date
        Last training day (inclusive).
    metric : str
        A metric of `backtest.metrics.METRIC_NAMES` other than turnover and fees.
    """
    train = _check(metric, dates, train_until)
    values = {
        "full": _span_metric(returns, baseline, dates, metric),
        "train": _span_metric(returns[:, train], baseline[train], dates[train], metric),
        "test": _span_metric(returns[:, ~train], baseline[~train], dates[~train], metric),
    }
    table = pd.DataFrame(values, index=pd.RangeIndex(len(returns), name="variant"))
    for span, column in values.items():
        ranks = np.empty(len(returns), dtype=np.int64)
        ranks[rank_order(column, metric)] = np.arange(1, len(returns) + 1)
        table[f"rank_{span}"] = ranks
    return OosSplit(
        metric=metric,
        train_until=train_until,
        table=table,
        picked=int(rank_order(values["train"], metric)[0]),
        best_test=int(rank_order(values["test"], metric)[0]),
    )


@dataclass(frozen=True, kw_only=True)
class WalkForward:
    """Result of `walk_forward`.

    Attributes
    ----------
    picks : DataFrame
        One row per re-pick: ``date`` (first day held), ``variant``, ``train_value`` (the
        metric over all earlier days).
    returns : Series
        Daily returns of the walk-forward portfolio from the first re-pick on.
    baseline : Series
        The baseline's daily returns over the same days.
    metrics : dict[str, float]
        Metrics of the walk-forward returns against the baseline over those days.
    """

    metric: str
    every_months: int
    picks: pd.DataFrame
    returns: pd.Series
    baseline: pd.Series
    metrics: dict[str, float]


def walk_forward(
    returns: np.ndarray,
    baseline: np.ndarray,
    dates: pd.DatetimeIndex,
    *,
    train_until: dt.date,
    every_months: int,
    metric: str,
) -> WalkForward:
    """Re-pick the best variant every ``every_months`` months after ``train_until``.

    Parameters
    ----------
    returns : ndarray, shape (K, n_days)
    baseline : ndarray, shape (n_days,)
    dates : DatetimeIndex, length n_days
    train_until : date
        End of the first training span; the first pick holds from the next trading day.
    every_months : int
        Months between re-picks, >= 1.
    metric : str
    """
    if isinstance(every_months, bool) or not isinstance(every_months, int) or every_months < 1:
        raise ConfigError(
            f"`--walk-forward` must be a whole number of months >= 1, got {every_months!r}"
        )
    train = _check(metric, dates, train_until)
    first = int(np.argmin(train))  # first day after the training span
    months = dates.year.to_numpy() * 12 + dates.month.to_numpy()
    starts = [first]
    next_month = months[first] + every_months
    for row in range(first + 1, len(dates)):
        if months[row] >= next_month:
            starts.append(row)
            next_month = months[row] + every_months
    bounds = [*starts, len(dates)]
    path = np.empty(len(dates) - first)
    picks = []
    for lo, hi in itertools.pairwise(bounds):
        past = _span_metric(returns[:, :lo], baseline[:lo], dates[:lo], metric)
        best = int(rank_order(past, metric)[0])
        picks.append({"date": dates[lo], "variant": best, "train_value": float(past[best])})
        path[lo - first : hi - first] = returns[best, lo:hi]
    held = dates[first:]
    values = batch_metrics(
        path[None, :],
        baseline[first:],
        dates=held,
        turnover=np.zeros((1, 0)),
        fees_paid=np.zeros(1),
    )
    return WalkForward(
        metric=metric,
        every_months=every_months,
        picks=pd.DataFrame(picks),
        returns=pd.Series(path, index=held, name="walk_forward"),
        baseline=pd.Series(baseline[first:], index=held, name="baseline"),
        metrics={k: float(v[0]) for k, v in values.items() if k not in _UNSPLITTABLE},
    )
