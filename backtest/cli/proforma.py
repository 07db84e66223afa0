"""``backtest proforma CONFIG --as-of DATE``: the next rebalance's targets as decided at DATE.

Reads the config's prices up to DATE and its signal vintages as known then, takes the latest
determination date on or before DATE, and for every strategy prints the scheme's weights, the
weights after each constraint in order (the last is the target), the bucket totals and the
inference share used, with the event's determination and effective dates. Writes
``<out>/<name>-proforma-<DATE>/`` (``proforma.csv``, ``proforma.json``, ``proforma.md``; an
existing folder only with ``--force``). ``--json`` prints the JSON instead of the Markdown.
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
    validate_references,
)
from backtest.parsing import parse_date

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``proforma`` sub-command to ``sub`` (an argparse subparsers action)."""
    command = sub.add_parser(
        "proforma",
        help="the next rebalance's targets as decided with the data known at a date",
        description=(__doc__ or "").replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("config", help="path of a TOML run config")
    command.add_argument(
        "--as-of", required=True, metavar="YYYY-MM-DD", help="decide with the data known that day"
    )
    add_override_flags(command)
    command.add_argument("--force", action="store_true", help="replace an existing folder")
    add_json_flag(command, "the pro-forma (dates, signals, every layer's weights)")
    command.set_defaults(handler=_cmd_proforma)


def _cmd_proforma(args: argparse.Namespace) -> int:
    from backtest.pipeline.proforma import proforma, proforma_blocks, write_proforma
    from backtest.pipeline.result import check_writable
    from backtest.report.markup import to_markdown

    as_of = parse_date(args.as_of, "`--as-of`")
    config = load_with_overrides(args.config, args)
    out = Path(args.out) / f"{config.run.name}-proforma-{as_of.isoformat()}"
    check_writable(out, force=args.force)  # fail before the work, not after
    validate_references(config)
    pro = proforma(config, as_of=as_of)
    path = write_proforma(pro, out, force=args.force)
    if args.json:
        print_json(pro.to_json())
    else:
        print(to_markdown(proforma_blocks(pro)), end="")
        print(f"\nwrote {path}/ ({pro.label})")
    return 0
