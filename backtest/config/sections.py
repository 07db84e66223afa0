"""The sections of a run config (``[run]``, ``[data]`` with ``[data.quality]``, ``[signal]``, ...).

One frozen, keyword-only dataclass per TOML table, each validating its own ranges in
``__post_init__`` (so `dataclasses.replace` validates too), and the closed sets of values they
accept. `backtest.config.loading` builds them from a file's tables, driven by their type hints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from backtest.constants import (
    DEFAULT_MAX_FILL_DAYS,
    DEFAULT_MIN_HISTORY_DAYS,
    MAX_SIGNAL_HORIZON,
)
from backtest.errors import ConfigError
from backtest.parsing import parse_period

DataSource = Literal["demo", "files", "yahoo", "snapshot"]
Frequency = Literal["monthly", "quarterly", "semiannual", "annual"]
Anchor = Literal["first", "last"]
SignalMode = Literal["point_in_time", "hindsight"]
Interpolation = Literal["step", "linear"]
QualityAction = Literal["refuse", "warn"]
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
"""A name that is also a folder name: a run, a strategy, a named signal, a reference."""
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """``[run]``: name (the results folder), window ``[start, end]`` and initial cash."""

    name: str = "run"
    start: dt.date = dt.date(2015, 1, 2)
    end: dt.date = dt.date(2026, 7, 31)
    initial_cash: float = 1_000_000.0

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if not NAME_PATTERN.match(self.name):
            raise ConfigError(
                "`run.name` must be a folder name (letters, digits, `.`, `_`, `-`, not starting "
                f"with `.`), got {self.name!r}"
            )
        if self.end <= self.start:
            raise ConfigError(f"`run.end` ({self.end}) must be after `run.start` ({self.start})")
        if not (math.isfinite(self.initial_cash) and self.initial_cash > 0):
            raise ConfigError(f"`run.initial_cash` must be > 0, got {self.initial_cash}")


@dataclass(frozen=True, kw_only=True)
class QualityConfig:
    """``[data.quality]``: what a run does with each kind of quality finding.

    One field per kind of `backtest.data.quality.Finding` (rules and thresholds:
    ``docs/data-quality.md``), each ``"refuse"`` (the run stops with one line naming ticker,
    date, move and suspected cause; nothing is written) or ``"warn"`` (one stderr line per
    finding, and the findings in the manifest). ``accept`` maps a ticker to the dates of
    genuine events (``[data.quality.accept] AAPL = ["2000-09-29"]``): a finding on such a day
    is neither refused nor warned about, and the manifest lists it as accepted.
    """

    split_like: QualityAction = "refuse"
    implausible_move: QualityAction = "refuse"
    adjustment_jump: QualityAction = "refuse"
    stale: QualityAction = "warn"
    missing_filled: QualityAction = "warn"
    accept: Mapping[str, tuple[dt.date, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate the actions and the accepted events; a bad value lists what is allowed."""
        allowed = get_args(QualityAction)
        for fld in dataclasses.fields(self):
            value = getattr(self, fld.name)
            if fld.name != "accept" and value not in allowed:
                raise ConfigError(
                    f"`data.quality.{fld.name}` must be one of {', '.join(allowed)}, got {value!r}"
                )
        for ticker, dates in self.accept.items():
            if not isinstance(dates, tuple) or not all(
                isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in dates
            ):
                raise ConfigError(
                    f"`data.quality.accept.{ticker}` must be an array of dates "
                    f'(e.g. ["2000-09-29"]), got {dates!r}'
                )


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """``[data]``: where prices come from and how strictly they are aligned.

    ``dir`` (source ``files``), ``snapshot`` and ``cache_dir`` are paths relative to the config
    file's folder; ``sha256`` pins the snapshot's content (64 lowercase hex digits);
    ``quality`` is the ``[data.quality]`` policy (`QualityConfig`).
    """

    source: DataSource = "demo"
    dir: str | None = None
    snapshot: str | None = None
    sha256: str | None = None
    cache_dir: str | None = None
    offline: bool = False
    allow_missing: bool = False
    fx: Mapping[str, str] = field(default_factory=dict)
    max_fill_days: int = DEFAULT_MAX_FILL_DAYS
    min_history_days: int = DEFAULT_MIN_HISTORY_DAYS
    quality: QualityConfig = field(default_factory=QualityConfig)

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if self.max_fill_days < 0:
            raise ConfigError(f"`data.max_fill_days` must be >= 0, got {self.max_fill_days}")
        if self.min_history_days < 1:
            raise ConfigError(f"`data.min_history_days` must be >= 1, got {self.min_history_days}")
        if self.source == "files" and not self.dir:
            raise ConfigError('`data.dir` is required when `data.source` is "files"')
        if self.source == "snapshot" and not self.snapshot:
            raise ConfigError('`data.snapshot` is required when `data.source` is "snapshot"')
        if self.sha256 is not None and not _SHA256.match(self.sha256):
            raise ConfigError(f"`data.sha256` must be 64 lowercase hex digits, got {self.sha256!r}")


