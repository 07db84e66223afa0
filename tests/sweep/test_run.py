"""A streamed sweep: rows equal vectorbt single runs, statistics equal full-matrix computations."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from backtest.config import StrategySpec, load_config
from backtest.errors import ConfigError
from backtest.metrics import METRIC_NAMES, monthly_returns
from backtest.pipeline.runner import run
from backtest.sweep.grid import parse_sweep
from backtest.sweep.plan import Analysis
from backtest.sweep.run import SweepResult, run_sweep
from backtest.sweep.stats import (
    deflated_sharpe_ratio,
    effective_trials,
    sharpe_moments,
    spa_test,
)
from backtest.sweep.summary import sweep_statistics
from tests.sweep.brute import cscv_logits

DEMO = "configs/demo.toml"


@pytest.fixture(scope="module")
def demo_sweep():  # type: ignore[no-untyped-def]
    config = load_config(DEMO)
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "grid": {"strength": [0.0, 1.5], "neutral_share": [0.3, 0.6], "fees_bps": [10.0, 25.0]},
            "sensitivity": {"slippage_bps": [20.0]},
            "chunk_size": 3,
        }
    )
    return config, spec, run_sweep(config, spec, analysis=Analysis(statistics=False))


def test_sweep_rows_equal_single_runs_of_the_vectorbt_pipeline(demo_sweep) -> None:  # type: ignore[no-untyped-def]
    config, _, result = demo_sweep
    table = result.table
    absolute = ["total_return", "cagr", "annual_volatility", "sharpe_ratio", "sortino_ratio"]
    absolute += ["max_drawdown", "calmar_ratio", "annual_turnover", "fees_paid"]
    for fees_bps in (10.0, 25.0):
        rows = table[table["fees_bps"] == fees_bps]
        strategies = tuple(
            StrategySpec(
                name=f"v{v}",
                kind="linear_tilt",
                params={"strength": r.strength, "neutral_share": r.neutral_share},
            )
            for v, r in rows.iterrows()
        )
        costs = dataclasses.replace(config.costs, fees_bps=fees_bps)
        single = run(dataclasses.replace(config, costs=costs, strategies=strategies))
        slipped = run(
            dataclasses.replace(
                config,
                costs=dataclasses.replace(costs, slippage_bps=20.0),
                strategies=strategies,
            )
        )
        # the sweep's baseline pays the base config's costs (10 bps): relative metrics match the
        # single run only at those costs
        names = list(METRIC_NAMES) if fees_bps == config.costs.fees_bps else absolute
        returns = result.returns_of(rows.index.to_numpy())
        for i, v in enumerate(rows.index):
            expected = single.metrics.loc[f"v{v}", names].to_numpy(dtype=float)
            got = table.loc[v, names].to_numpy(dtype=float)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(
                returns[i], single.returns[f"v{v}"].to_numpy(), rtol=1e-9, atol=1e-12
            )
            for name in ("sharpe_ratio", "cagr"):  # the slippage sensitivity, per variant
                np.testing.assert_allclose(
                    table.loc[v, f"{name}@slippage_bps=20"],
                    slipped.metrics.loc[f"v{v}", name],
                    rtol=1e-9,
                )
        if fees_bps == config.costs.fees_bps:
            np.testing.assert_allclose(
                result.baseline_returns.to_numpy(), single.returns["baseline"].to_numpy(), rtol=1e-9
            )


def test_chunking_does_not_change_results(demo_sweep) -> None:  # type: ignore[no-untyped-def]
    config, spec, result = demo_sweep
    one_chunk = run_sweep(
        config,
        dataclasses.replace(spec, chunk_size=100),
        analysis=result.analysis,
        market=result.market,
    )
    assert one_chunk.table.equals(result.table)
    for name in ("metrics", "moments", "hashes", "sensitivity"):
        np.testing.assert_array_equal(getattr(one_chunk.trials, name), getattr(result.trials, name))


@pytest.fixture(scope="module")
def stats_sweep() -> SweepResult:
    config = load_config(DEMO)
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "grid": {
                "strength": [0.0, 1.0, 2.5],
                "neutral_share": [0.3, 0.45, 0.6],
                "rebalance_band": [0.0, 0.05],
            },
            "chunk_size": 4,  # strength 0 repeats one series across chunks: the recount runs
        }
    )
    return run_sweep(config, spec, analysis=Analysis(pbo_blocks=6, spa_reps=200, seed=3))


def test_statistics_are_exact_over_all_variants(stats_sweep: SweepResult) -> None:
    """Streamed DSR, effective trials, PBO and SPA equal their full-matrix computations."""
    result = stats_sweep
    s = sweep_statistics(result)
    returns = result.returns_of(np.arange(len(result.table)))
    _, first = np.unique(returns, axis=0, return_index=True)  # distinct series, by value
    distinct = np.sort(first)
    np.testing.assert_array_equal(result.trials.trials, distinct)
    assert s.n_trials == len(distinct) < len(result.table)
    r = returns[distinct]
    base = result.baseline_returns.to_numpy()
    n = r.shape[1]
    sharpe = r.mean(axis=1) / r.std(axis=1, ddof=1)
    corr = np.corrcoef(r)
    rho = (corr.sum() - len(r)) / (len(r) * (len(r) - 1))
    assert s.correlation == pytest.approx(rho, rel=1e-9)
    best = s.best_sharpe
    assert best == int(np.argmax(result.table["sharpe_ratio"].to_numpy()))
    _, skew, kurt = sharpe_moments(returns[best])
    for dsr, trials in ((s.dsr, None), (s.dsr_effective, effective_trials(len(r), rho))):
        expected = deflated_sharpe_ratio(
            sharpe=float(sharpe_moments(returns[best])[0]),
            skew=float(skew),
            kurtosis=float(kurt),
            n_obs=n,
            trial_sharpes=sharpe,
            n_trials=trials,
        )
        for key in ("sharpe", "sr0", "psr", "dsr", "n_trials"):
            assert dsr[key] == pytest.approx(expected[key], rel=1e-8), key
    assert s.pbo is not None
    np.testing.assert_allclose(
        s.pbo.logits, cscv_logits(r, base, "sharpe_ratio", 6), rtol=1e-9, atol=1e-12
    )
    monthly = np.vstack([monthly_returns(pd.Series(x, index=result.dates)).to_numpy() for x in r])
    base_monthly = monthly_returns(pd.Series(base, index=result.dates)).to_numpy()
    spa = spa_test(monthly, base_monthly, reps=200, block_size=3, seed=3)
    assert s.spa is not None
    assert (s.spa.pvalue_lower, s.spa.pvalue_consistent, s.spa.pvalue_upper) == (
        spa.pvalue_lower,
        spa.pvalue_consistent,
        spa.pvalue_upper,
    )


def test_chunk_results_hold_no_daily_series(stats_sweep: SweepResult) -> None:
    """What a chunk sends back grows with its variants, not with variants x days."""
    from backtest.sweep.executor import evaluate_chunk
    from backtest.sweep.run import _task

    result = stats_sweep
    ids = np.arange(8)
    task = _task("probe", 0, ids, result.table, result.settings, result.spec)
    chunk = evaluate_chunk(result.shared, task)
    n_days = len(result.dates)
    for name, values in vars(chunk).items():
        if isinstance(values, np.ndarray) and name not in ("zsums",):
            assert n_days not in values.shape, name
    assert chunk.zsums.shape == (2, n_days)  # one sum per chunk, not one row per variant


def test_bad_sweep_tables_raise() -> None:
    with pytest.raises(ConfigError, match=re.escape("`sweep.kind`: unknown `kind` 'nope'")):
        parse_sweep({"kind": "nope"})
    with pytest.raises(
        ConfigError, match=re.escape("`sweep.grid.bogus` is not a parameter of `linear_tilt`")
    ):
        parse_sweep({"kind": "linear_tilt", "grid": {"bogus": [1]}})
    with pytest.raises(ConfigError, match=re.escape("`sweep.grid.strength` must not be empty")):
        parse_sweep({"kind": "linear_tilt", "grid": {"strength": []}})
    with pytest.raises(ConfigError, match=re.escape("`sweep.metric` must be one of")):
        parse_sweep({"kind": "linear_tilt", "metric": "luck"})
    with pytest.raises(ConfigError, match=re.escape("`sweep.samples` > 1 needs a")):
        parse_sweep({"kind": "linear_tilt", "samples": 3})
    with pytest.raises(ConfigError, match=re.escape("`fees_bps` must be either a search axis")):
        parse_sweep(
            {"kind": "linear_tilt", "grid": {"fees_bps": [5]}, "sensitivity": {"fees_bps": [9]}}
        )
    with pytest.raises(ConfigError, match=re.escape("`sweep.sensitivity.strength` must be a cost")):
        parse_sweep({"kind": "linear_tilt", "sensitivity": {"strength": [1.0]}})
    with pytest.raises(ConfigError, match=r"must be a non-empty list of bps in \[0, 10000\)"):
        parse_sweep({"kind": "linear_tilt", "sensitivity": {"fees_bps": [-1.0]}})
