"""A sweep's rows equal single runs of the same strategies through the vectorbt pipeline."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from backtest.config import StrategySpec, load_config
from backtest.errors import ConfigError
from backtest.metrics import METRIC_NAMES
from backtest.pipeline.runner import run
from backtest.sweep.grid import parse_sweep
from backtest.sweep.run import run_sweep

DEMO = "configs/demo.toml"


@pytest.fixture(scope="module")
def demo_sweep():  # type: ignore[no-untyped-def]
    config = load_config(DEMO)
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "grid": {"strength": [0.0, 1.5], "neutral_share": [0.3, 0.6], "fees_bps": [10.0, 25.0]},
            "chunk_size": 3,
        }
    )
    return config, spec, run_sweep(config, spec)


def test_sweep_rows_equal_single_runs_of_the_vectorbt_pipeline(demo_sweep) -> None:  # type: ignore[no-untyped-def]
    config, _, result = demo_sweep
    table = result.table
    absolute = ["total_return", "cagr", "annual_volatility", "sharpe_ratio", "sortino_ratio"]
    absolute += ["max_drawdown", "calmar_ratio", "annual_turnover", "fees_paid"]
    for fees_bps in (10.0, 25.0):
        rows = table[table["fees_bps"] == fees_bps]
        single = run(
            dataclasses.replace(
                config,
                costs=dataclasses.replace(config.costs, fees_bps=fees_bps),
                strategies=tuple(
                    StrategySpec(
                        name=f"v{v}",
                        kind="linear_tilt",
                        params={"strength": r.strength, "neutral_share": r.neutral_share},
                    )
                    for v, r in rows.iterrows()
                ),
            )
        )
        # the sweep's baseline pays the base config's costs (10 bps): relative metrics match the
        # single run only at those costs
        names = list(METRIC_NAMES) if fees_bps == config.costs.fees_bps else absolute
        for v in rows.index:
            expected = single.metrics.loc[f"v{v}", names].to_numpy(dtype=float)
            got = table.loc[v, names].to_numpy(dtype=float)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(
                result.returns[v], single.returns[f"v{v}"].to_numpy(), rtol=1e-9, atol=1e-12
            )
        if fees_bps == config.costs.fees_bps:
            np.testing.assert_allclose(
                result.baseline_returns.to_numpy(), single.returns["baseline"].to_numpy(), rtol=1e-9
            )


def test_chunking_does_not_change_results(demo_sweep) -> None:  # type: ignore[no-untyped-def]
    config, spec, result = demo_sweep
    one_chunk = run_sweep(config, dataclasses.replace(spec, chunk_size=100), market=result.market)
    np.testing.assert_array_equal(one_chunk.returns, result.returns)
    assert one_chunk.table.equals(result.table)


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
