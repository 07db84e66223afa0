"""Results folder: exact round trip, skeleton formats kept, atomic and never silently replaced."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from backtest.config import parse_config
from backtest.errors import BacktestError, ConfigError
from backtest.pipeline.result import load, write_run
from backtest.pipeline.runner import Result, run
from backtest.report import html as report_html


@pytest.fixture(scope="module")
def result() -> Result:
    config = parse_config(
        {
            "run": {"name": "r", "start": dt.date(2023, 1, 3), "end": dt.date(2025, 6, 30)},
            "data": {"source": "demo"},
            "schedule": {"frequency": "monthly", "rebalance_band": 0.03},
            "analysis": {"periods": ["2023", "2024-2025"], "bootstrap_reps": 200},
            "strategies": [{"name": "prop", "kind": "proportional"}],
        }
    )
    return run(config)


@pytest.fixture(scope="module")
def folder(result: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(result, tmp_path_factory.mktemp("out") / "r", force=False)


def test_load_returns_exactly_the_frames_of_the_result(result: Result, folder: Path) -> None:
    loaded = load(folder)
    pd.testing.assert_frame_equal(loaded.equity, result.equity, check_freq=False)
    pd.testing.assert_frame_equal(loaded.returns, result.returns, check_freq=False)
    pd.testing.assert_frame_equal(
        loaded.reference_equity, result.reference_equity, check_freq=False
    )
    for name in (
        "weights", "holdings", "orders", "turnover", "skipped_events", "metrics", "attribution",
        "attribution_summary", "turnover_causes", "turnover_causes_summary",
    ):  # fmt: skip
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(result, name), obj=name)
    assert len(loaded.skipped_events) > 0  # the band skipped something: the file is exercised
    assert loaded.share.tolist() == result.share.tolist()
    assert list(loaded.share.index) == list(result.share.index)
    assert loaded.manifest == json.loads(json.dumps(result.manifest))


def test_skeleton_formats_are_kept(folder: Path) -> None:
    assert (folder / "equity.csv").read_text().splitlines()[0] == "date,prop,baseline"
    assert (folder / "weights.csv").read_text().splitlines()[0] == (
        "strategy,determination_date,effective_date,ticker,weight"
    )
    metrics_header = (folder / "metrics.csv").read_text().splitlines()[0].split(",")
    assert metrics_header[0] == "strategy" and "information_ratio" in metrics_header
    metrics_rows = [
        line.split(",")[0] for line in (folder / "metrics.csv").read_text().splitlines()
    ]
    assert metrics_rows[1:] == ["prop", "baseline", "ref_SPY", "ref_QQQ", "ref_SMH"]
    manifest = json.loads((folder / "manifest.json").read_text())
    for key in ("config", "data_source", "data_sha256", "signal_sha256", "versions",
                "created_at", "look_ahead", "synthetic"):  # fmt: skip
        assert key in manifest
    assert json.loads((folder / "config.json").read_text()) == manifest["config"]
    metrics_json = json.loads((folder / "metrics.json").read_text())
    assert metrics_json["baseline"]["information_ratio"] is None  # NaN is written as null
    for chart in report_html.CHART_NAMES:
        assert (folder / "charts" / f"{chart}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def quick_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip chart drawing in tests about file handling only (charts are tested elsewhere)."""
    png = b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr(
        report_html, "render_charts", lambda run: dict.fromkeys(report_html.CHART_NAMES, png)
    )


@pytest.mark.usefixtures("quick_charts")
def test_an_existing_run_is_never_replaced_silently(result: Result, tmp_path: Path) -> None:
    target = tmp_path / "run"
    write_run(result, target, force=False)
    (target / "note.txt").write_text("mine")
    with pytest.raises(ConfigError, match="already exists; pass --force"):
        write_run(result, target, force=False)
    assert (target / "note.txt").read_text() == "mine"
    write_run(result, target, force=True)
    assert not (target / "note.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary folder left


@pytest.mark.usefixtures("quick_charts")
def test_a_failed_write_leaves_no_partial_run(
    result: Result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "run"
    write_run(result, target, force=False)
    before = (target / "equity.csv").read_bytes()

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_html, "render_html", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_run(result, target, force=True)
    assert (target / "equity.csv").read_bytes() == before  # the old run is intact
    with pytest.raises(RuntimeError, match="disk full"):
        write_run(result, tmp_path / "fresh", force=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_load_names_missing_files(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text((folder / "manifest.json").read_text())
    with pytest.raises(BacktestError, match=r"not a complete run folder; missing equity\.csv"):
        load(tmp_path)


def test_summary_markdown_has_one_row_per_metrics_row(result: Result, folder: Path) -> None:
    summary = (folder / "summary.md").read_text()
    assert "synthetic demo market, not real prices" in summary
    assert "Rows `ref_*` are buy-and-hold references (same fees), not strategies." in summary
    first_table = summary.split("\n\n| strategy |", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in first_table.splitlines()[1:] if "---" not in line]
    assert [r.split("|")[1].strip() for r in rows] == list(result.metrics.index)
    # the demo calendar's January 2023 starts on Monday 2023-01-02, before the start
    assert "traded 2023-02-01 .. 2025-06-30 (requested 2023-01-03 .. 2025-06-30)" in summary
    assert "trading starts 2023-02-01, the first monthly effective date" in summary
    for heading in ("### Calendar-year returns", "## Sub-periods", "### 2024-2025: 2024-01-01",
                    "## Uncertainty of the excess over the baseline", "200 resamples"):  # fmt: skip
        assert heading in summary
    assert "| 2025 (partial: 2025-01-01 .. 2025-06-30) |" in summary


def test_the_analysis_tables_are_files_and_load_back(result: Result, folder: Path) -> None:
    loaded = load(folder)
    for name in ("yearly", "monthly", "drawdowns", "rolling", "periods", "uncertainty"):
        frame = getattr(result, name)
        assert (folder / f"{name}.csv").is_file() and not frame.empty, name
        pd.testing.assert_frame_equal(getattr(loaded, name), frame, obj=name)
        on_disk = pd.read_csv(folder / f"{name}.csv")
        assert list(on_disk.columns) == list(frame.columns) and len(on_disk) == len(frame)
    assert set(result.yearly["strategy"]) == {"prop", "baseline", "ref_SPY", "ref_QQQ", "ref_SMH"}
    assert set(result.drawdowns["strategy"]) == {"prop", "baseline"}
    assert list(dict.fromkeys(result.periods["period"])) == ["2023", "2024-2025"]
    metrics_json = json.loads((folder / "metrics.json").read_text())
    boot = metrics_json["prop"]["bootstrap"]
    assert boot["reps"] == 200 and boot["seed"] == 15 and boot["confidence"] == 0.95
    assert boot["excess_cagr"]["estimate"] == result.metrics.loc["prop", "excess_cagr"]
    assert "bootstrap" not in metrics_json["baseline"]


def test_a_skeleton_folder_still_loads(folder: Path, tmp_path: Path) -> None:
    for name in ("manifest.json", "equity.csv", "weights.csv", "metrics.csv"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    old = load(tmp_path)
    full = load(folder)
    pd.testing.assert_frame_equal(old.equity, full.equity)
    assert old.holdings.empty and old.orders.empty and old.turnover.empty
    assert old.reference_equity.shape == (len(full.equity), 0)
    assert list(old.orders.columns) == list(full.orders.columns)


def test_the_report_draws_from_a_loaded_folder_too(folder: Path) -> None:
    pngs = report_html.render_charts(load(folder))
    assert list(pngs) == list(report_html.CHART_NAMES)
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in pngs.values())
