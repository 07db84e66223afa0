"""The sweep pipeline: config + ``[sweep]`` -> K variants -> streamed chunks -> one table.

Every variant is simulated on one common window: from the first effective date of any of the
sweep's schedules to the end of the run (a variant holds cash before its own first event). The
baseline buys the baseline ticker with all cash at the close of the window's first day and pays
the base config's fees and slippage, as in a single run.

Chunks of ``chunk_size`` variants are generated lazily (their parameters only), evaluated by the
executor (weights, simulation, reduction: `backtest.sweep.executor`) and gathered as they arrive
(`backtest.sweep.trials`): the sweep never holds a K x n_days matrix, nor the weights of more
than one chunk. The daily returns of a few variants (the report's, ``--detail``'s, the
walk-forward picks') are re-simulated on demand by `SweepResult.returns_of`, bit for bit the
series the sweep reduced.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Config, Schedule, resolved_config
from backtest.errors import ConfigError
from backtest.metrics import METRIC_NAMES, daily_returns
from backtest.sweep.executor import (
    ChunkStore,
    ChunkTask,
    Executor,
    GroupInputs,
    LocalExecutor,
    SharedInputs,
    describe_executor,
    evaluate_chunk,
)
from backtest.sweep.grid import COST_PARAMS, SCHEDULE_PARAMS, SweepSpec, expand_variants
from backtest.sweep.kernel import prepared_prices, simulate_batch
from backtest.sweep.market import Market, load_market, schedule_context
from backtest.sweep.plan import Analysis, SweepPlan, make_plan, month_end_flags
from backtest.sweep.reduce import hash_keys, standardised_sums
from backtest.sweep.trials import Accumulator, TrialArrays
from backtest.sweep.walk import series_metrics

__all__ = ["SweepResult", "run_sweep", "sweep_key"]

_GROUP_KEYS = ("frequency", "anchor", "lag_days")


@dataclass(frozen=True, kw_only=True)
class SweepResult:
    """Everything a sweep produced.

    Attributes
    ----------
    spec : SweepSpec
    analysis : Analysis
    plan : SweepPlan
    table : DataFrame, shape (K, n_parameters + n_metrics + n_sensitivity)
        Index ``variant``; the varied parameters, every metric of `METRIC_NAMES`, then the
        sensitivity columns ``<metric>@<cost>=<bps>``.
    trials : TrialArrays
        Per-variant reductions for the statistics.
    baseline_returns : Series, length n_days
        Daily returns of the baseline, indexed by the window's dates.
    baseline_metrics : dict[str, float]
    settings : DataFrame, shape (K, 6)
        Resolved schedule and cost settings of each variant.
    manifest : dict
    market : Market
    shared : SharedInputs
        What every chunk read (re-simulation of chosen variants).
    """

    spec: SweepSpec
    analysis: Analysis
    plan: SweepPlan
    table: pd.DataFrame
    trials: TrialArrays
    baseline_returns: pd.Series
    baseline_metrics: dict[str, float]
    settings: pd.DataFrame
    manifest: dict[str, Any]
    market: Market
    shared: SharedInputs

    @property
    def dates(self) -> pd.DatetimeIndex:
        """The window's trading days."""
        return pd.DatetimeIndex(self.baseline_returns.index)

    def describe(self, variant: int) -> str:
        """``#id (parameter value, ...)``: how every output names a variant."""
        row = self.table.loc[variant]
        values = ", ".join(
            f"{p} {row[p]:g}" if isinstance(row[p], float | np.floating) else f"{p} {row[p]}"
            for p in self.spec.parameters
        )
        return f"#{variant} ({values})" if values else f"#{variant}"

    def equity_of(self, variants: np.ndarray) -> np.ndarray:
        """Daily equity of ``variants`` (re-simulated, bit for bit), shape (len, n_days)."""
        variants = np.asarray(variants, dtype=np.int64)
        return _equity_of(self.shared, self.table, self.settings, self.spec, variants)

    def returns_of(self, variants: np.ndarray) -> np.ndarray:
        """Daily returns of ``variants`` (re-simulated, bit for bit), shape (len, n_days)."""
        returns: np.ndarray = daily_returns(self.equity_of(variants).T, self.shared.initial_cash).T
        return returns


