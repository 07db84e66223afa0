"""Brinson-Fachler by bucket: hand-worked numbers, Carino linking, and the identity on real runs.

The hand-made portfolio is valued here with plain arithmetic (shares x prices + cash), not by
the engine; the real-data checks read ``equity.csv``, ``attribution.csv`` and
``holdings.parquet`` back from a written run folder and recompute what they check with numpy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.config import load_config, parse_config
from backtest.errors import ConfigError
from backtest.pipeline.attribution import (
    bucket_attribution,
    carino_factors,
    linked_attribution,
)
from backtest.pipeline.result import write_run
from backtest.pipeline.runner import Result, run
from tests.conftest import REPO

DATES = pd.bdate_range("2024-01-01", periods=5, name="date")
PRICES = pd.DataFrame(
    {
        "A": [10.0, 11.0, 12.0, 12.0, 13.0],
        "B": [20.0, 20.0, 18.0, 18.0, 19.0],
        "C": [5.0, 5.5, 5.0, 5.0, 6.0],
    },
    index=DATES,
)
BUCKETS = {"A": "gpu", "B": "asic", "C": "gpu"}
CASH = 1000.0


def _long(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    stacked = frame.stack().rename("weight").reset_index()
    stacked.columns = ["date", "ticker", "weight"]
    return stacked.assign(strategy=name)[["strategy", "date", "ticker", "weight"]]


def _hand_run(fee: float) -> dict[str, pd.DataFrame]:
    """S buys A/C/B at 40/20/40 % on day 0 and rebalances to 25/25/50 % on day 2; R buys A.

    Orders fill at the close (no slippage); S pays ``fee`` on day 2, a quarter on each gpu
    name and half on B. Valued here as shares x closes (cash is 0 after each trade).
    """
    p = PRICES.to_numpy()
    s_shares = np.zeros((5, 3))
    s_shares[:2] = [400.0 / 10.0, 400.0 / 20.0, 200.0 / 5.0]  # 40 A, 20 B, 40 C
    after = 40 * 12.0 + 20 * 18.0 + 40 * 5.0 - fee  # 1040 before the fee
    s_shares[2:] = [0.25 * after / 12.0, 0.5 * after / 18.0, 0.25 * after / 5.0]
    r_shares = np.tile([CASH / 10.0, 0.0, 0.0], (5, 1))
    s_value, r_value = (s_shares * p).sum(axis=1), (r_shares * p).sum(axis=1)
    equity = pd.DataFrame({"S": s_value, "R": r_value}, index=DATES)
    tickers = ["A", "B", "C"]
    holdings = pd.concat(
        [
            _long("S", pd.DataFrame(s_shares * p / s_value[:, None], DATES, tickers)),
            _long("R", pd.DataFrame(r_shares * p / r_value[:, None], DATES, tickers)),
        ],
        ignore_index=True,
    )
    moved = np.abs(s_shares[2] - s_shares[1])
    trades = [
        ("S", DATES[0], "A", 40.0, 10.0, 0.0),
        ("S", DATES[0], "B", 20.0, 20.0, 0.0),
        ("S", DATES[0], "C", 40.0, 5.0, 0.0),
        ("S", DATES[2], "A", moved[0], 12.0, fee / 4),
        ("S", DATES[2], "B", moved[1], 18.0, fee / 2),
        ("S", DATES[2], "C", moved[2], 5.0, fee / 4),
        ("R", DATES[0], "A", 100.0, 10.0, 0.0),
    ]
    orders = pd.DataFrame(trades, columns=["strategy", "date", "ticker", "size", "price", "fees"])
    orders["notional"] = orders["size"] * orders["price"]
    turnover = pd.DataFrame(
        {"strategy": ["S", "S", "R"], "effective_date": [DATES[0], DATES[2], DATES[0]]}
    )
    return {"equity": equity, "holdings": holdings, "orders": orders, "turnover": turnover}


def _attribute(frames: dict[str, pd.DataFrame], reference: str = "R") -> pd.DataFrame:
    return bucket_attribution(
        **frames, prices=PRICES, buckets=BUCKETS, initial_cash=CASH, reference=reference
    )


def test_hand_worked_effects_without_costs() -> None:
    out = _attribute(_hand_run(fee=0.0)).set_index(["period", "segment"])
    # period 1 (day 0 -> 2): S gpu 60 % returning (480 + 200) / 600 - 1 = 2/15, asic 40 % at
    # -10 %; R all A: gpu 100 % at +20 % = RB
    assert out.loc[(1, "gpu"), "weight"] == pytest.approx(0.6, abs=1e-15)
    assert out.loc[(1, "gpu"), "return"] == pytest.approx(2 / 15, abs=1e-15)
    assert out.loc[(1, "gpu"), "allocation"] == pytest.approx(0.0, abs=1e-15)  # RB_gpu = RB
    assert out.loc[(1, "asic"), "allocation"] == pytest.approx(0.4 * (-0.1 - 0.2), abs=1e-15)
    assert out.loc[(1, "gpu"), "selection"] == pytest.approx(1.0 * (2 / 15 - 0.2), abs=1e-15)
    assert out.loc[(1, "gpu"), "interaction"] == pytest.approx(-0.4 * (2 / 15 - 0.2), abs=1e-15)
    assert out.loc[(1, "asic"), "selection"] == 0.0  # R holds no asic: all allocation
    assert out.loc[1, "total"].sum() == pytest.approx(0.04 - 0.2, abs=1e-15)
    # period 2 (day 2 -> 4): S 25/25/50; A +1/12, C +1/5, B +1/18; R all A
    r_gpu = (13 / 12 + 6 / 5) / 2 - 1
    assert out.loc[(2, "asic"), "allocation"] == pytest.approx(0.5 * (1 / 18 - 1 / 12), abs=1e-15)
    assert out.loc[(2, "gpu"), "selection"] == pytest.approx(r_gpu - 1 / 12, abs=1e-15)
    assert out.loc[(2, "gpu"), "interaction"] == pytest.approx(-0.5 * (r_gpu - 1 / 12), abs=1e-15)
    # period 0 is the first investment: both all cash, and no fee was paid
    assert out.loc[(0, "cash"), "weight"] == 1.0 and out.loc[0, "total"].abs().sum() == 0.0
    assert pd.isna(out.loc[(0, "gpu"), "period_start"])
    assert list(out.loc[0].index) == ["gpu", "asic", "edge", "cash"]


def test_the_fee_closing_a_period_is_its_own_term() -> None:
    frames = _hand_run(fee=8.0)
    out = _attribute(frames).set_index(["period", "segment"])
    # the 8.0 paid on day 2 closes period 1, on V(day 0) = 1000: 4.0 per bucket
    assert out.loc[(1, "gpu"), "cost"] == pytest.approx(-4.0 / 1000.0, abs=1e-15)
    assert out.loc[(1, "asic"), "cost"] == pytest.approx(-4.0 / 1000.0, abs=1e-15)
    assert out.loc[(1, "asic"), "allocation"] == pytest.approx(-0.12, abs=1e-15)  # unchanged
    equity = frames["equity"]
    s = equity["S"].iloc[2] / equity["S"].iloc[0] - 1.0
    r = equity["R"].iloc[2] / equity["R"].iloc[0] - 1.0
    assert out.loc[1, "total"].sum() == pytest.approx(s - r, abs=1e-15)


def test_a_segment_only_the_strategy_holds_is_all_allocation_and_swapping_sides() -> None:
    frames = _hand_run(fee=0.0)
    forward = _attribute(frames, "R").set_index(["period", "segment"])
    backward = _attribute(frames, "S").set_index(["period", "segment"])
    assert forward.loc[(2, "asic"), ["selection", "interaction"]].tolist() == [0.0, 0.0]
    # against S, R's missing asic takes R_b = RB_b: no selection or interaction either
    assert backward.loc[(2, "asic"), ["selection", "interaction"]].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(
        backward.groupby(level="period")["total"].sum(),
        -forward.groupby(level="period")["total"].sum(),
        atol=1e-15,
    )


def test_an_unknown_reference_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"`attribution\.reference` must be one of S, R"):
        _attribute(_hand_run(fee=0.0), reference="Q")


def test_carino_factors_match_the_formula_and_their_limit() -> None:
    r, b = np.array([0.1, -0.05, 0.02]), np.array([0.05, -0.05, 0.0200000001])
    expected = [
        (np.log(1.1) - np.log(1.05)) / 0.05,
        1.0 / 0.95,  # equal returns: the limit 1 / (1 + R)
        # nearly equal: the direct formula cancels; the series gives 1 / (1 + (R + B) / 2)
        # up to a relative (R - B)^2 / 12, here 1e-21
        1.0 / (1.0 + (0.02 + 0.0200000001) / 2),
    ]
    np.testing.assert_allclose(carino_factors(r, b), expected, rtol=1e-13)


def test_linked_effects_add_up_to_the_compounded_active_return_of_each_span() -> None:
    frames = _hand_run(fee=6.0)
    attribution = _attribute(frames)
    summary = linked_attribution(attribution, frames["equity"], initial_cash=CASH)
    total = summary[summary["segment"] == "total"].set_index("year")
    equity = frames["equity"]
    s, r = equity["S"].iloc[-1] / CASH - 1.0, equity["R"].iloc[-1] / CASH - 1.0
    assert total.loc["all", "strategy_return"] == pytest.approx(s, abs=1e-15)
    assert total.loc["all", "active_return"] == pytest.approx(s - r, abs=1e-15)
    effects = total.loc["all", ["allocation", "selection", "interaction", "cost"]]
    assert effects.sum() == pytest.approx(s - r, abs=1e-15)
    assert total.loc["all", "method"] == "carino"
    by_segment = summary[(summary["year"] == "all") & (summary["segment"] != "total")]
    assert by_segment["allocation"].sum() == pytest.approx(total.loc["all", "allocation"])


# --- real runs: the identity against equity.csv, linking, an independent allocation ---


@pytest.fixture(scope="module")
def shared_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    prices = REPO.parent / "shared" / "data" / "prices"
    if not (prices / "NVDA.csv").is_file():
        pytest.skip(f"real price data not found at {prices} (../shared is absent)")
    result = run(load_config(REPO / "configs" / "shared-files.toml"))
    folder = write_run(result, tmp_path_factory.mktemp("shared") / "run", force=False)
    return result, folder


def _period_returns(equity: pd.DataFrame, periods: pd.DataFrame, column: str) -> np.ndarray:
    """Each period's return from equity.csv: V(end) / V(start) - 1, V(start) = cash if empty."""
    end = equity.loc[pd.DatetimeIndex(periods["period_end"]), column].to_numpy()
    start = np.array(
        [
            1_000_000.0 if pd.isna(d) else equity.at[pd.Timestamp(d), column]
            for d in periods["period_start"]
        ]
    )
    return np.asarray(end / start - 1.0)


