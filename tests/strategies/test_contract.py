"""The contract every registered strategy and constraint honours (STYLE.md "Tests").

Runs over `EXAMPLES`, which must cover every `REGISTRY` kind and every `CONSTRAINTS` kind (a
test fails when a new registration has no example), on an 18-ticker seeded panel with late
listings, a member leaving and a moving inference share.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest

from backtest.config import StrategySpec
from backtest.context import Context
from backtest.errors import ConfigError
from backtest.testing import check_strategy
from strategies import (
    CONSTRAINTS,
    REGISTRY,
    BucketBounds,
    Capped,
    Diversified2550,
    EqualWeight,
    LinearTilt,
    MinWeight,
    NvdaOnly,
    ProportionalTilt,
    SignalBlend,
    StaticBuckets,
)
from strategies.build import build_strategy
from tests.strategies.helpers import panel_context, perturbed, truncated

EXAMPLES: dict[str, Any] = {
    "equal_weight": EqualWeight(),
    "static": StaticBuckets(gpu=0.5, asic=0.3, edge=0.2),
    "static_inverse_volatility": StaticBuckets(within="inverse_volatility", lookback_days=42),
    "proportional": ProportionalTilt(edge_fraction=0.3),
    "proportional_exposure": ProportionalTilt(within="exposure"),
    "proportional_on_asic": ProportionalTilt(signal="asic_adoption", neutral_share=0.3),
    "linear_tilt": LinearTilt(strength=3.0),
    "linear_tilt_on_asic": LinearTilt(signal="asic_adoption", neutral_share=0.12, strength=8.0),
    "linear_tilt_bounded": LinearTilt(
        strength=4.0, bounds={"gpu": [0.2, 0.7], "edge": [0.05, 0.3]}, within="inverse_volatility"
    ),
    "nvda_only": NvdaOnly(ticker="G0"),
    "signal_blend": SignalBlend(
        signals={"inference_share": 1.0, "asic_adoption": -0.5}, strength=0.15, min_events=3
    ),
    "capped": Capped(inner=LinearTilt(strength=3.0), max_weight=0.1),
    "bucket_bounds": BucketBounds(inner=ProportionalTilt(), bounds={"gpu": [0.5, 0.55]}),
    "diversified_2550": Diversified2550(inner=ProportionalTilt(within="exposure")),
    "min_weight": MinWeight(inner=ProportionalTilt(within="exposure"), threshold=0.02),
}
"""Name -> strategy; each name starts with the registry or constraint kind it exercises."""


@pytest.fixture(scope="module")
def context() -> Context:
    return panel_context()


def test_examples_cover_every_registration() -> None:
    covered = {name for name in EXAMPLES for kind in (*REGISTRY, *CONSTRAINTS) if name == kind}
    assert covered == set(REGISTRY) | set(CONSTRAINTS)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_passes_the_test_kit(name: str, context: Context) -> None:
    """`backtest.testing.check_strategy` is this suite, as authors of new strategies get it."""
    weights = check_strategy(EXAMPLES[name], context)
    pd.testing.assert_frame_equal(weights, EXAMPLES[name].weights(context))


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_shape_sum_sign_and_eligibility(name: str, context: Context) -> None:
    weights = EXAMPLES[name].weights(context)
    assert list(weights.columns) == context.tickers
    assert weights.index.equals(context.effective_dates)
    values = weights.to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0.0).all()
    np.testing.assert_allclose(values.sum(axis=1), 1.0, atol=1e-12)
    assert (values[~context.eligible.to_numpy()] == 0.0).all()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_deterministic_and_pure(name: str, context: Context) -> None:
    before = copy.deepcopy(context)
    first = EXAMPLES[name].weights(context)
    again = copy.deepcopy(EXAMPLES[name]).weights(context)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    pd.testing.assert_frame_equal(context.prices, before.prices, check_exact=True)
    pd.testing.assert_frame_equal(context.events, before.events, check_exact=True)
    pd.testing.assert_frame_equal(context.eligible, before.eligible, check_exact=True)
    pd.testing.assert_series_equal(context.share, before.share, check_exact=True)
    for signal in context.signals:
        pd.testing.assert_series_equal(
            context.signals[signal], before.signals[signal], check_exact=True
        )
    assert dict(context.buckets) == dict(before.buckets)
    assert dict(context.exposures) == dict(before.exposures)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_parameters_are_frozen(name: str) -> None:
    strategy = EXAMPLES[name]
    fields = dataclasses.fields(strategy)
    target = fields[0].name if fields else "anything"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(strategy, target, None)
    for f in fields:
        value = getattr(strategy, f.name)
        if isinstance(value, dict):
            pytest.fail(f"`{f.name}` of {name} is a mutable dict")


@pytest.mark.parametrize("name", list(EXAMPLES))
@pytest.mark.parametrize("k", [0, 7, 15, 22])
def test_no_look_ahead(name: str, k: int, context: Context) -> None:
    """Weights for event k from history cut (or scrambled) after its t_d equal the full run's."""
    _assert_no_look_ahead(EXAMPLES[name], context, k)


