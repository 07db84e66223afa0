"""``backtest sweep`` end to end on a short demo window: files, statistics, flags, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.cli import main
from backtest.metrics import METRIC_NAMES

CONFIG = """
universe = "compute_layer"
baseline = "NVDA"

[run]
name = "mini"
start = 2019-01-02
end = 2024-06-28

[data]
source = "demo"

[costs]
fees_bps = 10.0
slippage_bps = 5.0

[sweep]
kind = "linear_tilt"
metric = "sharpe_ratio"
chunk_size = 7
seed = 3

[sweep.grid]
strength = { start = 0.0, stop = 2.0, num = 5 }
neutral_share = [0.3, 0.5]
rebalance_band = [0.0, 0.05]

[sweep.random]
fees_bps = { low = 0.0, high = 30.0 }

[sweep.sensitivity]
slippage_bps = [25.0]
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "mini.toml"
    path.write_text(CONFIG)
    return path


def test_sweep_writes_parquet_report_and_statistics(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    code = main(
        [
            "sweep",
            str(config_path),
            "--out",
            str(out),
            "--train-until",
            "2021-12-31",
            "--walk-forward",
            "6",
            "--detail",
            "2",
            "--spa-reps",
            "200",
            "--top",
            "5",
        ]
    )
    assert code == 0
    folder = out / "mini"
    table = pd.read_parquet(folder / "sweep.parquet")
    assert len(table) == 20
    assert list(table.columns) == [
        "variant",
        "strength",
        "neutral_share",
        "rebalance_band",
        "fees_bps",
        *METRIC_NAMES,
        "sharpe_ratio@slippage_bps=25",
        "cagr@slippage_bps=25",
        "excess_cagr@slippage_bps=25",
    ]
    assert table["fees_bps"].between(0, 30).all() and table["fees_bps"].nunique() == 20
    assert np.isfinite(table["sharpe_ratio"]).all()
    stats = json.loads((folder / "statistics.json").read_text())["statistics"]
    assert 0.0 <= stats["pbo"]["pbo"] <= 1.0
    assert 0.0 <= stats["spa"]["pvalue_consistent"] <= 1.0
    assert 0.0 <= stats["dsr"]["dsr"] <= 1.0
    report = (folder / "report.md").read_text()
    for heading in ("What the statistics say", "Top 5", "Out of sample", "Walk-forward", "Detail"):
        assert heading in report
    assert "synthetic demo market" in report
    assert "mean monthly return" in report and "sits on the edge" in report
    assert "`fees_bps` is a search axis" in report  # a random cost axis is called out
    oos = report[report.index("## Out of sample") : report.index("## Walk-forward")]
    assert "| variant | strength | neutral_share | rebalance_band | fees_bps | full |" in oos
    assert (folder / "heatmap.png").stat().st_size > 0
    assert (folder / "excess_cagr.png").stat().st_size > 0
    check = pd.read_csv(folder / "detail" / "check.csv")
    assert len(check) == 2 and (check["max_rel_diff"] < 1e-9).all()
    assert not (out / ".mini.chunks").exists()  # removed once the outputs are written
    captured = capsys.readouterr()
    assert "wrote" in captured.out
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    # the same command again refuses to overwrite the sweep
    assert main(["sweep", str(config_path), "--out", str(out), "--no-stats"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_a_terminal_gets_a_progress_bar_with_rate_and_eta(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import backtest.cli.sweep as command

    monkeypatch.setattr(command, "progress_enabled", lambda: True)
    assert main(["sweep", str(config_path), "--out", str(tmp_path), "--no-stats"]) == 0
    err = capsys.readouterr().err
    frames = err.split("\r")[1:]
    assert len(frames) == 1 + 3  # before the first chunk, then one per chunk (20 / 7)
    assert frames[1].startswith("[##########") and "7/20 variants" in frames[1]
    assert "/s  ETA " in frames[1]
    assert "20/20 variants" in frames[-1] and frames[-1].endswith("s\n")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--executor", "dask"], "`--executor dask` needs `--scheduler"),
        (["--walk-forward", "3"], "`--walk-forward` needs `--train-until`"),
        (["--train-until", "soon"], "`--train-until` must be a date"),
        (["--pbo-blocks", "5"], "`--pbo-blocks` must be an even integer >= 2, got 5"),
        (["--heatmap", "strength", "lag_days"], "`--heatmap` parameter `lag_days` is not varied"),
    ],
)
def test_bad_flags_are_one_line_errors(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    message: str,
) -> None:
    code = main(["sweep", str(config_path), "--out", str(tmp_path), "--no-stats", *flags])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
