"""``backtest data snapshot|info|check``: pin a price panel for CI, describe one, check a source.

``backtest data snapshot --universe NAME --start YYYY-MM-DD --end YYYY-MM-DD --source
yahoo|files [--data-dir DIR] --out FILE.parquet`` loads the universe's tickers plus its baseline,
validates and aligns them to the baseline's calendar (DESIGN section 2), applies the default
quality policy (``docs/data-quality.md``) and writes the panel with a ``FILE.parquet.json``
sidecar (sha256, span, provenance). ``backtest data info FILE`` prints its span, tickers,
first/last prices and gaps. ``backtest data check PATH`` (a folder of price files, a snapshot
or the price cache) prints every quality finding of the whole source (ticker, date, kind,
move, suspected cause) and exits 0 when clean, 1 when not, so a CI job can check its prices
before the gate.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
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
    snap.add_argument(
        "--accept",
        metavar="TICKER:YYYY-MM-DD,...",
        help="genuine events the quality checks accept, like [data.quality.accept]",
    )
    snap.add_argument("--out", required=True, metavar="FILE.parquet", help="snapshot to write")
    snap.add_argument("--force", action="store_true", help="replace an existing snapshot")
    snap.set_defaults(handler=_cmd_snapshot)
    info = group.add_parser("info", help="print a snapshot's span, tickers and gaps")
    info.add_argument("file", help="snapshot .parquet file")
    info.add_argument("--json", action="store_true", help="print the summary as JSON")
    info.set_defaults(handler=_cmd_info)
    check = group.add_parser(
        "check",
        help="check a price source for quality findings (exit 0 clean, 1 findings)",
        description="Check every ticker of PATH (a folder of price files, a snapshot or a "
        "price cache folder; --cache: the cache the yahoo source uses) over its whole history: "
        "split-like and implausible one-day moves, stale prices, adjustment-factor jumps, "
        "values read as missing. Prints one line per finding; exit 0 when every finding is "
        "accepted or there is none, 1 otherwise, 2 on an error.",
    )
    check.add_argument("path", nargs="?", help="folder, snapshot .parquet or cache folder")
    check.add_argument(
        "--cache", action="store_true", help="check the price cache (PATH, else the default one)"
    )
    check.add_argument(
        "--accept",
        metavar="TICKER:YYYY-MM-DD,...",
        help="genuine events to set aside, like [data.quality.accept]",
    )
    check.add_argument(
        "--config", metavar="FILE", help="take the accepted events from FILE's [data.quality]"
    )
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    check.set_defaults(handler=_cmd_check)


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from backtest.cli.options import warnings_to_stderr
    from backtest.config import Config, DataConfig, QualityConfig
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
        quality=QualityConfig(
            accept={t: tuple(days) for t, days in _parse_accept(args.accept).items()}
        ),
    )
    if args.max_fill_days is not None:
        data = dataclasses.replace(data, max_fill_days=args.max_fill_days)
    config = Config(data=data, universe=args.universe, baseline=universe.baseline)
    provider = make_provider(config)
    tickers = sorted(set(universe.tickers) | {universe.baseline})
    with warnings_to_stderr():
        panel = load_panel(
            provider,
            tickers=tickers,
            members=universe.members,
            fx=args.fx,
            start=start,
            end=end,
            baseline=universe.baseline,
            max_fill_days=data.max_fill_days,
            quality=data.quality,
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


def _parse_accept(text: str | None) -> dict[str, list[dt.date]]:
    accept: dict[str, list[dt.date]] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        ticker, sep, day = item.strip().rpartition(":")
        if not sep or not ticker:
            raise ConfigError(
                f"`--accept` entries must look like `AAPL:2000-09-29` (ticker:date), got {item!r}"
            )
        accept.setdefault(ticker, []).append(parse_date(day, "`--accept`"))
    return accept


def _cmd_check(args: argparse.Namespace) -> int:
    from backtest.config import load_config
    from backtest.data.audit import audit_source
    from backtest.data.cache import default_cache_dir

    if args.path is None and not args.cache:
        raise ConfigError("`backtest data check` needs a PATH (or --cache for the price cache)")
    path = Path(args.path) if args.path else default_cache_dir()
    accept = _parse_accept(args.accept)
    if args.config:
        for ticker, days in load_config(args.config).data.quality.accept.items():
            accept.setdefault(ticker, []).extend(days)
    audit = audit_source(path, accept=accept, kind="cache" if args.cache else None)
    if args.json:
        print(json.dumps(audit.to_dict(), indent=2))
        return 0 if audit.clean else 1
    report = audit.report
    print(
        f"{audit.path} ({audit.source}): {len(audit.tickers)} tickers, {audit.start} .. "
        f"{audit.end}; {len(report.findings)} finding(s), {len(report.accepted)} accepted"
    )
    for skipped in audit.skipped:
        print(f"  skipped {skipped}")
    rows = [(f, "") for f in report.findings] + [(f, "  [accepted]") for f in report.accepted]
    for finding, note in sorted(rows, key=lambda r: (r[0].date, r[0].ticker)):
        print(
            f"{finding.ticker:<9} {finding.span:<22} {finding.kind:<17} {finding.move}; "
            f"suspected cause: {finding.cause}{note}"
        )
    return 0 if audit.clean else 1
