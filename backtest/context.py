"""What a strategy sees and returns: the `Context`, the `Strategy` protocol, the weights check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, get_args, runtime_checkable

import numpy as np
import pandas as pd

from backtest.constants import INFERENCE_SHARE
from backtest.errors import ConfigError, StrategyError

__all__ = [
    "WEIGHT_SUM_TOLERANCE",
    "Context",
    "Strategy",
    "Trades",
    "check_weight_values",
    "check_weights",
    "trading_dates",
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
    signals : Mapping[str, Series]
        The named signals of the config (``[signals.NAME]``), each a Series like ``share``:
        index = effective dates, the value known at each determination date (NaN before the
        series' first usable value). `signal` reads one by name, the inference share included.
    """

    prices: pd.DataFrame
    events: pd.DataFrame
    eligible: pd.DataFrame
    share: pd.Series
    buckets: Mapping[str, str]
    exposures: Mapping[str, float]
    signals: Mapping[str, pd.Series] = field(default_factory=dict)

    @property
    def tickers(self) -> list[str]:
        """Universe tickers, sorted (the column order of every weights frame)."""
        return list(self.prices.columns)

    @property
    def effective_dates(self) -> pd.DatetimeIndex:
        """Effective dates of the events (the index of every weights frame)."""
        return pd.DatetimeIndex(self.events["effective_date"], name="effective_date")

    def signal(self, name: str = INFERENCE_SHARE) -> pd.Series:
        """Return the signal ``name`` as known at each determination date (index = effective dates).

        ``"inference_share"`` is `share`; any other name is one of `signals`.

        Raises
        ------
        ConfigError
            When the run has no signal of that name (the message lists the known ones).
        """
        if name == INFERENCE_SHARE:
            return self.share
        if name not in self.signals:
            known = ", ".join([INFERENCE_SHARE, *sorted(self.signals)])
            raise ConfigError(
                f"unknown signal `{name}`; known: {known} (declare others as [signals.NAME])"
            )
        return self.signals[name]


@runtime_checkable
class Strategy(Protocol):
    """Anything with ``weights(context) -> DataFrame``; a frozen keyword-only dataclass is best.

    ``weights(context)`` returns target weights: index = the context's effective dates,
    columns = its tickers, rows summing to 1 (or less only if the strategy holds cash by
    design), no NaN, all >= 0. It may use prices only up to each event's determination row.

    A strategy that buys once and holds says so with a class attribute
    ``trades = "first_event"`` (see `trading_dates`); its frame then has the first effective
    date only, and no later event places an order.
    """

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event."""
        ...


Trades = Literal["every_event", "first_event"]
"""When a strategy trades: at every event (the default) or only at the first (buy and hold)."""


def trading_dates(strategy: object, context: Context) -> pd.DatetimeIndex:
    """Return the effective dates ``strategy``'s weights must be indexed by.

    All of the context's effective dates, or only the first when the strategy's class says
    ``trades = "first_event"``.

    Raises
    ------
    StrategyError
        When ``trades`` is set to anything else.
    """
    trades = getattr(strategy, "trades", "every_event")
    if trades not in get_args(Trades):
        raise StrategyError(
            f"`trades` of {type(strategy).__name__} must be one of {', '.join(get_args(Trades))}, "
            f"got {trades!r}"
        )
    dates = context.effective_dates
    return dates[:1] if trades == "first_event" else dates


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
