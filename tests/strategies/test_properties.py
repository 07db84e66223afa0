"""Hypothesis properties: caps hold, rows keep their totals, bounds hold, order does not matter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backtest.constants import BUCKETS
from backtest.errors import ConfigError
from strategies import Capped, Diversified2550, LinearTilt
from strategies._scaling import bounded_rescale, cap_weights
from tests.strategies.helpers import FixedWeights, hand_context, panel_context, permuted
from tests.strategies.test_contract import EXAMPLES

_weights = hnp.arrays(
    float,
    st.integers(2, 20),
    elements=st.one_of(st.just(0.0), st.floats(1e-6, 1.0)),
).filter(lambda w: (w > 0).sum() >= 1)


@given(_weights, st.floats(0.0, 1.0))
def test_cap_holds_and_keeps_totals(weights: np.ndarray, slack: float) -> None:
    total, names = weights.sum(), int((weights > 0).sum())
    cap = total / names + slack * (weights.max() - total / names)  # feasible by construction
    out = cap_weights(weights, cap)
    assert (out <= cap * (1 + 1e-12)).all()
    assert out.sum() == pytest.approx(total, rel=1e-12)
    assert (out[weights == 0.0] == 0.0).all()
    order = np.argsort(weights, kind="stable")
    assert (np.diff(out[order]) >= -1e-15).all()  # larger stays larger (or equal)
    perm = np.random.default_rng(0).permutation(weights.size)
    np.testing.assert_allclose(cap_weights(weights[perm], cap), out[perm], rtol=1e-12, atol=0)
    np.testing.assert_allclose(cap_weights(out, cap), out, rtol=1e-12, atol=1e-15)


@given(
    hnp.arrays(float, 3, elements=st.floats(0.0, 1.0)),
    hnp.arrays(float, 3, elements=st.floats(0.0, 0.33)),
    hnp.arrays(float, 3, elements=st.floats(0.34, 1.0)),
)
def test_bounded_rescale_stays_within_bounds(
    weights: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> None:
    out = bounded_rescale(weights, lower, upper, 1.0)
    assert out.sum() == pytest.approx(1.0, abs=1e-12)
    assert (out >= lower - 1e-12).all()
    assert (out <= upper + 1e-12).all()


@settings(max_examples=60)
@given(
    st.floats(-20.0, 20.0),
    st.floats(0.0, 1.0),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
    st.floats(0.0, 0.3),
    st.floats(0.5, 1.0),
)
def test_linear_tilt_sums_to_one_within_bounds(
    strength: float, share0: float, shares: list[float], gpu_low: float, gpu_high: float
) -> None:
    bounds = {"gpu": [gpu_low, gpu_high], "edge": [0.0, 0.5]}
    neutral = {"gpu": 0.5, "asic": 0.3, "edge": 0.2}
    tilt = LinearTilt(neutral=neutral, neutral_share=share0, strength=strength, bounds=bounds)
    weights = tilt.weights(hand_context(shares))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-12)
    buckets = weights.T.groupby(hand_context().buckets).sum().T
    assert (buckets["gpu"] >= gpu_low - 1e-12).all()
    assert (buckets["gpu"] <= gpu_high + 1e-12).all()
    assert (buckets["edge"] <= 0.5 + 1e-12).all()
    assert set(buckets.columns) <= set(BUCKETS)


@settings(max_examples=80)
@given(hnp.arrays(float, 5, elements=st.floats(0.0, 1.0)).filter(lambda w: w.sum() > 0))
def test_diversified_2550_holds_or_says_why(raw: np.ndarray) -> None:
    row = tuple(float(x) for x in raw / raw.sum())
    try:
        weights = Diversified2550(inner=FixedWeights(rows=(row,))).weights(hand_context())
    except ConfigError as exc:
        assert "cannot be met" in str(exc)
        return
    values = weights.to_numpy()[0]
    assert values.sum() == pytest.approx(1.0, abs=1e-12)
    assert values.max() <= 0.25 + 1e-12
    assert values[values > 0.048 + 1e-12].sum() <= 0.5 + 1e-12


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(panel_context().tickers))
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_permuting_tickers_permutes_weights(name: str, order: list[str]) -> None:
    context = panel_context()
    original = EXAMPLES[name].weights(context)
    shuffled = EXAMPLES[name].weights(permuted(context, order))
    assert list(shuffled.columns) == order
    pd.testing.assert_frame_equal(
        shuffled[context.tickers], original, check_exact=False, rtol=0, atol=1e-14
    )


@settings(max_examples=80)
@given(
    hnp.arrays(float, 5, elements=st.floats(0.0, 1.0)).filter(lambda w: w.sum() > 0),
    st.floats(0.05, 1.0),
    st.floats(0.5, 1.0),
)
def test_capped_strategy_holds_the_cap_or_names_why(
    raw: np.ndarray, cap: float, invested: float
) -> None:
    row = tuple(float(x) for x in raw / raw.sum() * invested)  # some cash when invested < 1
    strategy = Capped(inner=FixedWeights(rows=(row,)), max_weight=cap)
    try:
        values = strategy.weights(hand_context()).to_numpy()[0]
    except ConfigError as exc:
        assert sum(1 for x in row if x > 0) * cap < sum(row) + 1e-9
        assert "cannot be met" in str(exc)
        return
    assert values.sum() == pytest.approx(sum(row), abs=1e-12)
    assert (values <= cap * (1 + 1e-12)).all()
    assert (values[np.array(row) == 0] == 0).all()
