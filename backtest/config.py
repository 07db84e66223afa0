"""Run configuration: a TOML file parsed into frozen dataclasses with strict validation.

The sections are dataclasses and the parser is driven by their type hints: adding a field with a
default to `DataConfig` (say) makes ``[data] new_field = ...`` valid, type-checked and listed by
``backtest config show``. Ranges and cross-field rules live in each dataclass's
``__post_init__``, so `dataclasses.replace` (CLI overrides, sweeps) validates too.

Every error names the file, the key path and the value, and unknown keys or values get a
"did you mean" suggestion. `resolved_config` is the fully resolved mapping (defaults included)
a run records in its manifest; `config_hash` is the sha256 of its canonical JSON. Paths in a
config are kept as written (so the hash does not depend on where the checkout lives) and are
relative to the config file's folder (`backtest.pipeline.providers.resolve_path`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from backtest.constants import (
    DEFAULT_MAX_FILL_DAYS,
    DEFAULT_MIN_HISTORY_DAYS,
    INFERENCE_SHARE,
    MAX_SIGNAL_HORIZON,
)
from backtest.errors import ConfigError
from backtest.parsing import coerce, parse_period, read_toml, suggest

__all__ = [
    "AnalysisConfig",
    "Anchor",
    "AttributionConfig",
    "Config",
    "CostsConfig",
    "DataConfig",
    "DataSource",
    "Frequency",
    "Interpolation",
    "QualityAction",
    "QualityConfig",
    "RunConfig",
    "Schedule",
    "SignalConfig",
    "SignalMode",
    "StrategySpec",
    "check_attribution_reference",
    "config_hash",
    "load_config",
    "parse_config",
    "resolve_path",
    "resolved_config",
]

DataSource = Literal["demo", "files", "yahoo", "snapshot"]
Frequency = Literal["monthly", "quarterly", "semiannual", "annual"]
Anchor = Literal["first", "last"]
SignalMode = Literal["point_in_time", "hindsight"]
Interpolation = Literal["step", "linear"]
QualityAction = Literal["refuse", "warn"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
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
        if not _NAME.match(self.name):
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
        if not isinstance(self.reference, str) or not _NAME.match(self.reference):
            raise ConfigError(
                "`attribution.reference` must be `baseline` or a strategy name, got "
                f"{self.reference!r}"
            )


@dataclass(frozen=True, kw_only=True)
class StrategySpec:
    """One ``[[strategies]]`` entry: an output name, a registry kind and its parameters."""

    name: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Config:
    """A whole run configuration.

    ``sweep`` is the raw ``[sweep]`` table (parsed by the sweep command); ``path`` is the file
    the config was read from (``"<inline>"`` otherwise) and is not part of the hash.
    ``signals`` holds the named signals (``[signals.NAME]``, read by strategies beside the
    inference share of ``[signal]``); ``strategy_paths`` lists folders, relative to the config
    file, searched first for the modules of ``kind = "module:Class"`` strategies.
    """

    run: RunConfig = field(default_factory=RunConfig)
    data: DataConfig = field(default_factory=DataConfig)
    universe: str = "compute_layer"
    signal: SignalConfig = field(default_factory=SignalConfig)
    schedule: Schedule = field(default_factory=Schedule)
    costs: CostsConfig = field(default_factory=CostsConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    baseline: str = "NVDA"
    strategies: tuple[StrategySpec, ...] = ()
    sweep: Mapping[str, Any] = field(default_factory=dict)
    signals: Mapping[str, SignalConfig] = field(default_factory=dict)
    strategy_paths: tuple[str, ...] = ()
    attribution: AttributionConfig = field(default_factory=AttributionConfig)
    path: str = "<inline>"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        for name in self.signals:
            if not _NAME.match(name) or name == INFERENCE_SHARE:
                raise ConfigError(
                    f"`signals.{name}`: a signal name must be letters, digits, `.`, `_`, `-` "
                    f"and not `{INFERENCE_SHARE}` (the name of the [signal] table's series)"
                )
        for folder in self.strategy_paths:
            if not isinstance(folder, str) or not folder:
                raise ConfigError(f"`strategy_paths` must be folder paths, got {folder!r}")
        if not self.universe:
            raise ConfigError("`universe` must be a universe name or a TOML path, got ''")
        if not self.baseline or self.baseline != self.baseline.strip() or " " in self.baseline:
            raise ConfigError(f"`baseline` must be a ticker, got {self.baseline!r}")
        for i, period in enumerate(self.analysis.periods, start=1):
            first, last = parse_period(period, f"`analysis.periods[{i}]`")
            if last < self.run.start or first > self.run.end:
                raise ConfigError(
                    f"`analysis.periods[{i}]` ({period}) must overlap the run "
                    f"{self.run.start} .. {self.run.end}"
                )


_SECTIONS: dict[str, type[Any]] = {
    "run": RunConfig,
    "data": DataConfig,
    "signal": SignalConfig,
    "schedule": Schedule,
    "costs": CostsConfig,
    "analysis": AnalysisConfig,
    "attribution": AttributionConfig,
}
_TOP_KEYS = (
    *_SECTIONS,
    "universe",
    "baseline",
    "strategies",
    "sweep",
    "signals",
    "strategy_paths",
)


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file.

    Raises
    ------
    ConfigError
        The file is missing or not TOML, or a value is invalid (the message names the file,
        the key path and the value).
    """
    return parse_config(read_toml(path, what="config file"), str(Path(path)))


