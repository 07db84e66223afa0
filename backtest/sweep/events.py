"""The two ways the kernel computes one rebalance event (numba): general and fast.

`general_event` follows vectorbt's call sequence order by order (an insertion sort of the order
values on preallocated buffers, then each order with vectorbt's guards). `fast_event` computes
the same event without the sort when the order of execution cannot matter (see
`backtest.sweep.kernel`): branch-free, vectorisable loops over the tickers, and a refusal
(nothing changed) whenever the event is too close to a boundary for that to be certain.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["add", "fast_event", "general_event", "is_close"]

_REL_TOL = 1e-9
_ABS_TOL = 1e-12
_MARGIN = 1e-6
_MIN_CASH = 1e-6
# reassociation and contraction only (no NaN or infinity assumptions): lets LLVM vectorise sums
_FASTMATH = {"reassoc", "nsz", "contract"}


@njit(cache=True, inline="always")
def is_close(a: float, b: float) -> bool:
    """Compare like vectorbt's ``is_close_nb``: 1e-9 relative or 1e-12 absolute."""
    if a == b:
        return True
    return abs(a - b) <= max(_REL_TOL * max(abs(a), abs(b)), _ABS_TOL)


@njit(cache=True, inline="always")
def add(a: float, b: float) -> float:
    """Add like vectorbt's ``add_nb``: exactly 0 when ``a`` and ``b`` cancel within tolerance."""
    if np.sign(a) != np.sign(b) and is_close(abs(a), abs(b)):
        return 0.0
    return a + b


@njit(cache=True, fastmath=_FASTMATH)
def _plan(
    valued_row: np.ndarray,
    inverse_row: np.ndarray,
    target: np.ndarray,
    position: np.ndarray,
    value: float,
    size: np.ndarray,
) -> tuple[float, float]:
    """Order sizes into ``size``; return (buy notional, sell notional) at the close, branch-free.

    ``target * value * (1 / close)`` is vectorbt's ``target * value / close`` to one rounding
    (a multiplication vectorises, a division does not); it is exact for a full exit.
    """
    buys = 0.0
    sells = 0.0
    for j in range(position.shape[0]):
        raw = position[j]
        pos = raw if abs(raw) > _ABS_TOL else 0.0
        wanted = target[j] * value * inverse_row[j] - pos  # 0 for an unpriced ticker
        size[j] = wanted
        price = valued_row[j]
        buys += wanted * price if wanted > _ABS_TOL else 0.0
        sell = min(pos, -wanted)
        sells += sell * price if sell > _ABS_TOL else 0.0
    return buys, sells


@njit(cache=True, fastmath=_FASTMATH)
def _execute(
    valued_row: np.ndarray,
    position: np.ndarray,
    size: np.ndarray,
    fees: float,
    slippage: float,
    held_back: int,
) -> tuple[float, float, float]:
    """Fill every sell and every buy but ``held_back``; return (cash change, fees, traded)."""
    cash = 0.0
    fees_paid = 0.0
    traded = 0.0
    for j in range(position.shape[0]):
        raw = position[j]
        pos = raw if abs(raw) > _ABS_TOL else 0.0
        wanted = size[j]
        sell = min(pos, -wanted)
        is_sell = sell > _ABS_TOL
        is_buy = (wanted > _ABS_TOL) and (j != held_back)
        left = pos - sell  # add_nb(pos, -sell): 0 when the two cancel within tolerance
        left = 0.0 if abs(left) <= max(_REL_TOL * pos, _ABS_TOL) else left
        price = valued_row[j]
        sold = sell * price * (1.0 - slippage)
        bought = wanted * price * (1.0 + slippage)
        new = left if is_sell else pos
        new = pos + wanted if is_buy else new
        position[j] = new
        sell_fee = sold * fees
        buy_fee = bought * fees
        cash += (sold - sell_fee) if is_sell else 0.0
        cash -= (bought + buy_fee) if is_buy else 0.0
        fees_paid += sell_fee if is_sell else 0.0
        fees_paid += buy_fee if is_buy else 0.0
        traded += sold if is_sell else 0.0
        traded += bought if is_buy else 0.0
    return cash, fees_paid, traded


