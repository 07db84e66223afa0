"""``backtest compare A B``: the methodology diff between two configs or two results folders.

Each side is a TOML config (run now, override flags applied) or a folder written by
``backtest run``. Prints Markdown on stdout (JSON with ``--json``): config keys that differ,
whether the prices are the same, which strategies changed at all, metrics side by side with
deltas, turnover and costs, and per event the bucket and target weights that moved most.
``--md`` and ``--html`` write the same report to files.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from backtest.cli.options import (
    add_json_flag,
    add_override_flags,
    load_with_overrides,
    print_json,
    run_quietly,
    validate_references,
    write_text_atomic,
)
from backtest.config import Config
from backtest.errors import ConfigError

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``compare`` sub-command to ``sub`` (an argparse subparsers action)."""
    compare = sub.add_parser(
        "compare",
        help="diff two configs or two results folders (metrics, weights, costs)",
        description=(__doc__ or "").replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("a", metavar="A", help="config (.toml) or results folder: the before")
    compare.add_argument("b", metavar="B", help="config (.toml) or results folder: the after")
    compare.add_argument("--md", metavar="FILE", help="also write the Markdown report to FILE")
    compare.add_argument("--html", metavar="FILE", help="also write the report as HTML to FILE")
    compare.add_argument(
        "--top", type=int, default=10, metavar="N", help="changed events listed (default 10)"
    )
    compare.add_argument("--all", action="store_true", help="list unchanged metrics too")
    compare.add_argument(
        "--fail-on-change", action="store_true", help="exit 1 when any strategy changed"
    )
    add_override_flags(compare, out=False)
    add_json_flag(compare, "every difference")
    compare.set_defaults(handler=_cmd_compare)


def _side(path: str, args: argparse.Namespace) -> Any:
    """Return a results folder (loaded) or a config (loaded and validated, not yet run)."""
    from backtest.pipeline.result import load

    target = Path(path)
    if target.is_dir():
        return load(target)
    if target.is_file():
        config = load_with_overrides(path, args)
        validate_references(config)
        return config
    raise ConfigError(f"`{path}` is neither a config file nor a results folder")


def _run(side: Any) -> Any:
    return run_quietly(side) if isinstance(side, Config) else side


def _cmd_compare(args: argparse.Namespace) -> int:
    from backtest.gate.compare import compare_runs
    from backtest.gate.compare_view import comparison_blocks
    from backtest.report.markup import to_html, to_markdown

    if args.top < 0:
        raise ConfigError(f"`--top` must be >= 0, got {args.top}")
    sides = [_side(args.a, args), _side(args.b, args)]  # both checked before either runs
    comparison = compare_runs(_run(sides[0]), _run(sides[1]), labels=(args.a, args.b))
    blocks = comparison_blocks(comparison, top=args.top, full=args.all)
    markdown = to_markdown(blocks)
    if args.md:
        write_text_atomic(args.md, markdown)
    if args.html:
        write_text_atomic(args.html, to_html(blocks, title=f"compare {args.a} {args.b}"))
    if args.json:
        print_json(comparison.to_json())
    else:
        print(markdown, end="")
    changed = any(status != "identical" for status in comparison.status.values())
    return 1 if args.fail_on_change and changed else 0
