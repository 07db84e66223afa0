"""A chunk's reductions (`ChunkResult`) and the resumable folder of finished chunks (`ChunkStore`).

Each finished chunk is written as one small ``.npz`` file (temporary file, then rename) as soon
as it completes, so an interrupted sweep resumes without redoing it; the folder holds the hash of
everything that determines the numbers and refuses chunks of another sweep. A chunk file holds
only the chunk's reductions (about 0.3 KB per variant with the statistics), never daily series.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backtest.atomic import atomic_write_bytes, staged_folder
from backtest.errors import ConfigError

__all__ = ["ChunkResult", "ChunkStore"]


def _empty(*shape: int) -> np.ndarray:
    return np.zeros(shape)


@dataclass(frozen=True, kw_only=True)
class ChunkResult:
    """What one chunk of k variants reduces to.

    Attributes
    ----------
    key : str
    variants : ndarray of int, shape (k,)
    metrics : ndarray, shape (k, 18)
        `backtest.metrics.METRIC_NAMES` order.
    moments : ndarray, shape (k, 6)
        `backtest.sweep.reduce.MOMENT_NAMES` order.
    hashes : ndarray of uint64, shape (k, 2)
        128-bit hash of each return series.
    spans : ndarray, shape (k, n_spans)
        The ranking metric over the plan's out-of-sample spans.
    blocks : ndarray, shape (k, S, n_columns)
        CSCV block statistics (the plan's ``block_columns``).
    zsums : ndarray, shape (2, n_days)
        Sums of the standardised raw and active returns of the chunk's distinct series.
    zcounts : ndarray of int, shape (2,)
        Series in each sum.
    spa_statistic : float
    spa_simulated : ndarray, shape (3, reps)
        SPA maxima of the chunk's series (`backtest.sweep.spa.SpaPartial`).
    sensitivity : ndarray, shape (k, n_scenarios, n_metrics)
    equity : ndarray, shape (k, n_days)
        Daily values, only for a task that asked for them.
    """

    key: str
    variants: np.ndarray
    metrics: np.ndarray = field(default_factory=lambda: _empty(0, 0))
    moments: np.ndarray = field(default_factory=lambda: _empty(0, 0))
    hashes: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.uint64))
    spans: np.ndarray = field(default_factory=lambda: _empty(0, 0))
    blocks: np.ndarray = field(default_factory=lambda: _empty(0, 0, 0))
    zsums: np.ndarray = field(default_factory=lambda: _empty(2, 0))
    zcounts: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=np.int64))
    spa_statistic: float = -np.inf
    spa_simulated: np.ndarray = field(default_factory=lambda: _empty(3, 0))
    sensitivity: np.ndarray = field(default_factory=lambda: _empty(0, 0, 0))
    equity: np.ndarray = field(default_factory=lambda: _empty(0, 0))


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
        arrays = {
            f.name: np.asarray(getattr(result, f.name))
            for f in dataclasses.fields(result)
            if f.name not in ("key", "equity")
        }
        savez: Any = np.savez  # numpy's stub types the keywords as `allow_pickle`
        savez(buffer, **arrays)
        atomic_write_bytes(self.folder / f"{result.key}.npz", buffer.getvalue())

    def load(self, key: str) -> ChunkResult:
        """Read a finished chunk."""
        with np.load(self.folder / f"{key}.npz") as data:
            values = {name: data[name] for name in data.files}
        values["spa_statistic"] = float(values["spa_statistic"])
        return ChunkResult(key=key, **values)

    def remove(self) -> None:
        """Delete the folder (after the sweep's outputs are written)."""
        shutil.rmtree(self.folder, ignore_errors=True)
