"""Expansion of the [sweep] table into variants, and the two weight paths agreeing."""

from __future__ import annotations

import re

import numpy as np
import pytest

from backtest.config import Schedule, load_config
from backtest.errors import ConfigError
from backtest.sweep.grid import expand_variants, parse_sweep
from backtest.sweep.market import load_market, schedule_context
from backtest.sweep.weights import variant_weights


def test_grid_is_a_row_major_product() -> None:
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "grid": {"strength": [0.5, 1.0], "frequency": ["monthly", "quarterly"]},
        }
    )
    frame = expand_variants(spec)
    assert frame.to_dict(orient="list") == {
        "strength": [0.5, 0.5, 1.0, 1.0],
        "frequency": ["monthly", "quarterly", "monthly", "quarterly"],
    }
    assert spec.n_variants == 4


def test_ranges_by_hand() -> None:
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "grid": {
                "strength": {"start": 0.0, "stop": 1.0, "num": 5},
                "lag_days": {"start": 1, "stop": 7, "step": 3},
                "fees_bps": {"start": 0.0, "stop": 0.3, "step": 0.1},
            },
        }
    )
    assert spec.grid["strength"] == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert spec.grid["lag_days"] == (1, 4, 7)
    assert spec.grid["fees_bps"] == (0.0, 0.1, 0.2, 0.3)


def test_random_draws_are_seeded_and_within_bounds() -> None:
    raw = {
        "kind": "linear_tilt",
        "samples": 50,
        "seed": 11,
        "grid": {"strength": [0.0, 1.0]},
        "random": {
            "neutral_share": {"low": 0.2, "high": 0.6},
            "lag_days": {"low": 1, "high": 3},
            "anchor": {"choices": ["first", "last"]},
        },
    }
    first = expand_variants(parse_sweep(raw))
    assert first.equals(expand_variants(parse_sweep(raw)))
    assert len(first) == 100
    assert first["neutral_share"].between(0.2, 0.6).all()
    assert set(first["lag_days"]) == {1, 2, 3}
    assert set(first["anchor"]) == {"first", "last"}
    assert (first["strength"].iloc[:50] == 0.0).all()
    other = expand_variants(parse_sweep({**raw, "seed": 12}))
    assert not other["neutral_share"].equals(first["neutral_share"])


def test_more_parse_errors() -> None:
    with pytest.raises(ConfigError, match=re.escape("`strength` appears in more than one")):
        parse_sweep(
            {
                "kind": "linear_tilt",
                "grid": {"strength": [1]},
                "random": {"strength": {"choices": [2]}},
            }
        )
    with pytest.raises(ConfigError, match=re.escape("needs `low` < `high`, got 2 and 1")):
        parse_sweep({"kind": "linear_tilt", "random": {"strength": {"low": 2, "high": 1}}})
    with pytest.raises(ConfigError, match=re.escape("`sweep.grid.strength.step` must be > 0")):
        parse_sweep(
            {"kind": "linear_tilt", "grid": {"strength": {"start": 0, "stop": 1, "step": 0}}}
        )
    with pytest.raises(ConfigError, match=re.escape("unknown key `grids`")):
        parse_sweep({"kind": "linear_tilt", "grids": {}})


def test_batch_weights_equal_the_generic_strategy_path() -> None:
    market = load_market(load_config("configs/demo.toml"))
    context = schedule_context(market, Schedule(frequency="quarterly", lag_days=2))
    spec = parse_sweep(
        {
            "kind": "linear_tilt",
            "fixed": {"within": "exposure"},
            "grid": {
                "strength": [0.0, 0.8, 2.5],
                "neutral_share": [0.3, 0.55],
                "max_weight": [0.35, 1.0],
            },
        }
    )
    params = expand_variants(spec)
    columns = list(market.prices.columns)
    batch, batch_index = variant_weights(
        context, "linear_tilt", spec.fixed, params, columns=columns, batch=True
    )
    generic, generic_index = variant_weights(
        context, "linear_tilt", spec.fixed, params, columns=columns, batch=False
    )
    np.testing.assert_allclose(batch[batch_index], generic[generic_index], rtol=1e-12, atol=1e-15)
    assert batch.shape == (12, len(context.events), len(columns))
    sums = batch.sum(axis=2)
    assert np.allclose(sums[sums > 0], 1.0)
