"""``backtest config validate|show FILE``: check a config, or print it fully resolved.

``validate`` parses the file and also resolves what it refers to (universe, signal series,
strategy kinds and parameters) without touching market data; with ``--data`` it also reads the
prices, builds the strategies' context and asks every strategy for its weights (no
simulation), so a constraint that cannot be met on some event fails here, not minutes into a
run. ``show`` prints the config with every default filled in, as TOML that parses back to the
same config (same hash), or as JSON with ``--json``; the strategies' own defaults (``within``,
``lookback_days``, ``empty_bucket``, a constraint's ``overflow`` ...) are listed as comments
under each entry (JSON: ``strategy_defaults``); override flags apply, so it shows exactly what
``run`` would use.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import re
import sys
from collections.abc import Mapping
from typing import Any

from backtest.cli.options import (
    add_json_flag,
    add_override_flags,
    print_json,
    validate_references,
)
from backtest.config import Config, config_hash, resolved_config
from backtest.errors import ConfigError

__all__ = ["register", "to_toml", "validate_references"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def register(sub: Any) -> None:
    """Add ``config validate`` and ``config show`` to ``sub`` (an argparse subparsers action)."""
    config = sub.add_parser(
        "config",
        help="validate a config or show it fully resolved",
        description=(__doc__ or "").replace("``", ""),
    )
    actions = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    validate = actions.add_parser(
        "validate",
        help="check a config and what it refers to (exit 0 valid, 2 invalid)",
        description="Check FILE: keys, types, ranges, the universe, the signal series, every "
        "strategy kind and parameter, and the [sweep] table. No market data is read unless "
        "--data is given: then the prices are read, the context built and every strategy's "
        "weights computed and checked (no simulation).",
    )
    validate.add_argument("file", help="path of a TOML run config")
    validate.add_argument(
        "--data",
        action="store_true",
        help="also read the data and check every strategy's weights on it (no simulation)",
    )
    add_override_flags(validate, out=False)
    add_json_flag(validate, "a summary")
    validate.set_defaults(handler=_cmd_validate)
    show = actions.add_parser(
        "show",
        help="print the fully resolved config (defaults included)",
        description="Print FILE with every default filled in and the override flags applied.",
    )
    show.add_argument("file", help="path of a TOML run config")
    add_override_flags(show, out=False)
    add_json_flag(show, "the resolved config")
    show.set_defaults(handler=_cmd_show)


def _cmd_validate(args: argparse.Namespace) -> int:
    from backtest.cli.options import load_with_overrides

    config = load_with_overrides(args.file, args)
    summary = validate_references(config)
    if args.data:
        import warnings

        from backtest.pipeline.targets import check_strategies

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            summary["events"] = check_strategies(config)
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr)
    if args.json:
        print_json(summary)
    else:
        print(
            f"ok: {summary['file']} is valid: run `{summary['name']}`, universe "
            f"`{summary['universe']}` ({summary['members']} members), source "
            f"{summary['source']}, {len(summary['strategies'])} strategies"
            + (f", a `{summary['sweep']}` sweep" if summary["sweep"] else "")
            + (
                f"; every strategy's weights checked on {max(summary['events'].values())} "
                f"events of {summary['source']} data"
                if summary.get("events")
                else ""
            )
        )
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from backtest.cli.options import load_with_overrides

    config = load_with_overrides(args.file, args)
    defaults = strategy_defaults(config)
    if args.json:
        print_json(
            {
                "config": resolved_config(config),
                "config_sha256": config_hash(config),
                "strategy_defaults": defaults,
            }
        )
    else:
        print(f"# {config.path}, fully resolved; config sha256 {config_hash(config)}")
        print(to_toml(config, defaults=defaults), end="")
    return 0


def strategy_defaults(config: Config) -> dict[str, dict[str, Any]]:
    """Per strategy, the parameters its entry leaves at their defaults, with those defaults.

    The scheme's own (``within``, ``lookback_days``, ``empty_bucket``, ``signal`` ...) and, as
    ``constraints[i].NAME``, each constraint's. The classes are resolved like a run resolves
    them (a ``module:Class`` kind is imported).
    """
    from strategies import CONSTRAINTS
    from strategies.build import parameter_defaults, search_paths, strategy_class

    search = search_paths(config)
    out: dict[str, dict[str, Any]] = {}
    for spec in config.strategies:
        try:
            cls = strategy_class(spec.kind, search=search)
            found = {k: v for k, v in parameter_defaults(cls).items() if k not in spec.params}
            constraints = spec.params.get("constraints", [])
            for i, item in enumerate(constraints if isinstance(constraints, list) else [], 1):
                kind = item.get("kind") if isinstance(item, Mapping) else None
                wrapper = CONSTRAINTS.get(kind) if isinstance(kind, str) else None
                if wrapper is not None:
                    found |= {
                        f"constraints[{i}].{k}": v
                        for k, v in parameter_defaults(wrapper).items()
                        if k not in item
                    }
        except ConfigError as exc:
            raise ConfigError(f"{config.path}: strategy `{spec.name}`: {exc}") from exc
        out[spec.name] = {k: _plain(v) for k, v in found.items()}
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_toml(config: Config, *, defaults: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """Render ``config`` as TOML with every default written out (unset optionals as comments).

    The text parses back (`backtest.config.parse_config`) to a config with the same hash.
    ``defaults`` (`strategy_defaults`) adds, under each strategy, the parameters it leaves at
    their defaults as ``# default: key = value`` comments (comments keep the hash).
    """
    lines = [f"universe = {_value(config.universe)}", f"baseline = {_value(config.baseline)}"]
    if config.strategy_paths:
        lines.append(f"strategy_paths = {_value(list(config.strategy_paths))}")
    for name in ("run", "data", "signal", "schedule", "costs", "analysis"):
        section = getattr(config, name)
        lines += ["", f"[{name}]"]
        for fld in dataclasses.fields(section):
            value = getattr(section, fld.name)
            if value is None:
                lines.append(f"# {fld.name} is not set")
            else:
                lines.append(f"{_key(fld.name)} = {_value(value)}")
    for spec in config.strategies:
        lines += [
            "",
            "[[strategies]]",
            f"name = {_value(spec.name)}",
            f"kind = {_value(spec.kind)}",
        ]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in spec.params.items()]
        lines += [
            f"# default: {k} = {_value(v)}" for k, v in (defaults or {}).get(spec.name, {}).items()
        ]
    for signal_name, options in config.signals.items():
        lines += ["", f"[signals.{_key(signal_name)}]"]
        lines += [
            f"{_key(f.name)} = {_value(getattr(options, f.name))}"
            for f in dataclasses.fields(options)
        ]
    if config.sweep:
        lines += ["", "[sweep]"]
        lines += [f"{_key(k)} = {_value(v)}" for k, v in config.sweep.items()]
    return "\n".join(lines) + "\n"


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # a nested section
        return _value({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write {value!r} as TOML")  # pragma: no cover
