"""The sweep's fast accounting kernel: many weight variants on one shared price panel (numba).

It implements exactly the engine's accounting (DESIGN section 5,
`backtest.engine.simulation`): vectorbt's
``from_orders(size_type="targetpercent", cash_sharing=True, call_seq="auto",
update_value=False)`` with fees and slippage on notional. On each event row:

1. the pre-trade value ``V = cash + sum(position * close)`` (closes of the event row, an unpriced
   ticker counting 0);
2. every event but the first is skipped (no order at all) when ``band > 0`` and
   ``max_i |position_i * close_i / V - target_i| <= band``;
3. each ticker's order value ``target_i * V - position_i * close_i`` sets the call sequence:
   ascending (sells first), ties in column order, unpriced tickers last and ignored;
4. a sell of ``min(position, wanted)`` receives ``size * close * (1 - slippage)`` less fees; a
   buy pays ``size * close * (1 + slippage)`` plus fees and is clipped to
   ``cash / (close * (1 + slippage) * (1 + fees))`` when the cash cannot pay it; the buys after
   a clipped one get nothing.

vectorbt's numerical guards are reproduced: values within 1e-12 of zero are zeroed before an
order (``is_close(x, 0)``), additions whose operands cancel within 1e-9 relative give exactly 0
(``add_nb``), a buy fits when its cost is within 1e-9 relative of the cash, and sizes within
1e-12 of zero are ignored.

Two paths compute an event. The **general path** sorts the order values (an insertion sort on
preallocated buffers) and executes the orders one by one, exactly as above. The **fast path**
(the common case) first computes, branch-free and vectorised, the total cost of the buys and the
cash after the sells; when every buy fits with a margin (1e-6 relative), or all but the last buy
of the call sequence fit and that one is clipped, the order of execution cannot change which
order is filled or clipped, so the orders run in column order without a sort. Anything closer
to a boundary, or a shortfall larger than the last buy, goes to the general path. The two paths
differ only in the order of floating-point additions (about 1e-16 relative). Daily valuation is
a tight dot product per day over the whole window (reassociated, so LLVM vectorises it), with
prices shared by every variant (never copied) and weights held once per distinct strategy.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from backtest.sweep.events import fast_event, general_event

__all__ = ["prepared_prices", "simulate_batch", "simulate_into"]

# reassociation and contraction only (no NaN or infinity assumptions): lets LLVM vectorise sums
_FASTMATH = {"reassoc", "nsz", "contract"}


@njit(cache=True, fastmath=_FASTMATH)
def _value_span(
    position: np.ndarray, cash: float, valued: np.ndarray, lo: int, hi: int, out: np.ndarray
) -> None:
    """``out[t] = cash + position . valued[t]`` for ``lo <= t < hi``."""
    for t in range(lo, hi):
        total = 0.0
        for j in range(position.shape[0]):
            total += position[j] * valued[t, j]
        out[t] = cash + total


@njit(cache=True, fastmath=_FASTMATH)
def _holdings(position: np.ndarray, valued_row: np.ndarray) -> float:
    total = 0.0
    for j in range(position.shape[0]):
        total += position[j] * valued_row[j]
    return total


@njit(cache=True, fastmath=_FASTMATH)
def _drift(position: np.ndarray, valued_row: np.ndarray, target: np.ndarray, value: float) -> float:
    drift = 0.0
    for j in range(position.shape[0]):
        drift = max(drift, abs(position[j] * valued_row[j] / value - target[j]))
    return drift


@njit(cache=True)
def _run_variant(
    close: np.ndarray,
    valued: np.ndarray,
    inverse: np.ndarray,
    event_rows: np.ndarray,
    weights: np.ndarray,
    fees: float,
    slippage: float,
    band: float,
    initial_cash: float,
    fast: bool,
    equity_out: np.ndarray,
    turnover_out: np.ndarray,
) -> tuple[float, int]:
    """One variant; return (fees paid, events computed by the general path)."""
    n_tickers = close.shape[1]
    position = np.zeros(n_tickers)
    buffer = np.empty(n_tickers)
    call_seq = np.empty(n_tickers, dtype=np.int64)
    use_fast = fast and fees < 0.5
    cash = initial_cash
    fees_paid = 0.0
    general = 0
    lo = 0
    for e in range(event_rows.shape[0]):
        t = event_rows[e]
        _value_span(position, cash, valued, lo, t, equity_out)
        lo = t
        turnover_out[e] = 0.0
        value = cash + _holdings(position, valued[t])
        target = weights[e]
        if e > 0 and band > 0.0 and _drift(position, valued[t], target, value) <= band:
            continue
        handled = False
        if use_fast:
            handled, new_cash, fee, traded = fast_event(
                close[t], valued[t], inverse[t], target, position, cash, value, fees, slippage,
                buffer,
            )  # fmt: skip
        if not handled:
            new_cash, fee, traded = general_event(
                close[t], target, position, cash, value, fees, slippage, buffer, call_seq
            )
            general += 1
        cash = new_cash
        fees_paid += fee
        turnover_out[e] = 0.5 * traded / value
    _value_span(position, cash, valued, lo, close.shape[0], equity_out)
    return fees_paid, general


@njit(cache=True, parallel=True)
def _simulate_batch(
    close: np.ndarray,
    valued: np.ndarray,
    inverse: np.ndarray,
    event_rows: np.ndarray,
    weights: np.ndarray,
    weight_index: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    band: np.ndarray,
    initial_cash: float,
    fast: bool,
    equity_out: np.ndarray,
    fees_out: np.ndarray,
    turnover_out: np.ndarray,
    general_out: np.ndarray,
) -> None:
    for k in prange(weight_index.shape[0]):
        fees_out[k], general_out[k] = _run_variant(
            close,
            valued,
            inverse,
            event_rows,
            weights[weight_index[k]],
            fees[k],
            slippage[k],
            band[k],
            initial_cash,
            fast,
            equity_out[k],
            turnover_out[k],
        )


@njit(cache=True)
def _prepare(close: np.ndarray, valued: np.ndarray, inverse: np.ndarray) -> None:
    for t in range(close.shape[0]):
        for j in range(close.shape[1]):
            price = close[t, j]
            priced = not np.isnan(price)
            valued[t, j] = price if priced else 0.0
            inverse[t, j] = 1.0 / price if priced else 0.0


def prepared_prices(close: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (close, valued, inverse): closes; closes and ``1 / close`` with 0 where unpriced.

    The three panels (float64, n_days x n_tickers) are shared by every variant; compute them once
    per price panel.
    """
    close = np.ascontiguousarray(close, dtype=np.float64)
    valued = np.empty_like(close)
    inverse = np.empty_like(close)
    _prepare(close, valued, inverse)
    return close, valued, inverse


