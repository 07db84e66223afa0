"""Config entries -> strategy objects: kinds, parameters, constraint lists and their errors."""

from __future__ import annotations

from typing import Any

import pytest

from backtest.config import StrategySpec
from backtest.errors import ConfigError
from strategies import Capped, LinearTilt, MinWeight, ProportionalTilt
from strategies.build import build_strategy


def _spec(kind: str, **params: Any) -> StrategySpec:
    return StrategySpec(name="tilt", kind=kind, params=params)


def test_constraints_wrap_in_listed_order() -> None:
    strategy = build_strategy(
        _spec(
            "linear_tilt",
            strength=3.0,
            constraints=[
                {"kind": "min_weight", "threshold": 0.01},
                {"kind": "capped", "max_weight": 0.25},
            ],
        )
    )
    assert strategy == Capped(
        inner=MinWeight(inner=LinearTilt(strength=3.0), threshold=0.01), max_weight=0.25
    )


def test_plain_kind_with_parameters() -> None:
    assert build_strategy(_spec("proportional", edge_fraction=0.3)) == ProportionalTilt(
        edge_fraction=0.3
    )


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (
            _spec("tilted"),
            r"strategy `tilt`: unknown `kind` 'tilted'; known: equal_weight, linear_tilt, "
            r"nvda_only, proportional, signal_blend, static \(or `module:Class`",
        ),
        (
            _spec("proportional", edge=0.2),
            r"strategy `tilt` \(proportional\): unknown parameter `edge`; allowed: "
            r"edge_fraction, signal, neutral_share, within, lookback_days, empty_bucket",
        ),
        (
            _spec("proportional", inner={"kind": "static"}),
            r"unknown parameter `inner`; allowed: edge_fraction, .*constraints",
        ),
        (
            _spec("static", constraints={"kind": "capped"}),
            r"`constraints` must be an array of tables, got \{'kind': 'capped'\}",
        ),
        (
            _spec("static", constraints=["capped"]),
            r"constraints\[1\] must be a table with a `kind`, got 'capped'",
        ),
        (
            _spec("static", constraints=[{"kind": "cap"}]),
            r"constraints\[1\]: unknown `kind` 'cap'; known: bucket_bounds, capped, "
            r"diversified_2550, min_weight",
        ),
        (
            _spec("static", constraints=[{"kind": "capped", "cap": 0.2}]),
            r"constraints\[1\] \(capped\): unknown parameter `cap`; allowed: max_weight",
        ),
        (
            _spec("static", constraints=[{"kind": "capped", "max_weight": 1.5}]),
            r"strategy `tilt` \(static\): constraints\[1\] \(capped\): `max_weight` must be a "
            r"number in \(0, 1\], got 1.5",
        ),
        (
            _spec("linear_tilt", strength="3"),
            r"strategy `tilt` \(linear_tilt\): `strength` must be a finite number, got '3'",
        ),
    ],
)
def test_errors_name_the_entry_and_what_is_allowed(spec: StrategySpec, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build_strategy(spec)