def sweep_key(config: Config, spec: SweepSpec, data_sha256: str, plan: SweepPlan) -> str:
    """sha256 of everything that determines a sweep's chunk files (config, spec, data, plan)."""
    payload = {
        "config": resolved_config(config),
        "spec": _jsonable(dataclasses.asdict(spec)),
        "data": data_sha256,
        "plan": {
            "metric": plan.metric,
            "statistics": plan.statistics,
            "blocks": [plan.n_blocks, plan.block_size],
            "walks": _jsonable(plan.walks),
            "spa": None
            if plan.spa_counts is None
            else hashlib.sha256(plan.spa_counts.tobytes()).hexdigest(),
            "spa_block_months": plan.spa_block_months,
        },
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


def _task(key: str, group: int, ids: np.ndarray, table: pd.DataFrame, settings: pd.DataFrame,
          spec: SweepSpec, returns: bool = False) -> ChunkTask:  # fmt: skip
    rows = settings.iloc[ids]
    strategy = [c for c in spec.parameters if c not in settings.columns]
    return ChunkTask(
        key=key,
        group=group,
        variants=ids,
        params={c: table[c].to_numpy()[ids] for c in strategy},
        fees=rows["fees_bps"].to_numpy(dtype=float) / 1e4,
        slippage=rows["slippage_bps"].to_numpy(dtype=float) / 1e4,
        band=rows["rebalance_band"].to_numpy(dtype=float),
        returns=returns,
    )


def _group_of(settings: pd.DataFrame) -> np.ndarray:
    """Schedule group of each variant (first-appearance order of the schedule keys)."""
    codes, _ = pd.MultiIndex.from_frame(settings[list(_GROUP_KEYS)]).factorize()
    return np.asarray(codes, dtype=np.int64)


def _equity_of(shared: SharedInputs, table: pd.DataFrame, settings: pd.DataFrame,
               spec: SweepSpec, variants: np.ndarray) -> np.ndarray:  # fmt: skip
    """Daily equity of ``variants`` (rows in the given order), shape (len, n_days)."""
    out = np.empty((len(variants), shared.prices[0].shape[0]))
    groups = _group_of(settings)[variants]
    for g in np.unique(groups):
        where = np.flatnonzero(groups == g)
        task = _task("returns", int(g), variants[where], table, settings, spec, returns=True)
        out[where] = evaluate_chunk(shared, task).equity
    return out


def run_sweep(
    config: Config,
    spec: SweepSpec,
    *,
    analysis: Analysis | None = None,
    executor: Executor | None = None,
    chunk_dir: Path | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    market: Market | None = None,
) -> SweepResult:
    """Run every variant of ``spec`` on ``config``'s market, streaming chunks.

    Parameters
    ----------
    config : Config
        Base config: data, universe, signal, window, and the schedule and costs of every
        setting the sweep does not vary.
    spec : SweepSpec
    analysis : Analysis, optional
        Statistics and out-of-sample settings (default `Analysis()`).
    executor : Executor, optional
        Default `LocalExecutor`.
    chunk_dir : Path, optional
        Where finished chunks are written as they complete (resumable); none when omitted.
    resume : bool
        Continue the chunks in ``chunk_dir``.
    progress : callable(variants done, variants in total), optional
        Called after each chunk.
    market : Market, optional
        Pre-loaded market (tests); loaded from ``config`` when omitted.
    """
    analysis = analysis or Analysis()
    executor = executor or LocalExecutor()
    market = market or load_market(config)
    variants = expand_variants(spec)
    settings = _settings(config, variants)
    prices = market.prices
    columns = list(prices.columns)
    group_of = _group_of(settings)
    keys = pd.MultiIndex.from_frame(settings[list(_GROUP_KEYS)]).unique()
    contexts = [
        schedule_context(market, Schedule(**dict(zip(_GROUP_KEYS, key, strict=True))))
        for key in keys
    ]
    start = min(int(c.events["effective_row"].iloc[0]) for c in contexts)
    window = prices.iloc[start:]
    dates = pd.DatetimeIndex(window.index)
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
    cash = float(config.run.initial_cash)
    baseline_returns = baseline_equity[0] / np.r_[cash, baseline_equity[0, :-1]] - 1.0
    plan = make_plan(analysis, spec, dates)
    month_end = month_end_flags(dates)
    shared = SharedInputs(
        prices=prepared_prices(close),
        columns=columns,
        baseline_returns=baseline_returns,
        month_end=month_end,
        hash_keys=hash_keys(len(dates)),
        initial_cash=cash,
        kind=spec.kind,
        fixed=dict(spec.fixed),
        groups=tuple(
            GroupInputs(context=c, event_rows=c.events["effective_row"].to_numpy(np.int64) - start)
            for c in contexts
        ),
        plan=plan,
    )
    store = None
    if chunk_dir is not None:
        key = sweep_key(config, spec, str(market.manifest.get("data_sha256", "")), plan)
        store = ChunkStore(chunk_dir, sweep_key=key, resume=resume)
    finished = store.done() if store else set()
    accumulator = Accumulator(len(variants))

    def tasks() -> Iterator[ChunkTask]:
        for g in range(len(contexts)):
            ids = np.flatnonzero(group_of == g)
            for lo in range(0, len(ids), spec.chunk_size):
                chunk_key = f"g{g:03d}-{lo:07d}"
                if chunk_key not in finished:
                    part = ids[lo : lo + spec.chunk_size]
                    yield _task(chunk_key, g, part, variants, settings, spec)

    for chunk_key in sorted(finished):
        accumulator.add(store.load(chunk_key))  # type: ignore[union-attr]
    if progress:
        progress(accumulator.filled, len(variants))
    for result in executor.run(shared, tasks()):
        if store:
            store.save(result)
        accumulator.add(result)
        if progress:
            progress(accumulator.filled, len(variants))

    def recount(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sums, counts = np.zeros((2, len(dates))), np.zeros(2, dtype=np.int64)
        for lo in range(0, len(rows), spec.chunk_size):  # a chunk's memory at a time, in order
            part = rows[lo : lo + spec.chunk_size]
            more, n = standardised_sums(
                _equity_of(shared, variants, settings, spec, part),
                initial_cash=cash,
                baseline=baseline_returns,
                rows=np.arange(len(part)),
                moments=accumulator.arrays["moments"][part],
            )
            sums, counts = sums + more, counts + n
        return sums, counts

    trials = accumulator.finish(recount if plan.statistics else None)
    table = pd.concat(
        [variants, pd.DataFrame(trials.metrics, index=variants.index, columns=list(METRIC_NAMES))],
        axis=1,
    )
    for i, (cost, bps) in enumerate(plan.scenarios):
        for j, name in enumerate(plan.scenario_metrics):
            table[f"{name}@{cost}={bps:g}"] = trials.sensitivity[:, i, j]
    base = series_metrics(baseline_returns, baseline=baseline_returns, month_end=month_end)
    years = len(dates) / 252
    baseline_metrics = dict(zip(METRIC_NAMES[:-2], map(float, base), strict=True))
    baseline_metrics["annual_turnover"] = float(np.nansum(baseline_turnover) / years)
    baseline_metrics["fees_paid"] = float(baseline_fees[0])
    manifest = {
        **market.manifest,
        "sweep": {
            "kind": spec.kind,
            "n_variants": len(variants),
            "parameters": list(spec.parameters),
            "spec": _jsonable(dataclasses.asdict(spec)),
            "executor": describe_executor(executor),
            "window": [str(dates[0].date()), str(dates[-1].date())],
            "engine": "backtest.sweep.kernel (equal to backtest.engine.simulation to 1e-9, tested)",
        },
    }
    return SweepResult(
        spec=spec,
        analysis=analysis,
        plan=plan,
        table=table,
        trials=trials,
        baseline_returns=pd.Series(baseline_returns, index=dates, name="baseline"),
        baseline_metrics=baseline_metrics,
        settings=settings,
        manifest=manifest,
        market=market,
        shared=shared,
    )
