"""Market data: providers of adjusted-close panels and the validation at the boundary."""

from __future__ import annotations

from backtest.data.providers import PriceProvider
from backtest.data.validate import AlignmentReport, align_prices

__all__ = ["AlignmentReport", "PriceProvider", "align_prices"]
