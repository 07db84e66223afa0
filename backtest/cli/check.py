"""``backtest check CONFIG --golden FILE``: the CI methodology gate (exit 0 pass, 1 drift, 2 error).

Runs CONFIG, verifies it ran on the golden's price data (other data is an error, exit 2), then
compares every metric of every strategy and the baseline, and every target weight of every
event, under per-metric tolerances (`backtest.gate.check`). Prints a Markdown report on stdout (or
JSON with ``--json``); ``--md``/``--html`` write it to files for a PR comment or an artifact.
``--update`` rewrites the golden file on purpose, after printing what moved.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from backtest.cli.options import (
    add_json_flag,
    add_override_flags,
    load_with_overrides,
    print_json,
    run_quietly,
    write_text_atomic,
)

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``check`` sub-command to ``sub`` (an argparse subparsers action)."""
    check = sub.add_parser(
        "check",
        help="compare a run with its golden file (exit 0 pass, 1 drift, 2 error)",
        description=(__doc__ or "").replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("config", help="path of a TOML run config")
    check.add_argument("--golden", required=True, metavar="FILE", help="golden JSON file")
    check.add_argument(
        "--tolerances", metavar="FILE", help="TOML tolerance overrides (see docs/ci-gate.md)"
    )
    check.add_argument("--md", metavar="FILE", help="also write the Markdown report to FILE")
    check.add_argument("--html", metavar="FILE", help="also write the report as HTML to FILE")
    check.add_argument(
        "--update", action="store_true", help="rewrite the golden file from this run (explicit)"
    )
    check.add_argument(
        "--all", action="store_true", help="list unchanged metrics and every moved weight"
    )
    check.add_argument(
        "--max-rows", type=int, default=25, metavar="N", help="moved weights listed (default 25)"
    )
    add_override_flags(check, out=False)
    add_json_flag(check, "the full comparison")
    check.set_defaults(handler=_cmd_check)


def _cmd_check(args: argparse.Namespace) -> int:
    from backtest.errors import ConfigError
    from backtest.gate.check import check_against_golden
    from backtest.gate.check_view import check_blocks, report_json
    from backtest.gate.golden import (
        GoldenDataError,
        golden_from_result,
        read_golden,
        verify_data,
        write_golden,
    )
    from backtest.gate.tolerances import load_tolerances
    from backtest.report.markup import to_html, to_markdown

    if args.max_rows < 0:
        raise ConfigError(f"`--max-rows` must be >= 0, got {args.max_rows}")
    config = load_with_overrides(args.config, args)
    tolerances = load_tolerances(args.tolerances)
    golden_path = Path(args.golden)
    golden = read_golden(golden_path) if golden_path.exists() or not args.update else None
    result = run_quietly(config)
    report = None
    if golden is not None:
        try:
            note = verify_data(golden, result, label=str(golden_path))
        except GoldenDataError as exc:
            if not args.update:
                if args.md:  # the PR comment says why there is no table
                    write_text_atomic(args.md, _error_markdown(config.run.name, exc))
                raise
            note = f"**new data** ({' '.join(str(exc).split())})"
        report = check_against_golden(
            result, golden, tolerances=tolerances, golden_path=str(golden_path), data_note=note
        )
    if report is not None:
        blocks = check_blocks(report, all_rows=args.all, max_rows=args.max_rows)
        markdown = to_markdown(blocks)
        if args.md:
            write_text_atomic(args.md, markdown)
        if args.html:
            write_text_atomic(args.html, to_html(blocks, title=f"backtest check {report.name}"))
        if args.json:
            print_json(report_json(report))
        else:
            print(markdown, end="")
    if args.update:
        write_golden(golden_from_result(result), golden_path)
        if report is None:
            print(f"created golden {golden_path}", file=sys.stderr)
        else:
            verdict = "passed" if report.passed else "drifted (rows above)"
            print(f"updated golden {golden_path}; the old one {verdict}", file=sys.stderr)
        return 0
    assert report is not None
    return report.exit_code


def _error_markdown(name: str, exc: Exception) -> str:
    message = " ".join(str(exc).split())
    return f"## backtest check `{name}`\n\n**ERROR** (exit 2): {message}\n"
