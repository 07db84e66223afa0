"""Flags shared by the commands: config overrides, ``--json`` output and TTY-only progress.

Every command that runs a config takes the same override flags (`add_override_flags`) and
applies them with `apply_overrides`, so ``--source files --data-dir DIR`` means the same thing
to ``run``, ``check``, ``sweep`` and ``config show``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, get_args

from backtest.config import (
    Config,
    DataSource,
    check_attribution_reference,
    config_hash,
    load_config,
)
from backtest.errors import BacktestError, ConfigError
from backtest.parsing import parse_date

__all__ = [
    "add_config_command",
    "add_json_flag",
    "add_override_flags",
    "apply_overrides",
    "load_with_overrides",
    "print_json",
    "progress_enabled",
    "run_quietly",
    "validate_references",
    "warnings_to_stderr",
    "write_text_atomic",
]


def add_override_flags(parser: argparse.ArgumentParser, *, out: bool = True) -> None:
    """Add the override flags ``--name --source --data-dir --start --end --periods --out``.

    ``--out`` is left out with ``out=False``.
    """
    group = parser.add_argument_group("config overrides (a flag wins over the config file)")
    group.add_argument("--name", help="run name (overrides run.name)")
    group.add_argument(
        "--source", choices=get_args(DataSource), help="price source (overrides data.source)"
    )
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder of per-ticker price files, relative to the working directory "
        "(overrides data.dir)",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        help="source yahoo: use the price cache only, name what it lacks (sets data.offline)",
    )
    group.add_argument("--start", metavar="YYYY-MM-DD", help="first day (overrides run.start)")
    group.add_argument("--end", metavar="YYYY-MM-DD", help="last day (overrides run.end)")
    group.add_argument(
        "--periods",
        metavar="P1,P2",
        help="sub-periods reported from the one run, e.g. 2015-2022,2023-2026 or "
        "2020-03-01..2021-06-30 (overrides analysis.periods)",
    )
    group.add_argument(
        "--attribution-reference",
        metavar="NAME",
        help="what returns are attributed against: baseline or a strategy of the config "
        "(overrides attribution.reference)",
    )
    if out:
        group.add_argument(
            "--out", default="results", help="parent folder of run folders (default: results)"
        )


def add_config_command(
    sub: Any,
    name: str,
    *,
    summary: str,
    description: str,
    config_help: str,
    force_help: str,
) -> argparse.ArgumentParser:
    """Add a command that runs CONFIG and writes a folder; return its parser.

    The parser takes ``config``, the override flags (`add_override_flags`, ``--out``
    included) and ``--force``, in that order; the command adds its own flags after them.

    Parameters
    ----------
    sub : argparse subparsers action
    name : str
        The command (``run``, ``sweep``).
    summary, description : str
        The line of ``backtest --help`` and the text of ``backtest NAME --help``.
    config_help, force_help : str
        Help of the ``config`` argument and of ``--force``.
    """
    parser: argparse.ArgumentParser = sub.add_parser(name, help=summary, description=description)
    parser.add_argument("config", help=config_help)
    add_override_flags(parser)
    parser.add_argument("--force", action="store_true", help=force_help)
    return parser


def apply_overrides(config: Config, args: argparse.Namespace) -> Config:
    """Return ``config`` with the override flags present in ``args`` applied (and validated)."""
    run_changes: dict[str, Any] = {}
    data_changes: dict[str, Any] = {}
    analysis_changes: dict[str, Any] = {}
    if getattr(args, "periods", None):
        analysis_changes["periods"] = tuple(p.strip() for p in args.periods.split(","))
    if getattr(args, "name", None):
        run_changes["name"] = args.name
    if getattr(args, "start", None):
        run_changes["start"] = parse_date(args.start, "`--start`")
    if getattr(args, "end", None):
        run_changes["end"] = parse_date(args.end, "`--end`")
    if getattr(args, "source", None):
        data_changes["source"] = args.source
    if getattr(args, "data_dir", None):  # a flag path is relative to the working directory
        data_changes["dir"] = str(Path(args.data_dir).resolve())
    if getattr(args, "offline", False):
        data_changes["offline"] = True
    reference = getattr(args, "attribution_reference", None)
    if not run_changes and not data_changes and not analysis_changes and not reference:
        return config
    try:
        changed = dataclasses.replace(
            config,
            run=dataclasses.replace(config.run, **run_changes),
            data=dataclasses.replace(config.data, **data_changes),
            analysis=dataclasses.replace(config.analysis, **analysis_changes),
        )
        if reference:
            changed = dataclasses.replace(
                changed, attribution=dataclasses.replace(config.attribution, reference=reference)
            )
            check_attribution_reference(changed)
        return changed
    except ConfigError as exc:
        raise ConfigError(f"{config.path} with command-line overrides: {exc}") from exc


def load_with_overrides(path: str, args: argparse.Namespace) -> Config:
    """`load_config` then `apply_overrides`."""
    return apply_overrides(load_config(path), args)


def add_json_flag(parser: argparse.ArgumentParser, what: str = "the result") -> None:
    """Add ``--json``: print ``what`` as JSON on stdout instead of text."""
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON on stdout")


def print_json(payload: Any, stream: TextIO | None = None) -> None:
    """Print ``payload`` as indented JSON (NaN as null, infinities as strings) on a line."""
    print(json.dumps(_nan_to_none(payload), indent=2, sort_keys=False), file=stream or sys.stdout)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def progress_enabled(stream: TextIO | None = None) -> bool:
    """Whether to draw progress bars: only when ``stream`` (default stderr) is a terminal."""
    target = stream or sys.stderr
    return bool(getattr(target, "isatty", lambda: False)())


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (`backtest.atomic.atomic_write_bytes`)."""
    from backtest.atomic import atomic_write_bytes

    target = Path(path)
    atomic_write_bytes(target, text.encode("utf-8"))
    return target


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Print each `UserWarning` raised inside as one line ``warning: ...`` on stderr.

    The lines are printed when the block completes; when it raises, only the error is shown
    (a refusal is one line).
    """
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        yield
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)


def run_quietly(config: Config) -> Any:
    """`validate_references`, then `backtest.pipeline.runner.run` with its warnings as stderr lines.

    Validating first fails fast (before any data is read) with the config file in the message.
    """
    from backtest.pipeline.runner import run

    validate_references(config)
    with warnings_to_stderr():
        return run(config)


def validate_references(config: Config) -> dict[str, Any]:
    """Load the universe and signals, build every strategy and parse ``[sweep]``; summarise.

    Raises
    ------
    ConfigError
        Prefixed with the config file, when a reference does not resolve.
    """
    from backtest.pipeline.prepare import config_signal, config_signals, config_universe
    from strategies.build import build_strategies

    try:
        universe = config_universe(config)
        config_signal(config)
        config_signals(config)
        build_strategies(config)
    except BacktestError as exc:
        raise ConfigError(f"{config.path}: {exc}") from exc
    sweep_kind = None
    if config.sweep:
        from backtest.sweep.grid import parse_sweep
        from strategies.build import search_paths

        # errors name the file
        sweep_kind = parse_sweep(config.sweep, config.path, search=search_paths(config)).kind
    return {
        "file": config.path,
        "valid": True,
        "name": config.run.name,
        "universe": universe.name,
        "members": len(universe.members),
        "source": config.data.source,
        "strategies": [s.name for s in config.strategies],
        "sweep": sweep_kind,
        "config_sha256": config_hash(config),
    }
