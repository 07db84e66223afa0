"""Atomic file writes and checksums shared by the price cache and the snapshot writer."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["atomic_write_bytes", "file_sha256", "parquet_bytes", "write_json_atomic"]

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of the bytes of ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary sibling file and an atomic rename.

    A reader sees either the old file or the whole new one, never a partial write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise ``frame`` (index kept) to zstd-compressed Parquet bytes with pyarrow.

    The same frame and library versions give the same bytes, so a file's sha256 identifies it.
    """
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=True, compression="zstd")
    return buffer.getvalue()


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented, key-sorted JSON, atomically."""
    text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
