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
import difflib
import hashlib
import json
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from backtest.constants import DEFAULT_MAX_FILL_DAYS, DEFAULT_MIN_HISTORY_DAYS
from backtest.errors import ConfigError
from backtest.inputs.schedule import Schedule
from backtest.inputs.signal import Interpolation, SignalMode

__all__ = [
    "Config",
    "CostsConfig",
    "DataConfig",
    "DataSource",
    "RunConfig",
    "SignalConfig",
    "StrategySpec",
    "config_hash",
    "load_config",
    "parse_config",
    "resolved_config",
]

DataSource = Literal["demo", "files", "yahoo", "snapshot"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _suggest(value: str, allowed: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(allowed), n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


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
class DataConfig:
    """``[data]``: where prices come from and how strictly they are aligned.

    ``dir`` (source ``files``), ``snapshot`` and ``cache_dir`` are paths relative to the config
    file's folder; ``sha256`` pins the snapshot's content (64 lowercase hex digits).
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
    """``[signal]``: which inference-share series (name or CSV path) and how it is read."""

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
    """

    run: RunConfig = field(default_factory=RunConfig)
    data: DataConfig = field(default_factory=DataConfig)
    universe: str = "compute_layer"
    signal: SignalConfig = field(default_factory=SignalConfig)
    schedule: Schedule = field(default_factory=Schedule)
    costs: CostsConfig = field(default_factory=CostsConfig)
    baseline: str = "NVDA"
    strategies: tuple[StrategySpec, ...] = ()
    sweep: Mapping[str, Any] = field(default_factory=dict)
    path: str = "<inline>"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if not self.universe:
            raise ConfigError("`universe` must be a universe name or a TOML path, got ''")
        if not self.baseline or self.baseline != self.baseline.strip() or " " in self.baseline:
            raise ConfigError(f"`baseline` must be a ticker, got {self.baseline!r}")


_SECTIONS: dict[str, type[Any]] = {
    "run": RunConfig,
    "data": DataConfig,
    "signal": SignalConfig,
    "schedule": Schedule,
    "costs": CostsConfig,
}
_TOP_KEYS = (*_SECTIONS, "universe", "baseline", "strategies", "sweep")


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML config file.

    Raises
    ------
    ConfigError
        The file is missing or not TOML, or a value is invalid (the message names the file,
        the key path and the value).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file `{path}` does not exist")
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid UTF-8 TOML: {exc}") from exc
    return parse_config(raw, str(path))


def parse_config(raw: Mapping[str, Any], path: str = "<inline>") -> Config:
    """Validate a config mapping (as read from TOML) into a `Config`; ``path`` labels errors."""
    for key in raw:
        if key not in _TOP_KEYS:
            raise ConfigError(
                f"{path}: unknown key `{key}`{_suggest(key, _TOP_KEYS)}; "
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
    try:
        return Config(
            **sections,
            **top,
            strategies=_parse_strategies(raw.get("strategies", []), path),
            sweep=dict(sweep),
            path=path,
        )
    except ConfigError as exc:
        if str(exc).startswith(f"{path}:"):
            raise
        raise ConfigError(f"{path}: {exc}") from exc


def _build(cls: type[Any], table: Mapping[str, Any], path: str, section: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(
                f"{path}: unknown key `{section}.{key}`{_suggest(key, names)}; "
                f"allowed in [{section}]: {', '.join(sorted(names))}"
            )
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


def coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` (from TOML) against the type ``hint``; return it in that type.

    ``where`` starts every error message (file and key path). Supported: ``bool``, ``int``,
    ``float`` (finite; an integer is accepted), ``str``, ``datetime.date`` (TOML date or ISO
    string), ``Literal[...]``, ``X | None``, ``tuple[X, ...]`` and mappings.
    """
    origin = get_origin(hint)
    args = get_args(hint)
    if origin is Literal:
        if value not in args:
            hint_text = _suggest(value, map(str, args)) if isinstance(value, str) else ""
            allowed = ", ".join(map(str, args))
            raise ConfigError(f"{where} must be one of {allowed}, got {value!r}{hint_text}")
        return value
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if value is None and len(options) < len(args):
            return None
        errors = []
        for option in options:
            try:
                return coerce(value, option, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} must be an array, got {value!r}")
        item = args[0] if args else Any
        return tuple(coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value, start=1))
    if origin in (dict, Mapping) or hint in (dict, Mapping) or origin is typing.Mapping:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a table, got {value!r}")
        return dict(value)
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number, got {value!r}")
        return float(value)
    if hint is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ConfigError(f"{where} must be a date (YYYY-MM-DD), got {value!r}")
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported field type {hint!r}")  # pragma: no cover


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
        name = item.get("name", kind)
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
    ``{name, kind, **params}``, ``sweep`` as written; ``path`` is left out.
    """
    resolved: dict[str, Any] = _jsonable(config)
    resolved.pop("path", None)
    resolved["strategies"] = [
        {"name": s.name, "kind": s.kind, **_jsonable(dict(s.params))} for s in config.strategies
    ]
    return resolved


def config_hash(config: Config) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces) of `resolved_config`."""
    canonical = json.dumps(resolved_config(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
