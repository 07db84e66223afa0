"""The `Context` of a run: events, the signals known at each determination date, eligibility.

`schedule_context` is the one place a `Context` is built (the single run and every schedule of a
sweep); `eligibility` is DESIGN section 3's rule. Nothing here reads a price after ``t_d``.
The prices may start before ``run.start`` (the warm-up, `backtest.pipeline.prepare`): events
are found on the whole calendar and only those whose effective date is on or after
``run.start`` are kept, so the first decision sees the history before the start. The first
event is the first of those whose ``t_d`` also has a usable signal value (events before the
signal's first usable figure are dropped: nobody could have decided on them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

from backtest.config import Config, Schedule, SignalConfig
from backtest.constants import DEFAULT_MIN_HISTORY_DAYS
from backtest.context import Context
from backtest.errors import ConfigError
from backtest.inputs.schedule import rebalance_events
from backtest.inputs.signal import InferenceSignal
from universes import Universe

__all__ = ["eligibility", "schedule_context"]


def schedule_context(
    *,
    config: Config,
    universe: Universe,
    signal: InferenceSignal,
    prices: pd.DataFrame,
    schedule: Schedule,
    signals: Mapping[str, InferenceSignal] | None = None,
) -> Context:
    """Return the `Context` under ``schedule``: events, signals at each ``t_d``, eligibility.

    Parameters
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Aligned prices including every universe member (other columns are ignored), warm-up
        rows before ``run.start`` included.
    signals : Mapping[str, InferenceSignal], optional
        The named signals of ``config.signals`` (same names), each read at every ``t_d`` with
        its own ``mode``, ``interpolation`` and ``horizon``: ``Context.signals``.
    """
    events = rebalance_events(
        pd.DatetimeIndex(prices.index),
        schedule,
        warmup_days=config.data.min_history_days,
        first_effective=pd.Timestamp(config.run.start),
    )
    if events.empty:
        raise ConfigError(
            f"no rebalance event between {config.run.start} and {config.run.end}: the window is "
            f"shorter than `data.min_history_days` ({config.data.min_history_days}) plus one period"
        )
    share = signal.share_at(
        events["determination_date"],
        mode=config.signal.mode,
        interpolation=config.signal.interpolation,
        horizon=config.signal.horizon,
    )
    usable = np.flatnonzero(share.notna().to_numpy())
    if not len(usable):
        raise ConfigError(
            f"the inference signal has no usable value at any determination date between "
            f"{events['determination_date'].iloc[0].date()} and "
            f"{events['determination_date'].iloc[-1].date()}"
        )
    events = events.iloc[int(usable[0]) :].reset_index(drop=True)
    share = share.iloc[int(usable[0]) :]
    effective = pd.DatetimeIndex(events["effective_date"], name="effective_date")
    share.index = effective
    named = {
        name: _known_at(series, events, config.signals[name], effective, name)
        for name, series in (signals or {}).items()
    }
    member_prices = prices[universe.tickers]
    return Context(
        prices=member_prices,
        events=events,
        eligible=eligibility(
            member_prices,
            events,
            universe.membership(),
            min_history_days=config.data.min_history_days,
        ),
        share=share,
        buckets=universe.buckets,
        exposures=universe.exposures,
        signals=named,
    )


def _known_at(
    series: InferenceSignal,
    events: pd.DataFrame,
    options: SignalConfig,
    effective: pd.DatetimeIndex,
    name: str,
) -> pd.Series:
    """Return ``series`` as known at each event's ``t_d``, indexed by the effective dates."""
    values = series.share_at(
        events["determination_date"],
        mode=options.mode,
        interpolation=options.interpolation,
        horizon=options.horizon,
    )
    return pd.Series(values.to_numpy(), index=effective, name=name, dtype=float)


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
