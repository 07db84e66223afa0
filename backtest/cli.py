"""Command-line interface: ``backtest run CONFIG`` and friends.

Exit codes: 0 ok, 1 check failed, 2 usage, config or data error. A `BacktestError` is printed
as one line on stderr without a traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from backtest.config import Config, load_config
from backtest.errors import BacktestError

__all__ = ["main"]


def _apply_overrides(config: Config, args: argparse.Namespace) -> Config:
    run = config.run
    data = config.data
    if getattr(args, "name", None):
        run = dataclasses.replace(run, name=args.name)
    if getattr(args, "source", None):
        data = dataclasses.replace(data, source=args.source)
    if getattr(args, "data_dir", None):
        data = dataclasses.replace(data, dir=args.data_dir)
    return dataclasses.replace(config, run=run, data=data)


def _cmd_run(args: argparse.Namespace) -> int:
    from backtest.report import terminal_table
    from backtest.results import check_writable, write_run
    from backtest.runner import run

    config = _apply_overrides(load_config(args.config), args)
    out = Path(args.out) / config.run.name
    check_writable(out, force=args.force)  # fail before the work, not after
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        result = run(config)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    label = str(result.manifest["label"])
    print(terminal_table(result.metrics, label=label))
    path = write_run(result, out, force=args.force)
    print(f"\nwrote {path}/ ({label})")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backtest",
        description="Backtest AI-chip portfolios tilted by the inference share against NVDA.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a config and write results/<name>/")
    run.add_argument("config", help="path of a TOML run config")
    run.add_argument("--out", default="results", help="parent folder of the run (default results)")
    run.add_argument("--name", help="run name (overrides run.name)")
    run.add_argument(
        "--source",
        choices=["demo", "files", "yahoo", "snapshot"],
        help="price source (overrides data.source)",
    )
    run.add_argument("--data-dir", help="folder of per-ticker CSVs (overrides data.dir)")
    run.add_argument("--force", action="store_true", help="replace an existing run folder")
    run.set_defaults(handler=_cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``backtest`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except BacktestError as exc:
        if args.debug:
            raise
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
