"""``backtest data snapshot|info``: pin an aligned price panel for CI, and describe one.

``backtest data snapshot --universe NAME --start YYYY-MM-DD --end YYYY-MM-DD --source
yahoo|files [--data-dir DIR] --out FILE.parquet`` loads the universe's tickers plus its baseline,
validates and aligns them to the baseline's calendar (DESIGN section 2) and writes the panel
with a ``FILE.parquet.json`` sidecar (sha256, span, provenance). ``backtest data info FILE``
prints its span, tickers, first/last prices and gaps.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from backtest.errors import ConfigError
from backtest.parsing import parse_date

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``data`` command group to ``sub`` (an argparse subparsers action)."""
    data = sub.add_parser("data", help="price snapshots for CI: write one, describe one")
    group = data.add_subparsers(dest="data_command", required=True)
    snap = group.add_parser(
        "snapshot",
        help="write an aligned price panel and its sha256 sidecar",
        description="Load, validate and align a universe's prices, write FILE.parquet and "
        "FILE.parquet.json (never over an existing file without --force).",
    )
    snap.add_argument("--universe", required=True, help="universe name or TOML path")
    snap.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first day")
    snap.add_argument("--end", required=True, metavar="YYYY-MM-DD", help="last day")
    snap.add_argument("--source", required=True, choices=["yahoo", "files"], help="price source")
    snap.add_argument("--data-dir", metavar="DIR", help="price folder or file (source files)")
    snap.add_argument("--cache-dir", metavar="DIR", help="Yahoo cache folder (source yahoo)")
    snap.add_argument("--offline", action="store_true", help="Yahoo: use the cache only")
    snap.add_argument("--allow-missing", action="store_true", help="leave out missing tickers")
    snap.add_argument("--fx", metavar="CUR:TICKER,...", help="FX series for non-USD members")
    snap.add_argument("--max-fill-days", type=int, default=None, help="longest gap filled")
    snap.add_argument("--out", required=True, metavar="FILE.parquet", help="snapshot to write")
    snap.add_argument("--force", action="store_true", help="replace an existing snapshot")
    snap.set_defaults(handler=_cmd_snapshot)
    info = group.add_parser("info", help="print a snapshot's span, tickers and gaps")
    info.add_argument("file", help="snapshot .parquet file")
    info.add_argument("--json", action="store_true", help="print the summary as JSON")
    info.set_defaults(handler=_cmd_info)


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from backtest.config import Config, DataConfig
    from backtest.data.panel import load_panel
    from backtest.data.snapshot import write_snapshot
    from backtest.pipeline.providers import make_provider
    from universes import load_universe

    start, end = parse_date(args.start, "`--start`"), parse_date(args.end, "`--end`")
    if end <= start:
        raise ConfigError(f"`--end` ({end}) must be after `--start` ({start})")
    out = Path(args.out)
    if out.exists() and not args.force:  # fail before the download, not after
        raise ConfigError(f"snapshot `{out}` already exists; pass --force to replace it")
    if args.source == "files" and not args.data_dir:
        raise ConfigError("`--data-dir` is required with `--source files`")
    universe = load_universe(args.universe)
    data = DataConfig(
        source=args.source,
        dir=str(Path(args.data_dir).resolve()) if args.data_dir else None,
        cache_dir=str(Path(args.cache_dir).resolve()) if args.cache_dir else None,
        offline=args.offline,
        allow_missing=args.allow_missing,
    )
    if args.max_fill_days is not None:
        data = dataclasses.replace(data, max_fill_days=args.max_fill_days)
    config = Config(data=data, universe=args.universe, baseline=universe.baseline)
    provider = make_provider(config)
    tickers = sorted(set(universe.tickers) | {universe.baseline})
    panel = load_panel(
        provider,
        tickers=tickers,
        members=universe.members,
        fx=args.fx,
        start=start,
        end=end,
        baseline=universe.baseline,
        max_fill_days=data.max_fill_days,
    )
    meta = write_snapshot(
        panel.prices,
        out,
        force=args.force,
        provenance={
            "source": provider.name,
            "universe": universe.name,
            "baseline": universe.baseline,
            "requested": {"start": start.isoformat(), "end": end.isoformat()},
            "max_fill_days": data.max_fill_days,
            "filled_gaps": [
                f"{g.ticker} {g.first_missing}..{g.last_missing} ({g.days} days)"
                for g in panel.alignment.filled_gaps
            ],
            "provider": panel.provenance,
        },
    )
    print(
        f"wrote {out} ({meta['rows']} days x {len(meta['tickers'])} tickers, "
        f"{meta['start']} .. {meta['end']})\nsha256 = {meta['sha256']}"
    )
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from backtest.data.snapshot import snapshot_info

    info = snapshot_info(Path(args.file))
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['path']}\n  sha256  {info['sha256']}")
    print(f"  span    {info['start']} .. {info['end']} ({info['rows']} trading days)")
    print(f"  tickers {len(info['tickers'])}")
    width = max((len(t) for t in info["tickers"]), default=6)
    for ticker, row in info["tickers"].items():
        gaps = ", ".join(row["gaps"]) if row["gaps"] else "none"
        print(
            f"  {ticker:<{width}}  {row['first'] or '-':>10} .. {row['last'] or '-':<10}  "
            f"{row['prices']:>5} prices  gaps: {gaps}"
        )
    return 0
