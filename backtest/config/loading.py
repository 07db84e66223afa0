"""The whole run config: `Config`, its ``[[strategies]]`` entries, and parsing a TOML file into it.

The parser is driven by the sections' type hints: adding a field with a default to
`backtest.config.sections.DataConfig` (say) makes ``[data] new_field = ...`` valid,
type-checked and listed by ``backtest config show``. Every error names the file, the key path
and the value, and unknown keys or values get a "did you mean" suggestion.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backtest.config.sections import (
    NAME_PATTERN,
    AnalysisConfig,
    AttributionConfig,
    CostsConfig,
    DataConfig,
    RunConfig,
    Schedule,
    SignalConfig,
)
from backtest.constants import INFERENCE_SHARE
from backtest.errors import ConfigError
from backtest.parsing import coerce, parse_period, read_toml, suggest


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
            if not NAME_PATTERN.match(name) or name == INFERENCE_SHARE:
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
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise ConfigError(f"{where}.name must be letters, digits, `.`, `_`, `-`, got {name!r}")
        if name == "baseline":
            raise ConfigError(f"{where}.name `baseline` is reserved for the NVDA baseline")
        if any(s.name == name for s in specs):
            hint = " (give each entry its own `name`)" if "name" not in item else ""
            raise ConfigError(f"{where}.name {name!r} is already used{hint}")
        params = {k: v for k, v in item.items() if k not in ("name", "kind")}
        specs.append(StrategySpec(name=name, kind=kind, params=params))
    return tuple(specs)
