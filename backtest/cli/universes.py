"""``backtest universes list|show``: the packaged universes, their members and eligibility.

``show NAME [--as-of DATE]`` prints members by bucket with exposure, membership window and the
first price date found in a price source; with ``--as-of`` it adds who was eligible on that
date (DESIGN section 3: a member on ``t_d`` with at least ``min_history_days`` valid prices up
to ``t_d``, ``t_d`` = the last trading day on or before the date). Prices come from the folder
given with ``--data-dir`` (the ``files`` source), else from the embedded demo market, whose
listing dates are the real IPO dates of ARM and ALAB; the output says which.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.constants import DEFAULT_MAX_FILL_DAYS, DEFAULT_MIN_HISTORY_DAYS
from backtest.errors import ConfigError, DataError
from backtest.parsing import parse_date
from universes import Member, Universe, known_universes, load_universe

__all__ = ["PriceView", "load_price_view", "register"]

_EARLIEST = dt.date(2000, 1, 1)


def register(sub: Any) -> None:
    """Add the ``universes`` command group to ``sub`` (an argparse subparsers action)."""
    group = sub.add_parser("universes", help="list universes or show one's members")
    actions = group.add_subparsers(dest="universes_action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the packaged universes")
    listing.set_defaults(handler=_cmd_list)
    show = actions.add_parser("show", help="members by bucket (and who was eligible --as-of)")
    show.add_argument("universe", metavar="NAME", help="packaged name or path of a .toml file")
    show.add_argument("--as-of", metavar="YYYY-MM-DD", help="show who was eligible on this date")
    show.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder of per-ticker price files for listing dates and eligibility "
        "(default: the embedded demo market)",
    )
    show.add_argument(
        "--min-history-days",
        type=int,
        default=DEFAULT_MIN_HISTORY_DAYS,
        metavar="N",
        help=f"valid prices needed for eligibility (default {DEFAULT_MIN_HISTORY_DAYS})",
    )
    show.set_defaults(handler=_cmd_show)


def _cmd_list(args: argparse.Namespace) -> int:
    print(f"{'universe':<22} {'gpu':>4} {'asic':>4} {'edge':>4}  {'baseline':<8}  description")
    for name in known_universes():
        universe = load_universe(name)
        counts = [len(v) for v in universe.by_bucket().values()]
        print(
            f"{name:<22} {counts[0]:>4} {counts[1]:>4} {counts[2]:>4}  {universe.baseline:<8}  "
            f"{universe.description}"
        )
    return 0


@dataclass(frozen=True, kw_only=True)
class PriceView:
    """Prices of a universe on the baseline calendar, as a display command needs them.

    Attributes
    ----------
    prices : DataFrame, shape (n_days, n_available)
        Aligned adjusted closes of the members the source has (NaN before a listing).
    missing : tuple of str
        Members the source does not have.
    problems : tuple of str
        Validation errors of single tickers (their prices are then used unfilled).
    label : str
        Where the prices came from, printed with the output.
    """

    prices: pd.DataFrame
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    label: str


def load_price_view(universe: Universe, *, data_dir: str | None, end: dt.date) -> PriceView:
    """Load the members' prices up to ``end`` from ``data_dir`` (files) or the demo market."""
    from backtest.config import parse_config
    from backtest.data.demo import DEMO_END, DEMO_START
    from backtest.data.panel import load_panel
    from backtest.data.validate import align_prices
    from backtest.pipeline.providers import make_provider

    if data_dir is not None:
        folder = Path(data_dir).resolve()
        config = parse_config({"data": {"source": "files", "dir": str(folder)}})
        start, label = _EARLIEST, f"files in {folder}"
    else:
        config = parse_config({"data": {"source": "demo"}})
        start, end = DEMO_START, min(end, DEMO_END)
        if end < start:
            raise ConfigError(f"`--as-of` {end} is before the demo market starts ({DEMO_START})")
        label = "embedded demo market (synthetic; ARM and ALAB start at their real IPO dates)"
    provider = make_provider(config)
    base = load_panel(
        provider,
        tickers=[universe.baseline],
        members=(),
        fx=None,
        start=start,
        end=end,
        baseline=universe.baseline,
        max_fill_days=DEFAULT_MAX_FILL_DAYS,
        quality=None,  # a listing display, not a run: its prices are shown as they are
    ).prices
    calendar = pd.DatetimeIndex(base.index)
    columns: dict[str, pd.Series] = {universe.baseline: base[universe.baseline]}
    missing: list[str] = []
    problems: list[str] = []
    for ticker in universe.tickers:
        if ticker == universe.baseline:
            continue
        try:
            raw = provider.load([ticker], start, end).prices
        except DataError:
            missing.append(ticker)
            continue
        if raw[ticker].notna().any():  # else it lists after ``end``: all NaN
            try:
                pair, _ = align_prices(
                    pd.concat([base[[universe.baseline]], raw], axis=1),
                    baseline=universe.baseline,
                    start=start,
                    end=end,
                )
                columns[ticker] = pair[ticker]
                continue
            except DataError as exc:  # shown, and the prices are taken unfilled
                problems.append(" ".join(str(exc).split()))
        columns[ticker] = raw[ticker].reindex(calendar)
    prices = pd.DataFrame(columns, index=calendar)
    available = [t for t in universe.tickers if t not in missing]
    return PriceView(
        prices=prices[available], missing=tuple(missing), problems=tuple(problems), label=label
    )


