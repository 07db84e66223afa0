"""Command-line interface: ``backtest COMMAND ...``, one module per command group.

Conventions every command follows (documented once, here and in the README):

* **Exit codes**: 0 ok, 1 a check failed (``check`` found drift), 2 usage, config or data
  error (argparse usage errors included). A command module returns the code from its handler.
* **Errors**: a `BacktestError` (or an `OSError` such as a permission problem) prints one line
  ``error: ...`` on stderr, no traceback; ``--debug`` (anywhere on the command line) re-raises
  it with the traceback. A usage error is one line ``backtest CMD: error: ...``. Ctrl-C
  (SIGINT) and SIGTERM print ``error: interrupted`` and exit 130 / 143 after the clean-up
  (temporary run folders removed; finished sweep chunks kept for ``--resume``).
* **Config overrides**: commands that run a config take ``--name --source --data-dir --start
  --end`` (and ``--out`` where they write a run), from `backtest.cli.options`; a flag wins over
  the file. ``--data-dir`` is relative to the working directory; paths inside a config
  (``[data]`` paths, a universe or signal file) are relative to the config file.
* **Output**: human text on stdout, diagnostics on stderr; ``--json`` prints machine output on
  stdout instead, where a command has a result worth parsing; ``--md FILE`` / ``--html FILE``
  write reports. Progress bars are drawn only when stderr is a terminal
  (`backtest.cli.options.progress_enabled`).
* **Files**: written atomically; an existing run or file is replaced only with ``--force`` (or
  ``--update`` for a golden file).

A command module exposes ``register(subparsers)`` which adds its parser and sets
``handler=callable(args) -> int``; it is listed by hand in `_COMMANDS`.
"""

from __future__ import annotations

import argparse
import signal as os_signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from backtest.cli import check as check_command
from backtest.cli import compare as compare_command
from backtest.cli import config as config_command
from backtest.cli import data as data_command
from backtest.cli import proforma as proforma_command
from backtest.cli import run as run_command
from backtest.cli import signal as signal_command
from backtest.cli import sweep as sweep_command
from backtest.cli import universes as universes_command
from backtest.errors import BacktestError

__all__ = ["main"]

_COMMANDS = (
    run_command,
    check_command,
    compare_command,
    proforma_command,
    config_command,
    universes_command,
    signal_command,
    data_command,
    sweep_command,
)
"""Command modules, each with ``register(subparsers)``; written out by hand."""


class _Parser(argparse.ArgumentParser):
    """An `ArgumentParser` whose usage errors are one line on stderr and exit code 2.

    Flags must be spelled out (no abbreviations), so ``--up`` never means ``--update``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="backtest",
        description="Backtest AI-chip portfolios tilted by the inference share against NVDA.",
        epilog="exit codes: 0 ok, 1 check failed, 2 usage, config or data error",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks on errors (accepted anywhere)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in _COMMANDS:
        command.register(sub)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same clean-up runs (temporary run folders removed)."""


def _raise_terminated(signum: int, frame: Any) -> NoReturn:
    raise _Terminated


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into `_Terminated` while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = os_signal.signal(os_signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        os_signal.signal(os_signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``backtest`` console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    args_list = [a for a in args_list if a != "--debug"]
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        with _sigterm_as_interrupt():
            code: int = args.handler(args)
    except (BacktestError, OSError) as exc:
        if debug:
            raise
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C (130) or SIGTERM (143), after the clean-up ran
        print("error: interrupted", file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
