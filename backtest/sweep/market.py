"""What every variant of a sweep shares: the aligned prices, and one `Context` per schedule.

Prices are loaded once through the run pipeline (`backtest.runner.run` of the config without
strategies, so the sweep sees exactly the panel, signal and manifest a single run would); each
distinct schedule of the sweep gets its own events, signal values and eligibility.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from backtest.config import Config
from backtest.context import Context, eligibility
from backtest.errors import ConfigError
from backtest.schedule import Schedule, rebalance_events
from backtest.signal import load_signal

__all__ = ["Market", "load_market", "schedule_context"]


@dataclass(frozen=True, kw_only=True)
class Market:
    """The shared inputs of a sweep.

    Attributes
    ----------
    config : Config
        The base config (its strategies are ignored).
    prices : DataFrame, shape (n_days, n_tickers)
        Aligned adjusted closes, sorted columns (members plus the baseline ticker).
    members : list[str]
        Universe tickers (sorted), the columns a strategy sees.
    buckets, exposures : dict
    membership : dict
        ticker -> (member_from, member_until).
    manifest : dict
        The base run's manifest (hashes, versions, label, look-ahead flag).
    """

    config: Config
    prices: pd.DataFrame
    members: list[str]
    buckets: dict[str, str]
    exposures: dict[str, float]
    membership: dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]]
    manifest: dict[str, Any]


def load_market(config: Config) -> Market:
    """Load and align the prices of ``config`` once, as `backtest.runner.run` does."""
    from backtest.runner import run

    base = run(dataclasses.replace(config, strategies=()))
    universe = base.universe
    return Market(
        config=config,
        prices=base.prices,
        members=list(universe.tickers),
        buckets=dict(universe.buckets),
        exposures=dict(universe.exposures),
        membership={
            m.ticker: (
                pd.Timestamp(m.member_from) if m.member_from else None,
                pd.Timestamp(m.member_until) if m.member_until else None,
            )
            for m in universe.members
        },
        manifest=dict(base.manifest),
    )


def schedule_context(market: Market, schedule: Schedule) -> Context:
    """The strategy `Context` of ``market`` under ``schedule`` (events, signal, eligibility)."""
    config = market.config
    events = rebalance_events(
        pd.DatetimeIndex(market.prices.index), schedule, warmup_days=config.data.min_history_days
    )
    if events.empty:
        raise ConfigError(
            f"no rebalance event for schedule {schedule}: the window is shorter than "
            f"`data.min_history_days` ({config.data.min_history_days}) plus one period"
        )
    share = load_signal(config.signal.series).share_at(
        events["determination_date"],
        mode=config.signal.mode,
        interpolation=config.signal.interpolation,
        horizon=config.signal.horizon,
    )
    share.index = pd.DatetimeIndex(events["effective_date"], name="effective_date")
    member_prices = market.prices[market.members]
    return Context(
        prices=member_prices,
        events=events,
        eligible=eligibility(
            member_prices,
            events,
            market.membership,
            min_history_days=config.data.min_history_days,
        ),
        share=share,
        buckets=market.buckets,
        exposures=market.exposures,
    )
