"""``backtest run CONFIG``: run a config, print the metrics table, write ``results/<name>/``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings
from pathlib import Path
from typing import Any

from backtest.config import Config, load_config

__all__ = ["apply_overrides", "register"]


def register(sub: Any) -> None:
    """Add the ``run`` sub-command to ``sub`` (an argparse subparsers action)."""
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


def apply_overrides(config: Config, args: argparse.Namespace) -> Config:
    run = config.run
    data = config.data
    if getattr(args, "name", None):
        run = dataclasses.replace(run, name=args.name)
    if getattr(args, "source", None):
        data = dataclasses.replace(data, source=args.source)
    if getattr(args, "data_dir", None):  # a flag path is relative to the working directory
        data = dataclasses.replace(data, dir=str(Path(args.data_dir).resolve()))
    return dataclasses.replace(config, run=run, data=data)


def _cmd_run(args: argparse.Namespace) -> int:
    from backtest.report import terminal_table
    from backtest.results import check_writable, write_run
    from backtest.runner import run

    config = apply_overrides(load_config(args.config), args)
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
