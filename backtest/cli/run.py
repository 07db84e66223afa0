"""``backtest run CONFIG``: run a config, print the metrics table, write ``<out>/<name>/``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from backtest.cli.options import (
    add_config_command,
    add_json_flag,
    apply_overrides,
    load_with_overrides,
    print_json,
    run_quietly,
)

__all__ = ["apply_overrides", "register"]


def register(sub: Any) -> None:
    """Add the ``run`` sub-command to ``sub`` (an argparse subparsers action)."""
    run = add_config_command(
        sub,
        "run",
        summary="run a config and write results/<name>/",
        description="Run CONFIG and write its results folder (never over an existing one "
        "without --force).",
        config_help="path of a TOML run config",
        force_help="replace an existing run folder",
    )
    add_json_flag(run, "the metrics and the results path")
    run.set_defaults(handler=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from backtest.pipeline.result import check_writable, write_run
    from backtest.report.tables import terminal_table, window_lines

    config = load_with_overrides(args.config, args)
    out = Path(args.out) / config.run.name
    check_writable(out, force=args.force)  # fail before the work, not after
    result = run_quietly(config)
    path = write_run(result, out, force=args.force)
    label = str(result.manifest["label"])
    if args.json:
        print_json(
            {
                "path": str(path),
                "label": label,
                "config_sha256": result.manifest["config_sha256"],
                "data_sha256": result.manifest["data_sha256"],
                "window": result.manifest["window"],
                "metrics": result.metrics.to_dict(orient="index"),
            }
        )
        return 0
    print(terminal_table(result.metrics, label=label))
    for line in window_lines(result.manifest):
        print(f"window: {line}")
    print(f"\nwrote {path}/ ({label})")
    return 0
