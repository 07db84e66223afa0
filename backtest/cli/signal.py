"""``backtest signal list|show``: the inference-share series and what was known when.

``show [--series NAME|FILE.csv] [--as-of DATE]`` prints the vintages usable at the date (default:
today), marks the latest vintage of each period, and the share a run would read on that date
in each mode. ``--plot FILE.png`` draws the point-in-time path (what was known on each day)
against the hindsight path (final vintages from each period's start).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd

from backtest.atomic import atomic_write_bytes
from backtest.config import Interpolation
from backtest.errors import ConfigError
from backtest.inputs.signal import (
    InferenceSignal,
    known_monitors,
    known_series,
    load_signal,
    training_to_inference,
)
from backtest.parsing import parse_date

__all__ = ["plot_paths", "register"]


def register(sub: Any) -> None:
    """Add the ``signal`` command group to ``sub`` (an argparse subparsers action)."""
    group = sub.add_parser("signal", help="list signal series or show one as known at a date")
    actions = group.add_subparsers(dest="signal_action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="the packaged series (inference share, then the thesis monitors)"
    )
    listing.set_defaults(handler=_cmd_list)
    show = actions.add_parser("show", help="vintages usable at a date, and the share read then")
    show.add_argument(
        "--series",
        default="default",
        metavar="NAME|FILE",
        help="packaged series name or path of a CSV (default: default)",
    )
    show.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date (default: today)")
    show.add_argument("--horizon", type=int, default=0, help="periods ahead (default 0)")
    show.add_argument(
        "--interpolation", choices=get_args(Interpolation), default="step", help="default: step"
    )
    show.add_argument("--plot", metavar="FILE.png", help="draw point-in-time vs hindsight paths")
    show.add_argument("--force", action="store_true", help="replace an existing --plot file")
    show.set_defaults(handler=_cmd_show)


def _cmd_list(args: argparse.Namespace) -> int:
    print(f"{'series':<22} {'rows':>4}  {'periods':<14}  {'published':<23}  first source")
    for name in [*known_series(), *known_monitors()]:
        vintages = load_signal(name).vintages
        periods = f"{vintages['period'].iloc[0]}..{vintages['period'].iloc[-1]}"
        published = (
            f"{vintages['usable_from'].min().date()}..{vintages['usable_from'].max().date()}"
        )
        print(
            f"{name:<22} {len(vintages):>4}  {periods:<14}  {published:<23}  "
            f"{_short(vintages['source'].iloc[0], 60)}"
        )
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    signal = load_signal(args.series)
    as_of = parse_date(args.as_of, "`--as-of`") if args.as_of else dt.date.today()
    plot_path = Path(args.plot) if args.plot else None
    if plot_path is not None:
        _check_plot_path(plot_path, force=args.force)
    known = signal.as_known_at(as_of)
    latest = signal.as_known_at(as_of, latest_only=True)
    latest_keys = set(
        zip(latest["period"].astype(str), pd.DatetimeIndex(latest["usable_from"]), strict=True)
    )
    print(f"series {signal.name} (sha256 {signal.sha256[:12]}), as known at {as_of}")
    print(f"{len(known)} of {len(signal.vintages)} vintages usable; * = latest of its period\n")
    print(f"  {'period':<7} {'share':>6} {'t:i':>6}  {'usable_from':<11}  {'kind':<8}  source")
    for period, share, usable, kind, source in zip(
        known["period"].astype(str),
        known["share"].to_numpy(dtype=float),
        pd.DatetimeIndex(known["usable_from"]),
        known["kind"].astype(str),
        known["source"].astype(str),
        strict=True,
    ):
        mark = "*" if (period, usable) in latest_keys else " "
        ratio = float(training_to_inference(share))
        print(
            f"{mark} {period:<7} {share:>6.3f} {ratio:>6.2f}  "
            f"{usable.date()!s:<11}  {kind:<8}  {_short(source, 90)}"
        )
    hidden = len(signal.vintages) - len(known)
    if hidden:
        print(f"  ({hidden} later vintage(s) not yet published on {as_of})")
    pit = signal.share_at([as_of], horizon=args.horizon, interpolation=args.interpolation).iloc[0]
    hindsight = signal.share_at(
        [as_of], mode="hindsight", horizon=args.horizon, interpolation=args.interpolation
    ).iloc[0]
    print(
        f"\nshare on {as_of} (horizon {args.horizon}, {args.interpolation}): "
        f"point-in-time {_fmt(pit)}; hindsight {_fmt(hindsight)} (contains look-ahead)"
    )
    if plot_path is not None:
        plot_paths(signal, plot_path, horizon=args.horizon, interpolation=args.interpolation)
        print(f"wrote {plot_path}")
    return 0


def plot_paths(
    signal: InferenceSignal,
    path: Path,
    *,
    horizon: int = 0,
    interpolation: Interpolation = "step",
) -> pd.DataFrame:
    """Draw the point-in-time and hindsight paths to a PNG at ``path`` (atomic write).

    Returns
    -------
    DataFrame, shape (n_days, 2)
        The daily ``point_in_time`` and ``hindsight`` shares that were drawn, from the first
        period's start to the last period's end.
    """
    from backtest.report.charts import png_bytes
    from backtest.report.signal_chart import signal_paths_chart

    periods = signal.vintages["period"]
    first = min(periods.iloc[0].start_time, signal.vintages["usable_from"].min())
    days = pd.date_range(first.normalize(), periods.iloc[-1].end_time.normalize(), freq="D")
    paths = pd.DataFrame(
        {
            mode: signal.share_at(days, mode=mode, horizon=horizon, interpolation=interpolation)
            for mode in ("point_in_time", "hindsight")
        }
    )
    figure = signal_paths_chart(
        paths,
        np.unique(signal.vintages["usable_from"].to_numpy(dtype="datetime64[ns]")),
        title=f"{signal.name}: horizon {horizon}, {interpolation} (grey lines: publication dates)",
    )
    atomic_write_bytes(path, png_bytes(figure))
    return paths


def _check_plot_path(path: Path, *, force: bool) -> None:
    if path.suffix.lower() != ".png":
        raise ConfigError(f"`--plot` must name a .png file, got {str(path)!r}")
    if path.exists() and not force:
        raise ConfigError(f"`--plot` file {str(path)!r} exists; pass --force to replace it")
    if not path.parent.resolve().is_dir():
        raise ConfigError(f"`--plot` folder {str(path.parent)!r} does not exist")


def _fmt(value: float) -> str:
    return "n/a (nothing published yet)" if np.isnan(value) else f"{value:.3f}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
