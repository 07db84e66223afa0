"""The run pipeline: config -> prices -> events -> signal -> weights -> simulation -> metrics."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import platform
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Config, config_hash, resolved_config
from backtest.constants import SYNTHETIC_LABEL
from backtest.context import Context, eligibility
from backtest.data.factory import make_provider
from backtest.data.fx import data_provenance, load_usd_prices
from backtest.data.providers import PriceProvider
from backtest.data.validate import AlignmentReport, align_prices
from backtest.engine import Simulation, simulate
from backtest.errors import ConfigError, StrategyError
from backtest.metrics import metrics_table
from backtest.schedule import rebalance_events
from backtest.signal import load_signal
from strategies.build import build_strategy
from universes import Universe, load_universe

__all__ = ["Result", "prices_sha256", "run"]

_VERSIONED = (
    "inference-shift",
    "vectorbt",
    "vectorbt-rust",
    "numpy",
    "pandas",
    "yfinance",
    "pyarrow",
)


@dataclass(frozen=True, kw_only=True)
class Result:
    """Everything a run produced; the files in ``results/<run>/`` are views of it.

    Attributes
    ----------
    equity : DataFrame, shape (n_days, n_strategies + 1)
        Portfolio value per strategy and ``baseline``.
    returns : DataFrame
        Daily returns with ``V_{-1}`` = initial cash.
    weights : DataFrame (long)
        ``strategy, determination_date, effective_date, ticker, weight`` (targets).
    metrics : DataFrame
        One row per strategy and ``baseline`` (index ``strategy``).
    manifest : dict
    """

    config: Config
    universe: Universe
    prices: pd.DataFrame
    events: pd.DataFrame
    share: pd.Series
    targets: Mapping[str, pd.DataFrame]
    simulation: Simulation
    equity: pd.DataFrame
    returns: pd.DataFrame
    weights: pd.DataFrame
    metrics: pd.DataFrame
    manifest: dict[str, Any]
    alignment: AlignmentReport = field(default_factory=AlignmentReport)

    def report(self, path: str) -> None:
        """Write this result's files (equity, weights, metrics, manifest, summary) to ``path``."""
        from backtest.results import write_run

        write_run(self, path, force=False)


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