@dataclass(frozen=True, kw_only=True)
class SignalConfig:
    """``[signal]``: which inference-share series (name or CSV path) and how it is read.

    The same table describes each named signal ``[signals.NAME]`` (a thesis monitor or any other
    point-in-time series, read with the same ``mode``, ``interpolation`` and ``horizon`` rules).
    """

    series: str = "default"
    mode: SignalMode = "point_in_time"
    interpolation: Interpolation = "step"
    horizon: int = 0

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if not self.series:
            raise ConfigError("`signal.series` must be a series name or a CSV path, got ''")
        if self.horizon < 0:
            raise ConfigError(f"`signal.horizon` must be >= 0, got {self.horizon}")
        if self.horizon > MAX_SIGNAL_HORIZON:
            raise ConfigError(
                f"`signal.horizon` must be <= {MAX_SIGNAL_HORIZON} periods ahead, "
                f"got {self.horizon}"
            )


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """When the portfolio rebalances.

    Parameters
    ----------
    frequency : {"monthly", "quarterly", "semiannual", "annual"}
    anchor : {"first", "last"}
        First or last trading day of each period is the effective date.
    lag_days : int
        Trading days between determination and effective date, >= 1.
    rebalance_band : float
        In [0, 1). Skip an event when every drifted weight is within this distance of its
        target (``max_i |drifted_i - target_i| <= rebalance_band``); 0 means always trade.
    """

    frequency: Frequency = "monthly"
    anchor: Anchor = "first"
    lag_days: int = 1
    rebalance_band: float = 0.0

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if self.frequency not in get_args(Frequency):
            raise ConfigError(
                f"`frequency` must be one of {', '.join(get_args(Frequency))}, "
                f"got {self.frequency!r}"
            )
        if self.anchor not in get_args(Anchor):
            raise ConfigError(
                f"`anchor` must be one of {', '.join(get_args(Anchor))}, got {self.anchor!r}"
            )
        if isinstance(self.lag_days, bool) or not isinstance(self.lag_days, int):
            raise ConfigError(f"`lag_days` must be an integer >= 1, got {self.lag_days!r}")
        if self.lag_days < 1:
            raise ConfigError(f"`lag_days` must be >= 1, got {self.lag_days}")
        band = self.rebalance_band
        if (
            isinstance(band, bool)
            or not isinstance(band, int | float)
            or not 0.0 <= float(band) < 1.0
        ):
            raise ConfigError(f"`rebalance_band` must be a number in [0, 1), got {band!r}")


@dataclass(frozen=True, kw_only=True)
class CostsConfig:
    """``[costs]``: proportional fees and slippage in basis points of traded notional."""

    fees_bps: float = 10.0
    slippage_bps: float = 5.0

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        for key in ("fees_bps", "slippage_bps"):
            value = getattr(self, key)
            if not 0 <= value < 10_000:
                raise ConfigError(f"`costs.{key}` must be in [0, 10000), got {value}")


