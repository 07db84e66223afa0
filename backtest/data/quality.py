"""Quality checks at the boundary: prices that are well formed and still wrong.

Validation (`backtest.data.validate`) refuses what is malformed; these checks look for numbers
that parse fine and are wrong. On a raw panel (dates x tickers, each ticker's log return taken
between its own consecutive prices):

* ``split_like`` / ``implausible_move``: a one-day log move of at least `MOVE_LIMIT` in
  absolute value whose **excess** over the rest of the universe (the move minus the median log
  move of the other tickers that day) is at least as large too (a move the universe shares is
  not the ticker's; a ticker that barely moved is not suspect because another one jumped). It
  is ``split_like`` when the excess is within `SPLIT_TOLERANCE` of ``±log k`` for a ratio ``k``
  in `SPLIT_FACTORS` (a drop to ``1/k``: an unapplied split; a jump to ``k``: an unapplied
  reverse split or a spurious split adjustment), else ``implausible_move``; a move the next
  price undoes is a bad print, ``implausible_move`` whatever its ratio;
* ``stale``: the same price on at least `STALE_DAYS` consecutive observations of a listing;
* ``adjustment_jump``: where the source also has ``close``, a day-to-day change ``j`` of the log
  adjustment factor ``log(adj_close / close)`` that no dividend (``0 <= j <= DIVIDEND_LIMIT``)
  or split of the raw close (``j - (±log k)`` in that band) explains, beyond `FACTOR_NOISE`
  plus what rounding both columns to the cent can move it;
* ``missing_filled``: cells the reader found and read as missing (``n/a``, ``null``, empty)
  that alignment then forward-filled.

Every threshold was derived from the 26 real price files in ``../shared/data/prices`` (full
histories, 141,501 ticker-days of returns): ``docs/data-quality.md`` gives the numbers and the
command (``python -m tests.data.quality_thresholds``) that recomputes them. What a run does with
a finding (refuse or warn, accepted events) is the ``[data.quality]`` policy
(`backtest.config.QualityConfig`), applied by `backtest.data.quality_policy`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

import numpy as np
import pandas as pd

from backtest.data.validate import FilledGap

__all__ = [
    "DIVIDEND_LIMIT",
    "FACTOR_NOISE",
    "FINDING_KINDS",
    "MOVE_LIMIT",
    "SPLIT_FACTORS",
    "SPLIT_TOLERANCE",
    "STALE_DAYS",
    "Finding",
    "FindingKind",
    "check_prices",
    "missing_value_findings",
]

FindingKind = Literal[
    "split_like", "implausible_move", "stale", "adjustment_jump", "missing_filled"
]
FINDING_KINDS: Final[tuple[FindingKind, ...]] = get_args(FindingKind)

SPLIT_FACTORS: Final = (2, 3, 4, 5, 7, 8, 10, 15, 20, 25, 30, 50)
"""Split ratios looked for (``k:1`` and ``1:k``); 3:2 and 5:4 are not (their moves, -33 % and
-20 %, are within the range of genuine days, so prices alone cannot tell them)."""
MOVE_LIMIT: Final = 0.5
"""Smallest absolute log move, the ticker's own and in excess of the universe's, that is a
finding (x1.65 or x0.61)."""
SPLIT_TOLERANCE: Final = 0.1
"""Largest ``|excess - log k|`` called split-like (the smallest split-like move, log 2 - 0.1 =
0.59, is above `MOVE_LIMIT`)."""
STALE_DAYS: Final = 10
"""Shortest run of identical prices (consecutive observations) that is stale."""
FACTOR_NOISE: Final = 1e-3
"""Change of the log adjustment factor below which it is float noise."""
DIVIDEND_LIMIT: Final = -math.log(1.0 - 0.2)
"""Largest rise of the log adjustment factor a dividend explains (a dividend of 20 % of price)."""
_CENT: Final = 0.005  # half a cent: the most rounding a price to the cent moves it
_REVERTS: Final = 0.1  # a move "undone the next day" brings the price back within this (log)
_SPLIT_LOGS: Final = np.log(np.asarray(SPLIT_FACTORS, dtype=float))
_FACTOR_OFFSETS: Final = np.concatenate(([0.0], _SPLIT_LOGS, -_SPLIT_LOGS))


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One suspicious thing in a price panel.

    Attributes
    ----------
    kind : {"split_like", "implausible_move", "stale", "adjustment_jump", "missing_filled"}
    ticker : str
    date : datetime.date
        The day of the move (the later price), or the first day of a run.
    move : str
        What was seen, in words and numbers (``one-day move x0.250 (-75.0 %) ...``).
    cause : str
        The suspected cause.
    end : datetime.date or None
        The last day of a run (stale prices, filled values), else None.
    """

    kind: FindingKind
    ticker: str
    date: dt.date
    move: str
    cause: str
    end: dt.date | None = None

    @property
    def span(self) -> str:
        """``YYYY-MM-DD`` or ``YYYY-MM-DD..YYYY-MM-DD``."""
        return f"{self.date}..{self.end}" if self.end and self.end != self.date else str(self.date)

    def line(self) -> str:
        """One line: ticker, date, kind, move and suspected cause."""
        return (
            f"`{self.ticker}` {self.span} {self.kind}: {self.move}; suspected cause: {self.cause}"
        )

    def to_dict(self) -> dict[str, str | None]:
        """JSON-able form (the manifest's and ``backtest data check --json``'s)."""
        return {
            "ticker": self.ticker,
            "date": self.date.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "kind": self.kind,
            "move": self.move,
            "cause": self.cause,
        }

    def accepted_by(self, accept: Mapping[str, Sequence[dt.date]]) -> bool:
        """Whether ``accept`` (ticker -> dates) names a day of this finding."""
        last = self.end or self.date
        return any(self.date <= day <= last for day in accept.get(self.ticker, ()))


