"""The sweep's fast accounting kernel: many weight variants on one shared price panel (numba).

It implements exactly the engine's accounting (DESIGN section 5,
`backtest.engine.simulation`): vectorbt's
``from_orders(size_type="targetpercent", cash_sharing=True, call_seq="auto",
update_value=False)`` with fees and slippage on notional. On each event row:

1. the pre-trade value ``V = cash + sum(position * close)`` (closes of the event row);
2. every event but the first is skipped (no order at all) when
   ``max_i |position_i * close_i / V - target_i| <= band`` (an unpriced ticker counts as 0;
   ``band = 0`` skips only an event whose drifted weights equal the targets exactly);
3. each ticker's order value ``target_i * V - position_i * close_i`` is sorted ascending by a
   stable insertion sort (ties keep column order; unpriced tickers, NaN, go last and are ignored);
4. a sell of ``min(position, wanted)`` receives ``size * close * (1 - slippage)`` less fees; a
   buy pays ``size * close * (1 + slippage)`` plus fees and is clipped to
   ``cash / (close * (1 + slippage) * (1 + fees))`` when the cash cannot pay it.

vectorbt's numerical guards are reproduced: values within 1e-12 of zero are zeroed before an
order (``is_close(x, 0)``), additions whose operands cancel within 1e-9 relative give exactly 0
(``add_nb``), a buy fits when its cost is within 1e-9 relative of the cash, and sizes within
1e-12 of zero are ignored. Prices are shared by every variant (never copied); weights are held
once per distinct strategy and indexed per variant.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["simulate_batch"]

_REL_TOL = 1e-9
_ABS_TOL = 1e-12


@njit(cache=True, inline="always")
def _is_close(a: float, b: float) -> bool:
    if a == b:
        return True
    return abs(a - b) <= max(_REL_TOL * max(abs(a), abs(b)), _ABS_TOL)


@njit(cache=True, inline="always")
def _add(a: float, b: float) -> float:
    """Add like vectorbt's ``add_nb``: exactly 0 when ``a`` and ``b`` cancel within tolerance."""
    if np.sign(a) != np.sign(b) and _is_close(abs(a), abs(b)):
        return 0.0
    return a + b


@njit(cache=True)
def _run_variant(
    close: np.ndarray,
    valued: np.ndarray,
    event_rows: np.ndarray,
    weights: np.ndarray,
    fees: float,
    slippage: float,
    band: float,
    initial_cash: float,
    equity_out: np.ndarray,
    turnover_out: np.ndarray,
) -> float:
    n_days, n_tickers = close.shape
    n_events = event_rows.shape[0]
    position = np.zeros(n_tickers)
    order_value = np.empty(n_tickers)
    call_seq = np.empty(n_tickers, dtype=np.int64)
    cash = initial_cash
    fees_paid = 0.0
    e = 0
    for t in range(n_days):
        if e < n_events and event_rows[e] == t:
            value = cash
            for j in range(n_tickers):
                if position[j] != 0.0:
                    value += position[j] * close[t, j]
            turnover_out[e] = 0.0
            skip = False
            if e > 0:
                drift = 0.0
                for j in range(n_tickers):
                    held = 0.0
                    if position[j] != 0.0:
                        held = position[j] * close[t, j] / value
                    drift = max(drift, abs(held - weights[e, j]))
                skip = drift <= band
            if not skip:
                # approximate order values, then vectorbt's insertion argsort (NaN last, stable)
                for j in range(n_tickers):
                    call_seq[j] = j
                    if np.isnan(close[t, j]):
                        order_value[j] = np.nan
                    else:
                        order_value[j] = weights[e, j] * value - position[j] * close[t, j]
                for j in range(1, n_tickers):
                    key = order_value[j]
                    idx = call_seq[j]
                    i = j - 1
                    while i >= 0 and (order_value[i] > key or np.isnan(order_value[i])):
                        order_value[i + 1] = order_value[i]
                        call_seq[i + 1] = call_seq[i]
                        i -= 1
                    order_value[i + 1] = key
                    call_seq[i + 1] = idx
                traded = 0.0
                for k in range(n_tickers):
                    j = call_seq[k]
                    price = close[t, j]
                    if np.isnan(price):
                        continue
                    if _is_close(cash, 0.0):
                        cash = 0.0
                    pos = position[j]
                    if _is_close(pos, 0.0):
                        pos = 0.0
                        position[j] = 0.0
                    size = weights[e, j] * value / price - pos
                    if size > 0.0:
                        if cash == 0.0:
                            continue
                        adj_price = price * (1.0 + slippage)
                        req_cash = size * adj_price
                        req_fees = req_cash * fees
                        total = req_cash + req_fees
                        if _is_close(total, cash) or total < cash:
                            final_size = size
                            fee = req_fees
                            spent = total
                        else:
                            max_req_cash = cash / (1.0 + fees)
                            if max_req_cash <= 0.0:
                                continue
                            final_size = max_req_cash / adj_price
                            fee = cash - max_req_cash
                            spent = cash
                        if _is_close(size, 0.0):
                            continue
                        cash = _add(cash, -spent)
                        position[j] = _add(pos, final_size)
                    else:
                        adj_price = price * (1.0 - slippage)
                        sell = min(pos, -size)
                        if pos == 0.0 or _is_close(sell, 0.0):
                            continue
                        proceeds = sell * adj_price
                        fee = proceeds * fees
                        net = _add(proceeds, -fee)
                        if net < 0.0:
                            continue
                        cash = cash + net
                        position[j] = _add(pos, -sell)
                        final_size = sell
                    fees_paid += fee
                    traded += final_size * adj_price
                turnover_out[e] = 0.5 * traded / value
            e += 1
        total_value = cash
        for j in range(n_tickers):  # valued = close with 0 where unpriced: no branch to predict
            total_value += position[j] * valued[t, j]
        equity_out[t] = total_value
    return fees_paid


