"""The gate's rules on hand-made numbers: tolerances, statuses, golden files, the data rule."""

from __future__ import annotations

import math
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from backtest.config import parse_config
from backtest.errors import ConfigError
from backtest.gate.check import check_against_golden
from backtest.gate.check_view import check_blocks, report_json
from backtest.gate.golden import (
    FORMAT,
    Golden,
    GoldenDataError,
    read_golden,
    verify_data,
    write_golden,
)
from backtest.gate.tolerances import BUILTIN_DEFAULT, Tolerance, Tolerances, load_tolerances
from backtest.report.markup import to_markdown

NAN = float("nan")


def _weights(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["strategy", "effective_date", "ticker", "weight"])
    frame["effective_date"] = pd.to_datetime(frame["effective_date"])
    frame.insert(1, "determination_date", frame["effective_date"] - pd.Timedelta(days=1))
    return frame


def _metrics(values: dict[str, dict[str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(values, orient="index")
    frame.index.name = "strategy"
    return frame


def _manifest(**extra: Any) -> dict[str, Any]:
    return {
        "config": {"costs": {"fees_bps": 10.0}},
        "config_sha256": "c" * 64,
        "data_sha256": "d" * 64,
        "panel": {
            "tickers": ["X", "Y"],
            "start": "2024-01-01",
            "end": "2024-12-31",
            "baseline": "X",
            "max_fill_days": 5,
        },
        "label": "hand-made",
        "versions": {"numpy": "2.0"},
    } | extra


GOLDEN_W = _weights(
    [
        ("s", "2024-02-01", "X", 0.6),
        ("s", "2024-02-01", "Y", 0.4),
        ("baseline", "2024-02-01", "X", 1.0),
    ]
)
GOLDEN_M = _metrics(
    {
        "s": {"cagr": 0.10, "fees_paid": 1000.0, "information_ratio": 0.5},
        "baseline": {"cagr": 0.20, "fees_paid": 10.0, "information_ratio": NAN},
    }
)


def _result(metrics: pd.DataFrame, weights: pd.DataFrame, **manifest: Any) -> SimpleNamespace:
    return SimpleNamespace(
        metrics=metrics,
        weights=weights,
        manifest=_manifest(**manifest),
        config=parse_config({"run": {"name": "hand"}}),
    )


def _golden() -> Golden:
    return Golden(metrics=GOLDEN_M, weights=GOLDEN_W, manifest=_manifest())


def test_tolerance_is_the_larger_of_absolute_and_relative() -> None:
    tol = Tolerance(abs_tol=1e-4, rel_tol=0.01)
    assert tol.allowed(0.005) == 1e-4  # 1 % of 0.005 is 5e-5 < 1e-4
    assert tol.allowed(-2.0) == 0.02
    assert tol.allowed(NAN) == 1e-4


def test_statuses_on_hand_made_numbers() -> None:
    metrics = GOLDEN_M.copy()
    metrics.loc["s", "cagr"] = 0.10 + 5e-11  # within the built-in abs 1e-10
    metrics.loc["s", "fees_paid"] = 1000.5  # beyond 1e-6 and 1e-8 * 1000
    metrics.loc["baseline", "cagr"] = 0.20
    report = check_against_golden(_result(metrics, GOLDEN_W), _golden(), golden_path="g.json")
    status = report.metrics.set_index(["strategy", "metric"])["status"]
    assert status[("s", "cagr")] == "within"
    assert status[("s", "fees_paid")] == "drift"
    assert status[("baseline", "information_ratio")] == "ok"  # NaN equals NaN
    assert status[("baseline", "cagr")] == "ok"
    assert report.exit_code == 1 and not report.passed
    row = report.metrics.set_index(["strategy", "metric"]).loc[("s", "fees_paid")]
    assert row["delta"] == pytest.approx(0.5) and row["allowed"] == pytest.approx(1e-5)


def test_nan_against_a_number_and_missing_strategies_are_drift() -> None:
    metrics = _metrics(
        {
            "s": {"cagr": 0.10, "fees_paid": 1000.0, "information_ratio": NAN},
            "t": {"cagr": 0.1, "fees_paid": 1.0, "information_ratio": 0.0},
        }
    )
    report = check_against_golden(_result(metrics, GOLDEN_W), _golden())
    status = report.metrics.set_index(["strategy", "metric"])["status"]
    assert status[("s", "information_ratio")] == "removed"
    assert status[("t", "cagr")] == "added"
    assert status[("baseline", "cagr")] == "removed"


def test_weights_missing_ticker_is_zero_and_a_new_event_is_drift() -> None:
    weights = _weights(
        [
            ("s", "2024-02-01", "X", 0.6),
            ("s", "2024-02-01", "Y", 0.4),
            ("s", "2024-02-01", "Z", 0.0),
            ("baseline", "2024-02-01", "X", 1.0),
            ("s", "2024-03-01", "X", 1.0),
        ]
    )
    report = check_against_golden(_result(GOLDEN_M, weights), _golden())
    status = report.weights.set_index(["strategy", "effective_date", "ticker"])["status"]
    assert status[("s", pd.Timestamp("2024-02-01"), "Z")] == "ok"
    assert status[("s", pd.Timestamp("2024-03-01"), "X")] == "added"
    assert report.metrics["status"].eq("ok").all() and report.exit_code == 1


def _tolerance_file(tmp_path: Path, text: str) -> Tolerances:
    path = tmp_path / "tol.toml"
    path.write_text(text)
    return load_tolerances(path)


def test_tolerance_overrides_resolve_from_most_specific(tmp_path: Path) -> None:
    tols = _tolerance_file(
        tmp_path,
        """
[default]
rel = 1e-3
[metrics]
cagr = { abs = 1e-4 }
[weights]
abs = 1e-6
[strategies.s.metrics]
cagr = { abs = 5e-4, rel = 0 }
[strategies.s.weights]
abs = 0.01
""",
    )
    assert tols.for_metric("s", "cagr") == Tolerance(abs_tol=5e-4, rel_tol=0.0)
    assert tols.for_metric("baseline", "cagr") == Tolerance(abs_tol=1e-4, rel_tol=1e-3)
    assert tols.for_metric("s", "beta") == Tolerance(abs_tol=BUILTIN_DEFAULT.abs_tol, rel_tol=1e-3)
    assert tols.for_metric("s", "fees_paid") == Tolerance(abs_tol=1e-6, rel_tol=1e-3)
    assert tols.for_weights("s") == Tolerance(abs_tol=0.01, rel_tol=0.0)
    assert tols.for_weights("baseline") == Tolerance(abs_tol=1e-6, rel_tol=0.0)


def test_a_loose_tolerance_turns_drift_into_within_and_inf_ignores(tmp_path: Path) -> None:
    metrics = GOLDEN_M.copy()
    metrics.loc["s", "cagr"] = 0.1004
    metrics.loc["s", "fees_paid"] = 5000.0
    tols = _tolerance_file(
        tmp_path, "[metrics]\ncagr = { abs = 5e-4 }\nfees_paid = { abs = inf }\n"
    )
    report = check_against_golden(_result(metrics, GOLDEN_W), _golden(), tolerances=tols)
    assert report.passed
    markdown = to_markdown(check_blocks(report))
    assert (
        "| s | cagr | 10.0000% | 10.0400% | +0.0400 pp | ±0.0500 pp | moved, within |" in markdown
    )
    assert (
        "| s | fees_paid | 1,000.00 | 5,000.00 | +4,000.00 | ignored | moved, within |" in markdown
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[metric]\n", r"unknown key `metric` \(did you mean `metrics`\?\)"),
        (
            "[metrics]\ncagr = { ab = 1 }\n",
            r"`metrics\.cagr`: unknown key `ab` \(did you mean `abs`\?\)",
        ),
        (
            "[metrics]\ncagr = { abs = -1 }\n",
            r"`metrics\.cagr`\.abs must be a number >= 0 .*got -1",
        ),
        (
            "[strategies.s]\nmetric = {}\n",
            r"unknown key `strategies\.s\.metric`; allowed: metrics, weights",
        ),
    ],
)
def test_bad_tolerance_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _tolerance_file(tmp_path, text)


def test_tolerance_names_must_exist_in_the_runs(tmp_path: Path) -> None:
    tols = _tolerance_file(tmp_path, "[metrics]\ncgar = { abs = 1 }\n")
    with pytest.raises(
        ConfigError, match=r"`metrics\.cgar`: unknown name 'cgar' \(did you mean `cagr`\?\)"
    ):
        check_against_golden(_result(GOLDEN_M, GOLDEN_W), _golden(), tolerances=tols)
    tols = _tolerance_file(tmp_path, "[strategies.ss.weights]\nabs = 1\n")
    with pytest.raises(ConfigError, match=r"unknown name 'ss' \(did you mean `s`\?\)"):
        check_against_golden(_result(GOLDEN_M, GOLDEN_W), _golden(), tolerances=tols)


def test_golden_round_trip_is_bit_exact_and_atomic(tmp_path: Path) -> None:
    weights = _weights(
        [
            ("s", "2024-02-01", "X", 0.1 + 0.2),
            ("s", "2024-02-01", "Y", 1 / 3),
            ("s", "2024-03-01", "X", 2 / 3),
            ("s", "2024-03-01", "Y", 1e-17),
        ]
    )
    golden = Golden(metrics=GOLDEN_M, weights=weights, manifest=_manifest())
    path = write_golden(golden, tmp_path / "sub" / "g.json")
    assert [p.name for p in path.parent.iterdir()] == ["g.json"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    again = read_golden(path)
    pd.testing.assert_frame_equal(again.weights, weights, check_exact=True)
    pd.testing.assert_frame_equal(again.metrics, GOLDEN_M, check_exact=True)
    assert again.manifest["data_sha256"] == "d" * 64
    text = path.read_text()
    assert '      ["2024-01-31", "2024-02-01", 0.30000000000000004, 0.3333333333333333]' in text


def test_read_golden_refuses_what_is_not_a_golden(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"golden file `.*none\.json` does not exist; create it with .*--update"
    ):
        read_golden(tmp_path / "none.json")
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    with pytest.raises(ConfigError, match=rf"`format` must be '{FORMAT}', got 'something else'"):
        read_golden(tmp_path / "other.json")
    (tmp_path / "broken.json").write_text(f'{{"format": "{FORMAT}", "metrics": {{}}}}')
    with pytest.raises(ConfigError, match=r"malformed golden file"):
        read_golden(tmp_path / "broken.json")


def test_same_panel_with_other_prices_is_refused() -> None:
    # the panel starts on its first day (the warm-up's, here the start itself)
    prices = pd.DataFrame({"X": [1.0], "Y": [2.0]}, index=pd.DatetimeIndex(["2024-01-01"]))
    config = parse_config({"run": {"start": "2024-01-01", "end": "2024-12-31"}, "baseline": "X"})
    result = SimpleNamespace(
        manifest=_manifest(data_sha256="e" * 64, data_source="files"), prices=prices, config=config
    )
    with pytest.raises(
        GoldenDataError, match=r"golden `g\.json` was made on other price data; .*--update"
    ):
        verify_data(_golden(), result, label="g.json")
    same = SimpleNamespace(manifest=_manifest(), prices=prices, config=config)
    assert "same prices" in verify_data(_golden(), same, label="g.json")


def test_report_json_lists_moved_weights_only_and_is_plain() -> None:
    weights = GOLDEN_W.copy()
    weights.loc[0, "weight"] = 0.5
    weights.loc[1, "weight"] = 0.5
    report = check_against_golden(_result(GOLDEN_M, weights), _golden())
    payload = report_json(report)
    assert payload["passed"] is False and payload["exit_code"] == 1
    assert [(w["ticker"], w["status"]) for w in payload["weights_moved"]] == [
        ("X", "drift"),
        ("Y", "drift"),
    ]
    assert payload["weights_moved"][0]["effective_date"] == "2024-02-01"
    ir = [
        m
        for m in payload["metrics"]
        if m["strategy"] == "baseline" and m["metric"] == "information_ratio"
    ]
    assert ir[0]["golden"] is None and not math.isnan(ir[0]["allowed"])


def test_the_example_tolerance_file_loads_and_resolves() -> None:
    from tests.conftest import REPO

    tols = load_tolerances(REPO / "examples" / "tolerances.toml")
    assert tols.for_metric("proportional", "cagr") == Tolerance(abs_tol=1e-4, rel_tol=1e-6)
    assert tols.for_metric("proportional", "fees_paid") == Tolerance(abs_tol=1.0, rel_tol=0.0)
    assert math.isinf(tols.for_metric("baseline", "monthly_hit_rate").abs_tol)
    assert tols.for_weights("baseline") == Tolerance(abs_tol=1e-6, rel_tol=0.0)


def test_a_moved_determination_date_fails_even_with_equal_weights() -> None:
    weights = GOLDEN_W.copy()
    is_s = weights["strategy"] == "s"
    weights.loc[is_s, "determination_date"] = pd.Timestamp("2024-01-30")  # lag 1 -> 2 days
    report = check_against_golden(_result(GOLDEN_M, weights), _golden())
    status = report.weights.set_index(["strategy", "ticker"])["status"]
    assert status[("s", "X")] == status[("s", "Y")] == "timing"
    assert status[("baseline", "X")] == "ok"
    assert report.exit_code == 1
    assert "**t_d moved**" in to_markdown(check_blocks(report))


def test_a_whole_new_strategy_is_one_line_not_a_table_of_added_rows() -> None:
    metrics = pd.concat(
        [GOLDEN_M, _metrics({"t": {"cagr": 0.3, "fees_paid": 5.0, "information_ratio": 0.1}})]
    )
    weights = pd.concat([GOLDEN_W, _weights([("t", "2024-02-01", "Y", 1.0)])], ignore_index=True)
    result = _result(metrics, weights)
    result.manifest["config"] = {"strategies": [{"name": "t", "kind": "static", "gpu": 1.0}]}
    result.manifest["config_sha256"] = "f" * 64
    golden = Golden(
        metrics=GOLDEN_M, weights=GOLDEN_W, manifest=_manifest(config={"strategies": []})
    )
    report = check_against_golden(result, golden)
    markdown = to_markdown(check_blocks(report))
    assert report.exit_code == 1
    assert "strategies added since the golden (every row added): `t`" in markdown
    assert "`strategies.t` unset → a strategy of kind `static`" in markdown
    assert "| t |" not in markdown
    assert "**DRIFT**: 3 of 9 metrics and 1 of 3 events beyond tolerance" in markdown