def check_prices(prices: pd.DataFrame, *, close: pd.DataFrame | None = None) -> list[Finding]:
    """Return every move, stale-run and adjustment-factor finding of one raw panel.

    Parameters
    ----------
    prices : DataFrame, shape (n_dates, n_tickers)
        Adjusted closes (validated: finite > 0 or NaN), dates ascending.
    close : DataFrame or None, shape (n_dates, n_close_tickers)
        The source's other close column (not dividend-adjusted) for the tickers that have
        both, on the same dates; enables the adjustment-factor check.

    Returns
    -------
    list of Finding
        Sorted by date, then ticker.
    """
    values = prices.to_numpy(dtype=float)
    tickers = [str(t) for t in prices.columns]
    dates = pd.DatetimeIndex(prices.index)
    findings = _moves(values, dates, tickers) + _stale(values, dates, tickers)
    if close is not None and len(close.columns):
        findings += _adjustment(prices, close.reindex(prices.index))
    return sorted(findings, key=lambda f: (f.date, f.ticker, f.kind))


def _log_returns(values: np.ndarray) -> np.ndarray:
    """Log return of each price over the ticker's previous price (NaN: no price or none before)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(values)
    previous = pd.DataFrame(logs).ffill().shift(1).to_numpy()
    return np.asarray(logs - previous)


def _moves(values: np.ndarray, dates: pd.DatetimeIndex, tickers: list[str]) -> list[Finding]:
    returns = _log_returns(values)
    edge = MOVE_LIMIT
    with np.errstate(invalid="ignore"):
        rows, cols = np.nonzero(np.abs(returns) >= edge)  # NaN compares False
    findings: list[Finding] = []
    undone: set[tuple[int, int]] = set()
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        own = returns[row, col]
        if np.isnan(own) or (row, col) in undone:
            continue
        others = np.delete(returns[row], col)
        others = others[~np.isnan(others)]
        market = float(np.median(others)) if len(others) else None
        excess = float(own) - (market or 0.0)
        if abs(excess) < MOVE_LIMIT:
            continue  # the universe moved with it
        later = np.flatnonzero(~np.isnan(returns[row + 1 :, col]))
        after = row + 1 + int(later[0]) if len(later) else None
        reverts = (
            after is not None
            and abs(float(returns[after, col]) + float(own)) <= _REVERTS
            and abs(float(returns[after, col])) >= edge
        )
        # the price became (about) the inverse of the one before: log p_t + log p_t-1 ~ 0
        level = float(np.log(values[row, col]))
        inverted = abs(2 * level - float(own)) <= _REVERTS
        cause = (
            "a quote inverted (an FX rate as units per USD, not USD per unit)" if inverted else ""
        )
        findings.append(
            _classify(excess, float(own), market, tickers[col], dates[row].date(), reverts, cause)
        )
        if reverts and after is not None:
            undone.add((after, col))
    return findings


def _classify(
    excess: float,
    own: float,
    market: float | None,
    ticker: str,
    day: dt.date,
    reverts: bool,
    known_cause: str,
) -> Finding:
    distance = np.abs(abs(excess) - _SPLIT_LOGS)
    nearest = int(np.argmin(distance))
    split_like = bool(distance[nearest] <= SPLIT_TOLERANCE)
    move = f"one-day move x{math.exp(own):.3f} ({math.expm1(own):+.1%})"
    move += f", the rest of the universe x{math.exp(market):.3f}" if market is not None else ""
    move += ", undone the next day" if reverts else ""
    k = SPLIT_FACTORS[nearest]
    if split_like and not reverts:
        if excess < 0:
            cause = f"an unapplied {k}:1 split (the prices before {day} not divided by {k})"
        else:
            cause = (
                f"an unapplied 1:{k} reverse split, or a spurious {k}:1 split adjustment of "
                f"the prices before {day} (price repair)"
            )
        return Finding(kind="split_like", ticker=ticker, date=day, move=move, cause=cause)
    if known_cause:
        cause = known_cause
    elif reverts:
        cause = "a bad print in the source" + (
            f" (near {k}:1: a split adjustment applied to one day only)" if split_like else ""
        )
    else:
        cause = (
            "no split ratio explains it and the universe did not move with it: a bad print, "
            "or a corporate action the adjustment missed"
        )
    return Finding(kind="implausible_move", ticker=ticker, date=day, move=move, cause=cause)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``[lo, hi)`` runs of True in a boolean vector."""
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()
    return list(zip(starts, stops, strict=True))


