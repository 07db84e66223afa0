"""`LinearTilt`: neutral bucket weights moved linearly with the inference share, within bounds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from backtest.constants import INFERENCE_SHARE
from backtest.context import Context
from backtest.errors import ConfigError
from strategies._buckets import BucketOptions
from strategies._params import (
    FrozenMap,
    bucket_bounds,
    bucket_vector,
    check_number,
    frozen_mapping,
)
from strategies._scaling import bounded_rescale, row_sum
from strategies.proportional import check_signal_name, signal_path

__all__ = [
    "DEFAULT_DIRECTION",
    "DEFAULT_NEUTRAL",
    "LinearTilt",
    "tilt_bucket_weights",
    "tilt_vectors",
]

DEFAULT_NEUTRAL = FrozenMap({"gpu": 0.6, "asic": 0.3, "edge": 0.1})
DEFAULT_DIRECTION = FrozenMap({"gpu": -1.0, "asic": 0.75, "edge": 0.25})
"""The default tilt of every bucket tilt (`LinearTilt`, `strategies.signal_blend.SignalBlend`):
neutral weights (0.6, 0.3, 0.1) moved along (-1, 0.75, 0.25)."""


def tilt_bucket_weights(
    share: np.ndarray,
    *,
    strength: np.ndarray | float,
    neutral_share: np.ndarray | float,
    neutral: np.ndarray,
    direction: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
) -> np.ndarray:
    """Bucket weights ``b = neutral + strength * (s - neutral_share) * direction``, bounded.

    Rows with every bucket inside ``[lower, upper]`` are returned as is (they sum to 1 because
    ``direction`` sums to 0). Other rows are clipped to the bounds and renormalised within them
    (`bounded_rescale`: the buckets not at a bound are scaled by a common factor until the row
    sums to 1; with the default bounds [0, 1] this is plain division by the clipped sum). An
    event whose ``share`` is NaN (a named signal before its first usable value) gets no tilt:
    the ``neutral`` weights.

    Parameters
    ----------
    share : ndarray, shape (n_events,)
    strength, neutral_share : float or ndarray, shape (K, 1)
        One value per variant (leading axis K) or a scalar.
    neutral, direction, lower, upper : ndarray, shape (3,)
        In `BUCKETS` order.

    Returns
    -------
    ndarray, shape (n_events, 3) or (K, n_events, 3)
    """
    tilt = np.asarray(strength, dtype=float) * (share - np.asarray(neutral_share, dtype=float))
    missing = np.isnan(share)
    if missing.any():  # before a named signal's first value: the neutral weights
        tilt = np.where(missing, 0.0, tilt)
    columns = [neutral[b] + tilt * direction[b] for b in range(len(neutral))]
    outside = np.zeros(tilt.shape, dtype=bool)
    for b, column in enumerate(columns):
        outside |= (column < lower[b]) | (column > upper[b])
    raw: np.ndarray = np.stack(columns, axis=-1)
    if outside.any():
        clipped = np.clip(raw[outside], lower, upper)
        divided = clipped / row_sum(clipped)
        # Plain division is the bounded rescale's answer whenever it stays inside the bounds.
        slow = ((divided < lower) | (divided > upper)).any(axis=-1)
        if slow.any():
            divided[slow] = bounded_rescale(clipped[slow], lower, upper, 1.0)
        raw[outside] = divided
    return raw


def tilt_vectors(
    neutral: Mapping[str, Any], direction: Mapping[str, Any], bounds: Mapping[str, Any]
) -> dict[str, np.ndarray]:
    """Check a tilt's ``neutral``, ``direction`` and ``bounds``; return them as arrays.

    The one rule of every bucket tilt (`LinearTilt`, `strategies.signal_blend.SignalBlend`).

    Returns
    -------
    dict of str to ndarray, shape (3,)
        ``neutral``, ``direction``, ``lower`` and ``upper`` in `BUCKETS` order: the keywords
        `tilt_bucket_weights` takes.

    Raises
    ------
    ConfigError
        When ``neutral`` is not weights >= 0 summing to 1 inside ``bounds``, or ``direction``
        does not sum to 0.
    """
    neutral_vector = bucket_vector("neutral", neutral, default=0.0)
    if (neutral_vector < 0).any() or abs(neutral_vector.sum() - 1.0) > 1e-9:
        raise ConfigError(f"`neutral` must be weights >= 0 summing to 1, got {dict(neutral)!r}")
    direction_vector = bucket_vector("direction", direction, default=0.0)
    if abs(direction_vector.sum()) > 1e-9:
        raise ConfigError(
            f"`direction` must sum to 0, got {dict(direction)!r} (sum {direction_vector.sum():g})"
        )
    lower, upper = bucket_bounds("bounds", bounds)
    if (neutral_vector < lower - 1e-12).any() or (neutral_vector > upper + 1e-12).any():
        raise ConfigError(
            f"`neutral` must lie inside `bounds`, got neutral {dict(neutral)!r} and "
            f"bounds {dict(bounds)!r}"
        )
    return {
        "neutral": neutral_vector,
        "direction": direction_vector,
        "lower": lower,
        "upper": upper,
    }


@dataclass(frozen=True, kw_only=True)
class LinearTilt(BucketOptions):
    """Bucket weights ``clip(neutral + k (s - s0) d)`` renormalised within ``bounds``.

    With ``k = 0`` this is `StaticBuckets` at ``neutral``. The defaults reproduce
    ``ProportionalTilt(edge_fraction=0.25)`` wherever no bound binds: neutral (0.6, 0.3, 0.1) at
    ``s0 = 0.4`` moved along (-1, 0.75, 0.25).

    Parameters
    ----------
    neutral : Mapping[str, float]
        Bucket weights at ``s = s0``: keys ``gpu``, ``asic``, ``edge``, each in [0, 1], summing
        to 1 and inside ``bounds``.
    neutral_share : float
        ``s0`` in [0, 1].
    strength : float
        ``k``, any finite number (negative tilts the other way).
    direction : Mapping[str, float]
        ``d`` per bucket, summing to 0 (missing buckets count as 0).
    bounds : Mapping[str, list[float]]
        ``[low, high]`` per bucket in [0, 1] (missing buckets get [0, 1]); lows sum to at most
        1, highs to at least 1.
    signal : str
        The signal ``s`` is read from: ``"inference_share"`` (default) or any ``[signals.NAME]``
        (``neutral_share`` is then in that signal's units). Before a named signal's first usable
        value the tilt is 0: the ``neutral`` weights. The inference share never falls back.
    within, lookback_days, empty_bucket
        The within-bucket options (`strategies._buckets.BucketOptions`). The bounds apply
        before the empty-bucket rule: when a bucket has no eligible member, its weight is
        redistributed (or held in cash) afterwards, so the other buckets may then exceed their
        upper bounds on that event.
    """

    neutral: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_NEUTRAL)
    neutral_share: float = 0.4
    strength: float = 1.0
    direction: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_DIRECTION)
    bounds: Mapping[str, Any] = field(default_factory=lambda: FrozenMap({}))
    signal: str = INFERENCE_SHARE

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        for name in ("neutral", "direction", "bounds"):
            object.__setattr__(self, name, frozen_mapping(name, getattr(self, name)))
        check_signal_name(self.signal)
        if self.signal == INFERENCE_SHARE:
            check_number("neutral_share", self.neutral_share, low=0.0, high=1.0)
        else:
            check_number("neutral_share", self.neutral_share)
        check_number("strength", self.strength)
        tilt_vectors(self.neutral, self.direction, self.bounds)
        super().__post_init__()

    def vectors(self) -> dict[str, np.ndarray]:
        """``neutral``, ``direction``, ``lower`` and ``upper`` as arrays in `BUCKETS` order."""
        return tilt_vectors(self.neutral, self.direction, self.bounds)

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        bucket_weights = tilt_bucket_weights(
            signal_path(context, self.signal),
            strength=float(self.strength),
            neutral_share=float(self.neutral_share),
            **self.vectors(),
        )
        return self.spread(bucket_weights, context)