def parse_config(raw: Mapping[str, Any], path: str = "<inline>") -> Config:
    """Validate a config mapping (as read from TOML) into a `Config`; ``path`` labels errors."""
    for key in raw:
        if key not in _TOP_KEYS:
            raise ConfigError(
                f"{path}: unknown key `{key}`{suggest(key, _TOP_KEYS)}; "
                f"allowed: {', '.join(sorted(_TOP_KEYS))}"
            )
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        table = raw.get(name, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: `{name}` must be a table ([{name}]), got {table!r}")
        sections[name] = _build(cls, table, path, name)
    top: dict[str, Any] = {}
    for key in ("universe", "baseline"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, str):
                raise ConfigError(f"{path}: `{key}` must be a string, got {value!r}")
            top[key] = value
    sweep = raw.get("sweep", {})
    if not isinstance(sweep, Mapping):
        raise ConfigError(f"{path}: `sweep` must be a table ([sweep]), got {sweep!r}")
    if "strategy_paths" in raw:
        top["strategy_paths"] = coerce(
            raw["strategy_paths"], tuple[str, ...], f"{path}: `strategy_paths`"
        )
    try:
        config = Config(
            **sections,
            **top,
            strategies=_parse_strategies(raw.get("strategies", []), path),
            sweep=dict(sweep),
            signals=_parse_signals(raw.get("signals", {}), path),
            path=path,
        )
        check_attribution_reference(config)
        return config
    except ConfigError as exc:
        if str(exc).startswith(f"{path}:"):
            raise
        raise ConfigError(f"{path}: {exc}") from exc


def check_attribution_reference(config: Config) -> str:
    """Return ``config.attribution.reference`` if it names the baseline or a strategy of ``config``.

    Raises
    ------
    ConfigError
        Listing the allowed names (with a "did you mean").
    """
    reference = config.attribution.reference
    allowed = ["baseline", *(s.name for s in config.strategies)]
    if reference not in allowed:
        raise ConfigError(
            f"`attribution.reference` must be `baseline` or a strategy of the config, got "
            f"{reference!r}{suggest(reference, allowed)}; allowed: {', '.join(allowed)}"
        )
    return reference


def _build(cls: type[Any], table: Mapping[str, Any], path: str, section: str) -> Any:
    """Build the section dataclass ``cls`` from ``table``; a dataclass field is a nested table."""
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(
                f"{path}: unknown key `{section}.{key}`{suggest(key, names)}; "
                f"allowed in [{section}]: {', '.join(sorted(names))}"
            )
        if dataclasses.is_dataclass(hints[key]):
            if not isinstance(value, Mapping):
                raise ConfigError(
                    f"{path}: `{section}.{key}` must be a table ([{section}.{key}]), got {value!r}"
                )
            values[key] = _build(hints[key], value, path, f"{section}.{key}")
            continue
        values[key] = coerce(value, hints[key], f"{path}: `{section}.{key}`")
    try:
        return cls(**values)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {_qualify(str(exc), section)}") from exc


def _qualify(message: str, section: str) -> str:
    """Turn a bare "`key` must ..." from a section's own checks into "`section.key` must ..."."""
    match = re.match(r"^`([A-Za-z_]+)`", message)
    if match and "." not in match.group(1):
        return f"`{section}.{match.group(1)}`{message[match.end() :]}"
    return message


def _parse_signals(tables: Any, path: str) -> dict[str, SignalConfig]:
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{path}: `signals` must be tables ([signals.NAME]), got {tables!r}")
    signals: dict[str, SignalConfig] = {}
    for name, table in tables.items():
        where = f"signals.{name}"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: `{where}` must be a table ([{where}]), got {table!r}")
        if "series" not in table:
            raise ConfigError(
                f"{path}: `{where}.series` is required: a packaged series name or a CSV path"
            )
        try:
            signals[str(name)] = _build(SignalConfig, table, path, where)
        except ConfigError as exc:  # the table's own checks say `signal.`: name the table
            raise ConfigError(str(exc).replace("`signal.", f"`{where}.")) from exc
    return signals


def _parse_strategies(items: Any, path: str) -> tuple[StrategySpec, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{path}: `strategies` must be an array of tables, got {items!r}")
    specs: list[StrategySpec] = []
    for i, item in enumerate(items, start=1):
        where = f"{path}: `strategies[{i}]`"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where} must be a table ([[strategies]]), got {item!r}")
        kind = item.get("kind")
        if not isinstance(kind, str) or not kind:
            raise ConfigError(f"{where}.kind must be a non-empty string, got {kind!r}")
        name = item.get("name", kind.rpartition(":")[2])
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}.name must be letters, digits, `.`, `_`, `-`, got {name!r}")
        if name == "baseline":
            raise ConfigError(f"{where}.name `baseline` is reserved for the NVDA baseline")
        if any(s.name == name for s in specs):
            hint = " (give each entry its own `name`)" if "name" not in item else ""
            raise ConfigError(f"{where}.name {name!r} is already used{hint}")
        params = {k: v for k, v in item.items() if k not in ("name", "kind")}
        specs.append(StrategySpec(name=name, kind=kind, params=params))
    return tuple(specs)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def resolved_config(config: Config) -> dict[str, Any]:
    """Return the fully resolved config (defaults included) as plain JSON-able data.

    Keys follow the TOML file: one mapping per section, ``strategies`` as a list of
    ``{name, kind, **params}``, ``sweep`` as written; ``path`` is left out, and so are
    ``signals`` and ``strategy_paths`` when empty (so a config without them hashes as before).
    """
    resolved: dict[str, Any] = _jsonable(config)
    resolved.pop("path", None)
    for key in ("signals", "strategy_paths"):
        if not resolved[key]:
            resolved.pop(key)
    resolved["strategies"] = [
        {"name": s.name, "kind": s.kind, **_jsonable(dict(s.params))} for s in config.strategies
    ]
    return resolved


def config_hash(config: Config, *, code: Mapping[str, Any] | None = None) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces) of `resolved_config`.

    ``code`` (the ``strategy_code`` of a run's manifest: the source hash of every strategy class
    that does not come from this package) is hashed with the config when it is not empty, so a
    changed user class changes the hash of the run; without it the hash is the config's alone.
    """
    payload: Any = resolved_config(config)
    if code:
        payload = {"config": payload, "strategy_code": _jsonable(dict(code))}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def resolve_path(value: str, config_path: str) -> Path:
    """Resolve ``value`` against the folder of ``config_path`` (``<inline>``: the working dir)."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    base = Path.cwd() if config_path == "<inline>" else Path(config_path).resolve().parent
    return (base / path).resolve()
