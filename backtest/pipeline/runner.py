"""The run: config -> prepared inputs -> every strategy's weights -> one simulation -> `Result`.

Read top to bottom, `run` is the whole pipeline: `backtest.pipeline.prepare.prepare` loads the
universe, prices, signal and reference ETFs and builds the strategies' `Context`; each
strategy of the config (and any given from Python) returns its weights, checked by
`backtest.context.check_weights`; the NVDA ``baseline`` and the reference rows are
`strategies.BuyAndHold` strategies; one `backtest.engine.simulation.simulate` call values them
all; `backtest.metrics.metrics_table` measures them (with the risk-free rate of
``[analysis]``), `backtest.report.calendar.period_table` over the config's sub-periods, and
`backtest.pipeline.uncertainty.bootstrap_table` resamples the headline numbers;
`backtest.pipeline.attribution` and `backtest.pipeline.turnover_causes` explain the returns by
bucket and the turnover by rule; the `Result` holds the frames that ``results/<run>/`` is
written from (`backtest.pipeline.result.write_run`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Config, load_config
from backtest.constants import BASELINE_COLUMN
from backtest.context import Context, Strategy
from backtest.data.providers import PriceProvider
from backtest.engine.simulation import Simulation, simulate
from backtest.inputs.references import REFERENCE_PREFIX
from backtest.metrics import daily_returns, metrics_table
from backtest.pipeline.attribution import bucket_attribution
from backtest.pipeline.manifest import with_strategy_code
from backtest.pipeline.prepare import Prepared, prepare
from backtest.pipeline.result import Result
from backtest.pipeline.targets import run_strategies, strategy_code_of, target_weights
from backtest.pipeline.turnover_causes import run_causes
from backtest.pipeline.uncertainty import bootstrap_table
from backtest.report.calendar import Period, period_table
from strategies import BuyAndHold

__all__ = ["Result", "run"]


def run(
    config: Config | str | os.PathLike[str],
    *,
    provider: PriceProvider | None = None,
    strategies: Mapping[str, Any] | None = None,
) -> Result:
    """Run ``config`` (a `Config` or the path of a TOML file) and return its `Result`.

    ``strategies`` (name -> any object with ``weights(context)``) run beside the config's own,
    after them, with the same checks and outputs. The manifest records the source file and
    sha256 of every strategy class that does not come from this package (``strategy_code``),
    and ``config_sha256`` covers them. Nothing is written to disk; `Result.report` writes the
    run folder.
    """
    if not isinstance(config, Config):
        config = load_config(Path(config))
    built = run_strategies(config, strategies)  # fails before any data is read
    prepared = prepare(config, provider=provider, strategies=built)
    prepared = dataclasses.replace(
        prepared,
        manifest=with_strategy_code(
            prepared.manifest,
            config,
            strategy_code_of(built),
            python={n: repr(s) for n, s in (strategies or {}).items()},
        ),
    )
    panel, targets = _targets(prepared, built)
    simulation = simulate(
        panel,
        targets,
        initial_cash=config.run.initial_cash,
        fees_bps=config.costs.fees_bps,
        slippage_bps=config.costs.slippage_bps,
        rebalance_band=config.schedule.rebalance_band,
    )
    names = [*built, BASELINE_COLUMN]
    references = [n for n in targets if n not in names]
    equity = simulation.equity[names].rename_axis(index="date")
    reference_equity = simulation.equity[references].rename_axis(index="date")
    returns = daily_returns(simulation.equity, config.run.initial_cash)
    context = prepared.context
    risk_free = prepared.risk_free
    analysis = config.analysis
    holdings = _long_holdings(simulation, names, list(prepared.prices.columns))
    orders = _orders(simulation, names)
    turnover = _long_turnover(simulation, {n: targets[n] for n in names})
    return Result(
        config=config,
        universe=prepared.universe,
        prices=prepared.prices,
        alignment=prepared.alignment,
        equity=equity,
        weights=_long_weights({n: targets[n] for n in names}, context, prepared.prices.columns),
        holdings=holdings,
        orders=orders,
        turnover=turnover,
        reference_equity=reference_equity,
        events=context.events[["determination_date", "effective_date"]].assign(
            share=context.share.to_numpy()
        ),
        metrics=metrics_table(
            returns,
            turnover=simulation.turnover,
            fees=simulation.fees,
            baseline=BASELINE_COLUMN,
            references=tuple(references),
            risk_free=risk_free,
        ),
        periods=period_table(
            returns[[*names, *references]],
            [Period.parse(p) for p in analysis.periods],
            risk_free=risk_free,
        ),
        uncertainty=bootstrap_table(
            returns,
            strategies=list(built),
            reps=analysis.bootstrap_reps,
            seed=analysis.bootstrap_seed,
            confidence=analysis.confidence,
        ),
        manifest=prepared.manifest,
        attribution=bucket_attribution(
            equity=equity,
            holdings=holdings,
            orders=orders,
            turnover=turnover,
            prices=prepared.prices,
            buckets=prepared.universe.buckets,
            initial_cash=config.run.initial_cash,
            reference=config.attribution.reference,
        ),
        turnover_causes=run_causes(
            strategies=built,
            context=context,
            targets={n: targets[n] for n in names},
            holdings=holdings,
            orders=orders,
            turnover=turnover,
            prices=prepared.prices,
        ),
    )


def _targets(
    prepared: Prepared, strategies: Mapping[str, Strategy]
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Return the simulation's price panel and every variant's target weights on it.

    The panel is the run's prices (members and the baseline ticker) with the reference ETFs'
    columns after them. The config's strategies see the members' `Context`; the baseline and each
    reference are a `BuyAndHold` of one column of the whole panel. Every variant's weights are
    checked against the context it saw, then placed on the panel's columns (0 elsewhere).
    """
    context = prepared.context
    references = prepared.references
    reference_prices = references.prices if references is not None else pd.DataFrame()
    panel = pd.concat([prepared.prices, reference_prices], axis=1)
    whole = dataclasses.replace(
        context,
        prices=panel,
        eligible=context.eligible.reindex(columns=panel.columns, fill_value=False),
    )
    variants: dict[str, tuple[Strategy, Context]] = {n: (s, context) for n, s in strategies.items()}
    variants[BASELINE_COLUMN] = (BuyAndHold(ticker=prepared.config.baseline), whole)
    variants |= {
        REFERENCE_PREFIX + t: (BuyAndHold(ticker=t), whole) for t in reference_prices.columns
    }
    targets: dict[str, pd.DataFrame] = {}
    for name, (strategy, seen) in variants.items():
        weights = target_weights(strategy, seen, name=name, config=prepared.config)
        targets[name] = weights.reindex(columns=panel.columns, fill_value=0.0)
    return panel, targets


