"""The pipeline and the Python API: wiring checked against independent arithmetic."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

import backtest
from backtest.config import AnalysisConfig, Config, parse_config
from backtest.data.demo import DemoProvider
from backtest.data.providers import LoadedPrices
from backtest.errors import DataError
from backtest.inputs.references import load_references
from backtest.pipeline.runner import Result, run

FEES, SLIPPAGE = 10.0 / 1e4, 5.0 / 1e4


def _config(**schedule: Any) -> Config:
    return parse_config(
        {
            "run": {"name": "t", "start": dt.date(2022, 1, 3), "end": dt.date(2024, 6, 28)},
            "data": {"source": "demo"},
            "schedule": {"frequency": "monthly", **schedule},
            "costs": {"fees_bps": 10.0, "slippage_bps": 5.0},
            "strategies": [
                {"name": "prop", "kind": "proportional", "edge_fraction": 0.25},
                {"name": "prop_edge", "kind": "proportional", "edge_fraction": 0.6},
            ],
        }
    )


@pytest.fixture(scope="module")
def result() -> Result:
    return run(_config())


def _buy_and_hold(close: pd.Series, initial_cash: float) -> pd.Series:
    """All cash into one name at the first close, slippage and fees paid, then held."""
    shares = initial_cash / (close.iloc[0] * (1 + SLIPPAGE) * (1 + FEES))
    return shares * close


def test_columns_rows_and_returns(result: Result) -> None:
    assert list(result.equity.columns) == ["prop", "prop_edge", "baseline"]
    assert list(result.metrics.index) == [
        "prop", "prop_edge", "baseline", "ref_SPY", "ref_QQQ", "ref_SMH",
    ]  # fmt: skip
    assert result.equity.index[0] == result.events["effective_date"].iloc[0]
    values = result.equity.to_numpy()
    previous = np.vstack([np.full((1, 3), 1e6), values[:-1]])
    np.testing.assert_allclose(result.returns.to_numpy(), values / previous - 1.0, rtol=1e-15)


def test_baseline_and_references_are_buy_and_hold(result: Result) -> None:
    prices = (
        DemoProvider()
        .load(["NVDA", "SPY", "QQQ", "SMH"], dt.date(2022, 1, 3), dt.date(2024, 6, 28))
        .prices
    )
    prices = prices.loc[result.equity.index]
    expected = _buy_and_hold(prices["NVDA"], 1e6)
    np.testing.assert_allclose(result.equity["baseline"], expected, rtol=1e-12)
    for ticker in ("SPY", "QQQ", "SMH"):
        ref = result.reference_equity[f"ref_{ticker}"]
        np.testing.assert_allclose(ref, _buy_and_hold(prices[ticker], 1e6), rtol=1e-12)
    assert "ref_SPY" not in result.equity.columns  # a reference is never a strategy
    spy = result.reference_equity["ref_SPY"]
    assert result.metrics.loc["ref_SPY", "total_return"] == pytest.approx(spy.iloc[-1] / 1e6 - 1)
    fee = 1e6 / ((1 + SLIPPAGE) * (1 + FEES)) * (1 + SLIPPAGE) * FEES
    assert result.metrics.loc["ref_SPY", "fees_paid"] == pytest.approx(fee)
    assert result.manifest["references"] == {"SPY": "used", "QQQ": "used", "SMH": "used"}


def test_turnover_fees_and_orders_agree(result: Result) -> None:
    orders = result.orders
    assert set(orders["strategy"]) == {"prop", "prop_edge", "baseline"}
    np.testing.assert_allclose(orders["notional"], orders["size"] * orders["price"], rtol=1e-15)
    np.testing.assert_allclose(orders["fees"], orders["notional"] * FEES, rtol=1e-12)
    for name in ("prop", "baseline"):
        paid = orders.loc[orders["strategy"] == name, "fees"].sum()
        assert result.metrics.loc[name, "fees_paid"] == pytest.approx(paid, rel=1e-12)
        events = result.turnover[result.turnover["strategy"] == name]
        assert events["fees"].sum() == pytest.approx(paid, rel=1e-12)
        years = len(result.equity) / 252
        assert result.metrics.loc[name, "annual_turnover"] == pytest.approx(
            events["turnover"].sum() / years
        )


def test_holdings_are_drifted_weights_that_sum_to_invested_fraction(result: Result) -> None:
    held = result.holdings[result.holdings["strategy"] == "baseline"]
    nvda = held[held["ticker"] == "NVDA"].set_index("date")["weight"]
    # the baseline holds NVDA only; cash left is 0 after the clipped first buy
    np.testing.assert_allclose(nvda.to_numpy(), 1.0, rtol=1e-12)
    sums = result.holdings.groupby(["strategy", "date"])["weight"].sum()
    assert (sums <= 1.0 + 1e-12).all() and (sums > 0.95).all()


def test_rebalance_band_reaches_the_engine() -> None:
    banded = run(_config(rebalance_band=0.03))
    skipped = banded.skipped_events
    assert len(skipped) > 0 and set(skipped["strategy"]) <= {"prop", "prop_edge"}
    flagged = banded.turnover[banded.turnover["skipped"]]
    assert (flagged["turnover"] == 0.0).all()
    pd.testing.assert_frame_equal(
        flagged[["strategy", "effective_date"]].reset_index(drop=True), skipped
    )


class _WithoutSpy:
    """The demo market with SPY removed (its `load` raises like a source missing a file)."""

    name = "demo"
    synthetic = True

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        if "SPY" in tickers:
            raise DataError("no prices for SPY in `somewhere`")
        return DemoProvider().load(tickers, start, end)


def test_a_missing_reference_ticker_is_left_out_not_fatal() -> None:
    result = run(_config(), provider=_WithoutSpy())
    assert "ref_SPY" not in result.metrics.index
    assert {"ref_QQQ", "ref_SMH"} <= set(result.metrics.index)
    assert result.manifest["references"]["SPY"].startswith("absent: no prices for SPY")


def test_python_api_accepts_a_path_and_is_lazy(tmp_path: Any) -> None:
    code = "import sys, backtest; print('vectorbt' in sys.modules, 'pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
    assert backtest.run is run
    config = tmp_path / "c.toml"
    config.write_text(
        'universe = "compute_layer"\n[run]\nname = "p"\nstart = 2024-06-03\nend = 2025-06-30\n'
        '[data]\nsource = "demo"\n[[strategies]]\nname = "prop"\nkind = "proportional"\n'
    )
    from_path = backtest.run(str(config))
    assert list(from_path.equity.columns) == ["prop", "baseline"]
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = backtest.nope


def test_manifest_records_what_the_run_rests_on(result: Result) -> None:
    manifest = result.manifest
    for key in ("config", "data_source", "data_sha256", "signal_sha256", "versions",
                "created_at", "look_ahead", "synthetic", "git_commit", "buckets"):  # fmt: skip
        assert key in manifest, key
    assert manifest["synthetic"] is True and manifest["look_ahead"] is False
    assert manifest["buckets"]["NVDA"] == "gpu"


class _Panel:
    """A provider serving a fixed panel (only the requested columns it has)."""

    name = "panel"
    synthetic = True

    def __init__(self, panel: pd.DataFrame) -> None:
        self.panel = panel

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        return LoadedPrices(prices=self.panel[[t for t in tickers if t in self.panel.columns]])


def test_reference_alignment_fills_short_gaps_and_drops_long_ones() -> None:
    calendar = pd.bdate_range("2024-01-01", periods=12)
    short = pd.Series(np.arange(1.0, 13.0), index=calendar).drop(calendar[[4, 5]])
    long = pd.Series(np.arange(1.0, 13.0), index=calendar).drop(calendar[3:8])
    late = pd.Series(np.arange(1.0, 13.0), index=calendar).iloc[6:]
    panel = pd.DataFrame({"SPY": short, "QQQ": long, "SMH": late})
    refs = load_references(_Panel(panel), calendar, first_date=calendar[2], max_fill_days=2)
    assert list(refs.prices.columns) == ["SPY"]
    assert refs.prices["SPY"].iloc[4:6].tolist() == [4.0, 4.0]  # forward-filled, 2 days
    assert refs.absent == {
        "QQQ": "gap longer than 2 days at 2024-01-08",
        "SMH": "no price on the first effective date 2024-01-03",
    }


def test_a_risk_free_series_enters_sharpe_sortino_and_alpha(tmp_path: Any) -> None:
    """A T-bill file beside the config: each day's rate is the last one on or before it."""
    (tmp_path / "tbill.csv").write_text("date,rate\n2021-12-01,0.01\n2023-07-03,0.05\n")
    (tmp_path / "rf.toml").write_text(
        '[run]\nname = "rf"\nstart = 2022-01-03\nend = 2024-06-28\n[data]\nsource = "demo"\n'
        '[analysis]\nrisk_free = "tbill.csv"\nbootstrap_reps = 0\n'
        '[[strategies]]\nname = "prop"\nkind = "proportional"\n'
    )
    result = run(backtest.load_config(tmp_path / "rf.toml"))
    r = result.returns["prop"].to_numpy()
    b = result.returns["baseline"].to_numpy()
    annual = np.where(result.returns.index < pd.Timestamp("2023-07-03"), 0.01, 0.05)
    x = r - ((1.0 + annual) ** (1.0 / 252) - 1.0)
    xb = b - ((1.0 + annual) ** (1.0 / 252) - 1.0)
    row = result.metrics.loc["prop"]
    assert row["sharpe_ratio"] == pytest.approx(x.mean() / x.std(ddof=1) * np.sqrt(252), rel=1e-12)
    downside = np.sqrt(np.mean(np.minimum(x, 0.0) ** 2))
    assert row["sortino_ratio"] == pytest.approx(x.mean() * np.sqrt(252) / downside, rel=1e-12)
    slope = np.cov(x, xb, ddof=1)[0, 1] / np.var(xb, ddof=1)
    assert row["alpha"] == pytest.approx((x.mean() - slope * xb.mean()) * 252, rel=1e-10)
    # the risk-free rate leaves everything that does not use it alone
    config = backtest.load_config(tmp_path / "rf.toml")
    plain = run(dataclasses.replace(config, analysis=AnalysisConfig(bootstrap_reps=0)))
    for name in ("total_return", "cagr", "information_ratio", "beta", "max_drawdown"):
        assert plain.metrics.loc["prop", name] == pytest.approx(row[name], rel=1e-12), name
    assert plain.metrics.loc["prop", "sharpe_ratio"] > row["sharpe_ratio"]
