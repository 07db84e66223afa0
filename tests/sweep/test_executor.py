"""Executors give identical results; chunk files make an interrupted sweep resumable."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path

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
from backtest.sweep.plan import Analysis
from backtest.sweep.run import SweepResult, run_sweep
from backtest.sweep.summary import sweep_statistics

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
ANALYSIS = Analysis(pbo_blocks=4, spa_reps=100)


def _same(a: SweepResult, b: SweepResult) -> None:
    """Bit for bit: the table, every per-variant reduction, the sums and the statistics."""
    assert a.table.equals(b.table)
    for name in ("metrics", "moments", "hashes", "spans", "blocks", "trials", "zsums", "zcounts"):
        assert getattr(a.trials, name).tobytes() == getattr(b.trials, name).tobytes(), name
    assert sweep_statistics(a).as_dict() == sweep_statistics(b).as_dict()


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

    def run(self, shared: SharedInputs, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
        for result in LocalExecutor().run(shared, tasks):
            if len(self.evaluated) == self.n:
                raise _Interrupted
            self.evaluated.append(result.key)
            yield result


def test_resume_skips_finished_chunks_and_matches_a_full_run(
    market: Market, tmp_path: Path
) -> None:
    config = market.config
    kw = {"market": market, "analysis": ANALYSIS}
    full = run_sweep(config, SPEC, **kw)
    chunks = tmp_path / "chunks"
    first = _StopAfter(2)
    with pytest.raises(_Interrupted):
        run_sweep(config, SPEC, executor=first, chunk_dir=chunks, **kw)
    assert len(list(chunks.glob("*.npz"))) == 2  # written as they completed
    with pytest.raises(ConfigError, match="pass --resume"):
        run_sweep(config, SPEC, chunk_dir=chunks, **kw)
    second = _StopAfter(10_000)
    resumed = run_sweep(config, SPEC, executor=second, chunk_dir=chunks, resume=True, **kw)
    assert not set(first.evaluated) & set(second.evaluated)  # finished chunks were not redone
    assert len(first.evaluated) + len(second.evaluated) == len(list(chunks.glob("*.npz")))
    _same(resumed, full)
    other = Analysis(pbo_blocks=6, spa_reps=100)  # other statistics: other chunk files
    with pytest.raises(ConfigError, match="holds chunks of a different sweep"):
        run_sweep(config, SPEC, market=market, analysis=other, chunk_dir=chunks, resume=True)


def test_resume_refuses_chunks_of_another_sweep(market: Market, tmp_path: Path) -> None:
    chunks = tmp_path / "chunks"
    with pytest.raises(_Interrupted):
        run_sweep(market.config, SPEC, market=market, executor=_StopAfter(1), chunk_dir=chunks)
    other = dataclasses.replace(SPEC, grid={**SPEC.grid, "fees_bps": (1.0, 2.0)})
    with pytest.raises(ConfigError, match="holds chunks of a different sweep"):
        run_sweep(market.config, other, market=market, chunk_dir=chunks, resume=True)


def test_dask_local_cluster_gives_the_local_results(market: Market) -> None:
    distributed = pytest.importorskip("distributed")
    local = run_sweep(market.config, SPEC, market=market, analysis=ANALYSIS)
    sent: list[int] = []

    class Watched(DaskExecutor):
        def run(self, shared: SharedInputs, tasks: Iterable[ChunkTask]) -> Iterator[ChunkResult]:
            def watched() -> Iterator[ChunkTask]:
                for task in tasks:
                    sent.append(len(pickle.dumps(task)))
                    yield task

            for result in super().run(shared, watched()):
                # a task (parameters) is smaller than the reductions it comes back with
                assert max(sent) < len(pickle.dumps(result)) / 2
                yield result

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # a free port: other jobs may hold 8787
    ) as cluster:
        remote = run_sweep(
            market.config,
            SPEC,
            market=market,
            analysis=ANALYSIS,
            executor=Watched(scheduler=cluster.scheduler_address),
        )
    _same(remote, local)
    assert len(sent) == 6
    assert remote.manifest["sweep"]["executor"].startswith("dask (tcp://127.0.0.1:")


def test_unreachable_scheduler_is_a_config_error(market: Market) -> None:
    with pytest.raises(ConfigError, match="cannot reach the Dask scheduler"):
        run_sweep(
            market.config,
            SPEC,
            market=market,
            executor=DaskExecutor(scheduler="tcp://127.0.0.1:9", timeout="1s"),
        )