def _identity_residual(attribution: pd.DataFrame, equity: pd.DataFrame) -> float:
    worst = 0.0
    for (name, reference), frame in attribution.groupby(["strategy", "reference"]):
        periods = frame.groupby("period").agg(
            total=("total", "sum"), period_start=("period_start", "first"),
            period_end=("period_end", "first"),
        )  # fmt: skip
        active = _period_returns(equity, periods, name) - _period_returns(
            equity, periods, reference
        )
        chained = np.prod(1.0 + _period_returns(equity, periods, name))
        assert chained == pytest.approx(equity[name].iloc[-1] / 1_000_000.0, rel=1e-12)
        assert periods["period_end"].iloc[-1] == equity.index[-1]
        worst = max(worst, float(np.abs(periods["total"].to_numpy() - active).max()))
    return worst


def test_the_identity_holds_on_the_shared_run_against_the_baseline_and_static(
    shared_run: tuple[Result, Path],
) -> None:
    result, folder = shared_run
    equity = pd.read_csv(folder / "equity.csv", index_col="date", parse_dates=["date"])
    written = pd.read_csv(folder / "attribution.csv", parse_dates=["period_start", "period_end"])
    assert set(written["reference"]) == {"baseline"}
    assert set(written["strategy"]) == set(equity.columns) - {"baseline"}
    assert _identity_residual(written, equity) <= 1e-12
    against_static = bucket_attribution(
        equity=result.equity, holdings=result.holdings, orders=result.orders,
        turnover=result.turnover, prices=result.prices, buckets=result.universe.buckets,
        initial_cash=1_000_000.0, reference="static",
    )  # fmt: skip
    assert "baseline" in set(against_static["strategy"])
    assert _identity_residual(against_static, equity) <= 1e-12


