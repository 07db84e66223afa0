"""Train/test and walk-forward picks: hand-built cases, the no-look-ahead property, a real sweep."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from backtest.config import load_config
from backtest.errors import ConfigError
from backtest.metrics import cagr, sharpe_ratio
from backtest.sweep.grid import parse_sweep
from backtest.sweep.oos import sweep_oos, train_test, walk_forward
from backtest.sweep.plan import Analysis, month_end_flags
from backtest.sweep.ranking import rank_order
from backtest.sweep.run import run_sweep

DATES = pd.bdate_range("2020-01-01", "2021-12-31")


def _regime_returns() -> np.ndarray:
    """Variant 0 wins in 2020 and loses in 2021; variant 1 the opposite; variant 2 is flat-ish."""
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 0.001, (3, len(DATES)))
    in_2020 = DATES.year == 2020
    drift = np.vstack(
        [
            np.where(in_2020, 0.002, -0.002),
            np.where(in_2020, -0.002, 0.002),
            np.full(len(DATES), 1e-4),
        ]
    )
    return drift + noise


def test_rank_order_direction_and_nan() -> None:
    assert rank_order(np.array([0.1, np.nan, 0.3]), "sharpe_ratio").tolist() == [2, 0, 1]
    assert rank_order(np.array([0.1, np.nan, 0.3]), "tracking_error").tolist() == [0, 2, 1]


def test_train_test_picks_on_training_days_and_judges_on_the_rest() -> None:
    returns = _regime_returns()
    train = DATES.year == 2020
    values = {
        "full": np.array([cagr(r) for r in returns]),
        "train": np.array([cagr(r[train]) for r in returns]),
        "test": np.array([cagr(r[~train]) for r in returns]),
    }
    split = train_test(**values, metric="cagr", train_until=dt.date(2020, 12, 31))
    assert split.picked == 0  # best in 2020
    assert split.best_test == 1  # best in 2021
    assert split.table.loc[0, "rank_test"] == 3  # the training winner is last out of sample


def test_walk_forward_uses_only_earlier_days() -> None:
    returns = _regime_returns()
    first = int(np.count_nonzero(pd.Timestamp("2020-06-30") >= DATES))
    starts = tuple(
        int(np.argmax(pd.Timestamp(d) <= DATES))
        for d in (
            "2020-07-01",
            "2020-10-01",
            "2021-01-01",
            "2021-04-01",
            "2021-07-01",
            "2021-10-01",
        )
    )
    assert starts[0] == first

    def run(r: np.ndarray):  # type: ignore[no-untyped-def]
        before = np.array([[cagr(x[:s]) for s in starts] for x in r])
        return walk_forward(
            before=before,
            starts=starts,
            dates=DATES,
            metric="cagr",
            every_months=3,
            returns_of=lambda ids: r[ids],
            baseline=np.zeros(len(DATES)),
            month_end=month_end_flags(DATES),
        )

    result = run(returns)
    assert [d.month for d in result.picks["date"]] == [7, 10, 1, 4, 7, 10]
    # changing returns after a re-pick date cannot change that pick or any earlier one
    for i, date in enumerate(result.picks["date"]):
        scrambled = returns.copy()
        later = np.asarray(date <= DATES)
        scrambled[:, later] = np.random.default_rng(i).normal(0, 0.05, (3, later.sum()))
        again = run(scrambled)
        assert again.picks["variant"].iloc[: i + 1].tolist() == (
            result.picks["variant"].iloc[: i + 1].tolist()
        )
    # the path is the picked variant's own returns, block by block
    pick = result.picks.iloc[0]
    held = (pick["date"] <= DATES) & (result.picks["date"].iloc[1] > DATES)
    np.testing.assert_array_equal(
        result.returns[DATES[held]].to_numpy(), returns[int(pick["variant"]), held]
    )
    assert result.metrics["cagr"] == pytest.approx(cagr(result.returns.to_numpy()), rel=1e-12)


def test_a_sweeps_spans_are_the_metric_of_its_variants_over_the_spans() -> None:
    config = load_config("configs/demo.toml")
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "grid": {"strength": [0.0, 1.0, 2.0], "neutral_share": [0.3, 0.6]},
            "chunk_size": 4,
        }
    )
    analysis = Analysis(statistics=False, train_until=dt.date(2021, 12, 31), walk_forward_months=6)
    result = run_sweep(config, spec, analysis=analysis)
    split, walk = sweep_oos(result)
    assert split is not None and walk is not None
    returns = result.returns_of(np.arange(len(result.table)))
    train = np.asarray(result.dates <= pd.Timestamp("2021-12-31"))
    for v, r in enumerate(returns):
        assert split.table.loc[v, "train"] == pytest.approx(sharpe_ratio(r[train]), rel=1e-9)
        assert split.table.loc[v, "test"] == pytest.approx(sharpe_ratio(r[~train]), rel=1e-9)
    rows = result.dates.get_indexer(walk.picks["date"])
    for (_, pick), row in zip(walk.picks.iterrows(), rows, strict=True):
        before = np.array([sharpe_ratio(r[:row]) for r in returns])
        assert pick["variant"] == int(rank_order(before, "sharpe_ratio")[0])
        assert pick["train_value"] == pytest.approx(before[pick["variant"]], rel=1e-9)


def test_bad_splits_raise() -> None:
    config = load_config("configs/demo.toml")
    spec = parse_sweep({"kind": "linear_tilt", "grid": {"strength": [0.0, 1.0]}})
    with pytest.raises(ConfigError, match="must leave at least 2 days"):
        run_sweep(config, spec, analysis=Analysis(train_until=dt.date(2030, 1, 1)))
    fees = parse_sweep({"kind": "linear_tilt", "metric": "fees_paid"})
    with pytest.raises(ConfigError, match="cannot rank a split"):
        run_sweep(config, fees, analysis=Analysis(train_until=dt.date(2020, 1, 1)))
    with pytest.raises(ConfigError, match="whole number of months >= 1, got 0"):
        Analysis(train_until=dt.date(2020, 1, 1), walk_forward_months=0)
    with pytest.raises(ConfigError, match="needs `--train-until`"):
        Analysis(walk_forward_months=3)