@dataclass(frozen=True, kw_only=True)
class AnalysisConfig:
    """``[analysis]``: how a run is measured beyond the metrics' defaults.

    Parameters
    ----------
    risk_free : float or str
        Annual risk-free rate for Sharpe, Sortino and alpha: a constant in (-1, 1), or the path
        of a CSV (``date,rate``, annual fractions; relative to the config file) whose last rate
        on or before each day applies (`backtest.data.risk_free`). 0 by default.
    periods : tuple of str
        Sub-periods reported from the one run: ``YYYY``, ``YYYY-YYYY`` or
        ``YYYY-MM-DD..YYYY-MM-DD`` (`backtest.parsing.parse_period`).
    rolling_days : int
        Window of the rolling risk charts, in trading days (>= 20; 252 = 12 months).
    bootstrap_reps : int
        Stationary-bootstrap resamples of the uncertainty table (0 = no bootstrap, else >= 100).
    bootstrap_seed : int
        Seed of the bootstrap's generator (the table is reproducible with it), >= 0.
    confidence : float
        Level of the bootstrap's percentile intervals, in (0.5, 1).
    """

    risk_free: float | str = 0.0
    periods: tuple[str, ...] = ()
    rolling_days: int = 252
    bootstrap_reps: int = 1000
    bootstrap_seed: int = 15
    confidence: float = 0.95

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        rate = self.risk_free
        if isinstance(rate, bool) or not isinstance(rate, int | float | str):
            raise ConfigError(f"`risk_free` must be a number or a CSV path, got {rate!r}")
        if isinstance(rate, str) and not rate.strip():
            raise ConfigError("`risk_free` must be a number or a CSV path, got ''")
        if isinstance(rate, int | float) and not -1.0 < rate < 1.0:
            raise ConfigError(f"`risk_free` must be an annual rate in (-1, 1), got {rate!r}")
        for i, period in enumerate(self.periods, start=1):
            parse_period(period, f"`analysis.periods[{i}]`")
        if isinstance(self.rolling_days, bool) or not isinstance(self.rolling_days, int):
            raise ConfigError(f"`rolling_days` must be an integer >= 20, got {self.rolling_days!r}")
        if self.rolling_days < 20:
            raise ConfigError(f"`rolling_days` must be >= 20, got {self.rolling_days}")
        reps = self.bootstrap_reps
        if isinstance(reps, bool) or not isinstance(reps, int) or not (reps == 0 or reps >= 100):
            raise ConfigError(f"`bootstrap_reps` must be 0 (off) or >= 100, got {reps!r}")
        if isinstance(self.bootstrap_seed, bool) or not isinstance(self.bootstrap_seed, int):
            raise ConfigError(
                f"`bootstrap_seed` must be an integer >= 0, got {self.bootstrap_seed!r}"
            )
        if self.bootstrap_seed < 0:
            raise ConfigError(f"`bootstrap_seed` must be >= 0, got {self.bootstrap_seed}")
        if not 0.5 < self.confidence < 1.0:
            raise ConfigError(f"`confidence` must be in (0.5, 1), got {self.confidence}")


@dataclass(frozen=True, kw_only=True)
class AttributionConfig:
    """``[attribution]``: what every strategy's return is attributed against.

    ``reference`` is ``"baseline"`` (the NVDA buy-and-hold, the default) or the ``name`` of a
    ``[[strategies]]`` entry of the same config (e.g. ``static``, the tilts' neutral point); the
    name is checked against the strategies when the config is parsed.
    """

    reference: str = "baseline"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if not isinstance(self.reference, str) or not NAME_PATTERN.match(self.reference):
            raise ConfigError(
                "`attribution.reference` must be `baseline` or a strategy name, got "
                f"{self.reference!r}"
            )