def test_whole_run_linked_effects_add_up_to_the_total_return_difference(
    shared_run: tuple[Result, Path],
) -> None:
    _, folder = shared_run
    equity = pd.read_csv(folder / "equity.csv", index_col="date", parse_dates=["date"])
    summary = pd.read_csv(folder / "attribution_summary.csv")
    whole = summary[(summary["year"] == "all") & (summary["segment"] == "total")]
    for row in whole.itertuples():
        difference = (equity[row.strategy].iloc[-1] - equity["baseline"].iloc[-1]) / 1_000_000.0
        effects = row.allocation + row.selection + row.interaction + row.cost
        assert effects == pytest.approx(difference, abs=1e-10 * max(1.0, abs(difference)))
    years = summary[(summary["year"] != "all") & (summary["segment"] == "total")]
    effects = years[["allocation", "selection", "interaction", "cost"]].sum(axis=1)
    np.testing.assert_allclose(effects, years["active_return"], atol=1e-12)


def _raw_closes(prices_dir: Path, tickers: list[str], dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Adjusted closes read straight from the shared CSVs, carried forward onto ``dates``."""
    out = {}
    for ticker in tickers:
        raw = pd.read_csv(prices_dir / f"{ticker}.csv", parse_dates=["date"], index_col="date")
        column = "adj_close" if "adj_close" in raw.columns else "close"
        out[ticker] = raw[column].sort_index().reindex(dates, method="ffill")
    return pd.DataFrame(out)


def test_the_allocation_effect_recomputed_from_holdings_and_prices(
    shared_run: tuple[Result, Path],
) -> None:
    result, folder = shared_run
    reference, name = "static", "linear_tilt_k2"
    computed = bucket_attribution(
        equity=result.equity, holdings=result.holdings, orders=result.orders,
        turnover=result.turnover, prices=result.prices, buckets=result.universe.buckets,
        initial_cash=1_000_000.0, reference=reference,
    )  # fmt: skip
    mine = computed[computed["strategy"] == name]
    holdings = pd.read_parquet(folder / "holdings.parquet")
    periods = mine.drop_duplicates("period").iloc[1:]  # period 0 is all cash on both sides
    dates = pd.DatetimeIndex(sorted(set(periods["period_start"]) | set(periods["period_end"])))
    tickers = sorted(set(holdings["ticker"].astype(str)))
    closes = _raw_closes(REPO.parent / "shared" / "data" / "prices", tickers, dates)
    buckets = ("gpu", "asic", "edge")

    def segments(strategy: str, start: pd.Timestamp, end: pd.Timestamp) -> tuple[list, list]:
        rows = holdings[(holdings["strategy"] == strategy) & (holdings["date"] == start)]
        h = dict(zip(rows["ticker"].astype(str), rows["weight"], strict=True))
        weights, returns = [], []
        for bucket in buckets:
            names = [t for t in tickers if result.universe.buckets.get(t) == bucket and h[t] > 0]
            w = sum(h[t] for t in names)
            grown = sum(h[t] * closes.at[end, t] / closes.at[start, t] for t in names)
            weights.append(w)
            returns.append(grown / w - 1.0 if w > 0 else float("nan"))
        weights.append(1.0 - sum(h.values()))
        returns.append(0.0)
        return weights, returns

    worst = 0.0
    for period in periods.itertuples():
        w, r = segments(name, period.period_start, period.period_end)
        big_w, big_r = segments(reference, period.period_start, period.period_end)
        rb_total = sum(x * y for x, y in zip(big_w, big_r, strict=True) if x > 0)
        for j, segment in enumerate([*buckets, "cash"]):
            rb = big_r[j] if big_w[j] > 0 else r[j]
            expected = (w[j] - big_w[j]) * (rb - rb_total) if w[j] or big_w[j] else 0.0
            got = mine[(mine["period"] == period.period) & (mine["segment"] == segment)]
            worst = max(worst, abs(float(got["allocation"].iloc[0]) - expected))
    assert len(periods) > 100
    assert worst <= 1e-12


def test_the_config_chooses_the_reference(tmp_path: Path) -> None:
    raw = {
        "run": {"name": "r", "start": dt.date(2023, 1, 3), "end": dt.date(2024, 6, 28)},
        "data": {"source": "demo"},
        "attribution": {"reference": "flat"},
        "strategies": [
            {"name": "flat", "kind": "static"},
            {"name": "tilt", "kind": "proportional"},
        ],
    }
    result = run(parse_config(raw))
    assert set(result.attribution["reference"]) == {"flat"}
    assert set(result.attribution["strategy"]) == {"tilt", "baseline"}
    with pytest.raises(ConfigError, match=r"\(did you mean `flat`\?\); allowed: baseline, flat"):
        parse_config({**raw, "attribution": {"reference": "flta"}})
