"""The exception hierarchy: every error the package raises on purpose is a `BacktestError`."""

from __future__ import annotations

__all__ = ["BacktestError", "ConfigError", "DataError", "StrategyError"]


class BacktestError(Exception):
    """Base class of every error this package raises deliberately.

    The CLI prints its message as one line on stderr and exits with code 2.
    """


class ConfigError(BacktestError, ValueError):
    """A configuration, universe, signal or parameter value is not allowed."""


class DataError(BacktestError, ValueError):
    """Market data is missing, malformed or inconsistent."""


class StrategyError(BacktestError, ValueError):
    """A strategy produced, or would produce, invalid target weights."""