def simulate_into(
    prices: tuple[np.ndarray, np.ndarray, np.ndarray],
    event_rows: np.ndarray,
    weights: np.ndarray,
    *,
    weight_index: np.ndarray,
    fees: np.ndarray,
    slippage: np.ndarray,
    band: np.ndarray,
    initial_cash: float,
    equity_out: np.ndarray,
    fast: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`simulate_batch` on `prepared_prices`, writing equity into ``equity_out`` (K, n_days).

    Returns
    -------
    fees_paid : ndarray, shape (K,)
    turnover : ndarray, shape (K, n_events)
    general : ndarray of int, shape (K,)
        Events of each variant computed by the general path (``fast=False``: every traded one).
    """
    close, valued, inverse = prices
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
    if equity_out.shape != (n_variants, close.shape[0]) or not equity_out.flags.c_contiguous:
        raise ValueError(
            f"`equity_out` must be C-contiguous of shape ({n_variants}, {close.shape[0]})"
        )
    fees_paid = np.empty(n_variants)
    turnover = np.empty((n_variants, event_rows.shape[0]))
    general = np.empty(n_variants, dtype=np.int64)
    _simulate_batch(
        close,
        valued,
        inverse,
        event_rows,
        weights,
        weight_index,
        per_variant[0],
        per_variant[1],
        per_variant[2],
        float(initial_cash),
        bool(fast),
        equity_out,
        fees_paid,
        turnover,
        general,
    )
    return fees_paid, turnover, general


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
    prices = prepared_prices(close)
    equity = np.empty((np.asarray(weight_index).shape[0], prices[0].shape[0]))
    fees_paid, turnover, _ = simulate_into(
        prices,
        event_rows,
        weights,
        weight_index=weight_index,
        fees=fees,
        slippage=slippage,
        band=band,
        initial_cash=initial_cash,
        equity_out=equity,
    )
    return equity, fees_paid, turnover
