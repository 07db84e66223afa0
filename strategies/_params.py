"""Parameter validation shared by the strategies: numbers, choices and per-bucket mappings.

Every check raises `ConfigError` with the house message "`name` must be ..., got ...".
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from backtest.constants import BUCKETS
from backtest.errors import ConfigError

__all__ = [
    "FrozenMap",
    "bucket_bounds",
    "bucket_vector",
    "check_choice",
    "check_int",
    "check_number",
    "check_ticker",
    "frozen_mapping",
    "ticker_column",
]


def check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    """Raise `ConfigError` unless ``value`` is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"`{name}` must be one of {', '.join(allowed)}, got {value!r}")


def check_number(
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float after checking it is a finite real number within the range.

    The range is ``[low, high]``; ``low_open`` / ``high_open`` exclude the end points.
    """
    left, right = ("(" if low_open else "["), (")" if high_open else "]")
    rule = f"a number in {left}{low:g}, {high:g}{right}"
    if low == -math.inf and high == math.inf:
        rule = "a finite number"
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigError(f"`{name}` must be {rule}, got {value!r}")
    number = float(value)
    if not math.isfinite(number) and not (number == high == math.inf and not high_open):
        raise ConfigError(f"`{name}` must be {rule}, got {value!r}")
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if too_low or too_high:
        raise ConfigError(f"`{name}` must be {rule}, got {value!r}")
    return number


def check_int(name: str, value: object, *, low: int) -> int:
    """Return ``value`` after checking it is an integer >= ``low`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ConfigError(f"`{name}` must be an integer >= {low}, got {value!r}")
    return int(value)


class FrozenMap(Mapping[str, Any]):
    """An immutable, hashable, picklable mapping (strategy parameters such as ``bounds``).

    Lists among the values are stored as tuples, so the whole mapping can be hashed.
    """

    __slots__ = ("_items",)
    _items: dict[str, Any]

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        frozen = {
            str(k): tuple(v) if isinstance(v, list | tuple) else v for k, v in (items or {}).items()
        }
        object.__setattr__(self, "_items", frozen)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"FrozenMap is immutable, cannot set `{name}`")

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._items.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return repr(self._items)

    def __reduce__(self) -> tuple[type[FrozenMap], tuple[dict[str, Any]]]:
        return (FrozenMap, (dict(self._items),))


def frozen_mapping(name: str, value: object) -> FrozenMap:
    """Return a read-only copy of a per-bucket mapping, checking its keys are bucket names."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"`{name}` must be a table with keys {', '.join(BUCKETS)}, got {value!r}")
    unknown = sorted(str(k) for k in value if k not in BUCKETS)
    if unknown:
        raise ConfigError(
            f"`{name}` has unknown bucket `{unknown[0]}`; allowed: {', '.join(BUCKETS)}"
        )
    return FrozenMap(value)


def bucket_vector(name: str, value: Mapping[str, Any], *, default: float) -> np.ndarray:
    """Return a per-bucket mapping as an array in `BUCKETS` order, ``default`` where missing.

    Returns
    -------
    ndarray, shape (3,)
    """
    return np.array(
        [check_number(f"{name}.{b}", value.get(b, default)) for b in BUCKETS], dtype=float
    )


def bucket_bounds(name: str, value: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return per-bucket ``[low, high]`` bounds (missing buckets get ``[0, 1]``), validated.

    Returns
    -------
    (lower, upper) : ndarrays, shape (3,)
        ``0 <= lower <= upper <= 1`` per bucket and ``sum(lower) <= 1 <= sum(upper)``.
    """
    lower, upper = np.zeros(len(BUCKETS)), np.ones(len(BUCKETS))
    for i, bucket in enumerate(BUCKETS):
        pair = value.get(bucket, (0.0, 1.0))
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ConfigError(f"`{name}.{bucket}` must be a pair [low, high], got {pair!r}")
        lower[i] = check_number(f"{name}.{bucket}[0]", pair[0], low=0.0, high=1.0)
        upper[i] = check_number(f"{name}.{bucket}[1]", pair[1], low=0.0, high=1.0)
        if lower[i] > upper[i]:
            raise ConfigError(f"`{name}.{bucket}` must have low <= high, got {list(pair)!r}")
    if lower.sum() > 1.0 + 1e-12 or upper.sum() < 1.0 - 1e-12:
        raise ConfigError(
            f"`{name}` cannot be met: lower bounds sum to {lower.sum():g} (must be <= 1) and "
            f"upper bounds sum to {upper.sum():g} (must be >= 1)"
        )
    return lower, upper


def ticker_column(ticker: str, tickers: list[str], *, missing: str) -> int:
    """Return the column of ``ticker`` among ``tickers`` (a strategy's single name).

    Raises
    ------
    ConfigError
        "`ticker` 'X' <missing>: A, B, ..." when ``ticker`` is not one of them.
    """
    if ticker not in tickers:
        raise ConfigError(f"`ticker` {ticker!r} {missing}: {', '.join(tickers)}")
    return tickers.index(ticker)


def check_ticker(ticker: object) -> None:
    """Raise `ConfigError` unless ``ticker`` is a non-empty string."""
    if not isinstance(ticker, str) or not ticker.strip():
        raise ConfigError(f"`ticker` must be a non-empty string, got {ticker!r}")