@njit(cache=True, parallel=True)
def _simulate_batch(
    close: np.ndarray,
    valued: np.ndarray,
    event_rows: np.ndarray,
    weights: np.ndarray,
    weight_index: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    band: np.ndarray,
    initial_cash: float,
    equity_out: np.ndarray,
    fees_out: np.ndarray,
    turnover_out: np.ndarray,
) -> None:
    for k in prange(weight_index.shape[0]):
        fees_out[k] = _run_variant(
            close,
            valued,
            event_rows,
            weights[weight_index[k]],
            fees[k],
            slippage[k],
            band[k],
            initial_cash,
            equity_out[k],
            turnover_out[k],
        )


def simulate_batch(
    close: np.ndarray,
    event_rows: np.ndarray,
    weights: np.ndarray,
    *,
    weight_index: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    band: np.ndarray,
    initial_cash: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate K variants that share one price panel and one event calendar.

    Parameters
    ----------
    close : ndarray, shape (n_days, n_tickers)
        Adjusted closes of the simulation window, NaN only before a listing.
    event_rows : ndarray of int, shape (n_events,)
        Strictly ascending rows of ``close`` on which the targets are traded.
    weights : ndarray, shape (n_weights, n_events, n_tickers)
        Distinct target-weight sets (>= 0, rows summing to at most 1, 0 where unpriced).
    weight_index : ndarray of int, shape (K,)
        Which weight set each variant trades.
    fees, slippage : ndarray, shape (K,)
        Fractions of notional (``bps / 1e4``).
    band : ndarray, shape (K,)
        Drift band per variant; 0 trades every event.
    initial_cash : float

    Returns
    -------
    equity : ndarray, shape (K, n_days)
        Portfolio value at each close (the initial cash before the first event).
    fees_paid : ndarray, shape (K,)
    turnover : ndarray, shape (K, n_events)
        One-way turnover per event: half the traded notional over the pre-trade value (0 when
        the band skipped the event).
    """
    close = np.ascontiguousarray(close, dtype=np.float64)
    event_rows = np.ascontiguousarray(event_rows, dtype=np.int64)
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    weight_index = np.ascontiguousarray(weight_index, dtype=np.int64)
    n_variants = weight_index.shape[0]
    if weights.ndim != 3 or weights.shape[1:] != (event_rows.shape[0], close.shape[1]):
        raise ValueError(
            f"`weights` must have shape (n_weights, {event_rows.shape[0]}, {close.shape[1]}), "
            f"got {weights.shape}"
        )
    if n_variants and (weight_index.min() < 0 or weight_index.max() >= weights.shape[0]):
        raise ValueError(f"`weight_index` must be in [0, {weights.shape[0]})")
    if event_rows.size and (
        event_rows[0] < 0 or event_rows[-1] >= close.shape[0] or (np.diff(event_rows) <= 0).any()
    ):
        raise ValueError("`event_rows` must be strictly ascending rows of `close`")
    per_variant = [np.ascontiguousarray(a, dtype=np.float64) for a in (fees, slippage, band)]
    for name, values in zip(("fees", "slippage", "band"), per_variant, strict=True):
        if values.shape != (n_variants,):
            raise ValueError(f"`{name}` must have shape ({n_variants},), got {values.shape}")
    equity = np.empty((n_variants, close.shape[0]))
    fees_paid = np.empty(n_variants)
    turnover = np.empty((n_variants, event_rows.shape[0]))
    _simulate_batch(
        close,
        np.nan_to_num(close, nan=0.0),  # one shared copy for valuation (position is 0 there)
        event_rows,
        weights,
        weight_index,
        per_variant[0],
        per_variant[1],
        per_variant[2],
        float(initial_cash),
        equity,
        fees_paid,
        turnover,
    )
    return equity, fees_paid, turnover
