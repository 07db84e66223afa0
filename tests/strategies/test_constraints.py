"""Hand-computed cases for the constraint wrappers and their kernels."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


# --- what a cap cannot place: raise (default), cash, or spread over the other eligible names ---


def _gpu_only(eligible_rows: list[list[bool]] | None = None) -> Capped:
    from strategies import StaticBuckets

    return Capped(inner=StaticBuckets(gpu=1.0, asic=0.0, edge=0.0), max_weight=0.25)


def test_an_infeasible_cap_raises_with_the_numbers_and_the_choices() -> None:
    from tests.strategies.helpers import hand_context

    with pytest.raises(
        ConfigError,
        match=r"`max_weight` 0.25 cannot be met on the event of .*: 2 names hold weight 1, and "
        r'2 x 0.25 = 0.5 < 1; set `overflow = "cash"`',
    ):
        _gpu_only().weights(hand_context())


@pytest.mark.parametrize(
    ("overflow", "expected"),
    [
        ("cash", {"G1": 0.25, "G2": 0.25, "A1": 0.0, "A2": 0.0, "E1": 0.0}),
        ("spread", {"G1": 0.25, "G2": 0.25, "A1": 0.25, "A2": 0.25, "E1": 0.0}),
    ],
)
def test_overflow_leaves_the_rest_in_cash_or_spreads_it(
    overflow: str, expected: dict[str, float]
) -> None:
    """Hand numbers: 2 GPU names hold 1; the cap 0.25 places 0.5. `spread` gives the other 0.5
    equally to the 3 eligible names holding nothing (E1 is not eligible): 0.25 each would be
    0.1667; with E1 out, A1 and A2 take 0.25 each."""
    import dataclasses

    from tests.strategies.helpers import hand_context

    context = hand_context(eligible_rows=[[True, True, False, True, True]])
    weights = dataclasses.replace(_gpu_only(), overflow=overflow).weights(context)  # type: ignore[arg-type]
    assert weights.iloc[0].to_dict() == pytest.approx(expected, abs=1e-15)


def test_spread_holds_in_cash_what_even_the_other_members_cannot_take() -> None:
    import dataclasses

    from tests.strategies.helpers import hand_context

    context = hand_context(eligible_rows=[[True, False, False, True, True]])
    capped = dataclasses.replace(_gpu_only(), max_weight=0.2, overflow="spread")
    weights = capped.weights(context).iloc[0]
    assert weights.to_dict() == pytest.approx(
        {"G1": 0.2, "G2": 0.2, "A1": 0.2, "A2": 0.0, "E1": 0.0}, abs=1e-15
    )


def test_overflow_changes_nothing_where_the_cap_can_be_met() -> None:
    import dataclasses

    from strategies import LinearTilt
    from tests.strategies.helpers import panel_context

    context = panel_context()
    base = Capped(inner=LinearTilt(strength=3.0), max_weight=0.1)
    for overflow in ("cash", "spread"):
        pd.testing.assert_frame_equal(
            dataclasses.replace(base, overflow=overflow).weights(context),  # type: ignore[arg-type]
            base.weights(context),
            check_exact=True,
        )


def test_the_25_50_rule_takes_the_same_choices() -> None:
    from strategies import Diversified2550, StaticBuckets
    from tests.strategies.helpers import hand_context

    inner = StaticBuckets(gpu=1.0, asic=0.0, edge=0.0)
    context = hand_context()
    with pytest.raises(ConfigError, match=r"cannot be met .*; set `overflow"):
        Diversified2550(inner=inner).weights(context)
    cash = Diversified2550(inner=inner, overflow="cash").weights(context).iloc[0]
    assert cash.sum() == pytest.approx(0.5) and cash.max() == pytest.approx(0.25)
    spread = Diversified2550(inner=inner, overflow="spread").weights(context).iloc[0]
    assert spread.max() <= 0.25 + 1e-15 and spread.sum() > cash.sum()
