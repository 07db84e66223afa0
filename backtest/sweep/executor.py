"""Running chunks of variants: in process or on a Dask cluster, with resumable chunk files.

A chunk is a `ChunkTask` (its variants' weights, costs and band) evaluated against the
`SharedInputs` every chunk reads (prices, baseline returns, dates): `evaluate_chunk` runs the
kernel and the metrics and returns a `ChunkResult`. `ChunkStore` writes each result as one
``.npz`` file as soon as it completes (temporary file, then rename), so an interrupted sweep
resumes without redoing finished chunks. The Dask executor scatters the shared inputs once to
every worker (never one copy per task) and collects results as they complete.
"""

from __future__ import annotations

import importlib
import io
import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from backtest.atomic import atomic_write_bytes, staged_folder
from backtest.errors import ConfigError
from backtest.sweep.kernel import simulate_batch
from backtest.sweep.metrics import METRIC_NAMES, batch_metrics, daily_returns_batch

__all__ = [
    "ChunkResult",
    "ChunkStore",
    "ChunkTask",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "SharedInputs",
    "evaluate_chunk",
]


@dataclass(frozen=True, kw_only=True)
class SharedInputs:
    """Inputs common to every chunk.

    Attributes
    ----------
    close : ndarray, shape (n_days, n_tickers)
        Closes of the sweep window.
    baseline_returns : ndarray, shape (n_days,)
    dates : ndarray of datetime64[ns], shape (n_days,)
    initial_cash : float
    """

    close: np.ndarray
    baseline_returns: np.ndarray
    dates: np.ndarray
    initial_cash: float


@dataclass(frozen=True, kw_only=True)
class ChunkTask:
    """One chunk of variants on one schedule.

    Attributes
    ----------
    key : str
        Stable name of the chunk (its file name).
    variants : ndarray of int, shape (k,)
    event_rows : ndarray of int, shape (n_events,)
    weights : ndarray, shape (n_weights, n_events, n_tickers)
    weight_index : ndarray of int, shape (k,)
    fees, slippage, band : ndarray, shape (k,)
    """

    key: str
    variants: np.ndarray
    event_rows: np.ndarray
    weights: np.ndarray
    weight_index: np.ndarray
    fees: np.ndarray
    slippage: np.ndarray
    band: np.ndarray


@dataclass(frozen=True, kw_only=True)
class ChunkResult:
    """Metrics (k, n_metrics) in `METRIC_NAMES` order and daily returns (k, n_days)."""

    key: str
    variants: np.ndarray
    metrics: np.ndarray
    returns: np.ndarray


def evaluate_chunk(shared: SharedInputs, task: ChunkTask) -> ChunkResult:
    """Simulate the chunk's variants and compute their metrics against the baseline."""
    equity, fees_paid, turnover = simulate_batch(
        shared.close,
        task.event_rows,
        task.weights,
        weight_index=task.weight_index,
        fees=task.fees,
        slippage=task.slippage,
        band=task.band,
        initial_cash=shared.initial_cash,
    )
    returns = daily_returns_batch(equity, shared.initial_cash)
    del equity
    values = batch_metrics(
        returns,
        shared.baseline_returns,
        dates=pd.DatetimeIndex(shared.dates),
        turnover=turnover,
        fees_paid=fees_paid,
    )
    metrics = np.column_stack([values[name] for name in METRIC_NAMES])
    return ChunkResult(key=task.key, variants=task.variants, metrics=metrics, returns=returns)


class Executor(Protocol):
    """Runs chunk tasks and yields their results in completion order."""

    def run(self, shared: SharedInputs, tasks: Sequence[ChunkTask]) -> Iterator[ChunkResult]:
        """Evaluate every task; yield each result as it completes."""
        ...


class LocalExecutor:
    """In-process, one chunk after the other (the kernel is parallel over variants)."""

    def run(self, shared: SharedInputs, tasks: Sequence[ChunkTask]) -> Iterator[ChunkResult]:
        """Evaluate ``tasks`` in order."""
        for task in tasks:
            yield evaluate_chunk(shared, task)


class DaskExecutor:
    """Chunks on a Dask distributed cluster: ``DaskExecutor(scheduler="tcp://host:8786")``.

    Parameters
    ----------
    scheduler : str
        Address of a running scheduler.
    """

    def __init__(self, *, scheduler: str) -> None:
        self.scheduler = scheduler

    def run(self, shared: SharedInputs, tasks: Sequence[ChunkTask]) -> Iterator[ChunkResult]:
        """Submit every task; yield results as they complete."""
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError as exc:  # pragma: no cover - dask is a declared dependency
            raise ConfigError("`--executor dask` needs the `distributed` package") from exc
        try:
            client = distributed.Client(self.scheduler, timeout="10s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler `{self.scheduler}`: {exc}") from exc
        try:
            if not tasks:
                return
            shared_future = client.scatter(shared, broadcast=True)
            futures = [
                client.submit(evaluate_chunk, shared_future, task, key=f"chunk-{task.key}")
                for task in tasks
            ]
            for future in distributed.as_completed(futures):
                result: ChunkResult = future.result()
                future.release()
                yield result
        finally:
            client.close()


class ChunkStore:
    """Chunk result files of one sweep in ``folder``, tagged with the sweep's ``sweep_key``.

    Parameters
    ----------
    folder : Path
    sweep_key : str
        Hash of everything that determines the results; a folder from another sweep is refused.
    resume : bool
        Keep (and skip) finished chunks; otherwise an existing folder is an error.
    """

    def __init__(self, folder: Path, *, sweep_key: str, resume: bool) -> None:
        self.folder = Path(folder)
        key_file = self.folder / "sweep_key.json"
        if self.folder.exists():
            if not resume:
                raise ConfigError(
                    f"unfinished sweep chunks exist in `{self.folder}`; pass --resume to "
                    "continue them or delete the folder"
                )
            if not key_file.is_file():
                raise ConfigError(
                    f"`{self.folder}` is not a sweep chunk folder (no sweep_key.json); delete it "
                    "to start again"
                )
            if json.loads(key_file.read_text())["sweep_key"] != sweep_key:
                raise ConfigError(
                    f"`{self.folder}` holds chunks of a different sweep (config, data or "
                    "parameters changed); delete it to start again"
                )
        else:
            # the folder appears with its key file or not at all (a kill in between leaves only
            # a hidden temporary sibling), so --resume never meets a folder without a key
            with staged_folder(self.folder) as staging:
                atomic_write_bytes(
                    staging / "sweep_key.json", json.dumps({"sweep_key": sweep_key}).encode()
                )

    def done(self) -> set[str]:
        """Keys of the finished chunks."""
        return {p.stem for p in self.folder.glob("*.npz")}

    def save(self, result: ChunkResult) -> None:
        """Write ``result`` atomically (a chunk file is whole or absent)."""
        buffer = io.BytesIO()
        np.savez(buffer, variants=result.variants, metrics=result.metrics, returns=result.returns)
        atomic_write_bytes(self.folder / f"{result.key}.npz", buffer.getvalue())

    def load(self, key: str) -> ChunkResult:
        """Read a finished chunk."""
        with np.load(self.folder / f"{key}.npz") as data:
            return ChunkResult(
                key=key,
                variants=data["variants"],
                metrics=data["metrics"],
                returns=data["returns"],
            )

    def remove(self) -> None:
        """Delete the folder (after the sweep's outputs are written)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def describe_executor(executor: Any) -> str:
    """Return a short label for the manifest."""
    if isinstance(executor, DaskExecutor):
        return f"dask ({executor.scheduler})"
    return "local"