def _stale(values: np.ndarray, dates: pd.DatetimeIndex, tickers: list[str]) -> list[Finding]:
    findings: list[Finding] = []
    for col, ticker in enumerate(tickers):
        rows = np.flatnonzero(~np.isnan(values[:, col]))
        observed = values[rows, col]
        for lo, hi in _runs(observed[1:] == observed[:-1]):
            days = hi - lo + 1  # hi - lo repeats of the price at lo
            if days >= STALE_DAYS:
                findings.append(
                    Finding(
                        kind="stale",
                        ticker=ticker,
                        date=dates[rows[lo]].date(),
                        end=dates[rows[hi]].date(),
                        move=f"the same price {observed[lo]:.6g} on {days} trading days",
                        cause="a feed that stopped updating, or a halt the source filled in",
                    )
                )
    return findings


def _adjustment(prices: pd.DataFrame, close: pd.DataFrame) -> list[Finding]:
    findings: list[Finding] = []
    for ticker in close.columns:
        if ticker not in prices.columns:
            continue
        adj = prices[ticker].to_numpy(dtype=float)
        raw = close[ticker].to_numpy(dtype=float)
        rows = np.flatnonzero(~np.isnan(adj) & ~np.isnan(raw) & (raw > 0))
        if len(rows) < 2:
            continue
        a, c = adj[rows], raw[rows]
        jumps = np.diff(np.log(a) - np.log(c))
        slack = FACTOR_NOISE + _CENT * (1 / a[1:] + 1 / a[:-1] + 1 / c[1:] + 1 / c[:-1])
        offset = jumps[:, None] - _FACTOR_OFFSETS[None, :]
        explained = ((offset >= -slack[:, None]) & (offset <= DIVIDEND_LIMIT + slack[:, None])).any(
            axis=1
        )
        for k in np.flatnonzero(~explained).tolist():
            jump = float(jumps[k])
            day = prices.index[rows[k + 1]].date()
            cause = (
                "the factor fell, which no dividend or split does: adj_close before "
                f"{day} looks adjusted by mistake, or close is wrong"
                if jump < 0
                else "a rise larger than a dividend of 20 % and no split ratio: adj_close "
                f"before {day} looks adjusted twice, or close is wrong"
            )
            findings.append(
                Finding(
                    kind="adjustment_jump",
                    ticker=str(ticker),
                    date=day,
                    move=f"adjustment factor adj_close/close x{math.exp(jump):.4f} in one day "
                    f"(close x{c[k + 1] / c[k]:.3f}, adj_close x{a[k + 1] / a[k]:.3f})",
                    cause=cause,
                )
            )
    return findings


