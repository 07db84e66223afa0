"""Checksums and Parquet bytes shared by the price cache and the snapshot writer."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pandas as pd

__all__ = ["file_sha256", "parquet_bytes"]

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of the bytes of ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise ``frame`` (index kept) to zstd-compressed Parquet bytes with pyarrow.

    The same frame and library versions give the same bytes, so a file's sha256 identifies it.
    """
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=True, compression="zstd")
    return buffer.getvalue()