def run(config: Config, *, provider: PriceProvider | None = None) -> Result:
    """Run ``config`` end to end and return its `Result` (nothing is written to disk)."""
    universe = load_universe(config.universe)
    provider = provider or make_provider(config)
    tickers = sorted(set(universe.tickers) | {config.baseline})
    raw = load_usd_prices(
        provider,
        tickers=tickers,
        members=universe.members,
        fx_spec=config.data.fx,
        start=config.run.start,
        end=config.run.end,
    )
    provenance = data_provenance(provider)
    prices, alignment = align_prices(
        raw,
        baseline=config.baseline,
        start=config.run.start,
        end=config.run.end,
        max_fill_days=config.data.max_fill_days,
        allow_missing=provenance.get("missing_tickers", ()),
    )
    prices = prices[tickers]
    events = rebalance_events(
        pd.DatetimeIndex(prices.index), config.schedule, warmup_days=config.data.min_history_days
    )
    if events.empty:
        raise ConfigError(
            f"no rebalance event between {config.run.start} and {config.run.end}: the window is "
            f"shorter than `data.min_history_days` ({config.data.min_history_days}) plus one period"
        )
    signal = load_signal(config.signal.series)
    share = signal.share_at(
        events["determination_date"],
        mode=config.signal.mode,
        interpolation=config.signal.interpolation,
        horizon=config.signal.horizon,
    )
    share.index = pd.DatetimeIndex(events["effective_date"], name="effective_date")
    look_ahead = config.signal.mode == "hindsight"
    if look_ahead:
        warnings.warn(
            "signal mode `hindsight` uses figures before they were published: results contain "
            "look-ahead",
            UserWarning,
            stacklevel=2,
        )
    member_prices = prices[universe.tickers]
    membership = {
        m.ticker: (
            pd.Timestamp(m.member_from) if m.member_from else None,
            pd.Timestamp(m.member_until) if m.member_until else None,
        )
        for m in universe.members
    }
    context = Context(
        prices=member_prices,
        events=events,
        eligible=eligibility(
            member_prices, events, membership, min_history_days=config.data.min_history_days
        ),
        share=share,
        buckets=universe.buckets,
        exposures=universe.exposures,
    )
    targets: dict[str, pd.DataFrame] = {}
    for spec in config.strategies:
        strategy = build_strategy(spec)
        weights = strategy.weights(context)
        _check_weights(weights, context, spec.name)
        targets[spec.name] = weights.reindex(columns=tickers, fill_value=0.0)
    first = events["effective_date"].iloc[0]
    targets["baseline"] = pd.DataFrame(
        {t: [1.0 if t == config.baseline else 0.0] for t in tickers},
        index=pd.DatetimeIndex([first], name="effective_date"),
    )
    simulation = simulate(
        prices,
        targets,
        initial_cash=config.run.initial_cash,
        fees_bps=config.costs.fees_bps,
        slippage_bps=config.costs.slippage_bps,
    )
    equity = simulation.equity
    previous = equity.shift(1)
    previous.iloc[0] = config.run.initial_cash
    returns = equity / previous - 1.0
    metrics = metrics_table(
        returns, turnover=simulation.turnover, fees=simulation.fees, baseline="baseline"
    )
    synthetic = bool(provider.synthetic)
    manifest: dict[str, Any] = {
        "config": resolved_config(config),
        "config_sha256": config_hash(config),
        "data_source": provider.name,
        "data_provenance": provenance,
        "data_sha256": prices_sha256(prices),
        "signal_sha256": signal.sha256,
        "versions": _versions(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "look_ahead": look_ahead,
        "synthetic": synthetic,
        "label": SYNTHETIC_LABEL if synthetic else "real prices",
        "first_valid": {t: d.isoformat() for t, d in alignment.first_valid.items()},
        "filled_gaps": [
            dataclasses.asdict(g)
            | {
                "first_missing": g.first_missing.isoformat(),
                "last_missing": g.last_missing.isoformat(),
            }
            for g in alignment.filled_gaps
        ],
    }
    return Result(
        config=config,
        universe=universe,
        prices=prices,
        events=events,
        share=share,
        targets=targets,
        simulation=simulation,
        equity=equity,
        returns=returns,
        weights=_long_weights(targets, events),
        metrics=metrics,
        manifest=manifest,
        alignment=alignment,
    )


def _check_weights(weights: pd.DataFrame, context: Context, name: str) -> None:
    if list(weights.columns) != context.tickers or not weights.index.equals(
        context.effective_dates
    ):
        raise StrategyError(
            f"strategy `{name}` must return weights indexed by the effective dates with columns "
            f"{context.tickers}"
        )
    values = weights.to_numpy(dtype=float)
    if not np.isfinite(values).all() or (values < 0).any():
        raise StrategyError(f"strategy `{name}` returned NaN, inf or negative weights")
    if (values.sum(axis=1) > 1.0 + 1e-9).any():
        raise StrategyError(f"strategy `{name}` returned weights summing to more than 1")


def _long_weights(targets: Mapping[str, pd.DataFrame], events: pd.DataFrame) -> pd.DataFrame:
    det_of = dict(zip(events["effective_date"], events["determination_date"], strict=True))
    frames = []
    for name, weights in targets.items():
        stacked = weights.rename_axis(index="effective_date", columns="ticker").melt(
            ignore_index=False, value_name="weight"
        )
        stacked = stacked.reset_index()[["effective_date", "ticker", "weight"]]
        stacked = stacked.sort_values(["effective_date", "ticker"], kind="stable")
        stacked.insert(0, "strategy", name)
        stacked.insert(1, "determination_date", stacked["effective_date"].map(det_of))
        frames.append(stacked)
    return pd.concat(frames, ignore_index=True)