def _long_weights(
    targets: Mapping[str, pd.DataFrame], context: Context, tickers: pd.Index
) -> pd.DataFrame:
    """Return targets as ``strategy, determination_date, effective_date, ticker, weight`` rows."""
    det_of = pd.Series(
        context.events["determination_date"].to_numpy(), index=context.effective_dates
    )
    frames = []
    for name, weights in targets.items():
        values = weights[tickers]
        n_events, n_tickers = values.shape
        effective = pd.DatetimeIndex(values.index)
        frames.append(
            pd.DataFrame(
                {
                    "strategy": np.full(n_events * n_tickers, name, dtype=object),
                    "determination_date": np.repeat(det_of.loc[effective].to_numpy(), n_tickers),
                    "effective_date": np.repeat(effective.to_numpy(), n_tickers),
                    "ticker": np.tile(np.asarray(values.columns, dtype=object), n_events),
                    "weight": values.to_numpy(dtype=float).ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _long_holdings(simulation: Simulation, names: list[str], tickers: list[str]) -> pd.DataFrame:
    """Return drifted weights as ``strategy, date, ticker, weight`` rows.

    Names are categorical: the table has n_variants x n_days x n_tickers rows, and Parquet keeps
    the categories.
    """
    first = simulation.holdings[names[0]][tickers]
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
                dtype=pd.CategoricalDtype(tickers),
            ),
            "weight": np.concatenate(
                [simulation.holdings[n][tickers].to_numpy(dtype=float).ravel() for n in names]
            ),
        }
    )


def _orders(simulation: Simulation, names: list[str]) -> pd.DataFrame:
    """Return the fills of ``names`` (``strategy, date, ticker, side, ...``), in engine order."""
    orders = simulation.orders
    mine = orders[orders["variant"].isin(names)].reset_index(drop=True)
    return mine.rename(columns={"variant": "strategy"})


def _long_turnover(simulation: Simulation, targets: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Return per event: ``strategy, effective_date, turnover, fees, skipped``."""
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
