"""Hand-computed weights for each bucket-level and within-bucket scheme."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.context import Context
from backtest.errors import ConfigError, StrategyError
from strategies import EqualWeight, LinearTilt, NvdaOnly, ProportionalTilt, StaticBuckets
from tests.strategies.helpers import hand_context, panel_context

# Hand tickers: A1 A2 (asic), E1 (edge), G1 G2 (gpu); columns are in that (sorted) order.


def _row(weights: pd.DataFrame, k: int = 0) -> list[float]:
    return [float(x) for x in weights.iloc[k]]


def test_static_buckets_split_equally_inside_each_bucket() -> None:
    weights = StaticBuckets(gpu=0.5, asic=0.3, edge=0.2).weights(hand_context())
    assert _row(weights) == pytest.approx([0.15, 0.15, 0.2, 0.25, 0.25], abs=1e-15)


def test_static_buckets_exposure_within() -> None:
    ctx = hand_context(exposures={"A1": 0.2, "A2": 0.6, "E1": 1.0, "G1": 0.5, "G2": 0.5})
    weights = StaticBuckets(gpu=0.5, asic=0.4, edge=0.1, within="exposure").weights(ctx)
    # asic 0.4 split 0.2 : 0.6 -> 0.1, 0.3
    assert _row(weights) == pytest.approx([0.1, 0.3, 0.1, 0.25, 0.25], abs=1e-15)


def test_static_buckets_must_sum_to_one() -> None:
    with pytest.raises(ConfigError, match=r"must sum to 1, got 0.5 \+ 0.3 \+ 0.1 = 0.9"):
        StaticBuckets(gpu=0.5, asic=0.3, edge=0.1)
    with pytest.raises(ConfigError, match=r"`gpu` must be a number in \[0, 1\], got True"):
        StaticBuckets(gpu=True, asic=0.0, edge=0.0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"`lookback_days` must be an integer >= 2, got 1"):
        StaticBuckets(lookback_days=1)


def test_proportional_share_04_edge_025() -> None:
    weights = ProportionalTilt(edge_fraction=0.25).weights(hand_context(0.4))
    # GPU 0.6, ASIC 0.4 * 0.75 = 0.3, edge 0.4 * 0.25 = 0.1
    assert _row(weights) == pytest.approx([0.15, 0.15, 0.1, 0.3, 0.3], abs=1e-15)


def test_linear_tilt_inside_bounds() -> None:
    tilt = LinearTilt(
        neutral={"gpu": 0.5, "asic": 0.3, "edge": 0.2},
        neutral_share=0.5,
        strength=2.0,
        direction={"gpu": -1.0, "asic": 0.5, "edge": 0.5},
    )
    # s = 0.6: move 2 * 0.1 = 0.2 along (-1, 0.5, 0.5) -> (0.3, 0.4, 0.3)
    assert _row(tilt.weights(hand_context(0.6))) == pytest.approx(
        [0.2, 0.2, 0.3, 0.15, 0.15], abs=1e-15
    )


def test_linear_tilt_clipped_and_renormalised() -> None:
    tilt = LinearTilt(
        neutral={"gpu": 0.5, "asic": 0.3, "edge": 0.2},
        neutral_share=0.5,
        strength=2.0,
        direction={"gpu": -1.0, "asic": 0.5, "edge": 0.5},
    )
    # s = 0.9: (0.5 - 0.8, 0.3 + 0.4, 0.2 + 0.4) = (-0.3, 0.7, 0.6) -> clip (0, 0.7, 0.6) / 1.3
    expected_buckets = [0.0, 0.7 / 1.3, 0.6 / 1.3]
    row = _row(tilt.weights(hand_context(0.9)))
    assert row == pytest.approx(
        [expected_buckets[1] / 2, expected_buckets[1] / 2, expected_buckets[2], 0.0, 0.0],
        abs=1e-15,
    )


def test_linear_tilt_bounds_hold_after_renormalising() -> None:
    tilt = LinearTilt(
        neutral={"gpu": 0.5, "asic": 0.3, "edge": 0.2},
        neutral_share=0.5,
        strength=2.0,
        direction={"gpu": -1.0, "asic": 0.5, "edge": 0.5},
        bounds={"gpu": [0.2, 0.8], "asic": [0.0, 0.5]},
    )
    # raw (-0.3, 0.7, 0.6) -> clip (0.2, 0.5, 0.6), sum 1.3 -> gpu stays at its low bound 0.2,
    # asic and edge scaled by c: 0.2 + 1.1 c = 1 -> c = 8/11 -> asic 4/11, edge 4.8/11
    row = _row(tilt.weights(hand_context(0.9)))
    assert row == pytest.approx([2 / 11, 2 / 11, 4.8 / 11, 0.1, 0.1], abs=1e-15)


def test_linear_tilt_zero_strength_is_static_and_defaults_match_proportional() -> None:
    ctx = panel_context()
    neutral = {"gpu": 0.45, "asic": 0.35, "edge": 0.2}
    pd.testing.assert_frame_equal(
        LinearTilt(neutral=neutral, strength=0.0).weights(ctx),
        StaticBuckets(**neutral).weights(ctx),
        check_exact=False,
        atol=1e-15,
        rtol=0,
    )
    # default neutral (0.6, 0.3, 0.1) at s0 = 0.4 along (-1, 0.75, 0.25) is 1 - s, 0.75 s, 0.25 s
    pd.testing.assert_frame_equal(
        LinearTilt().weights(ctx), ProportionalTilt().weights(ctx), atol=1e-15, rtol=0
    )


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"neutral": {"gpu": 0.5, "asic": 0.3}}, r"`neutral` must be weights >= 0 summing to 1"),
        ({"neutral": {"gpus": 1.0}}, r"`neutral` has unknown bucket `gpus`; allowed: gpu, asic"),
        ({"neutral": 0.5}, r"`neutral` must be a table with keys gpu, asic, edge, got 0.5"),
        ({"neutral_share": 1.2}, r"`neutral_share` must be a number in \[0, 1\], got 1.2"),
        ({"strength": float("nan")}, r"`strength` must be a finite number, got nan"),
        ({"strength": "high"}, r"`strength` must be a finite number, got 'high'"),
        ({"direction": {"gpu": 1.0}}, r"`direction` must sum to 0"),
        ({"bounds": {"gpu": [0.7, 0.6]}}, r"`bounds.gpu` must have low <= high, got \[0.7, 0.6\]"),
        ({"bounds": {"gpu": 0.5}}, r"`bounds.gpu` must be a pair \[low, high\], got 0.5"),
        ({"bounds": {"gpu": [0.0, 0.5]}}, r"`neutral` must lie inside `bounds`"),
        ({"within": "cap"}, r"`within` must be one of equal, exposure, inverse_volatility"),
        ({"empty_bucket": "drop"}, r"`empty_bucket` must be one of redistribute, cash"),
    ],
)
def test_linear_tilt_rejects_bad_parameters(params: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        LinearTilt(**params)  # type: ignore[arg-type]


def test_equal_weight_over_eligible_members_only() -> None:
    ctx = hand_context([0.4, 0.4], [[True, True, False, True, True], [False] * 5])
    weights = EqualWeight().weights(ctx)
    assert _row(weights, 0) == [0.25, 0.25, 0.0, 0.25, 0.25]
    assert _row(weights, 1) == [0.0] * 5  # nobody eligible: cash


def test_nvda_only_holds_one_name_or_cash() -> None:
    ctx = hand_context([0.4, 0.4], [[True] * 5, [True, True, True, False, True]])
    weights = NvdaOnly(ticker="G1").weights(ctx)
    assert _row(weights, 0) == [0.0, 0.0, 0.0, 1.0, 0.0]
    assert _row(weights, 1) == [0.0] * 5
    with pytest.raises(ConfigError, match=r"`ticker` 'NVDA' is not a member of the universe"):
        NvdaOnly().weights(ctx)


def _vol_context(prices: pd.DataFrame, det_row: int) -> Context:
    dates = prices.index
    events = pd.DataFrame(
        {
            "determination_date": dates[[det_row]],
            "effective_date": dates[[det_row + 1]],
            "determination_row": [det_row],
            "effective_row": [det_row + 1],
        }
    )
    idx = pd.DatetimeIndex(events["effective_date"], name="effective_date")
    tickers = list(prices.columns)
    return Context(
        prices=prices,
        events=events,
        eligible=pd.DataFrame([[True] * len(tickers)], index=idx, columns=tickers),
        share=pd.Series([0.4], index=idx),
        buckets={"G1": "gpu", "G2": "gpu", "A1": "asic", "E1": "edge"},
        exposures=dict.fromkeys(tickers, 1.0),
    )


def test_inverse_volatility_uses_the_last_lookback_returns_up_to_t_d() -> None:
    n = 30
    sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    returns = pd.DataFrame(
        {"A1": 0.01 * sign, "E1": 0.01 * sign, "G1": 0.01 * sign, "G2": 0.02 * sign}
    )
    returns.iloc[3, 3] = 0.5  # a shock to G2 outside a 10-day window ending at row 20
    returns.iloc[25, 2] = 0.9  # after t_d (row 20): must be ignored
    prices = 100.0 * (1.0 + returns).cumprod()
    prices.index = pd.bdate_range("2024-01-01", periods=n)
    ctx = _vol_context(prices, det_row=20)
    weights = StaticBuckets(
        gpu=0.6, asic=0.3, edge=0.1, within="inverse_volatility", lookback_days=10
    ).weights(ctx)
    # G2's returns are exactly twice G1's in the window: scores 1 : 1/2 -> 2/3 and 1/3 of 0.6
    assert float(weights.iloc[0]["G1"]) == pytest.approx(0.4, abs=1e-9)
    assert float(weights.iloc[0]["G2"]) == pytest.approx(0.2, abs=1e-9)
    # Independent check with the shock inside a 20-day window: numpy std of the window returns.
    wide = StaticBuckets(within="inverse_volatility", lookback_days=20).weights(ctx)
    window = prices.pct_change().iloc[1:21]
    inv = 1.0 / window[["G1", "G2"]].std(ddof=1)
    expected = 0.6 * inv / inv.sum()
    assert float(wide.iloc[0]["G1"]) == pytest.approx(float(expected["G1"]), rel=1e-12)
    assert float(wide.iloc[0]["G2"]) == pytest.approx(float(expected["G2"]), rel=1e-12)


def test_inverse_volatility_matches_numpy_on_the_panel() -> None:
    ctx = panel_context()
    weights = ProportionalTilt(within="inverse_volatility", lookback_days=63).weights(ctx)
    prices = ctx.prices.to_numpy()
    for k in (3, 12, 22):
        det = int(ctx.events["determination_row"].iloc[k])
        window = prices[max(det - 63, 0) : det + 1]
        rets = window[1:] / window[:-1] - 1.0
        share = float(ctx.share.iloc[k])
        target = {"gpu": 1 - share, "asic": 0.75 * share, "edge": 0.25 * share}
        eligible = ctx.eligible.iloc[k]
        for bucket, total in target.items():
            names = [t for t in ctx.tickers if ctx.buckets[t] == bucket and eligible[t]]
            inv = {}
            for t in names:
                r = rets[:, ctx.tickers.index(t)]
                inv[t] = 1.0 / np.std(r[~np.isnan(r)], ddof=1)
            for t in names:
                expected = total * inv[t] / sum(inv.values())
                assert float(weights.iloc[k][t]) == pytest.approx(expected, rel=1e-12)


def test_inverse_volatility_flat_price_is_an_error() -> None:
    prices = pd.DataFrame(
        {"A1": 1.0, "E1": 1.0, "G1": 1.0, "G2": 1.0},
        index=pd.bdate_range("2024-01-01", periods=30),
    )
    prices["A1"] = np.linspace(1.0, 2.0, 30)
    with pytest.raises(StrategyError, match=r"positive volatility for E1 at 2024-01-29"):
        StaticBuckets(within="inverse_volatility").weights(_vol_context(prices, 20))


def test_empty_bucket_redistributes_pro_rata_or_holds_cash() -> None:
    ctx = hand_context(0.4, [[True, True, False, True, True]])  # no edge member
    redistributed = _row(ProportionalTilt().weights(ctx))
    # gpu 0.6 and asic 0.3 share edge's 0.1 pro rata: 0.6 / 0.9 and 0.3 / 0.9
    assert redistributed == pytest.approx([1 / 6, 1 / 6, 0.0, 1 / 3, 1 / 3], abs=1e-15)
    cash = _row(ProportionalTilt(empty_bucket="cash").weights(ctx))
    assert cash == pytest.approx([0.15, 0.15, 0.0, 0.3, 0.3], abs=1e-15)
