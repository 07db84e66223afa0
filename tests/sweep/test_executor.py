"""Executors give identical results; chunk files make an interrupted sweep resumable."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from backtest.config import load_config
from backtest.errors import ConfigError
from backtest.sweep.executor import (
    ChunkResult,
    ChunkTask,
    DaskExecutor,
    LocalExecutor,
    SharedInputs,
)
from backtest.sweep.grid import parse_sweep
from backtest.sweep.market import Market, load_market
from backtest.sweep.run import run_sweep

SPEC = parse_sweep(
    {
        "kind": "proportional",
        "grid": {
            "edge_fraction": [0.0, 0.25, 0.5, 1.0],
            "lag_days": [1, 2],
            "fees_bps": [5.0, 20.0],
        },
        "chunk_size": 3,
    }
)


@pytest.fixture(scope="module")
def market() -> Market:
    return load_market(load_config("configs/demo.toml"))


class _Interrupted(Exception):
    pass


class _StopAfter:
    """A local executor that dies after ``n`` chunks (an interrupted sweep)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.evaluated: list[str] = []

    def run(self, shared: SharedInputs, tasks: Sequence[ChunkTask]) -> Iterator[ChunkResult]:
        for result in LocalExecutor().run(shared, tasks):
            if len(self.evaluated) == self.n:
                raise _Interrupted
            self.evaluated.append(result.key)
            yield result


def test_resume_skips_finished_chunks_and_matches_a_full_run(
    market: Market, tmp_path: Path
) -> None:
    config = market.config
    full = run_sweep(config, SPEC, market=market)
    chunks = tmp_path / "chunks"
    first = _StopAfter(2)
    with pytest.raises(_Interrupted):
        run_sweep(config, SPEC, market=market, executor=first, chunk_dir=chunks)
    assert len(list(chunks.glob("*.npz"))) == 2  # written as they completed
    with pytest.raises(ConfigError, match="pass --resume"):
        run_sweep(config, SPEC, market=market, chunk_dir=chunks)
    second = _StopAfter(10_000)
    resumed = run_sweep(config, SPEC, market=market, executor=second, chunk_dir=chunks, resume=True)
    assert not set(first.evaluated) & set(second.evaluated)  # finished chunks were not redone
    assert len(first.evaluated) + len(second.evaluated) == len(list(chunks.glob("*.npz")))
    np.testing.assert_array_equal(resumed.returns, full.returns)
    assert resumed.table.equals(full.table)


def test_resume_refuses_chunks_of_another_sweep(market: Market, tmp_path: Path) -> None:
    chunks = tmp_path / "chunks"
    with pytest.raises(_Interrupted):
        run_sweep(market.config, SPEC, market=market, executor=_StopAfter(1), chunk_dir=chunks)
    other = dataclasses.replace(SPEC, grid={**SPEC.grid, "fees_bps": (1.0, 2.0)})
    with pytest.raises(ConfigError, match="holds chunks of a different sweep"):
        run_sweep(market.config, other, market=market, chunk_dir=chunks, resume=True)


def test_a_chunk_folder_appears_with_its_key_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backtest.sweep import executor

    chunks = tmp_path / "chunks"

    def killed(path: Path, payload: bytes) -> None:
        raise KeyboardInterrupt  # the process dies while writing the key file

    monkeypatch.setattr(executor, "atomic_write_bytes", killed)
    with pytest.raises(KeyboardInterrupt):
        executor.ChunkStore(chunks, sweep_key="abc", resume=False)
    assert list(tmp_path.iterdir()) == []  # no folder without a key, no staging left behind
    monkeypatch.undo()
    store = executor.ChunkStore(chunks, sweep_key="abc", resume=False)
    assert store.done() == set()
    assert executor.ChunkStore(chunks, sweep_key="abc", resume=True).done() == set()
    (chunks / "sweep_key.json").unlink()
    with pytest.raises(ConfigError, match=r"is not a sweep chunk folder \(no sweep_key.json\)"):
        executor.ChunkStore(chunks, sweep_key="abc", resume=True)


def test_dask_local_cluster_gives_the_local_results(market: Market) -> None:
    distributed = pytest.importorskip("distributed")
    local = run_sweep(market.config, SPEC, market=market)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        remote = run_sweep(
            market.config,
            SPEC,
            market=market,
            executor=DaskExecutor(scheduler=cluster.scheduler_address),
        )
    np.testing.assert_array_equal(remote.returns, local.returns)
    assert remote.table.equals(local.table)
    assert remote.manifest["sweep"]["executor"].startswith("dask (tcp://127.0.0.1:")


def test_unreachable_scheduler_is_a_config_error(market: Market) -> None:
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        run_sweep(
            market.config,
            SPEC,
            market=market,
            executor=DaskExecutor(scheduler="tcp://127.0.0.1:9"),
        )