def missing_value_findings(
    missing: Mapping[str, Mapping[pd.Timestamp, str]],
    prices: pd.DataFrame,
    filled: Sequence[FilledGap] | None = None,
) -> list[Finding]:
    """Return a finding per run of cells the reader read as missing (and alignment filled).

    Parameters
    ----------
    missing : mapping of ticker to {date: cell text}
        What the provider read as missing (`backtest.data.providers.LoadedPrices`).
    prices : DataFrame, shape (n_days, n_tickers)
        The aligned panel (``filled`` given), or the raw panel.
    filled : sequence of FilledGap or None
        Alignment's forward-filled gaps: only the cells inside one are findings. ``None``
        (no alignment, ``backtest data check``): every such cell after the ticker's first
        price is one, since a run would fill it.
    """
    findings: list[Finding] = []
    if filled is not None:
        for gap in filled:
            read = missing.get(gap.ticker, {})
            calendar = pd.DatetimeIndex(prices.index)
            days = calendar[
                (calendar >= pd.Timestamp(gap.first_missing))
                & (calendar <= pd.Timestamp(gap.last_missing))
            ]
            cells = [read[d] for d in days if d in read]
            if not cells:
                continue
            row = int(prices.index.searchsorted(pd.Timestamp(gap.first_missing)))
            value = float(prices[gap.ticker].iloc[row])
            before = prices.index[row - 1].date()
            findings.append(
                Finding(
                    kind="missing_filled",
                    ticker=gap.ticker,
                    date=gap.first_missing,
                    end=gap.last_missing,
                    move=f"{gap.days} trading day(s) forward-filled with {value:.6g}, the price "
                    f"of {before}",
                    cause=f"the source's {_cells(cells)} read as missing",
                )
            )
        return findings
    for ticker, read in missing.items():
        if ticker not in prices.columns or not read:
            continue
        listed = pd.DatetimeIndex(prices.index[prices[ticker].notna().to_numpy()])
        dates = sorted(d for d in read if len(listed) and d > listed[0])
        if dates:
            findings.append(
                Finding(
                    kind="missing_filled",
                    ticker=ticker,
                    date=dates[0].date(),
                    end=dates[-1].date(),
                    move=f"{len(dates)} value(s) inside the listing read as missing",
                    cause=f"the source's {_cells([read[d] for d in dates])}; a run "
                    "forward-fills them (at most `max_fill_days` in a row)",
                )
            )
    return findings


def _cells(cells: Sequence[str]) -> str:
    shown = sorted({f"`{c}`" if c else "empty cell" for c in cells})
    return ("cell " if len(cells) == 1 else "cells ") + ", ".join(shown)
