"""The run pipeline: config -> prices -> events -> signal -> weights -> simulation -> metrics.

`run` returns a `Result` whose frames are exactly what ``results/<run>/`` holds
(`backtest.pipeline.results.write_run` writes them, `backtest.pipeline.results.load` reads them
back).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Config, load_config
from backtest.context import check_weights
from backtest.data.providers import PriceProvider
from backtest.data.validate import AlignmentReport
from backtest.engine.simulation import Simulation, simulate
from backtest.inputs.references import REFERENCE_PREFIX, REFERENCE_TICKERS, load_references
from backtest.metrics import metrics_table
from backtest.pipeline.prepare import base_manifest, prepare, prices_sha256
from strategies.build import build_strategy
from universes import Universe

__all__ = ["Result", "prices_sha256", "run"]


@dataclass(frozen=True, kw_only=True)
class Result:
    """Everything a run produced; the files in ``results/<run>/`` are views of it.

    Attributes
    ----------
    equity : DataFrame, shape (n_days, n_strategies + 1)
        Portfolio value per strategy and ``baseline`` (last column), index ``date``.
    returns : DataFrame, shape (n_days, n_strategies + 1)
        Daily returns ``V_t / V_{t-1} - 1`` with ``V_{-1}`` = initial cash.
    weights : DataFrame (long)
        ``strategy, determination_date, effective_date, ticker, weight`` (targets).
    holdings : DataFrame (long)
        ``strategy, date, ticker, weight``: end-of-day drifted weights (cash = 1 - sum).
    orders : DataFrame (long)
        ``strategy, date, ticker, side, size, price, notional, fees``, one row per fill.
    turnover : DataFrame (long)
        ``strategy, effective_date, turnover, fees, skipped``: one-way turnover and fees per event.
    skipped_events : DataFrame (long)
        ``strategy, effective_date``: events the rebalance band skipped.
    reference_equity : DataFrame, shape (n_days, n_references)
        Buy-and-hold value of each reference ETF (``ref_SPY`` ...); not strategies.
    metrics : DataFrame
        One row per strategy, ``baseline``, then each reference (index ``strategy``).
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
    holdings: pd.DataFrame
    orders: pd.DataFrame
    turnover: pd.DataFrame
    skipped_events: pd.DataFrame
    reference_equity: pd.DataFrame
    metrics: pd.DataFrame
    manifest: dict[str, Any]
    alignment: AlignmentReport = field(default_factory=AlignmentReport)

    def report(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write the run folder (files, ``report.html``, ``summary.md``, charts) to ``path``.

        An existing folder is replaced only with ``force``; returns the folder.
        """
        from backtest.pipeline.results import write_run

        return write_run(self, path, force=force)


def run(
    config: Config | str | os.PathLike[str], *, provider: PriceProvider | None = None
) -> Result:
    """Run ``config`` (a `Config` or the path of a TOML file) and return its `Result`.

    Nothing is written to disk; `Result.report` writes the run folder.
    """
    if not isinstance(config, Config):
        config = load_config(Path(config))
    prepared = prepare(config, provider=provider)
    universe, prices, events, context = (
        prepared.universe,
        prepared.prices,
        prepared.events,
        prepared.context,
    )
    tickers = list(prices.columns)
    targets: dict[str, pd.DataFrame] = {}
    for spec in config.strategies:
        strategy = build_strategy(spec)
        weights = strategy.weights(context)
        check_weights(
            weights, columns=context.tickers, index=context.effective_dates, name=spec.name
        )
        targets[spec.name] = weights.reindex(columns=tickers, fill_value=0.0)
    first = events["effective_date"].iloc[0]
    targets["baseline"] = pd.DataFrame(
        {t: [1.0 if t == config.baseline else 0.0] for t in tickers},
        index=pd.DatetimeIndex([first], name="effective_date"),
    )
    costs: dict[str, Any] = {
        "initial_cash": config.run.initial_cash,
        "fees_bps": config.costs.fees_bps,
        "slippage_bps": config.costs.slippage_bps,
    }
    simulation = simulate(prices, targets, rebalance_band=config.schedule.rebalance_band, **costs)
    references = load_references(
        prepared.provider,
        pd.DatetimeIndex(prices.index),
        first_date=first,
        max_fill_days=config.data.max_fill_days,
        tickers=[t for t in REFERENCE_TICKERS if t not in tickers],
    )
    ref_names = tuple(REFERENCE_PREFIX + t for t in references.prices.columns)
    ref_sim = (
        simulate(
            references.prices,
            {
                REFERENCE_PREFIX + t: pd.DataFrame(
                    [[1.0 if c == t else 0.0 for c in references.prices.columns]],
                    index=pd.DatetimeIndex([first], name="effective_date"),
                    columns=references.prices.columns,
                )
                for t in references.prices.columns
            },
            **costs,
        )
        if ref_names
        else None
    )
    equity = simulation.equity.rename_axis(index="date")
    reference_equity = (
        ref_sim.equity.rename_axis(index="date")
        if ref_sim is not None
        else pd.DataFrame(index=equity.index)
    )
    returns = _daily_returns(equity, config.run.initial_cash)
    everything = pd.concat(
        [returns, _daily_returns(reference_equity, config.run.initial_cash)], axis=1
    )
    metrics = metrics_table(
        everything,
        turnover=pd.concat(
            [simulation.turnover, *([ref_sim.turnover] if ref_sim else [])], axis=1, sort=True
        ),
        fees=pd.concat([simulation.fees, *([ref_sim.fees] if ref_sim else [])]),
        baseline="baseline",
        references=ref_names,
    )
    turnover = _long_turnover(simulation, targets)
    manifest: dict[str, Any] = base_manifest(prepared) | {
        "references": {
            t: ("used" if REFERENCE_PREFIX + t in ref_names else f"absent: {why}")
            for t, why in [(t, references.absent.get(t, "")) for t in REFERENCE_TICKERS]
        },
    }
    return Result(
        config=config,
        universe=universe,
        prices=prices,
        events=events,
        share=context.share,
        targets=targets,
        simulation=simulation,
        equity=equity,
        returns=returns,
        weights=_long_weights(targets, events),
        holdings=_long_holdings(simulation.holdings),
        orders=simulation.orders.rename(columns={"variant": "strategy"}),
        turnover=turnover,
        skipped_events=turnover.loc[
            turnover["skipped"], ["strategy", "effective_date"]
        ].reset_index(drop=True),
        reference_equity=reference_equity,
        metrics=metrics,
        manifest=manifest,
        alignment=prepared.alignment,
    )


def _long_weights(targets: Mapping[str, pd.DataFrame], events: pd.DataFrame) -> pd.DataFrame:
    """Targets as ``strategy, determination_date, effective_date, ticker, weight`` rows."""
    det_of = pd.Series(
        events["determination_date"].to_numpy(), index=pd.DatetimeIndex(events["effective_date"])
    )
    frames = []
    for name, weights in targets.items():
        n_events, n_tickers = weights.shape
        effective = pd.DatetimeIndex(weights.index)
        frames.append(
            pd.DataFrame(
                {
                    "strategy": np.full(n_events * n_tickers, name, dtype=object),
                    "determination_date": np.repeat(det_of.loc[effective].to_numpy(), n_tickers),
                    "effective_date": np.repeat(effective.to_numpy(), n_tickers),
                    "ticker": np.tile(np.asarray(weights.columns, dtype=object), n_events),
                    "weight": weights.to_numpy(dtype=float).ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _daily_returns(equity: pd.DataFrame, initial_cash: float) -> pd.DataFrame:
    """``V_t / V_{t-1} - 1`` per column with ``V_{-1} = initial_cash`` (DESIGN section 8)."""
    previous = equity.shift(1)
    if len(previous):
        previous.iloc[0] = initial_cash
    return equity / previous - 1.0


def _long_holdings(holdings: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Return drifted weights as ``strategy, date, ticker, weight`` rows.

    Names are categorical: the table has n_variants x n_days x n_tickers rows, and Parquet keeps
    the categories.
    """
    names = list(holdings)
    first = holdings[names[0]]
    n_days, n_tickers = first.shape
    per_variant = n_days * n_tickers
    return pd.DataFrame(
        {
            "strategy": pd.Categorical.from_codes(
                np.repeat(np.arange(len(names)), per_variant), dtype=pd.CategoricalDtype(names)
            ),
            "date": np.tile(np.repeat(first.index.to_numpy(), n_tickers), len(names)),
            "ticker": pd.Categorical.from_codes(
                np.tile(np.arange(n_tickers), n_days * len(names)),
                dtype=pd.CategoricalDtype(list(first.columns)),
            ),
            "weight": np.concatenate([holdings[n].to_numpy(dtype=float).ravel() for n in names]),
        }
    )


def _long_turnover(simulation: Simulation, targets: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per event: ``strategy, effective_date, turnover, fees, skipped``."""
    orders = simulation.orders
    frames = []
    for name, weights in targets.items():
        dates = pd.DatetimeIndex(weights.index)
        skipped = dates.isin(simulation.skipped_events[name])
        mine = orders[orders["variant"] == name]
        fees = mine.groupby("date")["fees"].sum().reindex(dates, fill_value=0.0).to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "strategy": name,
                    "effective_date": dates,
                    "turnover": simulation.turnover[name].reindex(dates).to_numpy(),
                    "fees": fees,
                    "skipped": skipped,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
