"""inference-shift: backtest AI-chip portfolios tilted by the inference share against NVDA."""

from __future__ import annotations

__all__: list[str] = []
