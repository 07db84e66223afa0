"""Command-line interface: ``backtest COMMAND ...``, one module per command group.

Exit codes: 0 ok, 1 check failed, 2 usage, config or data error. A `BacktestError` is printed
as one line on stderr without a traceback unless ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backtest.cli import data as data_command
from backtest.cli import run as run_command
from backtest.cli import signal as signal_command
from backtest.cli import universes as universes_command
from backtest.errors import BacktestError

__all__ = ["main"]

_COMMANDS = (run_command, universes_command, signal_command, data_command)
"""Command modules, each with ``register(subparsers)``; written out by hand."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backtest",
        description="Backtest AI-chip portfolios tilted by the inference share against NVDA.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in _COMMANDS:
        command.register(sub)
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
