"""What a config resolves to: the mapping a run records, its hash, and its relative paths.

`resolved_config` is the fully resolved mapping (defaults included) a run records in its
manifest; `config_hash` is the sha256 of its canonical JSON. Paths in a config are kept as
written (so the hash does not depend on where the checkout lives) and are relative to the
config file's folder (`resolve_path`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backtest.config.loading import Config


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
