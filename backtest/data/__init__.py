"""Market data: providers of adjusted-close panels and the validation at the boundary."""

from __future__ import annotations

from backtest.data.panel import Panel, load_panel
from backtest.data.providers import LoadedPrices, PriceProvider
from backtest.data.validate import AlignmentReport, align_prices

__all__ = [
    "AlignmentReport",
    "LoadedPrices",
    "Panel",
    "PriceProvider",
    "align_prices",
    "load_panel",
]
