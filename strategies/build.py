"""Build strategy objects from config entries (``kind`` plus parameters)."""

from __future__ import annotations

import dataclasses

from backtest.config import StrategySpec
from backtest.context import Strategy
from backtest.errors import ConfigError

__all__ = ["build_strategy"]


def build_strategy(spec: StrategySpec) -> Strategy:
    """Instantiate the registered strategy ``spec.kind`` with ``spec.params``."""
    from strategies import REGISTRY

    cls = REGISTRY.get(spec.kind)
    if cls is None:
        raise ConfigError(
            f"strategy `{spec.name}`: unknown `kind` {spec.kind!r}; known: "
            f"{', '.join(sorted(REGISTRY))}"
        )
    allowed = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(spec.params) - set(allowed))
    if unknown:
        raise ConfigError(
            f"strategy `{spec.name}` ({spec.kind}): unknown parameter `{unknown[0]}`; "
            f"allowed: {', '.join(allowed)}"
        )
    try:
        strategy: Strategy = cls(**spec.params)
    except ConfigError as exc:
        raise ConfigError(f"strategy `{spec.name}` ({spec.kind}): {exc}") from exc
    return strategy
