"""Charts: no text overlaps another on any chart of a run (measured with the Agg renderer)."""

from __future__ import annotations

import datetime as dt

import pytest
from matplotlib.figure import Figure

from backtest.config import parse_config
from backtest.pipeline.runner import Result, run
from backtest.report import html as report_html
from backtest.report.charts import bucket_weights_chart, overlapping_texts


@pytest.fixture(scope="module")
def result() -> Result:
    config = parse_config(
        {
            "run": {"name": "charts", "start": dt.date(2016, 1, 4), "end": dt.date(2024, 6, 28)},
            "data": {"source": "demo"},
            "analysis": {"bootstrap_reps": 0},
            "strategies": [
                {"name": "prop", "kind": "proportional"},
                {"name": "tilt", "kind": "linear_tilt", "strength": 2.0},
                {"name": "equal", "kind": "equal_weight"},
            ],
        }
    )
    return run(config)


def test_no_chart_has_overlapping_text(result: Result) -> None:
    figures = report_html.draw_figures(result)
    assert list(figures) == list(report_html.CHART_NAMES)
    found = {name: overlapping_texts(figure) for name, figure in figures.items()}
    assert found == {name: [] for name in report_html.CHART_NAMES}


def test_the_bucket_chart_title_clears_the_panel_titles(result: Result) -> None:
    strategies = [c for c in result.equity.columns if c != "baseline"]
    figure = bucket_weights_chart(
        result.holdings, result.manifest["buckets"], result.share, strategies
    )
    assert overlapping_texts(figure) == []
    assert figure.get_suptitle().startswith("Bucket weights")


def test_the_detector_finds_overlapping_text() -> None:
    figure = Figure(figsize=(4.0, 3.0))
    axes = figure.add_subplot()
    axes.set_title("a panel title")
    figure.suptitle("a figure title", y=0.905)  # on top of the panel title
    figure.text(0.1, 0.1, "left")
    figure.text(0.9, 0.1, "right", ha="right")  # far apart: fine
    assert overlapping_texts(figure) == [("a figure title", "a panel title")]


def test_ticks_outside_the_view_do_not_count() -> None:
    figure = Figure(figsize=(4.0, 6.0))
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.plot([0, 1], [0, 1])
    bottom.plot([0, 1], [10, 20])
    figure.subplots_adjust(hspace=0.4)
    assert overlapping_texts(figure) == []
