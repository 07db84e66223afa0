"""Hand-computed cases for the constraint wrappers and their kernels."""

from __future__ import annotations

import numpy as np
import pytest

from backtest.errors import ConfigError
from strategies import BucketBounds, Capped, Diversified2550, MinWeight, StaticBuckets
from strategies._scaling import bounded_rescale, cap_weights
from strategies.diversified import limit_aggregate
from tests.strategies.helpers import FixedWeights, hand_context

# Hand tickers in column order: A1 A2 (asic), E1 (edge), G1 G2 (gpu).


def _capped(row: tuple[float, ...], cap: float) -> list[float]:
    strategy = Capped(inner=FixedWeights(rows=(row,)), max_weight=cap)
    return [float(x) for x in strategy.weights(hand_context()).iloc[0]]


def test_cap_one_round() -> None:
    # 0.5 -> 0.4; its 0.1 goes to the others pro rata: 0.3, 0.1, 0.1, 0 scaled by 0.6 / 0.5
    assert _capped((0.5, 0.3, 0.1, 0.1, 0.0), 0.4) == pytest.approx(
        [0.4, 0.36, 0.12, 0.12, 0.0], abs=1e-15
    )


def test_cap_needs_a_second_round() -> None:
    # round 1: 0.5 -> 0.35, others x 0.65 / 0.5 = 1.3 -> 0.39 (over), 0.13, 0.13
    # round 2: 0.3 pinned too, others x (1 - 0.7) / 0.2 = 1.5 -> 0.15, 0.15
    assert _capped((0.5, 0.3, 0.1, 0.1, 0.0), 0.35) == pytest.approx(
        [0.35, 0.35, 0.15, 0.15, 0.0], abs=1e-15
    )


def test_cap_that_does_not_bind_changes_nothing() -> None:
    assert _capped((0.2, 0.2, 0.2, 0.2, 0.2), 0.25) == [0.2] * 5


def test_infeasible_cap_names_the_numbers() -> None:
    with pytest.raises(
        ConfigError,
        match=r"`max_weight` 0.2 cannot be met on the event of 2024-01-30: 4 names hold weight "
        r"1, and 4 x 0.2 = 0.8 < 1",
    ):
        _capped((0.5, 0.3, 0.1, 0.1, 0.0), 0.2)


def test_cap_keeps_cash() -> None:
    # row total 0.8 (0.2 in cash): 0.6 -> 0.4, 0.2 to the others pro rata (x 2)
    assert _capped((0.6, 0.1, 0.1, 0.0, 0.0), 0.4) == pytest.approx(
        [0.4, 0.2, 0.2, 0.0, 0.0], abs=1e-15
    )


def test_bucket_bounds_scale_the_other_buckets() -> None:
    inner = StaticBuckets(gpu=0.7, asic=0.2, edge=0.1)
    weights = BucketBounds(inner=inner, bounds={"gpu": [0.0, 0.5]}).weights(hand_context())
    # gpu pinned at 0.5; asic and edge scaled by c: 0.3 c = 0.5 -> asic 1/3, edge 1/6
    assert [float(x) for x in weights.iloc[0]] == pytest.approx(
        [1 / 6, 1 / 6, 1 / 6, 0.25, 0.25], abs=1e-15
    )


def test_bucket_bounds_fill_an_unweighted_bucket_by_room() -> None:
    inner = StaticBuckets(gpu=1.0, asic=0.0, edge=0.0)
    bounds = {"gpu": [0.0, 0.6], "asic": [0.0, 0.5], "edge": [0.0, 0.3]}
    weights = BucketBounds(inner=inner, bounds=bounds).weights(hand_context())
    # shortfall 0.4 to asic and edge in proportion to room 0.5 : 0.3 -> 0.25 and 0.15
    assert [float(x) for x in weights.iloc[0]] == pytest.approx(
        [0.125, 0.125, 0.15, 0.3, 0.3], abs=1e-15
    )


