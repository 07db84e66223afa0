"""The statistics are applied where the report says, and the report says what they mean."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from backtest.config import load_config
from backtest.sweep.grid import parse_sweep
from backtest.sweep.pbo import PboResult
from backtest.sweep.plan import Analysis
from backtest.sweep.run import SweepResult, run_sweep
from backtest.sweep.summary import SweepStatistics, grid_edges, reading, sweep_statistics
from tests.sweep.brute import cscv_logits


@pytest.fixture(scope="module")
def vol_sweep() -> SweepResult:
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "metric": "annual_volatility",
            "grid": {
                "strength": [0.0, 1.0, 2.0, 3.0],
                "neutral_share": [0.3, 0.5, 0.7],
                "rebalance_band": [0.0, 0.1],
            },
            "sensitivity": {"fees_bps": [30.0]},
            "chunk_size": 8,
        }
    )
    analysis = Analysis(pbo_blocks=4, spa_reps=100)
    return run_sweep(load_config("configs/demo.toml"), spec, analysis=analysis)


@pytest.fixture(scope="module")
def statistics(vol_sweep: SweepResult) -> SweepStatistics:
    return sweep_statistics(vol_sweep)


def test_each_statistic_is_applied_to_the_variant_it_is_about(
    vol_sweep: SweepResult, statistics: SweepStatistics
) -> None:
    result, s = vol_sweep, statistics
    returns = result.returns_of(np.arange(len(result.table)))
    base = result.baseline_returns.to_numpy()
    sharpe = returns.mean(axis=1) / returns.std(axis=1, ddof=1)
    active = returns - base
    ir = active.mean(axis=1) / active.std(axis=1, ddof=1)
    volatility = returns.std(axis=1, ddof=1)
    assert s.best == int(np.argmin(volatility))  # ranked by the sweep's metric, lowest first
    assert s.best_sharpe == int(np.argmax(sharpe)) != s.best  # DSR: the Sharpe-best variant
    assert s.dsr["sharpe"] == pytest.approx(sharpe[s.best_sharpe], rel=1e-9)
    assert s.best_ir == int(np.argmax(ir))  # active DSR: the information-ratio-best variant
    assert s.dsr_active["sharpe"] == pytest.approx(ir[s.best_ir], rel=1e-9)
    assert s.pbo is not None and s.pbo.ranked_by == "annual_volatility"  # PBO: the metric too
    trials = result.trials.trials
    np.testing.assert_allclose(
        s.pbo.logits,
        cscv_logits(returns[trials], base, "annual_volatility", 4),
        rtol=1e-9,
        atol=1e-12,
    )
    sharpe_logits = cscv_logits(returns[trials], base, "sharpe_ratio", 4)
    assert not np.allclose(s.pbo.logits, sharpe_logits)  # which the Sharpe PBO would not be
    text = " ".join(s.reading)
    assert f"applied to the Sharpe-best variant {result.describe(s.best_sharpe)}" in text
    assert f"the first by `annual_volatility` is {result.describe(s.best)}" in text
    assert "ranked by `annual_volatility`" in text
    assert "mean monthly return (not `annual_volatility`, not CAGR)" in text
    assert f"{s.effective_trials:.1f} effective independent trials" in text


def _reading_with(result: SweepResult, s: SweepStatistics, **changes: object) -> str:
    return " ".join(reading(result, dataclasses.replace(s, **changes)))


def test_words_follow_the_numbers(vol_sweep: SweepResult, statistics: SweepStatistics) -> None:
    s, p = statistics, statistics.pbo
    assert p is not None
    negative = {**s.dsr_active, "sharpe_annual": -0.1}
    text = _reading_with(vol_sweep, s, dsr_active=negative)
    assert "no edge over NVDA to deflate" in text and "does NOT survive" not in text
    positive = {**s.dsr_active, "sharpe_annual": 0.4, "dsr": 0.5}
    weak = {**s.dsr_active_effective, "dsr": 0.5}
    text = _reading_with(vol_sweep, s, dsr_active=positive, dsr_active_effective=weak)
    assert "does NOT survive the multiple-testing correction" in text
    strong = {**s.dsr_active_effective, "dsr": 0.97}
    text = _reading_with(vol_sweep, s, dsr_active=positive, dsr_active_effective=strong)
    assert "survives only when the trials are counted as N_eff" in text
    for value, words in (
        (0.45, "Close to 50%: in-sample rank carries little information"),
        (0.55, "At or above 50%"),
        (0.3, "Below 50%: in-sample rank carries some information"),
        (0.05, "Well below 50%"),
    ):
        pbo: PboResult = dataclasses.replace(p, pbo=value)
        assert words in _reading_with(vol_sweep, s, pbo=pbo)
    assert "Well below" not in _reading_with(vol_sweep, s, pbo=dataclasses.replace(p, pbo=0.45))


def test_grid_edges_costs_and_signs_are_explained(
    vol_sweep: SweepResult, statistics: SweepStatistics
) -> None:
    result = vol_sweep
    table = result.table
    corner = int(table.index[(table["strength"] == 3.0) & (table["neutral_share"] == 0.5)][0])
    edges = grid_edges(result, corner)
    assert "`strength` (3, the largest value tried)" in edges
    assert not any("neutral_share" in e for e in edges)  # 0.5 is inside the grid
    text = " ".join(statistics.reading)
    best = table.loc[statistics.best]
    assert "sits on the edge of the searched grid" in text
    assert f"{best['annual_volatility@fees_bps=30']:.3g} at fees_bps 30" in text
    if np.sign(best["excess_cagr"]) != np.sign(best["information_ratio"]):
        assert "volatility drag" in text
    flipped = table.copy()
    flipped.loc[statistics.best, ["excess_cagr", "information_ratio"]] = [0.0113, -0.10]
    other = dataclasses.replace(result, table=flipped)
    text = " ".join(reading(other, statistics))
    assert "has an excess CAGR of 1.1% but an information ratio of -0.10" in text
    vol = float(flipped.loc[statistics.best, "annual_volatility"])
    assert f"{100 * vol**2 / 2:.1f}% at its {100 * vol:.1f}% volatility" in text


def test_cscv_blocks_default_to_the_command_lines_ten() -> None:
    import argparse

    from backtest.cli import sweep as command

    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers())
    args = parser.parse_args(["sweep", "x.toml"])
    assert Analysis().pbo_blocks == args.pbo_blocks == 10
