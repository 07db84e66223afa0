"""An independent plain-numpy implementation of the accounting in DESIGN section 5.

Written from the contract, not from the engine: on each effective date the pre-trade value
``V = cash + sum(position * close)`` sets every target ``w * V / close`` shares; orders run in
ascending order of value (ties by column), sells first; a sell receives
``size * close * (1 - slippage)`` less fees; a buy pays ``size * close * (1 + slippage)`` plus
fees, and is clipped to what the remaining cash can pay, fees included.

Rebalance band (only when ``band > 0``): every event after a variant's first is skipped (no
order at all) when ``max_i |position_i * close_i / V - target_i| <= band``, ``V`` as above.
"""

from __future__ import annotations

import numpy as np


def reference_run(
    close: np.ndarray,
    target_rows: np.ndarray,
    targets: np.ndarray,
    *,
    initial_cash: float,
    fees: float,
    slippage: float,
    band: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, float, list[int], np.ndarray]:
    """Return (equity per day, positions per day, total fees, skipped event numbers, one-way
    turnover per event = traded notional / 2 / pre-trade value, 0 when skipped).

    Parameters
    ----------
    close : (n_days, n_tickers), NaN before listing
    target_rows : (n_events,) row of each event
    targets : (n_events, n_tickers) weights; NaN means "no order for this ticker"
    band : drift band; 0 trades every event
    """
    n_days, n_tickers = close.shape
    cash = float(initial_cash)
    position = np.zeros(n_tickers)
    equity = np.empty(n_days)
    positions = np.empty((n_days, n_tickers))
    total_fees = 0.0
    skipped: list[int] = []
    turnover = np.zeros(len(target_rows))
    events = dict(zip(target_rows.tolist(), range(len(target_rows)), strict=True))
    for t in range(n_days):
        price = close[t]
        priced = ~np.isnan(price)
        if t in events:
            weights = targets[events[t]]
            value = cash + float(np.sum(position[priced] * price[priced]))
            if band > 0.0 and events[t] > 0:
                drifted = np.zeros(n_tickers)
                drifted[priced] = position[priced] * price[priced] / value
                if np.max(np.abs(drifted - np.nan_to_num(weights))) <= band:
                    skipped.append(events[t])
                    equity[t] = value
                    positions[t] = position
                    continue
            orders = []
            for j in range(n_tickers):
                if np.isnan(weights[j]) or not priced[j]:
                    continue
                delta = weights[j] * value / price[j] - position[j]
                if delta != 0.0:
                    orders.append((delta * price[j], j, delta))
            orders.sort(key=lambda o: (o[0], o[1]))
            for _, j, delta in orders:
                if delta < 0:
                    size = min(-delta, position[j])
                    proceeds = size * price[j] * (1.0 - slippage)
                    turnover[events[t]] += proceeds / (2.0 * value)
                    fee = proceeds * fees
                    cash += proceeds - fee
                    position[j] -= size
                else:
                    exec_price = price[j] * (1.0 + slippage)
                    size = delta
                    if size * exec_price * (1.0 + fees) > cash:
                        size = cash / (exec_price * (1.0 + fees))
                    cost = size * exec_price
                    turnover[events[t]] += cost / (2.0 * value)
                    fee = cost * fees
                    cash -= cost + fee
                    position[j] += size
                total_fees += fee
        equity[t] = cash + float(np.sum(position[priced] * price[priced]))
        positions[t] = position
    return equity, positions, total_fees, skipped, turnover


def reference_equity(
    close: np.ndarray,
    target_rows: np.ndarray,
    targets: np.ndarray,
    *,
    initial_cash: float,
    fees: float,
    slippage: float,
    band: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, float, list[int]]:
    """`reference_run` without the turnover: (equity, positions, total fees, skipped events)."""
    equity, positions, total_fees, skipped, _ = reference_run(
        close, target_rows, targets, initial_cash=initial_cash, fees=fees, slippage=slippage,
        band=band,
    )  # fmt: skip
    return equity, positions, total_fees, skipped
