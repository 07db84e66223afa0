"""End to end through the real entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REPO


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backtest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_run_writes_the_public_files(tmp_path: Path) -> None:
    config = tmp_path / "demo.toml"
    shutil.copy(REPO / "configs" / "demo.toml", config)
    done = _run(["run", str(config), "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "synthetic demo market, not real prices" in done.stdout
    lines = done.stdout.splitlines()
    table = [line.split()[0] for line in lines if line and not line.startswith(("[", "-", "wrote"))]
    assert table[0] == "strategy" and table[-1] == "baseline"
    run_dir = tmp_path / "out" / "demo"
    equity = pd.read_csv(run_dir / "equity.csv")
    assert equity.columns[0] == "date" and equity.columns[-1] == "baseline"
    weights = pd.read_csv(run_dir / "weights.csv")
    assert list(weights.columns) == [
        "strategy",
        "determination_date",
        "effective_date",
        "ticker",
        "weight",
    ]
    sums = weights.groupby(["strategy", "effective_date"])["weight"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    assert (
        pd.to_datetime(weights["determination_date"]) < pd.to_datetime(weights["effective_date"])
    ).all()
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert metrics.columns[0] == "strategy" and metrics["strategy"].iloc[-1] == "baseline"
    assert {"total_return", "cagr", "sharpe_ratio", "information_ratio"} <= set(metrics.columns)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["synthetic"] is True and manifest["look_ahead"] is False
    assert {
        "config",
        "data_source",
        "data_sha256",
        "signal_sha256",
        "versions",
        "created_at",
    } <= set(manifest)


def test_existing_run_is_not_overwritten_without_force(tmp_path: Path) -> None:
    config = tmp_path / "demo.toml"
    shutil.copy(REPO / "configs" / "demo.toml", config)
    (tmp_path / "out" / "demo").mkdir(parents=True)
    (tmp_path / "out" / "demo" / "keep.txt").write_text("mine")
    done = _run(["run", str(config), "--out", str(tmp_path / "out")], tmp_path)
    assert done.returncode == 2
    assert "already exists; pass --force" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "out" / "demo" / "keep.txt").read_text() == "mine"


def test_config_error_is_one_line_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[costs]\nfees_bsp = 5\n")
    done = _run(["run", str(config)], tmp_path)
    assert done.returncode == 2
    assert "unknown key `fees_bsp` (did you mean `fees_bps`?)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
