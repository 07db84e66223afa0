"""What a strategy sees: the `Context` of a run and the `Strategy` protocol."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from backtest.constants import DEFAULT_MIN_HISTORY_DAYS
from backtest.errors import ConfigError, StrategyError

__all__ = [
    "WEIGHT_SUM_TOLERANCE",
    "Context",
    "Strategy",
    "check_weight_values",
    "check_weights",
    "eligibility",
]

WEIGHT_SUM_TOLERANCE = 1e-9
"""How far above 1 a row of target weights may sum (floating-point noise of a normalisation)."""


@dataclass(frozen=True, kw_only=True)
class Context:
    """Inputs of a strategy, all as known at each event's determination date.

    Attributes
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Validated adjusted closes on the run calendar, sorted ticker columns. A strategy may read
        a row only up to the event's ``determination_row``.
    events : DataFrame, shape (n_events, 4)
        ``determination_date``, ``effective_date``, ``determination_row``, ``effective_row``.
    eligible : DataFrame of bool, shape (n_events, n_tickers)
        Index = effective dates. A member on ``t_d`` with at least ``min_history_days`` valid
        prices up to ``t_d``.
    share : Series, length n_events
        Index = effective dates. The inference share known at each determination date.
    buckets : Mapping[str, str]
        ticker -> ``gpu`` | ``asic`` | ``edge``.
    exposures : Mapping[str, float]
        ticker -> AI-silicon exposure in (0, 1].
    """

    prices: pd.DataFrame
    events: pd.DataFrame
    eligible: pd.DataFrame
    share: pd.Series
    buckets: Mapping[str, str]
    exposures: Mapping[str, float]

    @property
    def tickers(self) -> list[str]:
        """Universe tickers, sorted (the column order of every weights frame)."""
        return list(self.prices.columns)

    @property
    def effective_dates(self) -> pd.DatetimeIndex:
        """Effective dates of the events (the index of every weights frame)."""
        return pd.DatetimeIndex(self.events["effective_date"], name="effective_date")


@runtime_checkable
class Strategy(Protocol):
    """A frozen, keyword-only dataclass of parameters with one pure method.

    ``weights(context)`` returns target weights: index = effective dates, columns = the
    context's tickers, rows summing to 1 (or less only if the strategy holds cash by design),
    no NaN, all >= 0. It may use prices only up to each event's determination row.
    """

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event."""
        ...


def check_weights(
    weights: pd.DataFrame,
    *,
    columns: Sequence[str],
    name: str,
    index: pd.DatetimeIndex | None = None,
) -> np.ndarray:
    """Check a target-weights frame against the contract of `Strategy.weights`; return its values.

    The one check of a weights frame, used by the runner (a strategy's output), the engine (any
    variant's targets) and the sweep.

    Parameters
    ----------
    weights : DataFrame, shape (n_events, n_tickers)
    columns : sequence of str
        The tickers ``weights`` must have, in this order.
    name : str
        The strategy or variant, for the messages.
    index : DatetimeIndex, optional
        The effective dates ``weights`` must be indexed by; without it any non-empty, unique,
        ascending index passes.

    Returns
    -------
    ndarray, shape (n_events, n_tickers), float64

    Raises
    ------
    StrategyError
        Naming the strategy and the first rule broken (with the event and ticker where a value
        is at fault).
    """
    if list(weights.columns) != list(columns):
        raise StrategyError(
            f"weights of `{name}` must have columns {list(columns)}, got {list(weights.columns)}"
        )
    if index is not None and not weights.index.equals(index):
        raise StrategyError(
            f"weights of `{name}` must be indexed by the {len(index)} effective dates of the "
            f"context, got {len(weights.index)} rows"
            + (f" starting {pd.Timestamp(weights.index[0]).date()}" if len(weights.index) else "")
        )
    if weights.empty:
        raise StrategyError(f"weights of `{name}` must have at least one event")
    if not weights.index.is_monotonic_increasing or weights.index.has_duplicates:
        raise StrategyError(f"effective dates of `{name}` must be unique and ascending")
    values = weights.to_numpy(dtype=float)
    check_weight_values(
        values, name=name, dates=pd.DatetimeIndex(weights.index), columns=list(weights.columns)
    )
    return values


