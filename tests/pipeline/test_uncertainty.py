"""The bootstrap of the headline numbers: seeded, reproducible, recomputed draw by draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from arch.bootstrap import StationaryBootstrap, optimal_block_length

from backtest.errors import ConfigError
from backtest.metrics import excess_cagr, information_ratio
from backtest.pipeline.uncertainty import UNCERTAINTY_COLUMNS, bootstrap_table
from backtest.report.tables import bootstrap_method as method_sentence


@pytest.fixture(scope="module")
def returns() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    idx = pd.bdate_range("2020-01-01", periods=500)
    base = rng.normal(8e-4, 0.03, 500)
    return pd.DataFrame(
        {
            "good": base + rng.normal(1.5e-3, 0.01, 500),
            "bad": base + rng.normal(-1.5e-3, 0.01, 500),
            "baseline": base,
        },
        index=idx,
    )


def test_the_table_is_reproducible_with_its_seed(returns: pd.DataFrame) -> None:
    first = bootstrap_table(returns, strategies=["good", "bad"], reps=200, seed=3)
    again = bootstrap_table(returns, strategies=["good", "bad"], reps=200, seed=3)
    other = bootstrap_table(returns, strategies=["good", "bad"], reps=200, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not np.array_equal(first["low"], other["low"])
    assert list(first.columns) == list(UNCERTAINTY_COLUMNS)
    assert first[["strategy", "metric"]].values.tolist() == [
        ["good", "excess_cagr"], ["good", "information_ratio"],
        ["bad", "excess_cagr"], ["bad", "information_ratio"],
    ]  # fmt: skip


def test_the_interval_is_the_percentiles_of_draws_recomputed_one_by_one(
    returns: pd.DataFrame,
) -> None:
    """Rebuild every resample with arch and `backtest.metrics`, without the vectorised path."""
    table = bootstrap_table(returns, strategies=["good"], reps=150, seed=9, confidence=0.9)
    r, b = returns["good"].to_numpy(), returns["baseline"].to_numpy()
    block = max(1.0, float(optimal_block_length(r - b)["stationary"].iloc[0]))
    sampler = StationaryBootstrap(block, r, b, seed=np.random.default_rng(9))
    cagr_draws, ir_draws = [], []
    for (rs, bs), _ in sampler.bootstrap(150):
        cagr_draws.append(excess_cagr(rs, bs))
        ir_draws.append(information_ratio(rs, bs))
    rows = table.set_index("metric")
    for metric, draws, point in (
        ("excess_cagr", cagr_draws, excess_cagr(r, b)),
        ("information_ratio", ir_draws, information_ratio(r, b)),
    ):
        row = rows.loc[metric]
        low, high = np.percentile(draws, [5.0, 95.0])
        assert row["low"] == pytest.approx(low, rel=1e-9)
        assert row["high"] == pytest.approx(high, rel=1e-9)
        assert row["p_positive"] == pytest.approx(np.mean(np.asarray(draws) > 0))
        assert row["estimate"] == point
        assert row["block_length"] == block


def test_the_interval_contains_the_estimate_and_separates_good_from_bad(
    returns: pd.DataFrame,
) -> None:
    table = bootstrap_table(returns, strategies=["good", "bad"], reps=300, seed=1)
    assert ((table["low"] <= table["estimate"]) & (table["estimate"] <= table["high"])).all()
    p = table[table["metric"] == "excess_cagr"].set_index("strategy")["p_positive"]
    assert p["good"] > 0.9 and p["bad"] < 0.1


def test_zero_reps_is_no_table_and_bad_arguments_are_refused(returns: pd.DataFrame) -> None:
    empty = bootstrap_table(returns, strategies=["good"], reps=0)
    assert empty.empty and method_sentence(empty) == ""
    with pytest.raises(ConfigError, match="`reps` must be an integer >= 0, got -1"):
        bootstrap_table(returns, strategies=["good"], reps=-1)
    with pytest.raises(ConfigError, match=r"`confidence` must be in \(0, 1\), got 1.5"):
        bootstrap_table(returns, strategies=["good"], confidence=1.5)


def test_the_method_sentence_names_reps_seed_and_level(returns: pd.DataFrame) -> None:
    table = bootstrap_table(returns, strategies=["good"], reps=100, seed=7, confidence=0.9)
    sentence = method_sentence(table)
    assert "100 resamples with seed 7" in sentence and "central 90%" in sentence
    assert "Politis-White" in sentence
