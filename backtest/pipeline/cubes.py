"""Dense arrays of a run's long frames: holdings and fills per portfolio, day and ticker.

`backtest.pipeline.attribution` and `backtest.pipeline.turnover_causes` read ``holdings``
(``strategy, date, ticker, weight``) and ``orders`` (``strategy, date, ticker, size, price,
notional, fees, ...``) as arrays of shape (n_names, n_days, n_tickers); these two functions are
the one place those frames are scattered into them (rows not in ``names``, ``dates`` or
``tickers`` are ignored; absent cells are 0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["fills_cube", "holdings_cube"]


def _positions(values: pd.Series, labels: Sequence[str]) -> np.ndarray:
    """Position of each value in ``labels`` (-1 if absent); categoricals via their codes."""
    index = pd.Index(list(labels))
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = index.get_indexer(values.cat.categories.astype(str))
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, lookup[codes], -1)
    return np.asarray(index.get_indexer(pd.Index(values.astype(str))))


def _codes(
    frame: pd.DataFrame, names: Sequence[str], dates: pd.DatetimeIndex, tickers: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positions of each row's strategy, date and ticker (and which rows are kept)."""
    s = _positions(frame["strategy"], names)
    days, first = np.unique(frame["date"].to_numpy(dtype="datetime64[ns]"), return_inverse=True)
    d = dates.get_indexer(pd.DatetimeIndex(days))[first]
    t = _positions(frame["ticker"], tickers)
    keep = (s >= 0) & (d >= 0) & (t >= 0)
    return s[keep], d[keep], t[keep], keep


def holdings_cube(
    holdings: pd.DataFrame, names: Sequence[str], dates: pd.DatetimeIndex, tickers: Sequence[str]
) -> np.ndarray:
    """Return end-of-day weights as an array of shape (n_names, n_days, n_tickers)."""
    cube = np.zeros((len(names), len(dates), len(tickers)))
    s, d, t, keep = _codes(holdings, names, dates, tickers)
    cube[s, d, t] = holdings["weight"].to_numpy(dtype=float)[keep]
    return cube


def fills_cube(
    orders: pd.DataFrame,
    names: Sequence[str],
    dates: pd.DatetimeIndex,
    tickers: Sequence[str],
    prices: pd.DataFrame,
) -> dict[str, np.ndarray]:
    """Return per portfolio, day and ticker: ``notional`` (absolute), ``fees`` and ``slippage``.

    ``slippage`` is ``size * |price - close|`` in currency (what filling away from the close
    cost), with ``close`` from ``prices`` (dates x tickers, the closes the run traded at).
    Arrays of shape (n_names, n_days, n_tickers).
    """
    shape = (len(names), len(dates), len(tickers))
    out = {k: np.zeros(shape) for k in ("notional", "fees", "slippage")}
    s, d, t, keep = _codes(orders, names, dates, tickers)
    close = prices.reindex(index=dates, columns=list(tickers)).to_numpy(dtype=float)[d, t]
    size = orders["size"].to_numpy(dtype=float)[keep]
    price = orders["price"].to_numpy(dtype=float)[keep]
    np.add.at(out["notional"], (s, d, t), np.abs(orders["notional"].to_numpy(dtype=float)[keep]))
    np.add.at(out["fees"], (s, d, t), orders["fees"].to_numpy(dtype=float)[keep])
    np.add.at(out["slippage"], (s, d, t), size * np.abs(price - close))
    return out