def check_weight_values(
    values: np.ndarray, *, name: str, dates: pd.DatetimeIndex, columns: Sequence[str]
) -> None:
    """Check weight values: finite, >= 0, each event's row summing to at most 1.

    Parameters
    ----------
    values : ndarray, shape (..., n_events, n_tickers)
        One weights matrix, or a stack of them (a sweep's variants) in the leading axes.
    name : str
        The strategy or variant, for the messages.
    dates, columns
        The effective dates and tickers of the last two axes, for the messages.

    Raises
    ------
    StrategyError
        Naming the strategy, the event and the ticker of the first bad value.
    """
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        where = tuple(np.argwhere(bad)[0])
        raise StrategyError(
            f"weights of `{name}` must be finite and >= 0, got {float(values[where])!r} for "
            f"{columns[where[-1]]} on {pd.Timestamp(dates[where[-2]]).date()}"
        )
    totals = values.sum(axis=-1)
    over = totals > 1.0 + WEIGHT_SUM_TOLERANCE
    if over.any():
        where = tuple(np.argwhere(over)[0])
        raise StrategyError(
            f"weights of `{name}` must sum to at most 1 per event, got {float(totals[where])!r} on "
            f"{pd.Timestamp(dates[where[-1]]).date()}"
        )


def eligibility(
    prices: pd.DataFrame,
    events: pd.DataFrame,
    membership: Mapping[str, tuple[dt.date | pd.Timestamp | None, dt.date | pd.Timestamp | None]],
    *,
    min_history_days: int = DEFAULT_MIN_HISTORY_DAYS,
) -> pd.DataFrame:
    """Return who is eligible at each event (DESIGN section 3).

    A ticker is eligible at an event if its determination date ``t_d`` lies inside its
    membership window (both ends inclusive) and it has at least ``min_history_days`` non-NaN
    prices in the rows up to and including ``t_d``. Nothing after ``t_d`` is read.

    Parameters
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Aligned adjusted closes, NaN before a listing.
    events : DataFrame, shape (n_events, >= 3)
        From `backtest.inputs.schedule.rebalance_events`: ``determination_date``,
        ``effective_date`` and ``determination_row`` (the row of ``t_d`` in ``prices``).
    membership : Mapping
        ticker -> (member_from, member_until), ``None`` for an open end. A ticker of ``prices``
        that is not in the mapping is a member at every date.
    min_history_days : int
        Valid prices needed up to and including ``t_d``, >= 1.

    Returns
    -------
    DataFrame of bool, shape (n_events, n_tickers), index = effective dates, columns = the
    columns of ``prices``.
    """
    if (
        isinstance(min_history_days, bool)
        or not isinstance(min_history_days, int | np.integer)
        or min_history_days < 1
    ):
        raise ConfigError(f"`min_history_days` must be an integer >= 1, got {min_history_days!r}")
    det_rows = events["determination_row"].to_numpy(dtype=np.int64)
    if det_rows.size and (det_rows.min() < 0 or det_rows.max() >= len(prices)):
        raise ConfigError(
            f"`determination_row` must lie in [0, {len(prices) - 1}] (the rows of `prices`), "
            f"got {int(det_rows.min())}..{int(det_rows.max())}"
        )
    counts = np.cumsum(prices.notna().to_numpy(), axis=0)
    enough = counts[det_rows] >= min_history_days
    det_dates = pd.DatetimeIndex(events["determination_date"])
    member = np.ones_like(enough, dtype=bool)
    for j, ticker in enumerate(prices.columns):
        start, end = membership.get(ticker, (None, None))
        if start is not None:
            member[:, j] &= det_dates >= pd.Timestamp(start)
        if end is not None:
            member[:, j] &= det_dates <= pd.Timestamp(end)
    return pd.DataFrame(
        enough & member,
        index=pd.DatetimeIndex(events["effective_date"], name="effective_date"),
        columns=prices.columns,
    )
