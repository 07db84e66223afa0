"""The sweep pipeline: config + ``[sweep]`` -> K variants -> chunks -> one table and returns.

Every variant is simulated on one common window: from the first effective date of any of the
sweep's schedules to the end of the run (a variant holds cash before its own first event). The
baseline buys the baseline ticker with all cash at the close of the window's first day and pays
the base config's fees and slippage, as in a single run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Config, Schedule, resolved_config
from backtest.errors import ConfigError
from backtest.sweep.executor import (
    ChunkResult,
    ChunkStore,
    ChunkTask,
    Executor,
    LocalExecutor,
    SharedInputs,
    describe_executor,
)
from backtest.sweep.grid import COST_PARAMS, SCHEDULE_PARAMS, SweepSpec, expand_variants
from backtest.sweep.kernel import simulate_batch
from backtest.sweep.market import Market, load_market, schedule_context
from backtest.sweep.metrics import METRIC_NAMES, batch_metrics, daily_returns_batch
from backtest.sweep.weights import variant_weights

__all__ = ["SweepResult", "run_sweep", "sweep_key"]

_GROUP_KEYS = ("frequency", "anchor", "lag_days")


@dataclass(frozen=True, kw_only=True)
class SweepResult:
    """Everything a sweep produced.

    Attributes
    ----------
    spec : SweepSpec
    table : DataFrame, shape (K, n_parameters + n_metrics)
        Index ``variant``; the varied parameters, then every metric of `METRIC_NAMES`.
    returns : ndarray, shape (K, n_days)
        Daily returns of each variant over the window.
    baseline_returns : Series, length n_days
        Daily returns of the baseline, indexed by the window's dates.
    baseline_metrics : dict[str, float]
    settings : DataFrame, shape (K, 6)
        Resolved schedule and cost settings of each variant.
    manifest : dict
    """

    spec: SweepSpec
    table: pd.DataFrame
    returns: np.ndarray
    baseline_returns: pd.Series
    baseline_metrics: dict[str, float]
    settings: pd.DataFrame
    manifest: dict[str, Any]
    market: Market

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The window's trading days."""
        return pd.DatetimeIndex(self.baseline_returns.index)


