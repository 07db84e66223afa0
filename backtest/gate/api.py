"""The gate from Python: `check` a run against its golden file, `compare` two runs, as Markdown.

What ``backtest check`` and ``backtest compare`` do, as functions a notebook or a CI script
calls (the commands are thin layers over these). A side of a comparison, or the run checked, is
a `Result`, a `LoadedRun`, a `Config`, or a path: a config file (run here) or a results folder
(read back).
"""

from __future__ import annotations

import os
from pathlib import Path

from backtest.config import Config, load_config
from backtest.errors import ConfigError
from backtest.gate.check import CheckReport, check_against_golden
from backtest.gate.check_view import check_blocks
from backtest.gate.compare import Comparison, RunLike, compare_runs
from backtest.gate.compare_view import comparison_blocks
from backtest.gate.golden import Golden, read_golden, verify_data
from backtest.gate.tolerances import Tolerances, load_tolerances
from backtest.pipeline.result import LoadedRun, Result, load
from backtest.pipeline.runner import run
from backtest.report.markup import to_markdown

__all__ = ["RunSource", "check", "compare", "markdown", "resolve_run"]

RunSource = Result | LoadedRun | Config | str | os.PathLike[str]
"""Anything that names a run: one in memory, a config to run, or a results folder to read."""


def resolve_run(source: RunSource) -> Result | LoadedRun:
    """Return the run ``source`` names: run a config, read a results folder, or pass it through.

    Raises
    ------
    ConfigError
        When a path is neither a config file nor a results folder.
    """
    if isinstance(source, Result | LoadedRun):
        return source
    if isinstance(source, Config):
        return run(source)
    path = Path(source)
    if path.is_dir():
        return load(path)
    if path.is_file():
        return run(load_config(path))
    raise ConfigError(f"`{path}` is neither a config file nor a results folder")


def check(
    source: RunSource,
    golden: str | os.PathLike[str],
    *,
    tolerances: Tolerances | str | os.PathLike[str] | None = None,
) -> CheckReport:
    """Check a run against the golden file at ``golden`` (what ``backtest check`` does).

    Raises
    ------
    GoldenDataError
        When the golden was made on other price data (``backtest check`` exits 2).
    """
    result = resolve_run(source)
    if not isinstance(result, Result):
        raise ConfigError(
            "`check` needs a run made here (a config or a `Result`), not a results folder: the "
            "gate re-reads the golden's prices from the run's source"
        )
    path = str(golden)
    pinned: Golden = read_golden(path)
    note = verify_data(pinned, result, label=path)
    if not isinstance(tolerances, Tolerances):
        tolerances = load_tolerances(None if tolerances is None else Path(tolerances))
    return check_against_golden(
        result, pinned, tolerances=tolerances, golden_path=path, data_note=note
    )


def compare(a: RunSource, b: RunSource, *, labels: tuple[str, str] = ("A", "B")) -> Comparison:
    """Compare two runs: config keys, data, every metric, every target weight."""
    sides: list[RunLike] = [resolve_run(a), resolve_run(b)]
    return compare_runs(sides[0], sides[1], labels=labels)


def markdown(
    report: CheckReport | Comparison, *, top: int | None = None, full: bool = False
) -> str:
    """Return the Markdown of a check report or a comparison (what the commands print).

    ``top`` caps the moved weights listed (default 25 for a check, 10 events for a
    comparison); ``full`` lists unchanged metrics too.
    """
    if isinstance(report, CheckReport):
        blocks = check_blocks(report, all_rows=full, max_rows=25 if top is None else top)
    else:
        blocks = comparison_blocks(report, top=10 if top is None else top, full=full)
    return to_markdown(blocks)
