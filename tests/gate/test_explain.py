"""The gate explains: headlines, window and calendar causes, events paired by period, notes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from backtest.config import Config, parse_config
from backtest.gate.check import check_against_golden
from backtest.gate.check_view import check_blocks
from backtest.gate.compare import compare_runs
from backtest.gate.compare_view import comparison_blocks
from backtest.gate.explain import event_pairs
from backtest.gate.explain_view import headline_items
from backtest.gate.golden import Golden, golden_from_result, read_golden, write_golden
from backtest.pipeline.runner import Result, run
from backtest.report.markup import to_markdown

D = pd.DatetimeIndex


def test_events_pair_within_the_coarser_calendars_periods() -> None:
    monthly = D(["2024-01-02", "2024-02-01", "2024-03-01", "2024-04-01"])
    quarterly = D(["2024-01-02", "2024-04-01"])
    pairs = event_pairs(monthly, quarterly, 3)
    assert pairs["period"].tolist() == ["2024Q1", "2024Q1", "2024Q1", "2024Q2"]
    assert pairs["b"].isna().tolist() == [False, True, True, False]
    assert (pairs.dropna()["a"] == pairs.dropna()["b"]).all()
    # first vs last anchor: one event a month each, paired by month though no date is shared
    first, last = D(["2024-01-02", "2024-02-01"]), D(["2024-01-31", "2024-02-29"])
    pairs = event_pairs(first, last, 1)
    assert pairs[["a", "b"]].notna().all().all() and pairs["period"].tolist() == [
        "2024-01",
        "2024-02",
    ]
    # the nearer of two candidates wins; unknown calendars pair equal dates only
    pairs = event_pairs(D(["2024-03-28"]), D(["2024-01-02", "2024-03-01"]), 3)
    assert pairs.dropna()["b"].tolist() == [pd.Timestamp("2024-03-01")]
    assert event_pairs(first, last, None)[["a", "b"]].notna().sum().tolist() == [2, 2]
    assert event_pairs(first, last, None)["a"].notna().sum() == 2
    assert len(event_pairs(first, last, None)) == 4


def _metric_rows(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["strategy", "metric", "a", "b"])
    return frame.assign(delta=frame["b"] - frame["a"])


def test_a_headline_names_the_turnover_causes_and_the_effects() -> None:
    metrics = _metric_rows(
        [
            ("tilt", "cagr", 0.213, 0.181),
            ("tilt", "max_drawdown", -0.577, -0.521),
            ("tilt", "annual_turnover", 0.533, 0.594),
            ("tilt", "total_return", 8.9, 6.2),
        ]
    )
    causes = pd.DataFrame(
        [("tilt", "drift", 0.40, 0.4001), ("tilt", "scheme", 0.08, 0.091),
         ("tilt", "capped", 0.01, 0.06)],
        columns=["strategy", "cause", "a", "b"],
    )  # fmt: skip
    causes["delta"] = causes["b"] - causes["a"]
    attribution = pd.DataFrame(
        [
            ("tilt", "total", "active_return", -9.0, -9.5),
            ("tilt", "total", "allocation", -9.0, -9.3),
            ("tilt", "total", "selection", 1.0, 0.9),
            ("tilt", "total", "interaction", -0.8, -0.9),
            ("tilt", "total", "cost", -0.2, -0.2),
            ("tilt", "asic", "allocation", -5.0, -5.25),
            ("tilt", "edge", "allocation", -4.0, -4.05),
        ],
        columns=["strategy", "segment", "measure", "a", "b"],
    ).assign(reference_a="baseline", reference_b="baseline")
    attribution["delta"] = attribution["b"] - attribution["a"]
    [item] = headline_items(
        strategies=["tilt"], metrics=metrics, attribution=attribution, causes=causes,
        window_moved=False,
    )  # fmt: skip
    assert item == (
        "**`tilt`**: `cagr` 21.3% → 18.1% (-3.2 pp), `max_drawdown` -57.7% → -52.1% (+5.6 pp); "
        "turnover 53.3% → 59.4% a year (+6.1 pp, of which capped +5.0 pp, scheme +1.1 pp); "
        "active return against `baseline` over the run -900.0 pp → -950.0 pp (-50.0 pp: "
        "allocation -30.0 pp (mostly `asic` -25.0 pp), selection -10.0 pp, interaction "
        "-10.0 pp, cost 0)"
    )
    other = attribution.assign(reference_b="static")
    [item] = headline_items(
        strategies=["tilt"], metrics=metrics, attribution=other, causes=None, window_moved=False
    )
    assert "attribution against different references (`baseline` vs `static`)" in item
    assert "of which" not in item


def _config(**schedule: Any) -> Config:
    return parse_config(
        {
            # a start inside a quarter: the monthly run trades from it, the quarterly from the
            # next quarter (with the warm-up, a quarter-start date would start both alike)
            "run": {"name": "g", "start": dt.date(2022, 2, 1), "end": dt.date(2024, 12, 31)},
            "data": {"source": "demo"},
            "schedule": schedule,
            "strategies": [
                {"name": "tilt", "kind": "linear_tilt", "strength": 2.0},
                {"name": "capped", "kind": "linear_tilt", "strength": 2.0,
                 "constraints": [{"kind": "capped", "max_weight": 0.15}]},
            ],
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def monthly() -> Result:
    return run(_config(frequency="monthly"))


@pytest.fixture(scope="module")
def quarterly() -> Result:
    return run(_config(frequency="quarterly"))


def test_monthly_against_quarterly_names_the_window_and_pairs_events_by_period(
    monthly: Result, quarterly: Result
) -> None:
    comparison = compare_runs(monthly, quarterly, labels=("m", "q"))
    markdown = to_markdown(comparison_blocks(comparison, top=50))
    sections = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert sections[:2] == ["### Headline", "### What differs besides the numbers"]
    first_m = monthly.events["effective_date"].iloc[0]
    first_q = quarterly.events["effective_date"].iloc[0]
    assert first_m != first_q  # the quarterly run starts trading later
    cagr = quarterly.metrics.at["baseline", "cagr"] - monthly.metrics.at["baseline", "cagr"]
    assert (
        f"**traded windows differ**: `m` {first_m:%Y-%m-%d} .. 2024-12-31, `q` "
        f"{first_q:%Y-%m-%d} .. 2024-12-31" in markdown
    )
    assert f"moves by {100 * cagr:+.2f} pp of CAGR for that reason alone" in markdown
    assert "**rebalance calendar differs** (`frequency` monthly → quarterly" in markdown
    assert "(no rule of its own: the window alone)" in markdown
    events = markdown.split("### Target weights: largest moves per event")[1]
    assert "n/a" not in events and "event removed" not in events
    assert "No target weight changed at any event both sides have." in events
    # every quarterly event of a strategy is paired with the monthly one of its quarter
    matched = comparison.matched
    assert matched is not None and comparison.unpaired is not None
    tilt = matched[matched["strategy"] == "tilt"].drop_duplicates("period")
    expected = pd.PeriodIndex(quarterly.events["effective_date"], freq="Q").astype(str)
    assert tilt["period"].tolist() == list(expected)
    alone = comparison.unpaired[comparison.unpaired["strategy"] == "tilt"]
    assert len(alone) == len(monthly.events) - len(tilt)
    assert set(alone["side"]) == {"a"}
    # both strategies, and the baseline's first trade (2022-02-01 is in Q1, the quarterly's Q2)
    assert f"{len(alone) * 2 + 1} events of `m` (3 strategies," in markdown
    assert "1 event of `q` (1 strategy, 2022-04-01 .. 2022-04-01)" in markdown


def test_the_attribution_and_turnover_by_rule_tables_move_with_a_cap(monthly: Result) -> None:
    config = _config(frequency="monthly")
    specs = list(config.strategies)
    specs[1] = dataclasses.replace(
        specs[1], params={**specs[1].params, "constraints": [{"kind": "capped", "max_weight": 0.1}]}
    )
    tighter = run(dataclasses.replace(config, strategies=tuple(specs)))
    comparison = compare_runs(monthly, tighter)
    assert comparison.causes is not None and comparison.attribution is not None
    moved = comparison.causes[comparison.causes["delta"] != 0.0]
    assert set(moved["strategy"]) == {"capped"}
    both = comparison.causes[comparison.causes["strategy"] == "capped"]
    metric = comparison.metrics.set_index(["strategy", "metric"]).loc[
        ("capped", "annual_turnover"), "delta"
    ]
    assert both["delta"].sum() == pytest.approx(metric, abs=1e-13)  # the parts add up
    active = comparison.attribution.set_index(["strategy", "segment", "measure"])
    expected = (
        tighter.metrics.at["capped", "total_return"] - monthly.metrics.at["capped", "total_return"]
    )
    assert active.loc[("capped", "total", "active_return"), "delta"] == pytest.approx(
        expected, abs=1e-12
    )
    markdown = to_markdown(comparison_blocks(comparison))
    headline = markdown.split("### What differs")[0]
    assert "**`capped`**" in headline and "**`tilt`**" not in headline
    assert "### Turnover by rule (a year, whole run)" in markdown


def _member(bucket: str) -> dict[str, Any]:
    return {"bucket": bucket, "exposure": 1.0, "member_from": None, "member_until": None}


def test_notes_say_whether_a_change_since_the_golden_affects_the_numbers(
    monthly: Result,
) -> None:
    golden = golden_from_result(monthly)
    members = dict(golden.manifest["universe_members"])
    members["ARM"] = {**members["ARM"], "member_from": "2023-01-01"}
    stale = dataclasses.replace(golden, manifest={**golden.manifest, "universe_members": members})
    report = check_against_golden(monthly, stale)
    [note] = [n for n in report.notes if n.startswith("universe")]
    assert note.endswith(
        ": it does not affect the numbers (every metric and target weight is identical to the "
        "golden)"
    )
    assert report.passed
    fees = dataclasses.replace(
        monthly.config, costs=dataclasses.replace(monthly.config.costs, fees_bps=20.0)
    )
    report = check_against_golden(run(fees), stale)
    [note] = [n for n in report.notes if n.startswith("universe")]
    assert (
        "the target weights of `ARM` are identical at every event, so it does not explain" in note
    )
    markdown = to_markdown(check_blocks(report))
    headline = markdown.split("### What else differs")[0]
    beyond = report.metrics[report.metrics["status"] == "drift"].groupby("strategy").size()
    total = report.metrics.groupby("strategy").size()
    for name in ("tilt", "capped"):
        assert (
            f"**`{name}`** ({beyond[name]} of {total[name]} metrics beyond tolerance)" in headline
        )
    assert "cost -" in headline  # doubled fees: the cost effect carries the change


def test_a_golden_keeps_the_explanations_and_an_old_one_reads_without_them(
    monthly: Result, tmp_path: Any
) -> None:
    path = write_golden(golden_from_result(monthly), tmp_path / "g.json")
    again = read_golden(path)
    assert again.attribution_summary is not None and again.turnover_causes_summary is not None
    pd.testing.assert_frame_equal(
        again.attribution_summary, monthly.attribution_summary, check_dtype=False
    )
    numbers = monthly.turnover_causes_summary.select_dtypes("number")
    np.testing.assert_array_equal(
        again.turnover_causes_summary[numbers.columns].to_numpy(), numbers.to_numpy()
    )
    old = Golden(metrics=again.metrics, weights=again.weights, manifest=again.manifest)
    report = check_against_golden(monthly, old)
    assert report.attribution is None and report.passed
    fees = dataclasses.replace(
        monthly.config, costs=dataclasses.replace(monthly.config.costs, fees_bps=20.0)
    )
    markdown = to_markdown(check_blocks(check_against_golden(run(fees), old)))
    assert "Not compared: a side has no attribution" in markdown


def test_removed_events_are_counted_not_listed_as_n_a(monthly: Result, quarterly: Result) -> None:
    report = check_against_golden(quarterly, golden_from_result(monthly))
    markdown = to_markdown(check_blocks(report, max_rows=500))
    assert "→ n/a" not in markdown and "| n/a |" not in markdown.split("### Target weights")[1]
    removed = report.weights[report.weights["now"].isna()]
    n = len(removed[["strategy", "effective_date"]].drop_duplicates())
    assert f"{n} events removed since the golden" in markdown
    assert "1 event added (1 strategy, 2022-04-01 .. 2022-04-01)" in markdown  # the baseline's
    assert "**traded windows differ**: `golden`" in markdown
