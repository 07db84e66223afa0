"""Reading what users write: TOML files, ISO dates, typed values, and "did you mean" hints.

Every file a user writes (a run config, a universe, a tolerance file, a sweep grid) is read by
`read_toml`, every date by `parse_date` (a span of dates by `parse_period`) and every typed
config value by `coerce`, so the same
mistake gets the same one-line message wherever it is made.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from backtest.errors import ConfigError

__all__ = [
    "coerce",
    "is_path_like",
    "parse_date",
    "parse_period",
    "parse_toml",
    "read_toml",
    "suggest",
]

_YEAR_SPAN = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
_DATE_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def suggest(value: str, allowed: Iterable[str]) -> str:
    """Return `` (did you mean `x`?)`` for the closest of ``allowed`` to ``value``, or ``""``."""
    close = difflib.get_close_matches(value, list(allowed), n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


def is_path_like(value: str | Path, suffix: str) -> bool:
    """Whether ``value`` names a file rather than a packaged item (a universe, a series).

    A `Path`, or a string that ends in ``suffix`` (``".toml"``, ``".csv"``) or contains a path
    separator, is a file; any other string is the name of something the package ships.
    """
    text = str(value)
    return isinstance(value, Path) or text.endswith(suffix) or "/" in text or "\\" in text


def parse_toml(raw: bytes, label: str) -> dict[str, Any]:
    """Parse the bytes of a TOML document; ``label`` (a file name) starts the error message.

    Raises
    ------
    ConfigError
        ``"<label>: not valid UTF-8 TOML: <reason>"``.
    """
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{label}: not valid UTF-8 TOML: {exc}") from exc


def read_toml(path: str | Path, *, what: str) -> dict[str, Any]:
    """Read a TOML file; ``what`` names it in the error (``config file``, ``tolerance file``).

    Raises
    ------
    ConfigError
        ``"<what> `<path>` does not exist"`` or the `parse_toml` message.
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"{what} `{source}` does not exist")
    return parse_toml(source.read_bytes(), str(source))


def parse_date(value: Any, where: str) -> dt.date:
    """Return ``value`` (a TOML date or an ISO ``YYYY-MM-DD`` string) as a `datetime.date`.

    ``where`` names the field (``"`run.start`"``, ``"cfg.toml: `run.end`"``). A date with a
    time of day is refused: every date in this project is a trading day.

    Raises
    ------
    ConfigError
        ``"<where> must be a date (YYYY-MM-DD), got <value>"``.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{where} must be a date (YYYY-MM-DD), got {value!r}")


def parse_period(value: Any, where: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a period written ``YYYY``, ``YYYY-YYYY`` or ``D1..D2``.

    ``YYYY-YYYY`` is whole calendar years (``2015-2022`` is 2015-01-01 .. 2022-12-31); ``D1..D2``
    two ISO dates, both inclusive.

    Raises
    ------
    ConfigError
        ``"<where> must be YYYY, YYYY-YYYY or YYYY-MM-DD..YYYY-MM-DD ..., got <value>"``, also
        for a period that ends before it starts.
    """
    text = value.strip() if isinstance(value, str) else ""
    span: tuple[dt.date, dt.date] | None = None
    years, dates = _YEAR_SPAN.match(text), _DATE_SPAN.match(text)
    if years:
        first, last = int(years.group(1)), int(years.group(2) or years.group(1))
        span = (dt.date(max(first, 1), 1, 1), dt.date(max(last, 1), 12, 31))
    elif dates:
        try:
            span = (dt.date.fromisoformat(dates.group(1)), dt.date.fromisoformat(dates.group(2)))
        except ValueError:
            span = None
    if span is None or span[1] < span[0]:
        raise ConfigError(
            f"{where} must be YYYY, YYYY-YYYY or YYYY-MM-DD..YYYY-MM-DD (ending on or after its "
            f"start), got {value!r}"
        )
    return span


def coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` (from TOML) against the type ``hint``; return it in that type.

    ``where`` starts every error message (file and key path). Supported: ``bool``, ``int``,
    ``float`` (finite; an integer is accepted), ``str``, ``datetime.date`` (TOML date or ISO
    string), ``Literal[...]``, ``X | None``, ``tuple[X, ...]`` and mappings (``Mapping[str, X]``
    checks each value against ``X``, named ``where.key``).
    """
    origin = get_origin(hint)
    args = get_args(hint)
    if origin is Literal:
        if value not in args:
            hint_text = suggest(value, map(str, args)) if isinstance(value, str) else ""
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
        item = args[1] if len(args) == 2 else Any
        return {
            k: coerce(v, item, f"{where[:-1]}.{k}`" if where.endswith("`") else f"{where}.{k}")
            for k, v in value.items()
        }
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
        return parse_date(value, where)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported field type {hint!r}")  # pragma: no cover
