"""The trail of a strategy: the scheme's weights, then the weights after each constraint wrapper.

A constrained strategy is a chain of wrappers, each holding the next in its ``inner`` field
(``Capped(inner=BucketBounds(inner=LinearTilt(...)))``). `strategy_trail` walks that chain from
the scheme outwards and returns every layer's weights, so a reader sees what each constraint
changed; the last layer is exactly what the strategy itself returns (tested bit for bit).

Each wrapper is evaluated on its inner layer's weights already computed (a copy of the wrapper
whose ``inner`` returns them), so the scheme runs once whatever the depth. A wrapper that is
not a dataclass is evaluated as it stands (it recomputes its inner layers itself).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from backtest.context import Context, Strategy

__all__ = ["Layer", "chain_of", "layer_names", "strategy_trail"]


@dataclass(frozen=True, kw_only=True)
class Layer:
    """One step of a strategy's trail.

    Attributes
    ----------
    name : str
        ``scheme`` for the innermost strategy, else the constraint's config kind (``capped``,
        ``bucket_bounds``, ...; a second wrapper of the same kind is ``capped_2``).
    kind : str
        The config kind of the scheme or the constraint (the class name in snake case for a
        class outside the registries).
    weights : DataFrame, shape (n_events, n_tickers)
        The layer's output: index = effective dates, columns = tickers.
    """

    name: str
    kind: str
    weights: pd.DataFrame


@dataclass(frozen=True, kw_only=True)
class _Given:
    """A strategy that returns weights computed earlier (the inner layer of a trail step)."""

    frame: pd.DataFrame

    def weights(self, context: Context) -> pd.DataFrame:
        """Return a copy of the given weights (a wrapper may not change its input)."""
        return self.frame.copy()


def chain_of(strategy: Strategy) -> list[Any]:
    """Return the layers of ``strategy`` from the scheme outwards (``[scheme, c1, c2, ...]``).

    A layer is a wrapper when it has an ``inner`` attribute that is a strategy.
    """
    chain: list[Any] = [strategy]
    while isinstance(getattr(chain[-1], "inner", None), Strategy):
        chain.append(chain[-1].inner)
    return chain[::-1]


def _kind(layer: object) -> str:
    from strategies import CONSTRAINTS, REGISTRY

    for registry in (REGISTRY, CONSTRAINTS):
        for kind, cls in registry.items():
            if type(layer) is cls:
                return kind
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(layer).__name__).lower()


def layer_names(strategy: Strategy) -> list[tuple[str, str]]:
    """Return ``(name, kind)`` of each layer of ``strategy``, scheme first (see `Layer`)."""
    names: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, layer in enumerate(chain_of(strategy)):
        kind = _kind(layer)
        if i == 0:
            names.append(("scheme", kind))
            continue
        seen[kind] = seen.get(kind, 0) + 1
        names.append((kind if seen[kind] == 1 else f"{kind}_{seen[kind]}", kind))
    return names


def strategy_trail(strategy: Strategy, context: Context) -> tuple[Layer, ...]:
    """Return the weights of every layer of ``strategy`` on ``context``, scheme first.

    Returns
    -------
    tuple of Layer
        ``len(chain_of(strategy))`` layers; the last one's weights equal
        ``strategy.weights(context)``.
    """
    chain = chain_of(strategy)
    layers: list[Layer] = []
    previous: pd.DataFrame | None = None
    for layer, (name, kind) in zip(chain, layer_names(strategy), strict=True):
        step: Any = layer
        if previous is not None and dataclasses.is_dataclass(layer) and not isinstance(layer, type):
            step = dataclasses.replace(layer, inner=_Given(frame=previous))
        previous = step.weights(context)
        layers.append(Layer(name=name, kind=kind, weights=previous))
    return tuple(layers)
