"""Strategy library: one scheme per module, registered by hand below.

`REGISTRY` maps a config ``kind`` to a scheme; `CONSTRAINTS` maps a constraint ``kind`` (an
entry of a strategy's ``constraints`` list in the config) to a wrapper taking ``inner``.
"""

from __future__ import annotations

from typing import Any

from strategies.batch import linear_tilt_batch
from strategies.buy_and_hold import BuyAndHold
from strategies.constraints import BucketBounds, Capped, MinWeight
from strategies.diversified import Diversified2550
from strategies.equal_weight import EqualWeight
from strategies.linear_tilt import LinearTilt
from strategies.nvda_only import NvdaOnly
from strategies.proportional import ProportionalTilt
from strategies.signal_blend import SignalBlend
from strategies.static import StaticBuckets

__all__ = [
    "CONSTRAINTS",
    "REGISTRY",
    "BucketBounds",
    "BuyAndHold",
    "Capped",
    "Diversified2550",
    "EqualWeight",
    "LinearTilt",
    "MinWeight",
    "NvdaOnly",
    "ProportionalTilt",
    "SignalBlend",
    "StaticBuckets",
    "linear_tilt_batch",
]

REGISTRY: dict[str, type[Any]] = {
    "equal_weight": EqualWeight,
    "static": StaticBuckets,
    "proportional": ProportionalTilt,
    "linear_tilt": LinearTilt,
    "nvda_only": NvdaOnly,
    "signal_blend": SignalBlend,
}
"""Config ``kind`` -> strategy class. (`BuyAndHold`, the baseline and the reference rows, is
not a config kind: the runner builds it for the baseline ticker and each reference ETF.)"""

CONSTRAINTS: dict[str, type[Any]] = {
    "capped": Capped,
    "bucket_bounds": BucketBounds,
    "diversified_2550": Diversified2550,
    "min_weight": MinWeight,
}
"""Constraint ``kind`` -> wrapper class (its first field is ``inner``)."""
