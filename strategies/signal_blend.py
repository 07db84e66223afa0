"""`SignalBlend`: a bucket tilt driven by a weighted blend of standardised signals.

With ``x_j(k)`` the value of signal ``j`` known at the determination date of event ``k``
(NaN before its first usable value), each signal is standardised on its own point-in-time path
up to and including event ``k`` (so only on values known at ``t_d``)::

    z_j(k) = clip((x_j(k) - mean_j(k)) / std_j(k), -z_cap, z_cap)

where ``mean_j(k)`` and ``std_j(k)`` (ddof 0) are taken over the non-NaN ``x_j(0..k)``;
``z_j(k) = 0`` (neutral) while fewer than ``min_events`` values are known, when ``x_j(k)`` is
NaN, or when ``std_j(k) = 0`` (a series that has not moved yet). The blend is
``c(k) = sum_j w_j z_j(k) / sum_j |w_j|`` (in [-z_cap, z_cap]) and the bucket weights are the
linear tilt of `strategies.linear_tilt.tilt_bucket_weights` around ``neutral`` along
``direction``: ``b = neutral + strength * c * direction``, clipped to ``bounds`` and rescaled.
"""

from __future__ import annotations

import math
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
    check_int,
    check_number,
    frozen_mapping,
)
from strategies.linear_tilt import (
    DEFAULT_DIRECTION,
    DEFAULT_NEUTRAL,
    tilt_bucket_weights,
    tilt_vectors,
)
from strategies.proportional import signal_path

__all__ = ["SignalBlend", "blend_score", "standardised"]

_SIGNALS = FrozenMap({INFERENCE_SHARE: 1.0})


def standardised(values: np.ndarray, *, min_events: int, z_cap: float) -> np.ndarray:
    """Return the expanding z-score of a signal's point-in-time path (module docstring).

    Parameters
    ----------
    values : ndarray, shape (n_events,)
        NaN where the signal has no usable value.

    Returns
    -------
    ndarray, shape (n_events,)
        Event ``k`` depends on ``values[: k + 1]`` only (each prefix is reduced on its own).
    """
    z = np.zeros(len(values))
    for k in range(len(values)):
        if math.isnan(values[k]):
            continue
        known = values[: k + 1]
        known = known[~np.isnan(known)]
        if known.size < min_events:
            continue
        sd = float(np.std(known))
        if sd > 0.0:
            z[k] = min(max((values[k] - float(np.mean(known))) / sd, -z_cap), z_cap)
    return z


def blend_score(
    context: Context, signals: Mapping[str, float], *, min_events: int, z_cap: float
) -> np.ndarray:
    """``c(k) = sum_j w_j z_j(k) / sum_j |w_j|`` per event, shape (n_events,)."""
    total = sum(abs(float(w)) for w in signals.values())
    score = np.zeros(len(context.events))
    for name, weight in signals.items():
        z = standardised(signal_path(context, name), min_events=min_events, z_cap=z_cap)
        score = score + float(weight) / total * z
    return score


@dataclass(frozen=True, kw_only=True)
class SignalBlend(BucketOptions):
    """Bucket weights ``neutral + strength * c * direction``, ``c`` a blend of signal z-scores.

    Parameters
    ----------
    signals : Mapping[str, float]
        Signal name -> blend weight ``w_j`` (finite, not all 0; a negative weight tilts
        against the signal, e.g. a falling inference cost pushes toward ASIC and edge). Names
        are ``"inference_share"`` or ``[signals.NAME]`` tables of the config.
    strength : float
        Bucket-weight move per unit of ``c`` (finite).
    min_events : int
        Values a signal needs on its path before its z-score counts (>= 2).
    z_cap : float
        Bound on each z-score, > 0.
    neutral, direction, bounds
        As in `strategies.LinearTilt` (neutral weights summing to 1 inside ``bounds``,
        ``direction`` summing to 0).
    within, lookback_days, empty_bucket
        The within-bucket options (`strategies._buckets.BucketOptions`).
    """

    signals: Mapping[str, Any] = field(default_factory=lambda: _SIGNALS)
    strength: float = 0.1
    min_events: int = 4
    z_cap: float = 3.0
    neutral: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_NEUTRAL)
    direction: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_DIRECTION)
    bounds: Mapping[str, Any] = field(default_factory=lambda: FrozenMap({}))

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if not isinstance(self.signals, Mapping) or not self.signals:
            raise ConfigError(
                f"`signals` must be a table of signal name -> blend weight, got {self.signals!r}"
            )
        for name, weight in self.signals.items():
            if not isinstance(name, str) or not name:
                raise ConfigError(f"`signals` keys must be signal names, got {name!r}")
            check_number(f"signals.{name}", weight)
        if sum(abs(float(w)) for w in self.signals.values()) == 0.0:
            raise ConfigError(f"`signals` weights must not all be 0, got {dict(self.signals)!r}")
        object.__setattr__(self, "signals", FrozenMap(self.signals))
        for name in ("neutral", "direction", "bounds"):
            object.__setattr__(self, name, frozen_mapping(name, getattr(self, name)))
        check_number("strength", self.strength)
        check_int("min_events", self.min_events, low=2)
        check_number("z_cap", self.z_cap, low=0.0, low_open=True)
        tilt_vectors(self.neutral, self.direction, self.bounds)
        super().__post_init__()

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        score = blend_score(
            context, self.signals, min_events=int(self.min_events), z_cap=float(self.z_cap)
        )
        bucket_weights = tilt_bucket_weights(
            score,
            strength=float(self.strength),
            neutral_share=0.0,
            **tilt_vectors(self.neutral, self.direction, self.bounds),
        )
        return self.spread(bucket_weights, context)