@njit(cache=True)
def _last_buy(
    close_row: np.ndarray, target: np.ndarray, position: np.ndarray, value: float, size: np.ndarray
) -> int:
    """Find the buy executed last: the largest order value, ties to the last column."""
    last = -1
    best = -np.inf
    for j in range(position.shape[0]):
        if size[j] > _ABS_TOL:
            order_value = target[j] * value - position[j] * close_row[j]
            if order_value >= best:
                best = order_value
                last = j
    return last


@njit(cache=True)
def fast_event(
    close_row: np.ndarray,
    valued_row: np.ndarray,
    inverse_row: np.ndarray,
    target: np.ndarray,
    position: np.ndarray,
    cash: float,
    value: float,
    fees: float,
    slippage: float,
    size: np.ndarray,
) -> tuple[bool, float, float, float]:
    """Return (handled, cash, fees paid, traded); nothing changes when not handled."""
    buy_factor = (1.0 + slippage) * (1.0 + fees)
    buy_notional, sell_notional = _plan(valued_row, inverse_row, target, position, value, size)
    buys = buy_notional * buy_factor
    start = 0.0 if abs(cash) <= _ABS_TOL else cash
    available = start + sell_notional * (1.0 - slippage) * (1.0 - fees)
    held_back = -1
    if buys > 0.0:
        if available <= _MIN_CASH:
            return False, cash, 0.0, 0.0
        if buys >= available * (1.0 - _MARGIN):
            held_back = _last_buy(close_row, target, position, value, size)
            last_cost = size[held_back] * valued_row[held_back] * buy_factor
            if buys - last_cost >= available * (1.0 - _MARGIN) or buys <= available * (
                1.0 + _MARGIN
            ):
                return False, cash, 0.0, 0.0
    change, fees_paid, traded = _execute(valued_row, position, size, fees, slippage, held_back)
    cash = start + change
    if held_back >= 0:  # clipped to the remaining cash, which ends at exactly 0
        adj_price = valued_row[held_back] * (1.0 + slippage)
        max_req_cash = cash / (1.0 + fees)
        final_size = max_req_cash / adj_price
        fees_paid += cash - max_req_cash
        traded += final_size * adj_price
        raw = position[held_back]
        position[held_back] = add(raw if abs(raw) > _ABS_TOL else 0.0, final_size)
        cash = 0.0
    return True, cash, fees_paid, traded


@njit(cache=True)
def general_event(
    close_row: np.ndarray,
    target: np.ndarray,
    position: np.ndarray,
    cash: float,
    value: float,
    fees: float,
    slippage: float,
    order_value: np.ndarray,
    call_seq: np.ndarray,
) -> tuple[float, float, float]:
    """Vectorbt's sequence order by order; return (cash, fees paid, traded)."""
    n_tickers = position.shape[0]
    for j in range(n_tickers):  # order values, then vectorbt's insertion argsort (NaN last)
        call_seq[j] = j
        if np.isnan(close_row[j]):
            order_value[j] = np.nan
        else:
            order_value[j] = target[j] * value - position[j] * close_row[j]
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
    fees_paid = 0.0
    traded = 0.0
    for k in range(n_tickers):
        j = call_seq[k]
        price = close_row[j]
        if np.isnan(price):
            continue
        if is_close(cash, 0.0):
            cash = 0.0
        pos = position[j]
        if is_close(pos, 0.0):
            pos = 0.0
            position[j] = 0.0
        size = target[j] * value / price - pos
        if size > 0.0:
            if cash == 0.0:
                continue
            adj_price = price * (1.0 + slippage)
            req_cash = size * adj_price
            req_fees = req_cash * fees
            total = req_cash + req_fees
            if is_close(total, cash) or total < cash:
                final_size, fee, spent = size, req_fees, total
            else:
                max_req_cash = cash / (1.0 + fees)
                if max_req_cash <= 0.0:
                    continue
                final_size, fee, spent = max_req_cash / adj_price, cash - max_req_cash, cash
            if is_close(size, 0.0):
                continue
            cash = add(cash, -spent)
            position[j] = add(pos, final_size)
        else:
            adj_price = price * (1.0 - slippage)
            sell = min(pos, -size)
            if pos == 0.0 or is_close(sell, 0.0):
                continue
            proceeds = sell * adj_price
            fee = proceeds * fees
            net = add(proceeds, -fee)
            if net < 0.0:
                continue
            cash = cash + net
            position[j] = add(pos, -sell)
            final_size = sell
        fees_paid += fee
        traded += final_size * adj_price
    return cash, fees_paid, traded