def sweep_key(config: Config, spec: SweepSpec, data_sha256: str) -> str:
    """sha256 of everything that determines a sweep's numbers (config, spec, data)."""
    payload = {
        "config": resolved_config(config),
        "spec": _jsonable(dataclasses.asdict(spec)),
        "data": data_sha256,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _settings(config: Config, variants: pd.DataFrame) -> pd.DataFrame:
    """Schedule and cost settings per variant (the varied ones, else the config's)."""
    base = {
        **{k: getattr(config.schedule, k) for k in SCHEDULE_PARAMS},
        "fees_bps": config.costs.fees_bps,
        "slippage_bps": config.costs.slippage_bps,
    }
    settings = pd.DataFrame(index=variants.index)
    for name, default in base.items():
        settings[name] = variants.get(name, default)
    for name in COST_PARAMS:
        values = settings[name].to_numpy(dtype=float)
        if (values < 0).any() or (values >= 10_000).any():
            raise ConfigError(f"`{name}` must be in [0, 10000) bps, got {values.min():g}")
    for row in settings.drop_duplicates(list(SCHEDULE_PARAMS)).itertuples(index=False):
        Schedule(**{k: getattr(row, k) for k in SCHEDULE_PARAMS})  # validates each schedule
    return settings


def _place(result: ChunkResult | None, metrics: np.ndarray, returns: np.ndarray) -> None:
    if result is not None:
        metrics[result.variants] = result.metrics
        returns[result.variants] = result.returns


def run_sweep(
    config: Config,
    spec: SweepSpec,
    *,
    executor: Executor | None = None,
    chunk_dir: Path | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    market: Market | None = None,
) -> SweepResult:
    """Run every variant of ``spec`` on ``config``'s market.

    Parameters
    ----------
    config : Config
        Base config: data, universe, signal, window, and the schedule and costs of every
        setting the sweep does not vary.
    spec : SweepSpec
    executor : Executor, optional
        Default `LocalExecutor`.
    chunk_dir : Path, optional
        Where finished chunks are written as they complete (resumable); none when omitted.
    resume : bool
        Continue the chunks in ``chunk_dir``.
    progress : callable(done, total), optional
        Called after each chunk.
    market : Market, optional
        Pre-loaded market (tests); loaded from ``config`` when omitted.
    """
    executor = executor or LocalExecutor()
    market = market or load_market(config)
    variants = expand_variants(spec)
    settings = _settings(config, variants)
    strategy_columns = [c for c in variants.columns if c not in settings.columns]
    prices = market.prices
    columns = list(prices.columns)
    groups = list(settings.groupby(list(_GROUP_KEYS), sort=False).groups.items())
    contexts = {}
    for key, _ in groups:
        schedule = Schedule(**dict(zip(_GROUP_KEYS, tuple(key), strict=True)))  # type: ignore[arg-type]
        contexts[key] = schedule_context(market, schedule)
    start = min(int(c.events["effective_row"].iloc[0]) for c in contexts.values())
    window = prices.iloc[start:]
    close = np.ascontiguousarray(window.to_numpy(dtype=float))
    baseline_equity, baseline_fees, baseline_turnover = simulate_batch(
        close,
        np.array([0]),
        np.eye(len(columns))[[columns.index(config.baseline)]][:, None, :],
        weight_index=np.array([0]),
        fees=np.array([config.costs.fees_bps / 1e4]),
        slippage=np.array([config.costs.slippage_bps / 1e4]),
        band=np.zeros(1),
        initial_cash=config.run.initial_cash,
    )
    baseline_returns = daily_returns_batch(baseline_equity, config.run.initial_cash)[0]
    shared = SharedInputs(
        close=close,
        baseline_returns=baseline_returns,
        dates=window.index.to_numpy(dtype="datetime64[ns]"),
        initial_cash=float(config.run.initial_cash),
    )
    store = None
    if chunk_dir is not None:
        key = sweep_key(config, spec, str(market.manifest.get("data_sha256", "")))
        store = ChunkStore(chunk_dir, sweep_key=key, resume=resume)
    finished = store.done() if store else set()
    tasks: list[ChunkTask] = []
    for g, (key, members) in enumerate(groups):
        context = contexts[key]
        ids = np.asarray(members, dtype=np.int64)
        event_rows = context.events["effective_row"].to_numpy(dtype=np.int64) - start
        weights, index = variant_weights(
            context,
            spec.kind,
            spec.fixed,
            variants.loc[ids, strategy_columns],
            columns=columns,
        )
        for lo in range(0, len(ids), spec.chunk_size):
            chunk_key = f"g{g:03d}-{lo:07d}"
            if chunk_key in finished:
                continue
            part = slice(lo, lo + spec.chunk_size)
            used, local = np.unique(index[part], return_inverse=True)
            rows = settings.loc[ids[part]]
            tasks.append(
                ChunkTask(
                    key=chunk_key,
                    variants=ids[part],
                    event_rows=event_rows,
                    weights=weights[used],
                    weight_index=local.astype(np.int64),
                    fees=rows["fees_bps"].to_numpy(dtype=float) / 1e4,
                    slippage=rows["slippage_bps"].to_numpy(dtype=float) / 1e4,
                    band=rows["rebalance_band"].to_numpy(dtype=float),
                )
            )
    total = len(tasks) + len(finished)
    metrics = np.full((len(variants), len(METRIC_NAMES)), np.nan)
    returns = np.full((len(variants), len(window)), np.nan)
    done = 0
    for chunk_key in sorted(finished):
        _place(store.load(chunk_key) if store else None, metrics, returns)
        done += 1
    if progress:
        progress(done, total)
    for result in executor.run(shared, tasks):
        if store:
            store.save(result)
        _place(result, metrics, returns)
        del result
        done += 1
        if progress:
            progress(done, total)
    table = pd.concat(
        [variants, pd.DataFrame(metrics, index=variants.index, columns=list(METRIC_NAMES))],
        axis=1,
    )
    base_values = batch_metrics(
        baseline_returns[None, :],
        baseline_returns,
        dates=pd.DatetimeIndex(window.index),
        turnover=baseline_turnover,
        fees_paid=baseline_fees,
    )
    manifest = {
        **market.manifest,
        "sweep": {
            "kind": spec.kind,
            "n_variants": len(variants),
            "parameters": list(spec.parameters),
            "spec": _jsonable(dataclasses.asdict(spec)),
            "executor": describe_executor(executor),
            "window": [str(window.index[0].date()), str(window.index[-1].date())],
            "engine": "backtest.sweep.kernel (equal to backtest.engine.simulation to 1e-9, tested)",
        },
    }
    return SweepResult(
        spec=spec,
        table=table,
        returns=returns,
        baseline_returns=pd.Series(baseline_returns, index=window.index, name="baseline"),
        baseline_metrics={k: float(v[0]) for k, v in base_values.items()},
        settings=settings,
        manifest=manifest,
        market=market,
    )
