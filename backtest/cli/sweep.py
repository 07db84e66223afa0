"""``backtest sweep CONFIG``: expand the config's ``[sweep]`` table, run every variant, report.

Writes ``<out>/<name>/`` (``sweep.parquet``, ``report.md``, charts, statistics). Finished
chunks are kept in ``<out>/.<name>.chunks/`` while the sweep runs, so ``--resume`` continues an
interrupted sweep without redoing them; the folder is removed once the outputs are written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from backtest.cli.options import (
    add_config_command,
    add_json_flag,
    load_with_overrides,
    print_json,
    progress_enabled,
)
from backtest.errors import ConfigError
from backtest.metrics import METRIC_NAMES
from backtest.parsing import parse_date

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``sweep`` sub-command to ``sub`` (an argparse subparsers action)."""
    p = add_config_command(
        sub,
        "sweep",
        summary="run the [sweep] variants of a config and report the overfitting statistics",
        description="Run every variant of CONFIG's [sweep] table with the fast kernel, write "
        "sweep.parquet and the sweep report (DSR, PBO, SPA; optional out-of-sample checks).",
        config_help="path of a TOML config with a [sweep] table",
        force_help="replace an existing sweep folder (and discard unfinished chunks)",
    )
    p.add_argument("--executor", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="continue an interrupted sweep")
    p.add_argument("--chunk-size", type=int, help="variants per chunk (overrides sweep.chunk_size)")
    p.add_argument("--metric", choices=METRIC_NAMES, help="ranking metric (overrides sweep.metric)")
    p.add_argument("--top", type=int, default=20, help="rows of the top-N table (default 20)")
    p.add_argument("--heatmap", nargs=2, metavar=("X", "Y"), help="heatmap parameters")
    p.add_argument("--train-until", metavar="YYYY-MM-DD", help="pick on data up to this day")
    p.add_argument(
        "--walk-forward", type=int, metavar="MONTHS", help="re-pick every MONTHS after the split"
    )
    p.add_argument("--detail", type=int, metavar="TOP_N", help="re-run the top N with vectorbt")
    p.add_argument("--pbo-blocks", type=int, default=10, help="CSCV blocks, even (default 10)")
    p.add_argument("--spa-reps", type=int, default=1000, help="SPA bootstrap draws (default 1000)")
    p.add_argument("--no-stats", action="store_true", help="skip DSR, PBO and SPA")
    add_json_flag(p, "the statistics and the results path")
    p.set_defaults(handler=_cmd_sweep)


def _positive(value: int | None, flag: str, minimum: int = 1) -> None:
    if value is not None and value < minimum:
        raise ConfigError(f"`{flag}` must be >= {minimum}, got {value}")


def _progress() -> Any:
    from backtest.sweep.progress import ProgressBar

    return ProgressBar() if progress_enabled() else None


def _cmd_sweep(args: argparse.Namespace) -> int:
    import dataclasses

    from backtest.sweep.detail import detail_top
    from backtest.sweep.executor import DaskExecutor, LocalExecutor
    from backtest.sweep.grid import load_sweep
    from backtest.sweep.oos import sweep_oos
    from backtest.sweep.plan import Analysis
    from backtest.sweep.report import write_sweep
    from backtest.sweep.run import run_sweep
    from backtest.sweep.summary import sweep_statistics

    for value, flag in ((args.chunk_size, "--chunk-size"), (args.top, "--top")):
        _positive(value, flag)
    _positive(args.detail, "--detail")
    _positive(args.spa_reps, "--spa-reps")
    _positive(args.walk_forward, "--walk-forward")
    if args.pbo_blocks < 2 or args.pbo_blocks % 2:
        raise ConfigError(f"`--pbo-blocks` must be an even integer >= 2, got {args.pbo_blocks}")
    if args.walk_forward and not args.train_until:
        raise ConfigError("`--walk-forward` needs `--train-until` (the end of the first span)")
    train_until = None
    if args.train_until:
        train_until = parse_date(args.train_until, "`--train-until`")
    if args.executor == "dask" and not args.scheduler:
        raise ConfigError("`--executor dask` needs `--scheduler tcp://HOST:PORT`")
    config = load_with_overrides(args.config, args)
    spec = load_sweep(args.config)
    if args.chunk_size:
        spec = dataclasses.replace(spec, chunk_size=args.chunk_size)
    if args.metric:
        spec = dataclasses.replace(spec, metric=args.metric)
    out = Path(args.out) / config.run.name
    if out.exists() and not args.force:
        raise ConfigError(
            f"results folder `{out}` already exists; pass --force to replace it or --name to "
            "write elsewhere"
        )
    executor = DaskExecutor(scheduler=args.scheduler) if args.executor == "dask" else None
    chunks = Path(args.out) / f".{config.run.name}.chunks"
    if chunks.exists() and not args.resume:
        if not args.force:
            raise ConfigError(
                f"unfinished sweep chunks exist in `{chunks}`; pass --resume to continue them "
                "or --force to start again"
            )
        shutil.rmtree(chunks)
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        analysis = Analysis(
            statistics=not args.no_stats,
            pbo_blocks=args.pbo_blocks,
            spa_reps=args.spa_reps,
            seed=spec.seed,
            train_until=train_until,
            walk_forward_months=args.walk_forward,
        )
        result = run_sweep(
            config,
            spec,
            analysis=analysis,
            executor=executor or LocalExecutor(),
            chunk_dir=chunks,
            resume=args.resume,
            progress=_progress(),
        )
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    simulated = time.monotonic() - started
    statistics = None if args.no_stats else sweep_statistics(result)
    oos, walk = sweep_oos(result)
    detail = None
    if args.detail:
        n = args.detail

        def detail(folder: Path) -> Any:
            return detail_top(result, n, folder)

    path = write_sweep(
        result,
        out,
        statistics=statistics,
        force=args.force,
        top_n=args.top,
        heatmap=tuple(args.heatmap) if args.heatmap else None,
        oos=oos,
        walk=walk,
        detail=detail,
    )
    shutil.rmtree(chunks, ignore_errors=True)  # every chunk is in the written outputs now
    label = str(result.manifest.get("label", ""))
    total = time.monotonic() - started
    if args.json:
        print_json(
            {
                "path": str(path),
                "label": label,
                "n_variants": len(result.table),
                "seconds": total,
                "statistics": None if statistics is None else statistics.as_dict(),
            }
        )
        return 0
    print(
        f"{len(result.table)} variants simulated in {simulated:.1f}s ({label}); total {total:.1f}s"
    )
    if statistics is not None:
        for sentence in statistics.reading:
            print(f"- {sentence}")
    print(f"\nwrote {path}/ ({label})")
    return 0
