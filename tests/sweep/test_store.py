"""Chunk files: whole or absent, tagged with their sweep, read back bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backtest.errors import ConfigError
from backtest.sweep import store
from backtest.sweep.store import ChunkResult, ChunkStore


def test_a_chunk_folder_appears_with_its_key_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks = tmp_path / "chunks"

    def killed(path: Path, payload: bytes) -> None:
        raise KeyboardInterrupt  # the process dies while writing the key file

    monkeypatch.setattr(store, "atomic_write_bytes", killed)
    with pytest.raises(KeyboardInterrupt):
        ChunkStore(chunks, sweep_key="abc", resume=False)
    assert list(tmp_path.iterdir()) == []  # no folder without a key, no staging left behind
    monkeypatch.undo()
    folder = ChunkStore(chunks, sweep_key="abc", resume=False)
    assert folder.done() == set()
    assert ChunkStore(chunks, sweep_key="abc", resume=True).done() == set()
    (chunks / "sweep_key.json").unlink()
    with pytest.raises(ConfigError, match=r"is not a sweep chunk folder \(no sweep_key.json\)"):
        ChunkStore(chunks, sweep_key="abc", resume=True)


def test_a_chunk_reads_back_bit_for_bit(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    result = ChunkResult(
        key="g000-0000000",
        variants=np.arange(5),
        metrics=rng.random((5, 18)),
        moments=rng.random((5, 10)),
        hashes=rng.integers(0, 2**63, (5, 2)).astype(np.uint64),
        spans=rng.random((5, 3)),
        blocks=rng.random((5, 4, 2)),
        zsums=rng.random((2, 50)),
        zcounts=np.array([5, 4]),
        spa_statistic=0.25,
        spa_simulated=rng.random((3, 20)),
        sensitivity=rng.random((5, 2, 3)),
    )
    folder = ChunkStore(tmp_path / "chunks", sweep_key="k", resume=False)
    folder.save(result)
    assert folder.done() == {result.key}
    back = folder.load(result.key)
    for name, value in vars(result).items():
        if name != "equity":
            assert np.asarray(getattr(back, name)).tobytes() == np.asarray(value).tobytes(), name
    with pytest.raises(ConfigError, match="pass --resume"):
        ChunkStore(tmp_path / "chunks", sweep_key="k", resume=False)
