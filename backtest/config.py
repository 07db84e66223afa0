"""Run configuration: a TOML file parsed into frozen dataclasses with strict validation.

Every error names the file, the key path and the value, and unknown keys get a "did you mean"
suggestion. `resolved_config` returns the fully resolved mapping (defaults included) that a run
records in its manifest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from backtest.constants import DEFAULT_MAX_FILL_DAYS, DEFAULT_MIN_HISTORY_DAYS
from backtest.errors import ConfigError
from backtest.schedule import Anchor, Frequency, Schedule
from backtest.signal import Interpolation, SignalMode

__all__ = [
    "Config",
    "CostsConfig",
    "DataConfig",
    "RunConfig",
    "SignalConfig",
    "StrategySpec",
    "config_hash",
    "load_config",
    "parse_config",
    "resolved_config",
]

DataSource = Literal["demo", "files", "yahoo", "snapshot"]


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """``[run]``: name, window and initial cash."""

    name: str = "run"
    start: dt.date = dt.date(2015, 1, 2)
    end: dt.date = dt.date(2026, 7, 31)
    initial_cash: float = 1_000_000.0


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """``[data]``: where prices come from and how strictly they are aligned."""

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


@dataclass(frozen=True, kw_only=True)
class SignalConfig:
    """``[signal]``: which inference-share series and how it is read."""

    series: str = "default"
    mode: SignalMode = "point_in_time"
    interpolation: Interpolation = "step"
    horizon: int = 0


@dataclass(frozen=True, kw_only=True)
class CostsConfig:
    """``[costs]``: proportional fees and slippage in basis points."""

    fees_bps: float = 10.0
    slippage_bps: float = 5.0


@dataclass(frozen=True, kw_only=True)
class StrategySpec:
    """One ``[[strategies]]`` entry: an output name, a registry kind and its parameters."""

    name: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Config:
    """A whole run configuration."""

    run: RunConfig = field(default_factory=RunConfig)
    data: DataConfig = field(default_factory=DataConfig)
    universe: str = "compute_layer"
    signal: SignalConfig = field(default_factory=SignalConfig)
    schedule: Schedule = field(default_factory=Schedule)
    costs: CostsConfig = field(default_factory=CostsConfig)
    baseline: str = "NVDA"
    strategies: tuple[StrategySpec, ...] = ()
    path: str = "<inline>"


_SECTIONS: dict[str, type[Any]] = {
    "run": RunConfig,
    "data": DataConfig,
    "signal": SignalConfig,
    "schedule": Schedule,
    "costs": CostsConfig,
}
_TOP_KEYS = (*_SECTIONS, "universe", "baseline", "strategies", "sweep")
_LITERALS: dict[tuple[str, str], tuple[str, ...]] = {
    ("data", "source"): get_args(DataSource),
    ("signal", "mode"): get_args(SignalMode),
    ("signal", "interpolation"): get_args(Interpolation),
    ("schedule", "frequency"): get_args(Frequency),
    ("schedule", "anchor"): get_args(Anchor),
}


def _unknown_key(where: str, key: str, allowed: tuple[str, ...] | list[str]) -> ConfigError:
    close = difflib.get_close_matches(key, list(allowed), n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return ConfigError(f"{where}: unknown key `{key}`{hint}; allowed: {', '.join(sorted(allowed))}")


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file `{path}` does not exist")
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid UTF-8 TOML: {exc}") from exc
    return parse_config(raw, str(path))


def parse_config(raw: Mapping[str, Any], path: str = "<inline>") -> Config:
    """Validate a config mapping (as read from TOML) into a `Config`."""
    for key in raw:
        if key not in _TOP_KEYS:
            raise _unknown_key(path, key, _TOP_KEYS)
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        table = raw.get(name, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: `{name}` must be a table, got {table!r}")
        sections[name] = _build_section(cls, table, f"{path}: [{name}]", name)
    run: RunConfig = sections["run"]
    if run.end <= run.start:
        raise ConfigError(f"{path}: `run.end` ({run.end}) must be after `run.start` ({run.start})")
    if run.initial_cash <= 0:
        raise ConfigError(f"{path}: `run.initial_cash` must be > 0, got {run.initial_cash}")
    costs: CostsConfig = sections["costs"]
    for key in ("fees_bps", "slippage_bps"):
        value = getattr(costs, key)
        if not 0 <= value < 10_000:
            raise ConfigError(f"{path}: `costs.{key}` must be in [0, 10000), got {value}")
    data: DataConfig = sections["data"]
    if data.max_fill_days < 0:
        raise ConfigError(f"{path}: `data.max_fill_days` must be >= 0, got {data.max_fill_days}")
    if data.min_history_days < 1:
        raise ConfigError(
            f"{path}: `data.min_history_days` must be >= 1, got {data.min_history_days}"
        )
    if data.source == "files" and not data.dir:
        raise ConfigError(f'{path}: `data.dir` is required when `data.source` is "files"')
    if data.source == "snapshot" and not data.snapshot:
        raise ConfigError(f'{path}: `data.snapshot` is required when `data.source` is "snapshot"')
    if sections["signal"].horizon < 0:
        raise ConfigError(
            f"{path}: `signal.horizon` must be >= 0, got {sections['signal'].horizon}"
        )
    universe = raw.get("universe", "compute_layer")
    baseline = raw.get("baseline", "NVDA")
    for key, value in (("universe", universe), ("baseline", baseline)):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: `{key}` must be a non-empty string, got {value!r}")
    strategies = _parse_strategies(raw.get("strategies", []), path)
    return Config(
        run=run,
        data=data,
        universe=universe,
        signal=sections["signal"],
        schedule=sections["schedule"],
        costs=costs,
        baseline=baseline,
        strategies=strategies,
        path=path,
    )


def _build_section(cls: type[Any], table: Mapping[str, Any], where: str, section: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            raise _unknown_key(where, key, list(fields))
        values[key] = _coerce(value, fields[key], f"{where} `{section}.{key}`", (section, key))
    try:
        return cls(**values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _coerce(value: Any, fld: dataclasses.Field[Any], where: str, key: tuple[str, str]) -> Any:
    allowed = _LITERALS.get(key)
    if allowed is not None:
        if value not in allowed:
            raise ConfigError(f"{where} must be one of {', '.join(allowed)}, got {value!r}")
        return value
    default = fld.default
    if isinstance(default, bool) or fld.type in ("bool",):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if isinstance(default, dt.date):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ConfigError(f"{where} must be a date (YYYY-MM-DD), got {value!r}")
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {value!r}")
    return value


def _parse_strategies(items: Any, path: str) -> tuple[StrategySpec, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{path}: `strategies` must be an array of tables, got {items!r}")
    specs: list[StrategySpec] = []
    names: set[str] = set()
    for i, item in enumerate(items, start=1):
        where = f"{path}: strategies[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where} must be a table, got {item!r}")
        name, kind = item.get("name"), item.get("kind")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: `name` must be a non-empty string, got {name!r}")
        if name == "baseline" or name in names:
            raise ConfigError(f"{where}: `name` {name!r} is reserved or already used")
        if not isinstance(kind, str) or not kind:
            raise ConfigError(f"{where}: `kind` must be a non-empty string, got {kind!r}")
        names.add(name)
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
    """Return the fully resolved config (defaults included) as plain JSON-able data."""
    resolved: dict[str, Any] = _jsonable(config)
    resolved.pop("path", None)
    resolved["strategies"] = [
        {"name": s.name, "kind": s.kind, **_jsonable(dict(s.params))} for s in config.strategies
    ]
    return resolved


def config_hash(config: Config) -> str:
    """sha256 of the canonical JSON of the resolved config."""
    canonical = json.dumps(resolved_config(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
