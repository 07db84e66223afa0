"""Recompute the statistics the quality thresholds were derived from (docs/data-quality.md).

Run on the shared real prices (or any folder of ``<TICKER>.csv`` with ``date``, ``close`` and
``adj_close``)::

    .venv/bin/python -m tests.data.quality_thresholds ../shared/data/prices

It reads the files with plain pandas (not with the checks it justifies) and prints, over every
ticker's full history: the largest one-day log moves in excess of the other tickers' median,
their quantiles, the longest runs of an identical adjusted close, and the day-to-day changes of
the log adjustment factor ``log(adj_close / close)``. `derive` returns the same numbers for the
real-data test that pins them.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SPLITS = (2, 3, 4, 5, 7, 8, 10, 15, 20, 25, 30, 50)


@dataclass(frozen=True, kw_only=True)
class Derivation:
    """What the shared prices show (each move a log return; dates ISO)."""

    ticker_days: int
    top_moves: list[tuple[str, str, float, float]]  # ticker, date, own move, excess move
    largest_not_split_like: tuple[str, str, float]  # ticker, date, |excess|
    split_like: list[tuple[str, str, int, float]]  # ticker, date, k, |excess - log k|
    quantiles: dict[float, float]  # of |excess|
    longest_stale: list[tuple[int, str, str]]  # observations, ticker, last day
    factor_min: tuple[str, str, float]
    factor_max_not_split: tuple[str, str, float]
    factor_splits: list[tuple[str, str, float]]


def _read(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    adj, close = {}, {}
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path)
        if "adj_close" not in frame.columns:
            continue
        index = pd.DatetimeIndex(pd.to_datetime(frame["date"]))
        adj[path.stem] = pd.Series(frame["adj_close"].to_numpy(float), index=index)
        if "close" in frame.columns:
            close[path.stem] = pd.Series(frame["close"].to_numpy(float), index=index)
    return pd.DataFrame(adj).sort_index(), pd.DataFrame(close).sort_index()


def derive(folder: Path, tolerance: float = 0.1) -> Derivation:
    """Compute the statistics behind the thresholds from the price files in ``folder``."""
    adj, close = _read(folder)
    moves = pd.DataFrame({t: np.log(adj[t].dropna()).diff() for t in adj.columns})
    excess = pd.DataFrame(
        {t: moves[t] - moves.drop(columns=t).median(axis=1).fillna(0.0) for t in moves.columns}
    )
    size = excess.abs().stack().sort_values(ascending=False)
    logs = np.log(np.asarray(SPLITS, dtype=float))
    top = [(t, d.date().isoformat(), float(moves.loc[d, t]), float(excess.loc[d, t]))
           for (d, t) in size.index[:12]]  # fmt: skip
    split_like, plain = [], None
    for (day, ticker), value in size.items():
        gaps = np.abs(value - logs)
        if value >= 0.5 and gaps.min() <= tolerance:
            split_like.append(
                (ticker, day.date().isoformat(), SPLITS[int(gaps.argmin())], float(gaps.min()))
            )
        elif plain is None:
            plain = (ticker, day.date().isoformat(), float(value))
        if value < 0.4:
            break
    assert plain is not None
    stale = []
    for ticker in adj.columns:
        values = adj[ticker].dropna()
        same = (values.diff() == 0).astype(int).to_numpy()
        run, best, last = 0, 0, 0
        for i, flag in enumerate(same):
            run = run + 1 if flag else 0
            if run > best:
                best, last = run, i
        stale.append((best + 1, ticker, values.index[last].date().isoformat()))
    jumps = {}
    for ticker in close.columns:
        both = pd.concat([adj[ticker], close[ticker]], axis=1).dropna()
        jumps[ticker] = np.log(both.iloc[:, 0] / both.iloc[:, 1]).diff().dropna()
    flat = pd.concat(jumps).sort_values()
    near_split = flat.apply(lambda j: bool(np.abs(abs(j) - logs).min() <= 1e-3))
    ordinary = flat[~near_split]

    def where(key: tuple[str, pd.Timestamp], value: float) -> tuple[str, str, float]:
        return key[0], key[1].date().isoformat(), float(value)

    return Derivation(
        ticker_days=int(moves.notna().sum().sum()),
        top_moves=top,
        largest_not_split_like=plain,
        split_like=split_like,
        quantiles={q: float(size.quantile(q)) for q in (0.99, 0.999, 0.9999)},
        longest_stale=sorted(stale, reverse=True)[:3],
        factor_min=where(flat.index[0], flat.iloc[0]),
        factor_max_not_split=where(ordinary.index[-1], ordinary.iloc[-1]),
        factor_splits=[where(k, v) for k, v in flat[near_split].items()],
    )


def main(argv: list[str]) -> int:
    """Print `derive`'s numbers for the folder in ``argv`` (default: ../shared/data/prices)."""
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[3] / "shared/data/prices"
    found = derive(folder)
    print(f"{folder}: {found.ticker_days:,} ticker-days of log returns")
    print("largest one-day moves in excess of the other tickers' median (log):")
    for ticker, day, own, extra in found.top_moves:
        print(f"  {ticker:<8} {day}  own {own:+.4f} (x{math.exp(own):.3f})  excess {extra:+.4f}")
    ticker, day, value = found.largest_not_split_like
    print(f"largest |excess| not within 0.1 of a split ratio: {ticker} {day} {value:.4f}")
    for ticker, day, k, gap in found.split_like:
        print(f"split-like: {ticker} {day} near {k}:1 (|excess - log {k}| = {gap:.4f})")
    print(
        "quantiles of |excess|: "
        + ", ".join(f"{q:.2%} {v:.4f}" for q, v in found.quantiles.items())
    )
    print(
        "longest runs of one adj_close (observations): "
        + ", ".join(f"{n} {t} (to {d})" for n, t, d in found.longest_stale)
    )
    ticker, day, value = found.factor_min
    print(f"log adjustment factor: largest fall {value:+.2e} ({ticker} {day})")
    ticker, day, value = found.factor_max_not_split
    print(f"  largest rise that is not a split ratio {value:+.4f} ({ticker} {day})")
    for ticker, day, value in found.factor_splits:
        print(f"  split ratio in close: {ticker} {day} {value:+.4f} (x{math.exp(value):.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
