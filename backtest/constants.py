"""Constants shared by the metrics, schedule and data layers (one place, documented once)."""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "ATTRIBUTION_EFFECTS",
    "BASELINE_COLUMN",
    "BUCKETS",
    "DEFAULT_MAX_FILL_DAYS",
    "DEFAULT_MIN_HISTORY_DAYS",
    "INFERENCE_SHARE",
    "MAX_SIGNAL_HORIZON",
    "PRICE_BOUNDS",
    "SYNTHETIC_LABEL",
    "TRADING_DAYS_PER_YEAR",
    "Bucket",
]

TRADING_DAYS_PER_YEAR: Final = 252
"""Periods per year used to annualise daily statistics."""

Bucket = Literal["gpu", "asic", "edge"]
"""A bucket of the Compute layer."""

BUCKETS: Final[tuple[Bucket, ...]] = get_args(Bucket)
"""The three buckets of the Compute layer, in reporting order."""

DEFAULT_MAX_FILL_DAYS: Final = 5
"""Longest run of missing days inside a listing that is forward-filled for valuation."""

DEFAULT_MIN_HISTORY_DAYS: Final = 21
"""Valid prices a member needs up to a determination date to be eligible."""

MAX_SIGNAL_HORIZON: Final = 20
"""Most periods ahead a signal may be read (``signal.horizon``): 20 years or 5 years of quarters;
far beyond any published forecast, and within the dates pandas can represent."""

INFERENCE_SHARE: Final = "inference_share"
"""The name of the ``[signal]`` series (the inference share, ``Context.share``) wherever signals
are named (a strategy's ``signal`` parameter, ``Context.signal``); no ``[signals.NAME]`` uses it."""

PRICE_BOUNDS: Final = (1e-8, 1e9)
"""Plausible range of an adjusted close: a value outside it is corrupt data, not a price (it
would overflow the accounting or the metrics)."""

ATTRIBUTION_EFFECTS: Final = ("allocation", "selection", "interaction", "cost")
"""The Brinson-Fachler effects of ``attribution.csv`` (plus the cost of trading), in order."""

BASELINE_COLUMN: Final = "baseline"
"""Name of the NVDA buy-and-hold column in every output."""

SYNTHETIC_LABEL: Final = "synthetic demo market, not real prices"
"""Label carried by every output of a run on the embedded demo market."""
