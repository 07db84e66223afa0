"""Build strategy objects from config entries (``kind``, parameters and ``constraints``).

A ``[[strategies]]`` entry names a `REGISTRY` kind and that class's parameters. Constraints are
an optional ordered list of tables, each a `CONSTRAINTS` kind and its parameters::

    [[strategies]]
    name = "linear_tilt_cap25"
    kind = "linear_tilt"
    strength = 3.0
    constraints = [{ kind = "capped", max_weight = 0.25 }]

The first constraint wraps the scheme, the next wraps that, and so on (so the last one listed
has the final word). Unknown kinds or parameters are a `ConfigError` listing what is allowed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from backtest.config import StrategySpec
from backtest.context import Strategy
from backtest.errors import ConfigError

__all__ = ["build_strategy", "parameters_of"]


def parameters_of(cls: type[Any]) -> list[str]:
    """Return the parameter names of a strategy or wrapper class (``inner`` excluded).

    The class's own parameters come first, then those it inherits (a bucket scheme's
    ``within``, ``lookback_days``, ``empty_bucket``), each group in declaration order.
    """
    own = set(vars(cls).get("__annotations__", {}))
    names = [f.name for f in dataclasses.fields(cls) if f.name != "inner"]
    return sorted(names, key=lambda name: name not in own)


def _instantiate(cls: type[Any], params: Mapping[str, Any], where: str, **extra: Any) -> Any:
    allowed = parameters_of(cls)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        listed = ", ".join(allowed) if allowed else "none"
        raise ConfigError(f"{where}: unknown parameter `{unknown[0]}`; allowed: {listed}")
    try:
        return cls(**extra, **params)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def build_strategy(spec: StrategySpec) -> Strategy:
    """Instantiate ``spec.kind`` with ``spec.params``, wrapped by its ``constraints`` in order."""
    from strategies import CONSTRAINTS, REGISTRY

    cls = REGISTRY.get(spec.kind)
    if cls is None:
        raise ConfigError(
            f"strategy `{spec.name}`: unknown `kind` {spec.kind!r}; known: "
            f"{', '.join(sorted(REGISTRY))}"
        )
    where = f"strategy `{spec.name}` ({spec.kind})"
    params = dict(spec.params)
    constraints = params.pop("constraints", [])
    if not isinstance(constraints, list | tuple):
        raise ConfigError(f"{where}: `constraints` must be an array of tables, got {constraints!r}")
    if "inner" in params:
        raise ConfigError(
            f"{where}: unknown parameter `inner`; allowed: "
            f"{', '.join([*parameters_of(cls), 'constraints'])}"
        )
    strategy: Strategy = _instantiate(cls, params, where)
    for i, item in enumerate(constraints, start=1):
        at = f"{where}: constraints[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{at} must be a table with a `kind`, got {item!r}")
        kind = item.get("kind")
        wrapper = CONSTRAINTS.get(kind) if isinstance(kind, str) else None
        if wrapper is None:
            raise ConfigError(
                f"{at}: unknown `kind` {kind!r}; known: {', '.join(sorted(CONSTRAINTS))}"
            )
        options = {k: v for k, v in item.items() if k != "kind"}
        strategy = _instantiate(wrapper, options, f"{at} ({kind})", inner=strategy)
    return strategy
