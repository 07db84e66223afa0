"""The shared-files run (real prices): the analysis tables agree with the metrics, the report
has every new table and chart, and Chromium renders it. Skipped without ``../shared``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.config import load_config
from backtest.metrics import max_drawdown
from backtest.pipeline.result import write_run
from backtest.pipeline.runner import Result, run
from backtest.pipeline.uncertainty import bootstrap_table
from backtest.report.calendar import MONTH_COLUMNS
from backtest.report.charts import overlapping_texts
from backtest.report.html import CHART_NAMES, draw_figures
from tests.conftest import REPO, SHARED_PRICES
from tests.report.test_report import CHROMIUM, _embedded, _probe


@pytest.fixture(scope="module")
def real() -> Result:
    if not (SHARED_PRICES / "NVDA.csv").is_file():
        pytest.skip(f"real price data not found at {SHARED_PRICES} (../shared is absent)")
    config = load_config(REPO / "configs" / "shared-files.toml")
    config = dataclasses.replace(
        config,
        data=dataclasses.replace(config.data, dir=str(SHARED_PRICES)),
        analysis=dataclasses.replace(config.analysis, periods=("2015-2022", "2023-2026")),
    )
    return run(config)


@pytest.fixture(scope="module")
def page(real: Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(real, tmp_path_factory.mktemp("real") / "shared-files", force=False)


def test_the_warm_up_moves_the_first_event(real: Result) -> None:
    """Prices before 2015-01-02 are loaded for decisions, so the first event is no longer
    2015-03-02 (the first whose t_d had 21 days inside the window) but 2015-02-02: the first
    effective date on or after the start whose t_d (2015-01-30) has a usable signal value
    (2015-01-02's t_d, 2014-12-31, is before the default series' first figure)."""
    first = real.events.iloc[0]
    assert first["effective_date"] == pd.Timestamp("2015-02-02")
    assert first["determination_date"] == pd.Timestamp("2015-01-30")
    assert real.equity.index[0] == pd.Timestamp("2015-02-02")
    assert real.prices.index[0] < pd.Timestamp("2015-01-02")  # the warm-up rows
    window = real.manifest["window"]
    assert window["traded"] == ["2015-02-02", "2026-07-31"]
    assert window["warmup"]["days"] == 64
    assert window["notes"] == [
        "trading starts 2015-02-02, the first monthly effective date (first trading day of a "
        "period) on or after 2015-01-02 whose decision has a usable inference-share value (its "
        "first figure is usable from 2015-01-01)"
    ]
    # every member listed before the warm-up is eligible at the first event
    eligible = real.weights[real.weights["effective_date"] == first["effective_date"]]
    equal = eligible[eligible["strategy"] == "equal_weight"]
    assert (equal.set_index("ticker")["weight"].drop(["ALAB", "ARM"]) > 0).all()


def test_years_and_months_compound_to_each_total_return(real: Result) -> None:
    for name, total in real.metrics["total_return"].items():
        years = real.yearly.loc[real.yearly["strategy"] == name, "return"].to_numpy()
        months = real.monthly.loc[real.monthly["strategy"] == name, list(MONTH_COLUMNS)]
        assert np.prod(1.0 + years) - 1.0 == pytest.approx(total, rel=1e-10), name
        assert np.nanprod(1.0 + months.to_numpy()) - 1.0 == pytest.approx(total, rel=1e-10)
    years = real.yearly[real.yearly["strategy"] == "baseline"]
    assert years["partial"].tolist() == [True] + [False] * 10 + [True]  # 2015, 2026 partial


def test_the_deepest_drawdown_is_max_drawdown(real: Result) -> None:
    deepest = real.drawdowns[real.drawdowns["rank"] == 1].set_index("strategy")["depth"]
    for name, depth in deepest.items():
        assert depth == real.metrics.loc[name, "max_drawdown"]
        assert depth == max_drawdown(real.returns[name])


def test_the_two_periods_chain_to_the_whole_run(real: Result) -> None:
    for name, rows in real.periods.groupby("strategy"):
        growth = (1.0 + rows["total_return"]).prod()
        assert growth - 1.0 == pytest.approx(real.metrics.loc[name, "total_return"], rel=1e-10)
    second = real.periods[real.periods["period"] == "2023-2026"]
    assert (second["first_date"] == pd.Timestamp("2023-01-03")).all()  # January 2023 counted


def test_the_bootstrap_is_reproducible_and_contains_the_estimate(real: Result) -> None:
    table = real.uncertainty
    assert ((table["low"] <= table["estimate"]) & (table["estimate"] <= table["high"])).all()
    names = [c for c in real.equity.columns if c != "baseline"]
    again = bootstrap_table(real.returns, strategies=names, reps=1000, seed=15, confidence=0.95)
    pd.testing.assert_frame_equal(again, table)
    cagr = table[table["metric"] == "excess_cagr"].set_index("strategy")["estimate"]
    np.testing.assert_array_equal(cagr.to_numpy(), real.metrics.loc[names, "excess_cagr"])


def test_the_real_charts_have_no_overlapping_text(real: Result) -> None:
    figures = draw_figures(real)
    assert {n: overlapping_texts(f) for n, f in figures.items()} == {n: [] for n in CHART_NAMES}


def test_the_report_has_every_table_and_chart(page: Path) -> None:
    html = (page / "report.html").read_text(encoding="utf-8")
    for section in ('id="uncertainty"', 'id="periods"', 'id="yearly"', 'id="drawdowns"'):
        assert section in html
    assert list(_embedded(html)) == list(CHART_NAMES)
    assert "2026 (partial: 2026-01-02 .. 2026-07-31)" in html
    for name in ("yearly", "monthly", "drawdowns", "rolling", "periods", "uncertainty"):
        assert (page / f"{name}.csv").is_file()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_renders_every_real_chart(page: Path, tmp_path: Path) -> None:
    html = (page / "report.html").read_text(encoding="utf-8")
    probe = _probe(tmp_path, html)
    assert probe["errors"] == []
    assert [i["id"] for i in probe["images"]] == [f"chart-{n}" for n in CHART_NAMES]
    assert all(i["complete"] and int(str(i["width"])) > 0 for i in probe["images"])
