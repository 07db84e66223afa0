"""The rebalance-band walk: which events a drift band skips, by the exact rule below.

For a variant with events ``k = 0 .. K-1`` on rows ``t_k`` and ``band = rebalance_band``:

* Event 0 always trades (it invests the initial cash).
* For ``k >= 1`` let ``position_i`` and ``cash`` be the holdings just before the orders of
  ``t_k`` (after every earlier event that was *not* skipped), ``close_i`` the close at ``t_k``
  (a ticker without a price counts as ``position_i * close_i = 0``). The pre-trade value is
  ``V = cash + sum_i position_i * close_i``, the drifted weight ``d_i = position_i * close_i / V``
  and the event is **skipped** (no order at all) when ``max_i |d_i - target_i| <= band`` over
  every column ``i`` of the variant (``target_i = 0`` for a column without a price).
* ``band = 0`` disables the rule: every event trades.

`backtest.engine.simulation` applies it: `walk_band` on each variant's simulated path, then a
new simulation without the rows skipped so far.
"""

from __future__ import annotations

import numpy as np

__all__ = ["walk_band"]


def walk_band(
    close: np.ndarray,
    target_rows: np.ndarray,
    target_values: np.ndarray,
    *,
    positions: np.ndarray,
    cash: np.ndarray,
    initial_cash: float,
    start: int,
    band: float,
) -> tuple[list[int], int]:
    """Decide events ``start, start + 1, ...`` of one variant against a simulated path.

    Parameters
    ----------
    close : ndarray, shape (n_days, n_tickers)
        Closes, NaN before a listing.
    target_rows : ndarray of int, shape (n_events,)
        Row of each event in ``close``.
    target_values : ndarray, shape (n_events, n_tickers)
        Target weights (0 for a column without a price).
    positions : ndarray, shape (n_days, n_tickers)
        Simulated end-of-day positions (shares); valid up to the row before the first event that
        should have been skipped but was not.
    cash : ndarray, shape (n_days,)
        Simulated end-of-day cash, valid like ``positions``.
    initial_cash : float
        Cash before the first row.
    start : int
        First undecided event; every earlier decision is reflected in ``positions``/``cash``.
    band : float
        The drift band, > 0.

    Returns
    -------
    (list of int, int)
        The newly skipped event numbers, and the next undecided event: ``n_events`` when all
        are decided, otherwise one past the first executed event that follows a skip (whose
        post-trade state needs a new simulation without the skipped events).
    """
    skipped: list[int] = []
    frozen: tuple[np.ndarray, float] | None = None
    for k in range(max(start, 1), len(target_rows)):  # event 0 always trades
        row = int(target_rows[k])
        if frozen is not None:
            position, cash_now = frozen
        elif row == 0:
            position, cash_now = np.zeros(close.shape[1]), initial_cash
        else:
            position, cash_now = positions[row - 1], float(cash[row - 1])
        held = np.nan_to_num(position * close[row])
        value = cash_now + float(np.sum(held))
        if float(np.max(np.abs(held / value - target_values[k]))) <= band:
            skipped.append(k)
            if frozen is None:
                frozen = (position.copy(), cash_now)
        elif frozen is not None:
            return skipped, k + 1
    return skipped, len(target_rows)
