"""The manifest of a run: what produced its numbers (config, data and signal hashes, versions).

Every output folder and golden file records it, so a number can be traced to the exact config,
price panel and signal file it came from (DESIGN section 9).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import platform
import re
import subprocess
from collections.abc import Mapping
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

__all__ = ["base_manifest", "prices_sha256", "with_strategy_code"]

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
    signals: Mapping[str, InferenceSignal] | None = None,
) -> dict[str, Any]:
    """Return the manifest entries every output of a run carries (hashes, versions, flags).

    ``signals_sha256`` (name -> sha256 of the file of each ``[signals.NAME]``) is present when
    the config declares named signals; ``look_ahead`` is true when any signal is read in
    hindsight mode.
    """
    synthetic = bool(provider.synthetic)
    named = dict(signals or {})
    extra: dict[str, Any] = (
        {"signals_sha256": {name: named[name].sha256 for name in sorted(named)}} if named else {}
    )
    hindsight = config.signal.mode == "hindsight" or any(
        s.mode == "hindsight" for s in config.signals.values()
    )
    return {
        "config": resolved_config(config),
        "config_sha256": config_hash(config),
        "data_source": provider.name,
        "data_provenance": provenance,
        "data_sha256": prices_sha256(prices),
        "signal_sha256": signal.sha256,
        **extra,
        "versions": _versions(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "buckets": dict(sorted(universe.buckets.items())),
        "members_outside_window": list(outside_window),
        "git_commit": _git_commit(),
        "look_ahead": hindsight,
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


def with_strategy_code(
    manifest: Mapping[str, Any],
    config: Config,
    code: Mapping[str, Any],
    *,
    python: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return ``manifest`` with the code of the strategies that do not come from this package.

    ``code`` maps a strategy name to the classes of its chain (the scheme and each wrapper's
    ``inner``) defined outside this package, each ``{"class": "module:qualname", "file": ...,
    "sha256": ...}`` (`strategies.build.strategy_code`). It is recorded as ``strategy_code``
    and ``config_sha256`` then covers it (`backtest.config.config_hash`), so a run, a results
    folder or a golden file names the exact source its numbers came from. ``python`` (name ->
    ``repr``) lists the strategies given from Python rather than by the config, recorded as
    ``python_strategies`` and covered by the hash too. Without either the manifest is returned
    unchanged.
    """
    if not code and not python:
        return dict(manifest)
    covered: dict[str, Any] = _hashed(code)
    out = {**manifest, "strategy_code": {name: code[name] for name in sorted(code)}}
    if python:
        stable = {name: re.sub(r" at 0x[0-9A-Fa-f]+", "", text) for name, text in python.items()}
        out["python_strategies"] = stable
        covered = {"code": covered, "python_strategies": stable}
    out["config_sha256"] = config_hash(config, code=covered)
    return out


def _hashed(code: Mapping[str, Any]) -> dict[str, Any]:
    """Return the part of the code records that identifies the code (not the checkout path)."""
    return {
        name: [{"class": c["class"], "sha256": c["sha256"]} for c in classes]
        for name, classes in code.items()
    }
