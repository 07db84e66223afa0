"""Chunks of variants: weights, simulation and reduction in one call, in process or on Dask.

A chunk is a `ChunkTask`: its variants' ids, strategy parameters, costs and band (a few numbers
per variant). `evaluate_chunk` builds the chunk's weights from those parameters and the schedule's
`Context` in `SharedInputs`, simulates them with the kernel, and reduces the equity curves to a
`ChunkResult` (`backtest.sweep.reduce`, `backtest.sweep.spa`, the plan's sensitivity runs): no
daily series leaves a chunk unless the task asks for it (``returns=True``, for the few variants a
report shows). The Dask executor scatters the `SharedInputs` once to every worker and keeps a
bounded number of chunks in flight, so only parameters go out and only reductions come back.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from backtest.constants import TRADING_DAYS_PER_YEAR
from backtest.context import Context
from backtest.errors import ConfigError
from backtest.metrics import METRIC_NAMES
from backtest.sweep.kernel import simulate_into
from backtest.sweep.plan import SweepPlan
from backtest.sweep.reduce import reduce_equity, standardised_sums
from backtest.sweep.spa import spa_chunk
from backtest.sweep.store import ChunkResult, ChunkStore
from backtest.sweep.walk import BLOCK_STATS
from backtest.sweep.weights import variant_weights

__all__ = [
    "ChunkResult",
    "ChunkStore",
    "ChunkTask",
    "DaskExecutor",
    "Executor",
    "GroupInputs",
    "LocalExecutor",
    "SharedInputs",
    "describe_executor",
    "evaluate_chunk",
]


@dataclass(frozen=True, kw_only=True)
class GroupInputs:
    """One schedule of the sweep: its strategy context and event rows in the window."""

    context: Context
    event_rows: np.ndarray


@dataclass(frozen=True, kw_only=True)
class SharedInputs:
    """Inputs common to every chunk (sent once to each Dask worker).

    Attributes
    ----------
    prices : tuple of ndarray
        `backtest.sweep.kernel.prepared_prices` of the window, each (n_days, n_tickers).
    columns : list of str
        Ticker of each price column.
    baseline_returns : ndarray, shape (n_days,)
    month_end : ndarray of bool, shape (n_days,)
    hash_keys : ndarray of uint64, shape (2, n_days)
    initial_cash : float
    kind : str
        Strategy registry kind.
    fixed : dict
        Strategy parameters held fixed.
    groups : tuple of GroupInputs
        One per schedule, indexed by `ChunkTask.group`.
    plan : SweepPlan
    """

    prices: tuple[np.ndarray, np.ndarray, np.ndarray]
    columns: list[str]
    baseline_returns: np.ndarray
    month_end: np.ndarray
    hash_keys: np.ndarray
    initial_cash: float
    kind: str
    fixed: dict[str, Any]
    groups: tuple[GroupInputs, ...]
    plan: SweepPlan
    baseline_months: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        """Derive the baseline's calendar-month returns."""
        wealth = np.cumprod(1.0 + self.baseline_returns)[self.month_end]
        months = wealth / np.concatenate(([1.0], wealth[:-1])) - 1.0
        object.__setattr__(self, "baseline_months", months)


@dataclass(frozen=True, kw_only=True)
class ChunkTask:
    """One chunk of variants on one schedule.

    Attributes
    ----------
    key : str
        Stable name of the chunk (its file name).
    group : int
        Schedule of the chunk (`SharedInputs.groups`).
    variants : ndarray of int, shape (k,)
    params : dict of str -> ndarray, shape (k,)
        The varied strategy parameters of each variant.
    fees, slippage, band : ndarray, shape (k,)
        Fractions of notional and the drift band.
    returns : bool
        Return the daily equity of the variants (``ChunkResult.equity``) and reduce nothing
        else: for the few variants a report or a check shows.
    """

    key: str
    group: int
    variants: np.ndarray
    params: dict[str, np.ndarray]
    fees: np.ndarray
    slippage: np.ndarray
    band: np.ndarray
    returns: bool = False


