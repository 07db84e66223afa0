"""The trail of a strategy: the scheme, then each constraint's output, walked along ``inner``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from backtest.context import Context, Strategy
from strategies import BucketBounds, Capped, LinearTilt, MinWeight
from strategies.trail import chain_of, layer_names, strategy_trail
from tests.strategies.helpers import panel_context
from tests.strategies.test_contract import EXAMPLES


@pytest.fixture(scope="module")
def context() -> Context:
    return panel_context()


def _bits(frame: pd.DataFrame) -> np.ndarray:
    return np.ascontiguousarray(frame.to_numpy(dtype=float)).view(np.uint64)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_last_layer_is_the_strategy_itself_bit_for_bit(name: str, context: Context) -> None:
    strategy = EXAMPLES[name]
    trail = strategy_trail(strategy, context)
    assert len(trail) == len(chain_of(strategy))
    np.testing.assert_array_equal(_bits(trail[-1].weights), _bits(strategy.weights(context)))
    np.testing.assert_array_equal(
        _bits(trail[0].weights), _bits(chain_of(strategy)[0].weights(context))
    )


def test_layers_are_named_by_kind_in_order_and_each_is_its_wrapper_on_the_one_before(
    context: Context,
) -> None:
    scheme = LinearTilt(strength=3.0)
    strategy = MinWeight(
        inner=Capped(inner=BucketBounds(inner=scheme, bounds={"gpu": [0.3, 0.5]}), max_weight=0.1),
        threshold=0.02,
    )
    assert layer_names(strategy) == [
        ("scheme", "linear_tilt"),
        ("bucket_bounds", "bucket_bounds"),
        ("capped", "capped"),
        ("min_weight", "min_weight"),
    ]
    trail = strategy_trail(strategy, context)
    bounded = BucketBounds(inner=scheme, bounds={"gpu": [0.3, 0.5]}).weights(context)
    pd.testing.assert_frame_equal(trail[1].weights, bounded)
    capped = trail[2].weights.to_numpy()
    assert capped.max() <= 0.1 + 1e-12 and bounded.to_numpy().max() > 0.1  # the cap acted
    twice = Capped(inner=Capped(inner=scheme, max_weight=0.2), max_weight=0.1)
    assert [n for n, _ in layer_names(twice)] == ["scheme", "capped", "capped_2"]


@dataclass(frozen=True)
class _Halve:
    """A user wrapper that is not keyword-only and halves the inner weights (cash the rest)."""

    inner: Strategy

    def weights(self, context: Context) -> pd.DataFrame:
        return self.inner.weights(context) / 2.0


class _NotADataclass:
    """A wrapper that is not a dataclass: evaluated as it stands."""

    def __init__(self, inner: Strategy) -> None:
        self.inner = inner

    def weights(self, context: Context) -> pd.DataFrame:
        return self.inner.weights(context) * 0.5


def test_user_wrappers_join_the_trail_under_their_class_name(context: Context) -> None:
    scheme = LinearTilt(strength=1.0)
    for wrapper, kind in (
        (_Halve(inner=scheme), "__halve"),
        (_NotADataclass(scheme), "__not_a_dataclass"),
    ):
        trail = strategy_trail(wrapper, context)
        assert [layer.kind for layer in trail] == ["linear_tilt", kind]
        np.testing.assert_allclose(
            trail[1].weights.to_numpy(), scheme.weights(context).to_numpy() / 2, rtol=0, atol=0
        )
