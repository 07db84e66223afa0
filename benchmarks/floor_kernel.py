"""The floor: the simplest fast numba code for the engine's accounting (benchmark reference only).

Same rules as `backtest.sweep.kernel` (targets on the pre-trade value at the close, orders in
ascending order of value, sells limited to the position, buys clipped to the cash with fees and
slippage) without vectorbt's tolerance guards and without the drift band: the least work any
implementation of the contract has to do. Parallel over variants like the fast path.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["floor_batch"]


@njit(cache=True, parallel=True)
def floor_batch(
    close: np.ndarray,
    event_rows: np.ndarray,
    weights: np.ndarray,
    fees: float,
    slippage: float,
    initial_cash: float,
) -> np.ndarray:
    """Equity (K, n_days) of K weight variants (K, n_events, n_tickers) on one panel."""
    n_variants = weights.shape[0]
    n_days, n_tickers = close.shape
    equity = np.empty((n_variants, n_days))
    for k in prange(n_variants):
        position = np.zeros(n_tickers)
        delta = np.zeros(n_tickers)
        cash = initial_cash
        e = 0
        for t in range(n_days):
            if e < event_rows.shape[0] and event_rows[e] == t:
                value = cash
                for j in range(n_tickers):
                    if position[j] != 0.0:
                        value += position[j] * close[t, j]
                for j in range(n_tickers):
                    price = close[t, j]
                    delta[j] = (
                        0.0 if np.isnan(price) else weights[k, e, j] * value / price - position[j]
                    )
                order = np.argsort(delta * close[t])  # NaN prices sort last; their delta is 0
                for i in range(n_tickers):
                    j = order[i]
                    price = close[t, j]
                    if np.isnan(price) or delta[j] == 0.0:
                        continue
                    if delta[j] < 0.0:
                        size = min(-delta[j], position[j])
                        cash += size * price * (1.0 - slippage) * (1.0 - fees)
                        position[j] -= size
                    else:
                        cost = price * (1.0 + slippage) * (1.0 + fees)
                        size = min(delta[j], cash / cost)
                        cash -= size * cost
                        position[j] += size
                e += 1
            total = cash
            for j in range(n_tickers):
                if position[j] != 0.0:
                    total += position[j] * close[t, j]
            equity[k, t] = total
    return equity
