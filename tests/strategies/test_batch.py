"""`linear_tilt_batch` equals looping the dataclasses, variant by variant."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from backtest.errors import ConfigError
from strategies import Capped, LinearTilt, linear_tilt_batch
from tests.strategies.helpers import panel_context


def _loop(context, template, strength, share0, caps):  # type: ignore[no-untyped-def]
    out = []
    for k, s0, cap in zip(strength, share0, caps, strict=True):
        strategy = dataclasses.replace(template, strength=float(k), neutral_share=float(s0))
        if np.isfinite(cap):
            strategy = Capped(inner=strategy, max_weight=float(cap))
        try:
            out.append(strategy.weights(context).to_numpy())
        except ConfigError:  # an infeasible cap: the batch marks it with NaN
            out.append(np.full((len(context.events), len(context.tickers)), np.nan))
    return np.stack(out)


@pytest.mark.parametrize(
    "template",
    [
        LinearTilt(),
        LinearTilt(within="exposure", bounds={"gpu": [0.1, 0.8], "edge": [0.0, 0.3]}),
        LinearTilt(within="inverse_volatility", lookback_days=21, empty_bucket="cash"),
    ],
)
def test_batch_equals_loop_over_a_grid(template: LinearTilt) -> None:
    context = panel_context()
    strength, share0, caps = (
        a.ravel() for a in np.meshgrid([0.0, 1.0, 3.0, -3.0], [0.3, 0.45, 0.6], [0.12, 0.2, np.inf])
    )
    batch = linear_tilt_batch(
        context,
        strength=strength,
        neutral_share=share0,
        max_weight=caps,
        template=template,
        infeasible="nan",
    )
    assert batch.shape == (36, len(context.events), 18)
    looped = _loop(context, template, strength, share0, caps)
    failed = np.isnan(looped).all(axis=(1, 2))
    assert failed.sum() < 36  # unbounded templates hit infeasible caps (all weight in 3 names)
    assert np.isnan(batch[failed]).any(axis=(1, 2)).all()
    np.testing.assert_allclose(batch[~failed], looped[~failed], rtol=0, atol=1e-13)
    capped = np.isfinite(caps) & ~failed
    assert (batch[capped] <= caps[capped, None, None] + 1e-13).all()


def test_scalars_broadcast_and_uncapped_is_plain_linear_tilt() -> None:
    context = panel_context()
    batch = linear_tilt_batch(context, strength=[0.5, 2.0], neutral_share=0.4)
    assert batch.shape[0] == 2
    np.testing.assert_allclose(
        batch[1], LinearTilt(strength=2.0).weights(context).to_numpy(), rtol=0, atol=1e-15
    )


def test_infeasible_variant_raises_or_is_nan() -> None:
    context = panel_context()
    kwargs = {"strength": [0.0, 10.0], "neutral_share": 0.6, "max_weight": 0.2}
    with pytest.raises(ConfigError, match=r"`max_weight` 0.2 of variant 1 cannot be met"):
        linear_tilt_batch(context, **kwargs)  # type: ignore[arg-type]
    out = linear_tilt_batch(context, infeasible="nan", **kwargs)  # type: ignore[arg-type]
    assert np.isfinite(out[0]).all()
    assert np.isnan(out[1]).any()
    ok = ~np.isnan(out[1]).any(axis=1)
    assert (out[1][ok] <= 0.2 + 1e-15).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"strength": [1.0, 2.0], "neutral_share": [0.4, 0.5, 0.6]}, r"length K = 3"),
        ({"strength": 1.0, "neutral_share": 1.5}, r"`neutral_share` must be in \[0, 1\]"),
        ({"strength": np.nan, "neutral_share": 0.4}, r"`strength` must be finite"),
        ({"strength": 1.0, "neutral_share": 0.4, "max_weight": 0.0}, r"`max_weight` must be in"),
        ({"strength": 1.0, "neutral_share": 0.4, "infeasible": "skip"}, r"`infeasible` must be"),
    ],
)
def test_bad_batch_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        linear_tilt_batch(panel_context(), **kwargs)  # type: ignore[arg-type]


def test_batch_equals_loop_with_an_empty_bucket() -> None:
    from tests.strategies.helpers import hand_context

    rows = [[True, True, False, True, True], [True, False, True, True, True]]  # no edge, then all
    context = hand_context([0.3, 0.55], rows)
    strength, share0 = np.array([0.0, 1.0, 2.0]), np.array([0.4, 0.5, 0.35])
    for empty in ("redistribute", "cash"):
        template = LinearTilt(empty_bucket=empty)
        batch = linear_tilt_batch(
            context, strength=strength, neutral_share=share0, max_weight=0.5, template=template
        )
        looped = _loop(context, template, strength, share0, np.full(3, 0.5))
        np.testing.assert_allclose(batch, looped, rtol=0, atol=1e-15)
    assert batch[:, 0].sum(axis=1).max() < 1.0  # cash: the empty edge bucket is not invested