def test_bucket_bounds_cannot_raise_a_bucket_with_no_member() -> None:
    ctx = hand_context(0.4, [[True, True, False, True, True]])
    strategy = BucketBounds(inner=StaticBuckets(), bounds={"edge": [0.1, 1.0]})
    with pytest.raises(ConfigError, match=r"`bounds.edge` needs weight 0.1 .* no eligible member"):
        strategy.weights(ctx)


def test_min_weight_drops_and_redistributes() -> None:
    inner = FixedWeights(rows=((0.5, 0.3, 0.15, 0.05, 0.0),))
    weights = MinWeight(inner=inner, threshold=0.1).weights(hand_context())
    assert [float(x) for x in weights.iloc[0]] == pytest.approx(
        [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0.0, 0.0], abs=1e-15
    )
    with pytest.raises(ConfigError, match=r"`threshold` 0.6 drops every name .* 0.5\)"):
        MinWeight(inner=inner, threshold=0.6).weights(hand_context())


def test_limit_aggregate_worked_example() -> None:
    weights = np.array([0.25, 0.2, 0.15, 0.1] + [0.03] * 10)
    out = limit_aggregate(weights, threshold=0.048, max_aggregate=0.5)
    # keep 0.25 and 0.2 (sum 0.45); 0.15 would breach: cut to 0.5 - 0.45 = 0.05 (> 0.048);
    # 0.1 -> 0.048. Freed 0.1 + 0.052 = 0.152 to the ten 0.03 names: 0.452 / 10 = 0.0452 each.
    expected = [0.25, 0.2, 0.05, 0.048] + [0.0452] * 10
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)
    assert out[out > 0.048].sum() <= 0.5 + 1e-15


def test_limit_aggregate_cuts_to_threshold_and_caps_receivers() -> None:
    weights = np.array([0.25, 0.25, 0.2] + [0.046, 0.04, 0.01, 0.01, 0.01, 0.01] + [0.008] * 5)
    weights = weights / weights.sum()
    out = limit_aggregate(weights, threshold=0.048, max_aggregate=0.5)
    assert out.sum() == pytest.approx(1.0, abs=1e-15)
    assert out.max() <= 0.25 + 1e-15
    assert out[out > 0.048 + 1e-12].sum() <= 0.5 + 1e-12
    assert (out[3:] <= 0.048 + 1e-15).all()


def test_diversified_2550_infeasible_is_named() -> None:
    inner = StaticBuckets(gpu=0.4, asic=0.4, edge=0.2)
    with pytest.raises(ConfigError, match=r"the 25/50 rule cannot be met on the event of"):
        Diversified2550(inner=inner).weights(hand_context())


def test_cap_weights_kernel_vectorised_over_leading_axes() -> None:
    weights = np.array([[[0.5, 0.3, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]]])
    out = cap_weights(weights, np.array([[[0.35], [0.3]]]))
    np.testing.assert_allclose(out[0, 0], [0.35, 0.35, 0.15, 0.15], atol=1e-15)
    np.testing.assert_array_equal(out[0, 1], weights[0, 1])
    assert weights[0, 0, 0] == 0.5  # input untouched


def test_bounded_rescale_kernel() -> None:
    lower, upper = np.array([0.2, 0.0, 0.0]), np.array([0.8, 0.5, 1.0])
    out = bounded_rescale(np.array([0.2, 0.5, 0.6]), lower, upper, 1.0)
    np.testing.assert_allclose(out, [0.2, 4 / 11, 4.8 / 11], atol=1e-15)
    # scaling up: (0.1, 0.1, 0.2) -> c = ... with edge capped at 0.3: 0.2 c + 0.3 = 1 -> c = 3.5
    out = bounded_rescale(np.array([0.1, 0.1, 0.2]), np.zeros(3), np.array([1.0, 1.0, 0.3]))
    np.testing.assert_allclose(out, [0.35, 0.35, 0.3], atol=1e-15)
