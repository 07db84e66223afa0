"""The manifest of a run: what produced its numbers (config, data and signal hashes, versions).

Every output folder and golden file records it, so a number can be traced to the exact config,
price panel and signal file it came from (DESIGN section 9).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Config, config_hash, resolved_config
from backtest.constants import SYNTHETIC_LABEL
from backtest.data.providers import PriceProvider
from backtest.data.validate import AlignmentReport
from backtest.inputs.signal import InferenceSignal
from universes import Universe

__all__ = ["base_manifest", "prices_sha256"]

_VERSIONED = (
    "inference-shift",
    "vectorbt",
    "vectorbt-rust",
    "numpy",
    "pandas",
    "yfinance",
    "pyarrow",
)


def prices_sha256(prices: pd.DataFrame) -> str:
    """sha256 of the aligned price panel (dates, tickers and float64 bytes)."""
    digest = hashlib.sha256()
    digest.update(",".join(map(str, prices.columns)).encode())
    digest.update(pd.DatetimeIndex(prices.index).asi8.tobytes())
    digest.update(np.ascontiguousarray(prices.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _git_commit() -> str | None:
    """Return the checkout's commit when the package runs from a git work tree, else None."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and len(commit) == 40 else None


def base_manifest(
    *,
    config: Config,
    universe: Universe,
    provider: PriceProvider,
    provenance: dict[str, Any],
    prices: pd.DataFrame,
    alignment: AlignmentReport,
    signal: InferenceSignal,
    outside_window: tuple[str, ...],
) -> dict[str, Any]:
    """Return the manifest entries every output of a run carries (hashes, versions, flags)."""
    synthetic = bool(provider.synthetic)
    return {
        "config": resolved_config(config),
        "config_sha256": config_hash(config),
        "data_source": provider.name,
        "data_provenance": provenance,
        "data_sha256": prices_sha256(prices),
        "signal_sha256": signal.sha256,
        "versions": _versions(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "buckets": dict(sorted(universe.buckets.items())),
        "members_outside_window": list(outside_window),
        "git_commit": _git_commit(),
        "look_ahead": config.signal.mode == "hindsight",
        "synthetic": synthetic,
        "label": SYNTHETIC_LABEL if synthetic else "real prices",
        "first_valid": {t: d.isoformat() for t, d in alignment.first_valid.items()},
        "filled_gaps": [
            dataclasses.asdict(g)
            | {
                "first_missing": g.first_missing.isoformat(),
                "last_missing": g.last_missing.isoformat(),
            }
            for g in alignment.filled_gaps
        ],
    }
