"""Everything a run decides before simulating: universe, prices, events, signal, `Context`.

`prepare` is the engine-free half of the pipeline (no vectorbt import): the single run
(`backtest.pipeline.runner.run`) and the sweep both start from it, so they see the same panel,
signal and eligibility. Paths to a universe file or a signal CSV in a config are relative to
the config file's folder, like every other path in a config.

Warm-up and the traded window
-----------------------------
Decisions may look back before ``run.start``: the prices of the `warmup_rows` trading days of
the baseline before ``start`` are loaded too (as far as the data has them), so the first
decision of a strategy with a ``lookback_days`` window, and the eligibility rule's
``min_history_days``, see full history. Trading still starts at the first effective date on
or after ``start`` (`backtest.inputs.context.schedule_context`); the equity, metrics and every
table start there. `traded_window` states the window actually traded and why it differs from
the one requested; it goes into the manifest (``window``), the console and ``summary.md``.
"""

from __future__ import annotations

import dataclasses
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
from backtest.data.risk_free import load_risk_free, risk_free_on
from backtest.data.validate import AlignmentReport
from backtest.errors import ConfigError
from backtest.inputs.context import schedule_context
from backtest.inputs.references import REFERENCE_TICKERS, ReferencePrices, load_references
from backtest.inputs.schedule import rebalance_events
from backtest.inputs.signal import InferenceSignal, load_signal
from backtest.parsing import is_path_like
from backtest.pipeline.manifest import base_manifest
from backtest.pipeline.providers import make_provider
from strategies.build import build_strategies
from universes import Universe, load_universe

__all__ = [
    "Prepared",
    "config_risk_free",
    "config_signal",
    "config_signals",
    "config_universe",
    "context_for",
    "prepare",
    "traded_window",
    "warmup_rows",
]


def config_risk_free(config: Config, calendar: pd.DatetimeIndex) -> float | pd.Series:
    """Return the config's risk-free rate: the constant, or its CSV's rate on each day.

    A path is relative to the config file (`backtest.data.risk_free`).
    """
    value = config.analysis.risk_free
    if not isinstance(value, str):
        return float(value)
    path = resolve_path(value, config.path)
    rates = load_risk_free(path)
    on_days = risk_free_on(rates, calendar, source=f"risk-free file `{path}`")
    return pd.Series(on_days, index=calendar, name="risk_free")


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
        ``window`` (`traded_window`) and ``references`` when they were loaded).
    signals : Mapping[str, InferenceSignal]
        The named signals (``[signals.NAME]``) the context reads.
    risk_free : float or Series
        The annual risk-free rate of ``[analysis]``: the constant, or the series' rate in force
        on each day from the first effective date on (`config_risk_free`).
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
    risk_free: float | pd.Series = 0.0

    @property
    def events(self) -> pd.DataFrame:
        """The rebalance events of the config's schedule."""
        return self.context.events


def _lookback_days(item: object) -> int:
    """Return the longest ``lookback_days`` of a strategy, its wrapped ``inner`` and options."""
    own = getattr(item, "lookback_days", 0)
    best = own if isinstance(own, int) and not isinstance(own, bool) else 0
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        for f in dataclasses.fields(item):
            value = getattr(item, f.name)
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                best = max(best, _lookback_days(value))
    return best


def _sweep_lookbacks(table: object) -> list[int]:
    """Every integer written under a ``lookback_days`` key of a raw ``[sweep]`` table."""
    found: list[int] = []
    if isinstance(table, Mapping):
        for key, value in table.items():
            if key == "lookback_days":
                found += [v for v in _flatten(value) if isinstance(v, int)]
            else:
                found += _sweep_lookbacks(value)
    return found


def _flatten(value: object) -> list[object]:
    if isinstance(value, Mapping):
        return [v for item in value.values() for v in _flatten(item)]
    if isinstance(value, list | tuple):
        return [v for item in value for v in _flatten(item)]
    return [value]


def warmup_rows(config: Config, strategies: Mapping[str, Any] | None = None) -> int:
    """Trading days before ``run.start`` the first decision may need (the warm-up).

    ``lag_days + max(min_history_days, L + 1) - 1``, with ``L`` the longest ``lookback_days``
    of the strategies (or of the config's ``[sweep]`` table; 0 without one): the first event's
    ``t_d`` lies ``lag_days`` rows before its ``t_e >= start`` and needs ``min_history_days``
    prices (eligibility) and ``L`` returns (``L + 1`` prices) up to and including it.

    ``strategies`` are the run's built strategies (the config's and any given from Python);
    without them the config's entries are built here, leaving out a ``module:Class`` whose
    module cannot be imported yet (`context_for` serves authors of such a class).
    """
    if strategies is None:
        strategies = {}
        for spec in config.strategies:
            try:
                strategies |= build_strategies(dataclasses.replace(config, strategies=(spec,)))
            except ConfigError:
                if ":" not in spec.kind:
                    raise
    lookbacks = [_lookback_days(s) for s in strategies.values()]
    lookbacks += _sweep_lookbacks(config.sweep)
    longest = max([0, *lookbacks])
    return config.schedule.lag_days + max(config.data.min_history_days, longest + 1) - 1


