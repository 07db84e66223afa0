"""``backtest config validate|show FILE``: check a config, or print it fully resolved.

``validate`` parses the file and also resolves what it refers to (universe, signal series,
strategy kinds and parameters) without touching market data. ``show``
prints the config with every default filled in, as TOML that parses back to the same config
(same hash), or as JSON with ``--json``; override flags apply, so it shows exactly what ``run``
would use.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import re
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
        "strategy kind and parameter, and the [sweep] table. No market data is read.",
    )
    validate.add_argument("file", help="path of a TOML run config")
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
    from backtest.config import load_config

    summary = validate_references(load_config(args.file))
    if args.json:
        print_json(summary)
    else:
        print(
            f"ok: {summary['file']} is valid: run `{summary['name']}`, universe "
            f"`{summary['universe']}` ({summary['members']} members), source "
            f"{summary['source']}, {len(summary['strategies'])} strategies"
            + (f", a `{summary['sweep']}` sweep" if summary["sweep"] else "")
        )
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from backtest.cli.options import load_with_overrides

    config = load_with_overrides(args.file, args)
    if args.json:
        print_json({"config": resolved_config(config), "config_sha256": config_hash(config)})
    else:
        print(f"# {config.path}, fully resolved; config sha256 {config_hash(config)}")
        print(to_toml(config), end="")
    return 0


def to_toml(config: Config) -> str:
    """Render ``config`` as TOML with every default written out (unset optionals as comments).

    The text parses back (`backtest.config.parse_config`) to a config with the same hash.
    """
    lines = [f"universe = {_value(config.universe)}", f"baseline = {_value(config.baseline)}"]
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
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write {value!r} as TOML")  # pragma: no cover