def _cmd_show(args: argparse.Namespace) -> int:
    from backtest.inputs.context import eligibility

    universe = load_universe(args.universe)
    as_of = _parse_as_of(args.as_of)
    view = load_price_view(universe, data_dir=args.data_dir, end=as_of or dt.date.today())
    prices = view.prices
    first_valid: dict[str, pd.Timestamp | None] = {}
    for ticker in prices.columns:
        valid = prices.index[prices[ticker].notna()]
        first_valid[ticker] = valid[0] if len(valid) else None
    print(f"{universe.name}: {universe.description}")
    print(f"baseline {universe.baseline}; file {universe.source}")
    print(f"prices: {view.label}, {prices.index[0].date()} .. {prices.index[-1].date()}")
    status: dict[str, str] = {}
    if as_of is not None:
        rows = int(prices.index.searchsorted(pd.Timestamp(as_of), side="right")) - 1
        if rows < 0:
            raise ConfigError(
                f"`--as-of` {as_of} is before the first price ({prices.index[0].date()})"
            )
        t_d = prices.index[rows]
        events = pd.DataFrame(
            {"determination_date": [t_d], "effective_date": [t_d], "determination_row": [rows]}
        )
        flags = eligibility(
            prices, events, universe.membership(), min_history_days=args.min_history_days
        )
        for ticker in prices.columns:
            days = int(prices[ticker].iloc[: rows + 1].notna().sum())
            if bool(flags[ticker].iloc[0]):
                status[ticker] = "yes"
            elif not universe.member(ticker).is_member_on(t_d.date()):
                status[ticker] = "no (not a member)"
            else:
                status[ticker] = f"no ({days} days)"
        print(
            f"eligibility as of {as_of} (t_d = {t_d.date()}): a member on t_d with at least "
            f"{args.min_history_days} valid prices up to t_d"
        )
    for bucket, members in universe.by_bucket().items():
        if not members:
            continue
        print(f"\n[{bucket}]")
        header = (
            f"  {'ticker':<8} {'exposure':>8}  {'currency':<8} {'first price':<11}  {'window':<22}"
        )
        print(header + (f"  {'eligible':<17}" if as_of is not None else "") + "  note")
        for member in members:
            print(_member_line(member, first_valid, status, as_of is not None))
    print(
        f"\nfirst price: first valid price in the loaded window on the {universe.baseline} "
        f"calendar (the window's first day means 'on or before')"
    )
    if view.missing:
        print(f"not in the price source: {', '.join(view.missing)}")
    for problem in view.problems:
        print(f"data warning: {problem}")
    return 0


def _member_line(
    member: Member,
    first_valid: dict[str, pd.Timestamp | None],
    status: dict[str, str],
    with_eligibility: bool,
) -> str:
    first = first_valid.get(member.ticker)
    first_text = "n/a" if first is None else str(first.date())
    window = f"{member.member_from or '-'}..{member.member_until or '-'}"
    line = (
        f"  {member.ticker:<8} {member.exposure:>8.2f}  {member.currency:<8} {first_text:<11}  "
        f"{window:<22}"
    )
    if with_eligibility:
        line += f"  {status.get(member.ticker, 'n/a'):<17}"
    return f"{line}  {member.note}"


def _parse_as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    return parse_date(value, "`--as-of`")
