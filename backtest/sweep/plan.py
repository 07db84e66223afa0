"""What every chunk of a sweep reduces its variants to, decided once before the first chunk.

`Analysis` holds the user's choices (statistics on or off, CSCV blocks, SPA draws, the
out-of-sample split); `make_plan` turns them, with the sweep's window, into a `SweepPlan`: the
CSCV block layout and the block statistics the ranking metric needs, the out-of-sample spans
(the training days, the test days and the expanding windows of the walk-forward re-picks), the
SPA bootstrap draws and the cost scenarios of the sensitivity runs. Every chunk, local or on a
Dask worker, applies the same plan, so the reductions add up to the statistics of all variants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.errors import ConfigError
from backtest.sweep.grid import SweepSpec
from backtest.sweep.pbo import block_columns
from backtest.sweep.spa import bootstrap_counts

__all__ = ["UNSPLITTABLE", "Analysis", "SweepPlan", "make_plan", "month_end_flags"]

UNSPLITTABLE: tuple[str, ...] = ("annual_turnover", "fees_paid")
"""Metrics that are not functions of a span's returns and cannot rank a split."""


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """What a sweep computes besides every variant's metrics.

    Attributes
    ----------
    statistics : bool
        DSR, PBO, SPA and the effective number of trials (off: metrics only).
    pbo_blocks : int
        CSCV blocks ``S``, even, >= 2.
    spa : bool
        Run the SPA test (with ``statistics``).
    spa_reps, spa_block_months : int
        SPA bootstrap draws and mean block length (months).
    seed : int
        SPA bootstrap seed.
    train_until : date, optional
        Last training day of the out-of-sample split.
    walk_forward_months : int, optional
        Re-pick every so many months after ``train_until``.
    """

    statistics: bool = True
    pbo_blocks: int = 10
    spa: bool = True
    spa_reps: int = 1000
    spa_block_months: int = 3
    seed: int = 0
    train_until: dt.date | None = None
    walk_forward_months: int | None = None

    def __post_init__(self) -> None:
        """Validate the settings."""
        if self.pbo_blocks < 2 or self.pbo_blocks % 2:
            raise ConfigError(f"`pbo_blocks` must be an even integer >= 2, got {self.pbo_blocks}")
        for name in ("spa_reps", "spa_block_months"):
            if getattr(self, name) < 1:
                raise ConfigError(f"`{name}` must be >= 1, got {getattr(self, name)}")
        months = self.walk_forward_months
        if months is not None and (isinstance(months, bool) or months < 1):
            raise ConfigError(
                f"`--walk-forward` must be a whole number of months >= 1, got {months}"
            )
        if months is not None and self.train_until is None:
            raise ConfigError("`--walk-forward` needs `--train-until` (the end of the first span)")


@dataclass(frozen=True, kw_only=True)
class SweepPlan:
    """The reductions of every chunk (see the module docstring).

    Attributes
    ----------
    metric : str
    statistics : bool
        Reduce for the statistics (z-score sums, CSCV blocks, SPA maxima).
    n_blocks, block_size : int
        CSCV layout (``n_blocks`` 0: no PBO); the first ``n_days - n_blocks * block_size`` days
        are left out.
    block_columns : tuple of str
        The `backtest.sweep.reduce.BLOCK_STATS` kept per block.
    walks : tuple of (int, tuple of int)
        Out-of-sample spans ``[lo, cut)`` (`backtest.sweep.reduce.reduce_equity`).
    train_row : int or None
        First test day (``[0, train_row)`` trains).
    starts : tuple of int
        First day of each walk-forward pick.
    spa_counts : ndarray or None, shape (reps, n_months)
    spa_block_months : int
    scenarios : tuple of (str, float)
        Sensitivity runs: cost parameter and bps.
    scenario_metrics : tuple of str
        The metrics kept for each scenario: the ranking metric, CAGR and excess CAGR.
    """

    metric: str
    statistics: bool
    n_blocks: int
    block_size: int
    block_columns: tuple[str, ...]
    walks: tuple[tuple[int, tuple[int, ...]], ...]
    train_row: int | None
    starts: tuple[int, ...]
    spa_counts: np.ndarray | None
    spa_block_months: int
    scenarios: tuple[tuple[str, float], ...]
    scenario_metrics: tuple[str, ...]

    def span_index(self, lo: int, cut: int) -> int:
        """Column of the span ``[lo, cut)`` in a chunk's ``spans``."""
        offset = 0
        for start, cuts in self.walks:
            if start == lo and cut in cuts:
                return offset + cuts.index(cut)
            offset += len(cuts)
        raise KeyError(f"no span [{lo}, {cut}) in the plan")


def month_end_flags(dates: pd.DatetimeIndex) -> np.ndarray:
    """Flag the last trading day of each calendar month of ``dates`` (and the last day)."""
    months = dates.year.to_numpy() * 12 + dates.month.to_numpy()
    return np.append(np.diff(months) != 0, True)


def _walk_forward_starts(dates: pd.DatetimeIndex, first: int, every_months: int) -> list[int]:
    months = dates.year.to_numpy() * 12 + dates.month.to_numpy()
    starts = [first]
    next_month = months[first] + every_months
    for row in range(first + 1, len(dates)):
        if months[row] >= next_month:
            starts.append(row)
            next_month = months[row] + every_months
    return starts


def make_plan(analysis: Analysis, spec: SweepSpec, dates: pd.DatetimeIndex) -> SweepPlan:
    """Return the `SweepPlan` of ``spec`` under ``analysis`` on the window ``dates``."""
    n = len(dates)
    walks: list[tuple[int, tuple[int, ...]]] = []
    train_row = None
    starts: list[int] = []
    if analysis.train_until is not None:
        if spec.metric in UNSPLITTABLE:
            raise ConfigError(
                f"`metric` {spec.metric!r} cannot rank a split; use a return-based metric such "
                "as sharpe_ratio"
            )
        train_row = int(np.count_nonzero(dates <= pd.Timestamp(analysis.train_until)))
        if train_row < 2 or n - train_row < 2:
            raise ConfigError(
                f"`--train-until` {analysis.train_until} must leave at least 2 days on each side "
                f"of the window {dates[0].date()} .. {dates[-1].date()}"
            )
        if analysis.walk_forward_months is not None:
            starts = _walk_forward_starts(dates, train_row, analysis.walk_forward_months)
        walks = [(0, tuple(sorted({train_row, *starts}))), (train_row, (n,))]
    n_blocks = analysis.pbo_blocks if analysis.statistics else 0
    size = n // n_blocks if n_blocks else 0
    if n_blocks and size < 2:
        raise ConfigError(
            f"`--pbo-blocks` {n_blocks} must leave at least 2 days per block of the {n}-day window"
        )
    counts = None
    if analysis.statistics and analysis.spa:
        counts = bootstrap_counts(
            int(np.count_nonzero(month_end_flags(dates))),
            reps=analysis.spa_reps,
            block_size=analysis.spa_block_months,
            seed=analysis.seed,
        )
    return SweepPlan(
        metric=spec.metric,
        statistics=analysis.statistics,
        n_blocks=n_blocks,
        block_size=size,
        block_columns=block_columns(spec.metric) if n_blocks else (),
        walks=tuple(walks),
        train_row=train_row,
        starts=tuple(starts),
        spa_counts=counts,
        spa_block_months=analysis.spa_block_months,
        scenarios=spec.scenarios,
        scenario_metrics=tuple(dict.fromkeys((spec.metric, "cagr", "excess_cagr"))),
    )
