"""Everything a run decides before simulating: universe, prices, events, signal, `Context`.

`prepare` is the engine-free half of the pipeline (no vectorbt import): the single run
(`backtest.pipeline.runner.run`) and the sweep both start from it, so they see the same panel,
signal and eligibility. Paths to a universe file or a signal CSV in a config are relative to
the config file's folder, like every other path in a config.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.config import Config, load_config, resolve_path
from backtest.context import Context
from backtest.data.panel import load_panel
from backtest.data.providers import PriceProvider
from backtest.data.validate import AlignmentReport
from backtest.errors import ConfigError
from backtest.inputs.context import schedule_context
from backtest.inputs.references import REFERENCE_TICKERS, ReferencePrices, load_references
from backtest.inputs.signal import InferenceSignal, load_signal
from backtest.parsing import is_path_like
from backtest.pipeline.manifest import base_manifest
from backtest.pipeline.providers import make_provider
from universes import Universe, load_universe

__all__ = [
    "Prepared",
    "config_signal",
    "config_signals",
    "config_universe",
    "context_for",
    "prepare",
]


def config_universe(config: Config) -> Universe:
    """Return the config's universe: a packaged name, or a TOML path relative to the config file."""
    value = config.universe
    return load_universe(
        resolve_path(value, config.path) if is_path_like(value, ".toml") else value
    )


def config_signal(config: Config) -> InferenceSignal:
    """Return the config's signal: a packaged series, or a CSV path relative to the config file."""
    value = config.signal.series
    signal = load_signal(resolve_path(value, config.path) if is_path_like(value, ".csv") else value)
    if signal.column != "share":
        raise ConfigError(
            f"`signal.series` must be an inference-share series (a `share` column), got "
            f"`{value}` (a `value` series): declare it as [signals.NAME] instead"
        )
    return signal


def config_signals(config: Config) -> dict[str, InferenceSignal]:
    """Return the config's named signals (``[signals.NAME]``): packaged names or CSV paths."""
    loaded = {}
    for name, options in config.signals.items():
        value = options.series
        try:
            loaded[name] = load_signal(
                resolve_path(value, config.path) if is_path_like(value, ".csv") else value
            )
        except ConfigError as exc:
            raise ConfigError(f"`signals.{name}.series`: {exc}") from exc
    return loaded


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """The inputs of a run, as known before any simulation.

    Attributes
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Validated adjusted closes of the members plus the baseline ticker (sorted columns).
    context : Context
        What the config's strategies see under its schedule (its ``events`` are the run's).
    outside_window : tuple of str
        Declared members whose membership window misses the run (left out, never eligible).
    references : ReferencePrices or None
        The reference ETFs on the run's calendar (None when not asked for, as in a sweep).
    manifest : dict
        What every output of the run records (`backtest.pipeline.manifest.base_manifest`, plus
        ``references`` when they were loaded).
    signals : Mapping[str, InferenceSignal]
        The named signals (``[signals.NAME]``) the context reads.
    """

    config: Config
    universe: Universe
    prices: pd.DataFrame
    alignment: AlignmentReport
    signal: InferenceSignal
    context: Context
    outside_window: tuple[str, ...]
    references: ReferencePrices | None
    manifest: dict[str, Any]
    signals: Mapping[str, InferenceSignal] = field(default_factory=dict)

    @property
    def events(self) -> pd.DataFrame:
        """The rebalance events of the config's schedule."""
        return self.context.events


def prepare(
    config: Config, *, provider: PriceProvider | None = None, references: bool = True
) -> Prepared:
    """Load, validate and align the data of ``config`` and build its strategy `Context`.

    With ``references`` the reference ETFs (SPY, QQQ, SMH) are loaded from the same provider
    and aligned to the run's calendar; one the provider lacks is left out with its reason.
    """
    declared = config_universe(config)
    universe = declared.in_window(config.run.start, config.run.end)
    outside = tuple(sorted(set(declared.tickers) - set(universe.tickers)))
    signal = config_signal(config)
    signals = config_signals(config)
    provider = provider or make_provider(config)
    tickers = sorted(set(universe.tickers) | {config.baseline})
    panel = load_panel(
        provider,
        tickers=tickers,
        members=universe.members,
        fx=config.data.fx,
        start=config.run.start,
        end=config.run.end,
        baseline=config.baseline,
        max_fill_days=config.data.max_fill_days,
        quality=config.data.quality,
    )
    prices, alignment, provenance = panel.prices, panel.alignment, panel.provenance
    if config.signal.mode == "hindsight" or any(
        s.mode == "hindsight" for s in config.signals.values()
    ):
        warnings.warn(
            "signal mode `hindsight` uses figures before they were published: results contain "
            "look-ahead",
            UserWarning,
            stacklevel=2,
        )
    context = schedule_context(
        config=config,
        universe=universe,
        signal=signal,
        prices=prices,
        schedule=config.schedule,
        signals=signals,
    )
    manifest = base_manifest(
        config=config,
        universe=universe,
        provider=provider,
        provenance=provenance,
        prices=prices,
        alignment=alignment,
        signal=signal,
        outside_window=outside,
        signals=signals,
    )
    loaded = None
    if references:
        loaded = load_references(
            provider,
            pd.DatetimeIndex(prices.index),
            first_date=context.effective_dates[0],
            max_fill_days=config.data.max_fill_days,
            tickers=[t for t in REFERENCE_TICKERS if t not in tickers],
        )
        manifest["references"] = {
            t: "used" if t in loaded.prices.columns else f"absent: {loaded.absent.get(t, '')}"
            for t in REFERENCE_TICKERS
        }
    return Prepared(
        config=config,
        universe=universe,
        prices=prices,
        alignment=alignment,
        signal=signal,
        context=context,
        outside_window=outside,
        references=loaded,
        manifest=manifest,
        signals=signals,
    )


def context_for(
    config: Config | str | os.PathLike[str], *, provider: PriceProvider | None = None
) -> Context:
    """Return the `Context` a run of ``config`` gives its strategies (demo market or real data).

    The same object `backtest.run` hands every strategy of the config: the members' prices, the
    events of its schedule, eligibility, the inference share and every ``[signals.NAME]`` as
    known at each determination date. ``config`` is a `Config` or the path of a TOML file; no
    strategy is built and nothing is simulated. Pair it with `backtest.testing.check_strategy`.
    """
    if not isinstance(config, Config):
        config = load_config(Path(config))
    return prepare(config, provider=provider, references=False).context
