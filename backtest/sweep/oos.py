"""Out-of-sample checks of a sweep: a train/test split and a rolling walk-forward re-pick.

Both only ever choose a variant from returns strictly before the days it is judged on. The
chunks compute the ranking metric of every variant over the spans of the plan
(`backtest.sweep.plan`): the training days ``[0, train_row)``, the test days
``[train_row, n)`` and, for the walk-forward, every expanding window ``[0, start)``.

* `train_test` ranks every variant on the training days, picks the best, and reports that
  variant on the test days next to the in-sample (full-window) ranking, the pick's
  out-of-sample rank, and the out-of-sample best.
* `walk_forward` starts after ``train_until`` and every ``every_months`` calendar months
  re-picks the variant with the best metric over all days before the re-pick date (expanding
  window); the walk-forward return series strings the picked variants' daily returns together.
  Switching between variants is assumed free (the picked variant's own returns are used, not a
  re-simulated transition), which flatters the walk-forward slightly when picks change often.

The metric of a span is that of `backtest.metrics` on that span's daily returns;
``annual_turnover`` and ``fees_paid`` are not split by span and cannot rank a split.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.sweep.plan import UNSPLITTABLE
from backtest.sweep.ranking import rank_order, ranks
from backtest.sweep.run import SweepResult
from backtest.sweep.walk import RETURN_METRICS, series_metrics

__all__ = ["OosSplit", "WalkForward", "sweep_oos", "train_test", "walk_forward"]


@dataclass(frozen=True, kw_only=True)
class OosSplit:
    """Result of `train_test`.

    Attributes
    ----------
    metric : str
    train_until : date
    table : DataFrame, shape (K, 6)
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
    *, full: np.ndarray, train: np.ndarray, test: np.ndarray, metric: str, train_until: dt.date
) -> OosSplit:
    """Pick the best variant by its training value; judge it by its test value.

    Parameters
    ----------
    full, train, test : ndarray, shape (K,)
        ``metric`` of each variant over the whole window, the training and the test days.
    metric : str
    train_until : date
        Last training day (inclusive).
    """
    values = {"full": full, "train": train, "test": test}
    table = pd.DataFrame(values, index=pd.RangeIndex(len(full), name="variant"))
    for span, column in values.items():
        table[f"rank_{span}"] = ranks(column, metric)
    return OosSplit(
        metric=metric,
        train_until=train_until,
        table=table,
        picked=int(rank_order(train, metric)[0]),
        best_test=int(rank_order(test, metric)[0]),
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
    *,
    before: np.ndarray,
    starts: tuple[int, ...],
    dates: pd.DatetimeIndex,
    metric: str,
    every_months: int,
    returns_of: Callable[[np.ndarray], np.ndarray],
    baseline: np.ndarray,
    month_end: np.ndarray,
) -> WalkForward:
    """Pick at every re-pick date and string the picks' returns together.

    Parameters
    ----------
    before : ndarray, shape (K, len(starts))
        ``metric`` of each variant over ``[0, start)`` for each re-pick row ``start``.
    starts : tuple of int
        Rows of the re-pick dates (`backtest.sweep.plan.SweepPlan.starts`).
    dates : DatetimeIndex, length n_days
    metric : str
    every_months : int
    returns_of : callable(variants) -> ndarray, shape (len, n_days)
        Daily returns of the given variants.
    baseline : ndarray, shape (n_days,)
    month_end : ndarray of bool, shape (n_days,)
    """
    first = starts[0]
    bounds = [*starts, len(dates)]
    chosen = [int(rank_order(before[:, i], metric)[0]) for i in range(len(starts))]
    unique = np.array(sorted(set(chosen)), dtype=np.int64)
    series = dict(zip(unique.tolist(), returns_of(unique), strict=True))
    path = np.empty(len(dates) - first)
    picks = []
    for i, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        best = chosen[i]
        picks.append({"date": dates[lo], "variant": best, "train_value": float(before[best, i])})
        path[lo - first : hi - first] = series[best][lo:hi]
    values = series_metrics(path, baseline=baseline[first:], month_end=month_end[first:])
    held = dates[first:]
    return WalkForward(
        metric=metric,
        every_months=every_months,
        picks=pd.DataFrame(picks),
        returns=pd.Series(path, index=held, name="walk_forward"),
        baseline=pd.Series(baseline[first:], index=held, name="baseline"),
        metrics={k: float(v) for k, v in zip(RETURN_METRICS, values, strict=True)},
    )


def sweep_oos(result: SweepResult) -> tuple[OosSplit | None, WalkForward | None]:
    """Return the train/test split and the walk-forward of a sweep (None where not asked)."""
    plan, analysis = result.plan, result.analysis
    if plan.train_row is None or analysis.train_until is None:
        return None, None
    metric = plan.metric
    assert metric not in UNSPLITTABLE
    spans = result.trials.spans
    n = len(result.dates)
    split = train_test(
        full=result.table[metric].to_numpy(dtype=float),
        train=spans[:, plan.span_index(0, plan.train_row)],
        test=spans[:, plan.span_index(plan.train_row, n)],
        metric=metric,
        train_until=analysis.train_until,
    )
    walk = None
    if analysis.walk_forward_months is not None:
        walk = walk_forward(
            before=spans[:, [plan.span_index(0, s) for s in plan.starts]],
            starts=plan.starts,
            dates=result.dates,
            metric=metric,
            every_months=analysis.walk_forward_months,
            returns_of=result.returns_of,
            baseline=result.baseline_returns.to_numpy(),
            month_end=result.shared.month_end,
        )
    return split, walk