def _simulate(
    shared: SharedInputs,
    task: ChunkTask,
    weights: tuple[np.ndarray, np.ndarray],
    equity: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    fees_paid, turnover, _ = simulate_into(
        shared.prices,
        shared.groups[task.group].event_rows,
        weights[0],
        weight_index=weights[1],
        fees=fees,
        slippage=slippage,
        band=task.band,
        initial_cash=shared.initial_cash,
        equity_out=equity,
    )
    return fees_paid, turnover


def _first_rows(hashes: np.ndarray) -> np.ndarray:
    """Rows of the first occurrence of each distinct hash pair (ascending)."""
    _, first = np.unique(hashes, axis=0, return_index=True)
    return np.sort(first)


def evaluate_chunk(shared: SharedInputs, task: ChunkTask) -> ChunkResult:
    """Build the chunk's weights, simulate its variants and reduce them (module docstring)."""
    group = shared.groups[task.group]
    weights = variant_weights(
        group.context,
        shared.kind,
        shared.fixed,
        pd.DataFrame(task.params, index=pd.RangeIndex(len(task.variants))),
        columns=shared.columns,
    )
    k, n_days = len(task.variants), shared.prices[0].shape[0]
    equity = np.empty((k, n_days))
    fees_paid, turnover = _simulate(shared, task, weights, equity, task.fees, task.slippage)
    if task.returns:
        return ChunkResult(key=task.key, variants=task.variants, equity=equity)
    plan = shared.plan
    reduced = reduce_equity(
        equity,
        initial_cash=shared.initial_cash,
        baseline=shared.baseline_returns,
        month_end=shared.month_end,
        walks=[(lo, np.array(cuts)) for lo, cuts in plan.walks],
        span_metric=plan.metric if plan.walks else "sharpe_ratio",
        n_blocks=plan.n_blocks,
        block_paths=bool({"high", "low", "drawdown"} & set(plan.block_columns)),
        months=plan.spa_counts is not None,
        keys=shared.hash_keys,
    )
    years = n_days / TRADING_DAYS_PER_YEAR
    metrics = np.column_stack([reduced["metrics"], np.nansum(turnover, axis=1) / years, fees_paid])
    result: dict[str, Any] = {"moments": reduced["moments"], "hashes": reduced["hashes"]}
    result["spans"] = reduced["spans"]
    result["blocks"] = reduced["blocks"][:, :, [BLOCK_STATS.index(c) for c in plan.block_columns]]
    if plan.statistics:  # the trials' z-scores and the SPA maxima, once per distinct series
        first = _first_rows(reduced["hashes"])
        result["zsums"], result["zcounts"] = standardised_sums(
            equity,
            initial_cash=shared.initial_cash,
            baseline=shared.baseline_returns,
            rows=first,
            moments=reduced["moments"],
        )
        if plan.spa_counts is not None:
            partial = spa_chunk(
                reduced["months"][first],
                shared.baseline_months,
                plan.spa_counts,
                block_size=plan.spa_block_months,
            )
            result["spa_statistic"], result["spa_simulated"] = partial.statistic, partial.simulated
    result["sensitivity"] = _sensitivity(shared, task, weights, equity)
    return ChunkResult(key=task.key, variants=task.variants, metrics=metrics, **result)


def _metrics(
    shared: SharedInputs, equity: np.ndarray, turnover: np.ndarray, fees_paid: np.ndarray
) -> np.ndarray:
    """Every metric of `METRIC_NAMES`, (k, 18), of the simulated ``equity``."""
    reduced = reduce_equity(
        equity,
        initial_cash=shared.initial_cash,
        baseline=shared.baseline_returns,
        month_end=shared.month_end,
        keys=shared.hash_keys,
    )
    years = equity.shape[1] / TRADING_DAYS_PER_YEAR
    return np.column_stack([reduced["metrics"], np.nansum(turnover, axis=1) / years, fees_paid])


def _sensitivity(
    shared: SharedInputs,
    task: ChunkTask,
    weights: tuple[np.ndarray, np.ndarray],
    equity: np.ndarray,
) -> np.ndarray:
    """Per scenario, the plan's ``scenario_metrics``: shape (k, n_scenarios, n_metrics)."""
    plan = shared.plan
    columns = [METRIC_NAMES.index(m) for m in plan.scenario_metrics]
    out = np.empty((len(task.variants), len(plan.scenarios), len(columns)))
    for i, (name, bps) in enumerate(plan.scenarios):
        fees = np.full(len(task.fees), bps / 1e4) if name == "fees_bps" else task.fees
        slippage = np.full(len(task.fees), bps / 1e4) if name == "slippage_bps" else task.slippage
        fees_paid, turnover = _simulate(shared, task, weights, equity, fees, slippage)
        out[:, i] = _metrics(shared, equity, turnover, fees_paid)[:, columns]
    return out


class Executor(Protocol):
    """Runs chunk tasks and yields their results in completion order."""

    def run(self, shared: SharedInputs, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        """Evaluate every task; yield each result as it completes."""
        ...


class LocalExecutor:
    """In-process, one chunk after the other (the kernel is parallel over variants)."""

    def run(self, shared: SharedInputs, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        """Evaluate ``tasks`` in order."""
        for task in tasks:
            yield evaluate_chunk(shared, task)


class DaskExecutor:
    """Chunks on a Dask distributed cluster: ``DaskExecutor(scheduler="tcp://host:8786")``.

    Parameters
    ----------
    scheduler : str
        Address of a running scheduler (``dask scheduler``; workers started with
        ``dask worker tcp://host:8786`` on machines where this package is installed).
    in_flight : int
        Chunks submitted ahead per worker (bounds the memory of pending results).
    timeout : str
        How long to wait for the scheduler (a Dask duration).
    """

    def __init__(self, *, scheduler: str, in_flight: int = 2, timeout: str = "10s") -> None:
        self.scheduler = scheduler
        self.in_flight = in_flight
        self.timeout = timeout

    def run(self, shared: SharedInputs, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        """Scatter ``shared`` once, submit ``tasks`` a window at a time, yield as they complete."""
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError as exc:  # pragma: no cover - dask is a declared dependency
            raise ConfigError("`--executor dask` needs the `distributed` package") from exc
        try:
            client = distributed.Client(self.scheduler, timeout=self.timeout)
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler `{self.scheduler}`: {exc}") from exc
        try:
            pending = iter(tasks)
            prefix = f"sweep-{uuid.uuid4().hex[:12]}"  # never a cached result of another run
            shared_future = client.scatter(shared, broadcast=True)
            window = max(1, self.in_flight * max(1, len(client.scheduler_info()["workers"])))
            running = distributed.as_completed()
            for task in pending:
                running.add(
                    client.submit(evaluate_chunk, shared_future, task, key=f"{prefix}-{task.key}")
                )
                if running.count() >= window:
                    break
            for future in running:
                result: ChunkResult = future.result()
                future.release()
                nxt = next(pending, None)
                if nxt is not None:
                    running.add(
                        client.submit(evaluate_chunk, shared_future, nxt, key=f"{prefix}-{nxt.key}")
                    )
                yield result
        finally:
            client.close()


def describe_executor(executor: Any) -> str:
    """Return a short label for the manifest."""
    if isinstance(executor, DaskExecutor):
        return f"dask ({executor.scheduler})"
    return "local"
