"""Strategy library: one scheme per module, registered by hand below."""

from __future__ import annotations

from typing import Any

from backtest.context import Context, Strategy
from strategies.proportional import ProportionalTilt

__all__ = ["REGISTRY", "Context", "ProportionalTilt", "Strategy"]

REGISTRY: dict[str, type[Any]] = {
    "proportional": ProportionalTilt,
}
"""Config ``kind`` -> strategy class."""
