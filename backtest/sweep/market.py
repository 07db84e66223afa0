"""What every variant of a sweep shares: the aligned prices, and one `Context` per schedule.

Prices are loaded once by `backtest.pipeline.prepare.prepare`, the engine-free first half of a
single run, so the sweep sees exactly the panel, signal and manifest a single run would (and a cold
sweep does not import vectorbt); each distinct schedule of the sweep gets its own events, signal
values and eligibility from the same `backtest.inputs.context.schedule_context`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from backtest.config import Config, Schedule
from backtest.context import Context
from backtest.inputs.context import schedule_context as prepared_context
from backtest.inputs.signal import InferenceSignal
from backtest.pipeline.prepare import prepare
from universes import Universe

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
    universe : Universe
    signal : InferenceSignal
    buckets, exposures : dict
    manifest : dict
        The base manifest (hashes, versions, label, look-ahead flag).
    signals : Mapping[str, InferenceSignal]
        The named signals (``[signals.NAME]``) every schedule's context reads.
    """

    config: Config
    universe: Universe
    signal: InferenceSignal
    prices: pd.DataFrame
    members: list[str]
    buckets: dict[str, str]
    exposures: dict[str, float]
    manifest: dict[str, Any]
    signals: Mapping[str, InferenceSignal] = field(default_factory=dict)


def load_market(config: Config) -> Market:
    """Load and align the prices of ``config`` once, exactly as a single run prepares them."""
    prepared = prepare(dataclasses.replace(config, strategies=()), references=False)
    universe = prepared.universe
    return Market(
        config=config,
        universe=universe,
        signal=prepared.signal,
        prices=prepared.prices,
        members=list(universe.tickers),
        buckets=dict(universe.buckets),
        exposures=dict(universe.exposures),
        manifest=prepared.manifest,
        signals=prepared.signals,
    )


def schedule_context(market: Market, schedule: Schedule) -> Context:
    """Return the `Context` of ``market`` under ``schedule`` (events, signal, eligibility)."""
    return prepared_context(
        config=market.config,
        universe=market.universe,
        signal=market.signal,
        prices=market.prices,
        schedule=schedule,
        signals=market.signals,
    )
