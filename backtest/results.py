"""Run outputs on disk: atomic writer and loader of ``results/<run>/`` (DESIGN section 9)."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from backtest.errors import BacktestError, ConfigError
from backtest.report import summary_markdown

if TYPE_CHECKING:
    from backtest.runner import Result

__all__ = ["LoadedRun", "check_writable", "load", "write_run"]

_FILES = ("manifest.json", "equity.csv", "weights.csv", "metrics.csv", "metrics.json", "summary.md")


def check_writable(out_dir: str | Path, *, force: bool) -> Path:
    """Refuse to overwrite an existing run unless ``force``; return the resolved path."""
    path = Path(out_dir)
    if path.exists() and not force:
        raise ConfigError(
            f"results folder `{path}` already exists; pass --force to replace it or --name to "
            "write elsewhere"
        )
    return path


def write_run(result: Result, out_dir: str | Path, *, force: bool) -> Path:
    """Write every output file of ``result`` into ``out_dir`` atomically.

    Files go to a temporary sibling folder that is renamed into place, so a reader never sees a
    half-written run. An existing folder is replaced only with ``force``.
    """
    path = check_writable(out_dir, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        _write_files(result, tmp)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            path.replace(old / path.name)
            tmp.replace(path)
            shutil.rmtree(old)
        else:
            tmp.replace(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _write_files(result: Result, folder: Path) -> None:
    equity = result.equity.copy()
    equity.index.name = "date"
    equity.to_csv(folder / "equity.csv", date_format="%Y-%m-%d", float_format="%.10g")
    result.weights.to_csv(
        folder / "weights.csv", index=False, date_format="%Y-%m-%d", float_format="%.10g"
    )
    result.metrics.to_csv(folder / "metrics.csv", float_format="%.10g")
    metrics_json = {
        name: {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}
        for name, row in result.metrics.to_dict(orient="index").items()
    }
    (folder / "metrics.json").write_text(json.dumps(metrics_json, indent=2) + "\n")
    (folder / "manifest.json").write_text(json.dumps(result.manifest, indent=2) + "\n")
    (folder / "summary.md").write_text(
        summary_markdown(
            result.metrics,
            title=f"Backtest `{result.config.run.name}`",
            label=str(result.manifest["label"]),
        )
    )


@dataclass(frozen=True, kw_only=True)
class LoadedRun:
    """A run read back from disk: the same frames as `backtest.runner.Result` exposes."""

    path: Path
    equity: pd.DataFrame
    returns: pd.DataFrame
    weights: pd.DataFrame
    metrics: pd.DataFrame
    manifest: dict[str, Any]


def load(path: str | Path) -> LoadedRun:
    """Read a results folder written by `write_run`."""
    folder = Path(path)
    missing = [name for name in _FILES if not (folder / name).is_file()]
    if missing:
        raise BacktestError(
            f"`{folder}` is not a complete run folder; missing {', '.join(missing)}"
        )
    manifest = json.loads((folder / "manifest.json").read_text())
    equity = pd.read_csv(folder / "equity.csv", index_col="date", parse_dates=["date"])
    previous = equity.shift(1)
    previous.iloc[0] = float(manifest["config"]["run"]["initial_cash"])
    weights = pd.read_csv(
        folder / "weights.csv", parse_dates=["determination_date", "effective_date"]
    )
    metrics = pd.read_csv(folder / "metrics.csv", index_col="strategy")
    return LoadedRun(
        path=folder,
        equity=equity,
        returns=equity / previous - 1.0,
        weights=weights,
        metrics=metrics,
        manifest=manifest,
    )
