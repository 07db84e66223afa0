"""Tolerances of the CI gate: how far a metric or a weight may move before it is drift.

A value passes when ``|now - golden| <= max(abs, rel * |golden|)``. Tolerances resolve from the
most specific entry down: ``[strategies.NAME.metrics] METRIC`` -> ``[metrics] METRIC`` ->
``[default]`` of the tolerance file -> the built-in default of the metric
(`DEFAULT_TOLERANCES`) -> `BUILTIN_DEFAULT`; a partial entry (``abs`` only) inherits the other
key from the next level. Weights: ``[strategies.NAME.weights]`` -> ``[weights]`` ->
`WEIGHT_TOLERANCE`. The built-in defaults accept floating-point noise only, so any real
methodology change fails until the golden is regenerated on purpose (``--update``) or the
tolerance file allows it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backtest.errors import ConfigError
from backtest.parsing import read_toml, suggest

__all__ = [
    "BUILTIN_DEFAULT",
    "DEFAULT_TOLERANCES",
    "WEIGHT_TOLERANCE",
    "Tolerance",
    "Tolerances",
    "load_tolerances",
]


@dataclass(frozen=True, kw_only=True)
class Tolerance:
    """Allowed difference: ``|now - golden| <= max(abs_tol, rel_tol * |golden|)``."""

    abs_tol: float
    rel_tol: float

    def allowed(self, golden: float) -> float:
        """Return the largest allowed ``|now - golden|`` (NaN golden: 0)."""
        base = 0.0 if math.isnan(golden) else abs(golden)
        return max(self.abs_tol, self.rel_tol * base)

    def __str__(self) -> str:
        """Return the tolerance as text."""
        return f"abs {self.abs_tol:g}, rel {self.rel_tol:g}"


BUILTIN_DEFAULT = Tolerance(abs_tol=1e-10, rel_tol=1e-8)
DEFAULT_TOLERANCES: Mapping[str, Tolerance] = {
    # currency: one millionth of a unit, whatever the size of the book
    "fees_paid": Tolerance(abs_tol=1e-6, rel_tol=1e-8),
}
WEIGHT_TOLERANCE = Tolerance(abs_tol=1e-10, rel_tol=0.0)


@dataclass(frozen=True, kw_only=True)
class Tolerances:
    """Tolerance overrides read from a TOML file (`load_tolerances`); empty = built-ins."""

    default: Mapping[str, float] = field(default_factory=dict)
    metrics: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    strategies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str = "<built-in>"

    def for_metric(self, strategy: str, metric: str) -> Tolerance:
        """Return the tolerance of ``metric`` for ``strategy``."""
        builtin = DEFAULT_TOLERANCES.get(metric, BUILTIN_DEFAULT)
        merged = {"abs": builtin.abs_tol, "rel": builtin.rel_tol}
        merged.update(self.default)
        merged.update(self.metrics.get(metric, {}))
        merged.update(self.strategies.get(strategy, {}).get("metrics", {}).get(metric, {}))
        return Tolerance(abs_tol=merged["abs"], rel_tol=merged["rel"])

    def for_weights(self, strategy: str) -> Tolerance:
        """Return the tolerance of the target weights of ``strategy``."""
        merged = {"abs": WEIGHT_TOLERANCE.abs_tol, "rel": WEIGHT_TOLERANCE.rel_tol}
        merged.update(self.weights)
        merged.update(self.strategies.get(strategy, {}).get("weights", {}))
        return Tolerance(abs_tol=merged["abs"], rel_tol=merged["rel"])

    def check_names(self, strategies: Iterable[str], metrics: Iterable[str]) -> None:
        """Refuse strategy or metric names that the compared runs do not have."""
        known_s, known_m = sorted(set(strategies)), sorted(set(metrics))
        named = [(f"metrics.{m}", m, known_m) for m in self.metrics]
        for name, entry in self.strategies.items():
            named.append((f"strategies.{name}", name, known_s))
            named += [
                (f"strategies.{name}.metrics.{m}", m, known_m) for m in entry.get("metrics", {})
            ]
        for where, name, known in named:
            if name not in known:
                raise ConfigError(
                    f"{self.path}: `{where}`: unknown name {name!r}{suggest(name, known)}; "
                    f"known: {', '.join(known)}"
                )


def _pair(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table with `abs` and/or `rel`, got {value!r}")
    out: dict[str, float] = {}
    for key, number in value.items():
        if key not in ("abs", "rel"):
            raise ConfigError(
                f"{where}: unknown key `{key}`{suggest(key, ['abs', 'rel'])}; allowed: abs, rel"
            )
        if isinstance(number, bool) or not isinstance(number, int | float) or not number >= 0:
            raise ConfigError(f"{where}.{key} must be a number >= 0 (inf allowed), got {number!r}")
        out[key] = float(number)
    return out


def load_tolerances(path: str | Path | None) -> Tolerances:
    """Read a tolerance file (TOML: ``default``, ``metrics``, ``weights``, ``strategies``)."""
    if path is None:
        return Tolerances()
    source = Path(path)
    raw = read_toml(source, what="tolerance file")
    top = ("default", "metrics", "weights", "strategies")
    for key in raw:
        if key not in top:
            raise ConfigError(
                f"{source}: unknown key `{key}`{suggest(key, top)}; allowed: {', '.join(top)}"
            )

    def table(value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{source}: `{where}` must be a table, got {value!r}")
        return value

    metrics = {
        m: _pair(v, f"{source}: `metrics.{m}`")
        for m, v in table(raw.get("metrics", {}), "metrics").items()
    }
    strategies: dict[str, Any] = {}
    for name, entry in table(raw.get("strategies", {}), "strategies").items():
        entry = table(entry, f"strategies.{name}")
        for key in entry:
            if key not in ("metrics", "weights"):
                raise ConfigError(
                    f"{source}: unknown key `strategies.{name}.{key}`; allowed: metrics, weights"
                )
        strategies[name] = {
            "metrics": {
                m: _pair(v, f"{source}: `strategies.{name}.metrics.{m}`")
                for m, v in table(entry.get("metrics", {}), f"strategies.{name}.metrics").items()
            },
            "weights": _pair(entry.get("weights", {}), f"{source}: `strategies.{name}.weights`"),
        }
    return Tolerances(
        default=_pair(raw.get("default", {}), f"{source}: `default`"),
        metrics=metrics,
        weights=_pair(raw.get("weights", {}), f"{source}: `weights`"),
        strategies=strategies,
        path=str(source),
    )
