"""The methodology diff on hand-made runs: config keys, weights, metrics, statuses, rendering."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backtest.gate.compare import (
    bucket_changes,
    compare_runs,
    config_diff,
    metric_changes,
    weight_changes,
)
from backtest.gate.compare_view import comparison_blocks
from backtest.report.markup import Bullets, Heading, Paragraph, Table, to_html, to_markdown

D = pd.Timestamp


def _weights(rows: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["strategy", "determination_date", "effective_date", "ticker", "weight"]
    )
    for col in ("determination_date", "effective_date"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def _metrics(values: dict[str, dict[str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(values, orient="index")
    frame.index.name = "strategy"
    return frame


def _run(weights: pd.DataFrame, metrics: pd.DataFrame, **manifest: Any) -> SimpleNamespace:
    return SimpleNamespace(weights=weights, metrics=metrics, manifest=manifest)


def test_config_diff_matches_strategies_by_name_and_lists_by_position() -> None:
    a = {
        "costs": {"fees_bps": 10.0, "slippage_bps": 5.0},
        "strategies": [
            {"name": "s", "kind": "k", "constraints": [{"kind": "capped", "max_weight": 0.25}]},
            {"name": "gone", "kind": "k"},
        ],
    }
    b = {
        "costs": {"fees_bps": 20.0, "slippage_bps": 5.0},
        "strategies": [
            {"name": "new", "kind": "k"},
            {"name": "s", "kind": "k", "constraints": [{"kind": "capped", "max_weight": 0.2}]},
        ],
        "sweep": {"n": 1},
    }
    assert config_diff(a, b) == [
        ("costs.fees_bps", 10.0, 20.0),
        ("strategies.s.constraints[1].max_weight", 0.25, 0.2),
        ("strategies.gone", {"name": "gone", "kind": "k"}, None),
        ("strategies.new", None, {"name": "new", "kind": "k"}),
        ("sweep", None, {"n": 1}),
    ]
    assert config_diff(a, a) == []


def test_weight_changes_fills_missing_tickers_with_zero_and_missing_events_with_nan() -> None:
    a = _weights(
        [("s", "2024-01-31", "2024-02-01", "X", 0.6), ("s", "2024-01-31", "2024-02-01", "Y", 0.4)]
    )
    b = _weights(
        [
            ("s", "2024-01-31", "2024-02-01", "X", 0.5),
            ("s", "2024-01-31", "2024-02-01", "Y", 0.3),
            ("s", "2024-01-31", "2024-02-01", "Z", 0.2),
            ("s", "2024-02-29", "2024-03-01", "X", 1.0),
        ]
    )
    out = weight_changes(a, b).set_index(["effective_date", "ticker"])
    assert out.loc[(D("2024-02-01"), "X"), ["a", "b"]].tolist() == [0.6, 0.5]
    assert out.loc[(D("2024-02-01"), "Z"), ["a", "b"]].tolist() == [0.0, 0.2]
    assert out.loc[(D("2024-02-01"), "Y"), "delta"] == pytest.approx(-0.1, abs=1e-15)
    new_event = out.loc[(D("2024-03-01"), "X")]
    assert math.isnan(new_event["a"]) and new_event["b"] == 1.0 and math.isnan(new_event["delta"])
    assert new_event["determination_date"] == D("2024-02-29")
    assert len(out) == 4


def test_metric_changes_take_the_union_of_strategies_and_metrics() -> None:
    a = _metrics(
        {"s": {"cagr": 0.10, "sharpe_ratio": 1.0}, "baseline": {"cagr": 0.2, "sharpe_ratio": 0.9}}
    )
    b = _metrics({"s": {"cagr": 0.12, "sharpe_ratio": 1.0, "beta": 0.5}, "t": {"cagr": 0.3}})
    out = metric_changes(a, b).set_index(["strategy", "metric"])
    assert out.loc[("s", "cagr"), "delta"] == pytest.approx(0.02, abs=1e-15)
    assert math.isnan(out.loc[("s", "beta"), "a"]) and out.loc[("s", "beta"), "b"] == 0.5
    assert math.isnan(out.loc[("baseline", "cagr"), "b"])
    assert list(dict.fromkeys(out.index.get_level_values(0))) == ["s", "baseline", "t"]


def test_compare_runs_says_which_strategies_changed() -> None:
    w_a = _weights(
        [
            ("same", "2024-01-31", "2024-02-01", "X", 1.0),
            ("moved", "2024-01-31", "2024-02-01", "X", 0.5),
            ("moved", "2024-01-31", "2024-02-01", "Y", 0.5),
            ("gone", "2024-01-31", "2024-02-01", "X", 1.0),
        ]
    )
    w_b = _weights(
        [
            ("same", "2024-01-31", "2024-02-01", "X", 1.0),
            ("moved", "2024-01-31", "2024-02-01", "X", 0.25),
            ("moved", "2024-01-31", "2024-02-01", "Y", 0.75),
            ("new", "2024-01-31", "2024-02-01", "Y", 1.0),
        ]
    )
    m_a = _metrics({"same": {"cagr": 0.1}, "moved": {"cagr": 0.1}, "gone": {"cagr": 0.1}})
    m_b = _metrics({"same": {"cagr": 0.1}, "moved": {"cagr": 0.15}, "new": {"cagr": 0.2}})
    comparison = compare_runs(
        _run(w_a, m_a, config={"x": 1}, data_sha256="d"),
        _run(w_b, m_b, config={"x": 2}, data_sha256="d"),
        labels=("old", "new"),
    )
    assert comparison.status == {
        "same": "identical",
        "moved": "changed: 1 of 1 events, 1 of 1 metrics",
        "gone": "only in old",
        "new": "only in new",
    }
    assert comparison.same_data and comparison.config_changes == [("x", 1, 2)]
    markdown = to_markdown(comparison_blocks(comparison))
    assert "| moved | cagr | 10.0000% | 15.0000% | +5.0000 pp |" in markdown
    assert (
        "`X` 50.0000% → 25.0000% (-25.0000 pp); `Y` 50.0000% → 75.0000% (+25.0000 pp)" in markdown
    )
    assert "| same | cagr |" not in markdown  # unchanged rows are left out by default
    payload = comparison.to_json()
    assert {(r["strategy"], r["ticker"]) for r in payload["changed_weights"]} == {
        ("moved", "X"),
        ("moved", "Y"),
        ("gone", "X"),
        ("new", "Y"),
    }


def test_markup_renders_the_same_blocks_as_markdown_and_escaped_html() -> None:
    blocks = [
        Heading(text="Title `x`", level=2),
        Paragraph(text="**bold** <b>"),
        Bullets(items=("one", "two")),
        Table(header=("a", "b"), rows=(("p|q", "1"),), numeric=frozenset({1})),
    ]
    assert to_markdown(blocks) == (
        "## Title `x`\n\n**bold** <b>\n\n- one\n- two\n\n| a | b |\n|---|---:|\n| p\\|q | 1 |\n"
    )
    page = to_html(blocks, title="t")
    assert "<h2>Title <code>x</code></h2>" in page
    assert "<p><strong>bold</strong> &lt;b&gt;</p>" in page
    assert '<td>p|q</td><td class="num">1</td>' in page
    assert "<script" not in page


@st.composite
def _weight_frames(draw: st.DrawFn) -> pd.DataFrame:
    tickers = ["A", "B", "C", "D"]
    events = draw(st.lists(st.sampled_from(range(6)), min_size=1, max_size=6, unique=True))
    rows = []
    for event in sorted(events):
        held = draw(st.lists(st.sampled_from(tickers), min_size=1, max_size=4, unique=True))
        raw = draw(st.lists(st.floats(0.01, 1.0), min_size=len(held), max_size=len(held)))
        t_e = pd.Timestamp("2024-01-01") + pd.offsets.MonthBegin(event)
        rows += [
            ("s", str(t_e - pd.Timedelta(days=1))[:10], str(t_e)[:10], t, w / sum(raw))
            for t, w in zip(held, raw, strict=True)
        ]
    return _weights(rows)


@given(a=_weight_frames(), b=_weight_frames())
@settings(max_examples=60, deadline=None)
def test_weight_changes_agree_with_dense_matrices(a: pd.DataFrame, b: pd.DataFrame) -> None:
    out = weight_changes(a, b)
    # independent answer: dense (event x ticker) matrices, 0 for an absent ticker
    dense_a = a.pivot_table(
        index="effective_date", columns="ticker", values="weight", fill_value=0.0
    )
    dense_b = b.pivot_table(
        index="effective_date", columns="ticker", values="weight", fill_value=0.0
    )
    common = dense_a.index.intersection(dense_b.index)
    tickers = dense_a.columns.union(dense_b.columns)
    expected = dense_b.reindex(index=common, columns=tickers, fill_value=0.0) - dense_a.reindex(
        index=common, columns=tickers, fill_value=0.0
    )
    both = out[out["a"].notna() & out["b"].notna()]
    got = both.pivot_table(index="effective_date", columns="ticker", values="delta", fill_value=0.0)
    got = got.reindex(index=common, columns=tickers, fill_value=0.0)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), atol=1e-15)
    # events on one side only have NaN on the other, and every input row appears exactly once
    only = set(dense_a.index).symmetric_difference(dense_b.index)
    assert set(out.loc[out["delta"].isna(), "effective_date"]) == only
    assert not out.duplicated(["strategy", "effective_date", "ticker"]).any()
    swapped = weight_changes(b, a)
    np.testing.assert_array_equal(swapped["delta"].to_numpy(), -out["delta"].to_numpy())


def test_bucket_changes_use_each_sides_own_buckets() -> None:
    a = _weights(
        [("s", "2024-01-31", "2024-02-01", "X", 0.6), ("s", "2024-01-31", "2024-02-01", "Y", 0.4)]
    )
    b = _weights(
        [
            ("s", "2024-01-31", "2024-02-01", "X", 0.5),
            ("s", "2024-01-31", "2024-02-01", "Y", 0.3),
            ("s", "2024-01-31", "2024-02-01", "Z", 0.2),
        ]
    )
    # between the runs Y moved from asic to edge; Z has no bucket
    out = bucket_changes(a, b, {"X": "gpu", "Y": "asic"}, {"X": "gpu", "Y": "edge"})
    got = {r["bucket"]: (r["a"], r["b"]) for r in out.to_dict(orient="records")}
    assert got == {"gpu": (0.6, 0.5), "asic": (0.4, 0.0), "edge": (0.0, 0.3), "other": (0.0, 0.2)}


def test_compare_shows_bucket_moves_from_the_runs_universes() -> None:
    w_a = _weights(
        [("s", "2024-01-31", "2024-02-01", "X", 0.6), ("s", "2024-01-31", "2024-02-01", "Y", 0.4)]
    )
    w_b = _weights(
        [("s", "2024-01-31", "2024-02-01", "X", 0.5), ("s", "2024-01-31", "2024-02-01", "Y", 0.5)]
    )
    m = _metrics({"s": {"cagr": 0.1}})
    universe = SimpleNamespace(buckets={"X": "gpu", "Y": "asic"})
    a = SimpleNamespace(weights=w_a, metrics=m, manifest={}, universe=universe)
    b = SimpleNamespace(weights=w_b, metrics=m, manifest={}, universe=universe)
    markdown = to_markdown(comparison_blocks(compare_runs(a, b)))
    assert "| strategy | event | gpu | asic |" in markdown
    assert "| s | 2024-02-01 | 60.0000% → 50.0000% | 40.0000% → 50.0000% |" in markdown