def traded_window(
    config: Config,
    calendar: pd.DatetimeIndex,
    effective_dates: pd.DatetimeIndex,
    *,
    warmup_days: int,
    signal: InferenceSignal | None = None,
) -> dict[str, Any]:
    """Return the requested, loaded and traded windows and why the traded one differs.

    Parameters
    ----------
    calendar : DatetimeIndex
        The run's trading days, warm-up included.
    effective_dates : DatetimeIndex
        The rebalance events' effective dates (all on or after ``run.start``).
    warmup_days : int
        The warm-up the run asked for (`warmup_rows`).
    signal : InferenceSignal, optional
        Named in the note when the events before the first had no usable signal value.

    Returns
    -------
    dict with ``requested``, ``traded`` (``[first, last]`` ISO dates), ``warmup`` (``first``
    day and ``days`` before the start) and ``notes`` (one sentence per difference).
    """
    start, end = config.run.start, config.run.end
    first, last = effective_dates[0].date(), calendar[-1].date()
    warm = calendar[calendar < pd.Timestamp(start)]
    notes = []
    if first > start:
        anchor = "first" if config.schedule.anchor == "first" else "last"
        why = (
            f"trading starts {first}, the first {config.schedule.frequency} effective date "
            f"({anchor} trading day of a period) on or after {start}"
        )
        candidates = rebalance_events(
            calendar, config.schedule, first_effective=pd.Timestamp(start)
        )
        earlier = candidates[candidates["effective_date"] < pd.Timestamp(first)]
        rows_before = int(earlier["determination_row"].iloc[0]) + 1 if len(earlier) else 0
        # without an earlier candidate and with the whole warm-up, the start was inside a period
        if not len(earlier) and len(warm) >= warmup_days:
            pass
        elif rows_before < config.data.min_history_days:
            why += (
                f" whose decision has {config.data.min_history_days} days of history (the "
                f"data start {calendar[0].date()})"
            )
        else:
            known = "" if signal is None else (
                f" (its first figure is usable from "
                f"{pd.Timestamp(signal.vintages['usable_from'].min()).date()})"
            )  # fmt: skip
            why += f" whose decision has a usable inference-share value{known}"
        notes.append(why)
    if last < end:
        notes.append(
            f"trading ends {last}, the data's last {config.baseline} day on or before {end}"
        )
    return {
        "requested": [start.isoformat(), end.isoformat()],
        "traded": [first.isoformat(), last.isoformat()],
        "warmup": {
            "first": (warm[0] if len(warm) else calendar[0]).date().isoformat(),
            "days": len(warm),
        },
        "notes": notes,
    }


def prepare(
    config: Config,
    *,
    provider: PriceProvider | None = None,
    references: bool = True,
    strategies: Mapping[str, Any] | None = None,
) -> Prepared:
    """Load, validate and align the data of ``config`` and build its strategy `Context`.

    With ``references`` the reference ETFs (SPY, QQQ, SMH) are loaded from the same provider
    and aligned to the run's calendar; one the provider lacks is left out with its reason.
    ``strategies`` (the run's, built) set the warm-up (`warmup_rows`).
    """
    declared = config_universe(config)
    universe = declared.in_window(config.run.start, config.run.end)
    outside = tuple(sorted(set(declared.tickers) - set(universe.tickers)))
    signal = config_signal(config)
    signals = config_signals(config)
    provider = provider or make_provider(config)
    tickers = sorted(set(universe.tickers) | {config.baseline})
    rows = warmup_rows(config, strategies)
    panel = load_panel(
        provider,
        tickers=tickers,
        members=universe.members,
        fx=config.data.fx,
        start=config.run.start,
        end=config.run.end,
        baseline=config.baseline,
        warmup_days=rows,
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
    manifest["window"] = traded_window(
        config,
        pd.DatetimeIndex(prices.index),
        context.effective_dates,
        warmup_days=rows,
        signal=signal,
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
    traded = pd.DatetimeIndex(prices.index)
    traded = traded[traded >= context.effective_dates[0]]
    return Prepared(
        risk_free=config_risk_free(config, traded),
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
