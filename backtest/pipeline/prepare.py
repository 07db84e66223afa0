"""Everything a run decides before simulating: universe, prices, events, signal, `Context`.

`prepare` is the engine-free half of the pipeline (no vectorbt import): the single run
(`backtest.pipeline.runner.run`) and the sweep both start from it, so they see the same panel,
signal and eligibility. Paths to a universe file or a signal CSV in a config are relative to
the config file's folder, like every other path in a config.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import platform
import subprocess
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Config, Schedule, config_hash, resolve_path, resolved_config
from backtest.constants import SYNTHETIC_LABEL
from backtest.context import Context, eligibility
from backtest.data.panel import load_panel
from backtest.data.providers import PriceProvider
from backtest.data.validate import AlignmentReport
from backtest.errors import ConfigError
from backtest.inputs.schedule import rebalance_events
from backtest.inputs.signal import InferenceSignal, load_signal
from backtest.parsing import is_path_like
from backtest.pipeline.providers import make_provider
from universes import Universe, load_universe

__all__ = [
    "Prepared",
    "base_manifest",
    "config_signal",
    "config_universe",
    "members_in_window",
    "prepare",
    "prices_sha256",
    "schedule_context",
]

_VERSIONED = (
    "inference-shift",
    "vectorbt",
    "vectorbt-rust",
    "numpy",
    "pandas",
    "yfinance",
    "pyarrow",
)


def config_universe(config: Config) -> Universe:
    """Return the config's universe: a packaged name, or a TOML path relative to the config file."""
    value = config.universe
    return load_universe(
        resolve_path(value, config.path) if is_path_like(value, ".toml") else value
    )


def config_signal(config: Config) -> InferenceSignal:
    """Return the config's signal: a packaged series, or a CSV path relative to the config file."""
    value = config.signal.series
    return load_signal(resolve_path(value, config.path) if is_path_like(value, ".csv") else value)


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """The inputs of a run, as known before any simulation.

    Attributes
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Validated adjusted closes of the members plus the baseline ticker (sorted columns).
    events : DataFrame
        The config schedule's events (`backtest.inputs.schedule.rebalance_events`).
    context : Context
        What the config's strategies see under its schedule.
    provenance : dict
        What the provider reports about the data (`backtest.data.panel.Panel.provenance`).
    outside_window : tuple of str
        Declared members whose membership window misses the run (left out, never eligible).
    """

    config: Config
    universe: Universe
    provider: PriceProvider
    provenance: dict[str, Any]
    prices: pd.DataFrame
    alignment: AlignmentReport
    signal: InferenceSignal
    events: pd.DataFrame
    context: Context
    outside_window: tuple[str, ...] = ()

    @property
    def look_ahead(self) -> bool:
        """Whether the signal mode uses figures before they were published."""
        return self.config.signal.mode == "hindsight"


def members_in_window(universe: Universe, start: dt.date, end: dt.date) -> Universe:
    """``universe`` without the members whose membership window misses ``[start, end]``.

    Such a member (e.g. one whose ``member_from`` is its listing date, after the run ends) can
    never be eligible in the run, and it has no price to load or validate.
    """
    kept = tuple(
        m
        for m in universe.members
        if (m.member_from is None or m.member_from <= end)
        and (m.member_until is None or m.member_until >= start)
    )
    if not kept:
        raise ConfigError(
            f"universe `{universe.name}` has no member between {start} and {end} "
            "(every `member_from` / `member_until` window misses the run)"
        )
    return dataclasses.replace(universe, members=kept)


def prepare(config: Config, *, provider: PriceProvider | None = None) -> Prepared:
    """Load, validate and align the data of ``config`` and build its strategy `Context`."""
    declared = config_universe(config)
    universe = members_in_window(declared, config.run.start, config.run.end)
    outside = sorted(set(declared.tickers) - set(universe.tickers))
    signal = config_signal(config)
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
    if config.signal.mode == "hindsight":
        warnings.warn(
            "signal mode `hindsight` uses figures before they were published: results contain "
            "look-ahead",
            UserWarning,
            stacklevel=2,
        )
    context = schedule_context(
        config=config, universe=universe, signal=signal, prices=prices, schedule=config.schedule
    )
    return Prepared(
        config=config,
        universe=universe,
        provider=provider,
        provenance=provenance,
        prices=prices,
        alignment=alignment,
        signal=signal,
        events=context.events,
        context=context,
        outside_window=tuple(outside),
    )


def schedule_context(
    *,
    config: Config,
    universe: Universe,
    signal: InferenceSignal,
    prices: pd.DataFrame,
    schedule: Schedule,
) -> Context:
    """Return the `Context` under ``schedule``: events, signal at each ``t_d``, eligibility.

    Parameters
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Aligned prices including every universe member (other columns are ignored).
    """
    events = rebalance_events(
        pd.DatetimeIndex(prices.index), schedule, warmup_days=config.data.min_history_days
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
    share.index = pd.DatetimeIndex(events["effective_date"], name="effective_date")
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
    )


def prices_sha256(prices: pd.DataFrame) -> str:
    """sha256 of the aligned price panel (dates, tickers and float64 bytes)."""
    digest = hashlib.sha256()
    digest.update(",".join(map(str, prices.columns)).encode())
    digest.update(pd.DatetimeIndex(prices.index).asi8.tobytes())
    digest.update(np.ascontiguousarray(prices.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _git_commit() -> str | None:
    """Return the checkout's commit when the package runs from a git work tree, else None."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None


def base_manifest(prepared: Prepared) -> dict[str, Any]:
    """Return the manifest entries of every output of ``prepared`` (hashes, versions, flags)."""
    config = prepared.config
    synthetic = bool(prepared.provider.synthetic)
    return {
        "config": resolved_config(config),
        "config_sha256": config_hash(config),
        "data_source": prepared.provider.name,
        "data_provenance": prepared.provenance,
        "data_sha256": prices_sha256(prepared.prices),
        "signal_sha256": prepared.signal.sha256,
        "versions": _versions(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "buckets": dict(sorted(prepared.universe.buckets.items())),
        "members_outside_window": list(prepared.outside_window),
        "git_commit": _git_commit(),
        "look_ahead": prepared.look_ahead,
        "synthetic": synthetic,
        "label": SYNTHETIC_LABEL if synthetic else "real prices",
        "first_valid": {t: d.isoformat() for t, d in prepared.alignment.first_valid.items()},
        "filled_gaps": [
            dataclasses.asdict(g)
            | {
                "first_missing": g.first_missing.isoformat(),
                "last_missing": g.last_missing.isoformat(),
            }
            for g in prepared.alignment.filled_gaps
        ],
    }
