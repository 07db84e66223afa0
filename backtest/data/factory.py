"""Pick the `PriceProvider` a config names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backtest.data.providers import PriceProvider
from backtest.errors import ConfigError

if TYPE_CHECKING:
    from backtest.config import Config

__all__ = ["make_provider"]


def make_provider(config: Config) -> PriceProvider:
    """Return the price provider named by ``config.data.source``."""
    source = config.data.source
    if source == "demo":
        from backtest.data.demo import DemoProvider

        return DemoProvider()
    raise ConfigError(f"`data.source` {source!r} is not available yet; available: demo")