def _assert_no_look_ahead(strategy: Any, context: Context, k: int) -> None:
    full = strategy.weights(context).iloc[: k + 1]
    cut = strategy.weights(truncated(context, k))
    np.testing.assert_array_equal(cut.to_numpy(), full.to_numpy())
    scrambled = strategy.weights(perturbed(context, k)).iloc[: k + 1]
    np.testing.assert_array_equal(scrambled.to_numpy(), full.to_numpy())


BAD_PARAMS: dict[str, tuple[dict[str, Any], str]] = {
    "equal_weight": ({"edge_fraction": 0.2}, r"unknown parameter `edge_fraction`; allowed: none"),
    "static": ({"gpu": 0.5, "asic": 0.3, "edge": 0.3}, r"must sum to 1, got 0.5 \+ 0.3 \+ 0.3"),
    "proportional": ({"edge_fraction": -0.1}, r"`edge_fraction` must be a number in \[0, 1\]"),
    "linear_tilt": ({"direction": {"gpu": -1, "asic": 0.5}}, r"`direction` must sum to 0"),
    "nvda_only": ({"ticker": ""}, r"`ticker` must be a non-empty string, got ''"),
    "signal_blend": ({"signals": {"asic_adoption": 0.0}}, r"`signals` weights must not all be 0"),
    "capped": ({"max_weight": 0.0}, r"`max_weight` must be a number in \(0, 1\], got 0.0"),
    "bucket_bounds": (
        {"bounds": {"gpu": [0.6, 1.0], "asic": [0.5, 1.0]}},
        r"lower bounds sum to 1.1 \(must be <= 1\)",
    ),
    "diversified_2550": ({"threshold": 0.3}, r"`threshold` must be a number in \(0, 0.25\)"),
    "min_weight": ({"threshold": 1.0}, r"`threshold` must be a number in \[0, 1\), got 1.0"),
}


def test_bad_params_cover_every_registration() -> None:
    assert set(BAD_PARAMS) == set(REGISTRY) | set(CONSTRAINTS)


@pytest.mark.parametrize("kind", list(BAD_PARAMS))
def test_bad_parameters_raise_naming_the_rule(kind: str) -> None:
    params, match = BAD_PARAMS[kind]
    if kind in CONSTRAINTS:
        spec = StrategySpec(
            name="s", kind="equal_weight", params={"constraints": [{"kind": kind, **params}]}
        )
    else:
        spec = StrategySpec(name="s", kind=kind, params=params)
    with pytest.raises(ConfigError, match=match):
        build_strategy(spec)


@pytest.mark.parametrize("kind", list(REGISTRY))
def test_every_kind_builds_from_defaults(kind: str) -> None:
    strategy = build_strategy(StrategySpec(name="s", kind=kind, params={}))
    assert isinstance(strategy, REGISTRY[kind])


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_pickles_and_hashes_equal(name: str, context: Context) -> None:
    """Strategies travel to worker processes (sweeps): a pickled copy is equal and weighs alike."""
    import pickle

    strategy = EXAMPLES[name]
    clone = pickle.loads(pickle.dumps(strategy))
    assert clone == strategy
    assert hash(clone) == hash(strategy)
    pd.testing.assert_frame_equal(clone.weights(context), strategy.weights(context))


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Peeking:
    """A deliberately wrong strategy: weights by the price on the *effective* day."""

    def weights(self, context: Context) -> pd.DataFrame:
        rows = np.minimum(context.events["effective_row"].to_numpy(), len(context.prices) - 1)
        prices = context.prices.fillna(0.0).to_numpy()[rows] * context.eligible.to_numpy()
        return pd.DataFrame(
            prices / prices.sum(axis=1, keepdims=True),
            index=context.effective_dates,
            columns=context.tickers,
        )


def test_the_look_ahead_check_catches_a_peeking_strategy(context: Context) -> None:
    """The no-look-ahead test above has power: a strategy reading t_e's prices fails it."""
    with pytest.raises(AssertionError, match="not equal"):
        _assert_no_look_ahead(_Peeking(), context, 7)
    with pytest.raises(AssertionError, match=r"^look-ahead: `_Peeking` reads the future: its "):
        check_strategy(_Peeking(), context)
