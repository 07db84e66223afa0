"""How numbers are shown: one formatter for every table of the package (run, check, compare).

A metric's value is shown by its unit: the fractions of `PERCENT_METRICS` (and target weights,
``"weight"``) in percent, ``fees_paid`` in currency, everything else (ratios) as a plain number;
NaN and None are ``n/a``. `DISPLAY` is for reading (summary.md, the terminal, the report),
`DETAIL` for the gate, where a change in the fourth decimal matters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "COMPACT",
    "DETAIL",
    "DISPLAY",
    "PERCENT_METRICS",
    "Precision",
    "format_config_value",
    "format_delta",
    "format_value",
]

PERCENT_METRICS: Final = frozenset(
    {
        "total_return",
        "cagr",
        "annual_volatility",
        "max_drawdown",
        "excess_cagr",
        "tracking_error",
        "alpha",
        "monthly_hit_rate",
        "annual_turnover",
    }
)
"""Metrics that are fractions, shown in percent (``0.123`` -> ``12.3%``)."""


@dataclass(frozen=True, kw_only=True)
class Precision:
    """Decimals shown per unit; ``thousands`` adds a separator to percentages."""

    percent: int
    ratio: int
    currency: int
    thousands: bool


DISPLAY: Final = Precision(percent=1, ratio=2, currency=0, thousands=True)
"""For reading: ``41.8%``, ``1.19``, ``12,345``."""

DETAIL: Final = Precision(percent=4, ratio=6, currency=2, thousands=False)
"""For the gate: ``41.8123%``, ``1.194512``, ``12,345.67``."""


COMPACT: Final = Precision(percent=2, ratio=4, currency=0, thousands=False)
"""For the sweep's wide tables: ``41.81%``, ``1.1945``."""


def _is_percent(metric: str) -> bool:
    return metric in PERCENT_METRICS or metric == "weight"


def format_value(metric: str, value: float | None, precision: Precision = DISPLAY) -> str:
    """Return ``value`` of ``metric`` as text in its unit (``n/a`` for NaN or None)."""
    if value is None or math.isnan(value):
        return "n/a"
    if _is_percent(metric):
        separator = "," if precision.thousands else ""
        return f"{100.0 * value:{separator}.{precision.percent}f}%"
    if metric == "fees_paid":
        return f"{value:,.{precision.currency}f}"
    return f"{value:.{precision.ratio}f}"


def format_delta(metric: str, delta: float | None, precision: Precision | None = None) -> str:
    """Return a difference: percentage points for fractions; tiny ones in scientific form.

    Without ``precision`` a fraction or ratio shows 4 decimals (the gate's tables); with one,
    its decimals (`DISPLAY`: ``+12.3 pp``, ``+0.12``), and a change too small for them is ``~0``.
    """
    if delta is None or math.isnan(delta):
        return "n/a"
    if delta == 0:
        return "0"
    scale, unit = (100.0, " pp") if _is_percent(metric) else (1.0, "")
    shown = delta * scale
    if metric == "fees_paid":
        decimals = 2 if precision is None else precision.currency
        tiny = abs(shown) < (5e-3 if precision is None else 0.5 * 10.0**-decimals)
        return ("~0" if precision else f"{shown:+.2e}") if tiny else f"{shown:+,.{decimals}f}"
    if precision is not None:
        decimals = precision.percent if _is_percent(metric) else precision.ratio
        if abs(shown) < 0.5 * 10.0**-decimals:
            return f"~0{unit}"
        return f"{shown:+,.{decimals}f}{unit}"
    if abs(shown) < 5e-5:
        return f"{shown:+.2e}{unit}"
    return f"{shown:+.4f}{unit}"


def format_config_value(value: Any) -> str:
    """Return one side of a config change: ``unset``, a strategy kind, or the value (80 chars)."""
    if value is None:
        return "unset"
    if isinstance(value, Mapping) and "kind" in value:
        return f"a strategy of kind `{value['kind']}`"
    text = str(value)
    return f"`{text if len(text) <= 80 else text[:77] + '...'}`"
