"""The simulation engine: target weights -> equity, holdings, orders and costs (vectorbt).

This is the only module that imports vectorbt. Accounting (DESIGN section 5): orders execute at
the close of each effective date at ``close * (1 +/- slippage_bps / 1e4)`` against the trader and
pay ``fees_bps / 1e4`` of traded notional. vectorbt's
``from_orders(size_type="targetpercent", cash_sharing=True, call_seq="auto")`` sets every target
on the pre-trade group value (``update_value=False``) valued at the close, runs the orders in
ascending order of value (sells first), and clips a buy the remaining cash cannot pay, fees
included. Every argument is passed explicitly; ``vbt.settings`` is never read or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import vectorbt as vbt

from backtest.errors import ConfigError, StrategyError

__all__ = ["Simulation", "VbtEngine", "simulate"]

VbtEngine = Literal["rust", "numba"]

_DEFAULT_CHUNK = 32
"""Variants per vectorbt call; memory is about chunk x n_days x n_tickers x 8 B x ~10 arrays."""


@dataclass(frozen=True, kw_only=True)
class Simulation:
    """Outputs of one simulation, one column (or key) per variant.

    Attributes
    ----------
    equity : DataFrame, shape (n_days, n_variants)
        Portfolio value at each close from the first effective date on.
    holdings : dict[str, DataFrame]
        Per variant, end-of-day weights (drifted), shape (n_days, n_tickers).
    orders : DataFrame
        Long: ``variant, date, ticker, size, price, fees, side`` (size > 0; side buy/sell).
    fees : Series
        Total fees paid per variant, in currency.
    turnover : DataFrame, shape (n_events, n_variants)
        One-way turnover per event: half the traded notional over the pre-trade value.
    initial_cash : float
    """

    equity: pd.DataFrame
    holdings: dict[str, pd.DataFrame]
    orders: pd.DataFrame
    fees: pd.Series
    turnover: pd.DataFrame
    initial_cash: float


def _size_matrix(prices: pd.DataFrame, targets: pd.DataFrame, variant: str) -> np.ndarray:
    """Place target weights on their effective rows; NaN (no order) elsewhere."""
    if list(targets.columns) != list(prices.columns):
        raise StrategyError(
            f"weights of `{variant}` must have columns {list(prices.columns)}, "
            f"got {list(targets.columns)}"
        )
    values = targets.to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any():
        raise StrategyError(f"weights of `{variant}` must be >= 0 and not NaN")
    if (values.sum(axis=1) > 1.0 + 1e-9).any():
        raise StrategyError(f"weights of `{variant}` must sum to at most 1 per event")
    rows = prices.index.get_indexer(targets.index)
    if (rows < 0).any():
        missing = targets.index[rows < 0][0].date()
        raise StrategyError(f"effective date {missing} of `{variant}` is not a trading day")
    size = np.full(prices.shape, np.nan)
    close_rows = prices.to_numpy(dtype=float)[rows]
    unpriced = np.isnan(close_rows)
    if (unpriced & (values > 0)).any():
        r, c = np.argwhere(unpriced & (values > 0))[0]
        raise StrategyError(
            f"`{variant}` targets {prices.columns[c]} on {targets.index[r].date()} "
            "before its first price"
        )
    size[rows] = np.where(unpriced, np.nan, values)
    return size


def simulate(
    prices: pd.DataFrame,
    targets: Mapping[str, pd.DataFrame],
    *,
    initial_cash: float,
    fees_bps: float,
    slippage_bps: float,
    chunk_size: int = _DEFAULT_CHUNK,
    engine: VbtEngine = "rust",
) -> Simulation:
    """Simulate every variant in ``targets`` on ``prices``.

    Parameters
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Validated adjusted closes (NaN only before a listing).
    targets : Mapping[str, DataFrame]
        Variant name -> target weights (index = effective dates, columns = ``prices`` columns).
        A buy-and-hold variant is a frame with a single row.
    initial_cash, fees_bps, slippage_bps : float
    chunk_size : int
        Variants per vectorbt call (bounds memory).
    engine : {"rust", "numba"}
        vectorbt kernel; both give the same numbers.
    """
    if initial_cash <= 0:
        raise ConfigError(f"`initial_cash` must be > 0, got {initial_cash!r}")
    if fees_bps < 0:
        raise ConfigError(f"`fees_bps` must be >= 0, got {fees_bps!r}")
    if slippage_bps < 0:
        raise ConfigError(f"`slippage_bps` must be >= 0, got {slippage_bps!r}")
    if not targets:
        raise ConfigError("`targets` must name at least one variant")
    names = list(targets)
    first_row = min(int(prices.index.get_indexer(t.index[:1])[0]) for t in targets.values())
    window = prices.iloc[first_row:]
    equity_parts, holdings, order_parts, fee_parts, turnover_parts = [], {}, [], {}, []
    for lo in range(0, len(names), max(1, chunk_size)):
        chunk = names[lo : lo + max(1, chunk_size)]
        part = _simulate_chunk(
            window,
            {name: targets[name] for name in chunk},
            initial_cash=initial_cash,
            fees=fees_bps / 1e4,
            slippage=slippage_bps / 1e4,
            engine=engine,
        )
        equity_parts.append(part["equity"])
        holdings.update(part["holdings"])
        order_parts.append(part["orders"])
        fee_parts.update(part["fees"])
        turnover_parts.append(part["turnover"])
    return Simulation(
        equity=pd.concat(equity_parts, axis=1)[names],
        holdings=holdings,
        orders=pd.concat(order_parts, ignore_index=True),
        fees=pd.Series(fee_parts, name="fees")[names],
        turnover=pd.concat(turnover_parts, axis=1),
        initial_cash=float(initial_cash),
    )


def _simulate_chunk(
    prices: pd.DataFrame,
    targets: Mapping[str, pd.DataFrame],
    *,
    initial_cash: float,
    fees: float,
    slippage: float,
    engine: VbtEngine,
) -> dict[str, Any]:
    names = list(targets)
    n_days, n_tickers = prices.shape
    close = np.tile(prices.to_numpy(dtype=float), (1, len(names)))
    size = np.concatenate([_size_matrix(prices, targets[n], n) for n in names], axis=1)
    group = np.repeat(np.arange(len(names)), n_tickers)
    portfolio = vbt.Portfolio.from_orders(
        close=close,
        size=size,
        size_type="targetpercent",
        direction="longonly",
        price=close,
        val_price=close,
        fees=fees,
        fixed_fees=0.0,
        slippage=slippage,
        min_size=0.0,
        max_size=np.inf,
        size_granularity=np.nan,
        reject_prob=0.0,
        lock_cash=False,
        allow_partial=True,
        raise_reject=False,
        log=False,
        init_cash=float(initial_cash),
        cash_sharing=True,
        call_seq="auto",
        ffill_val_price=True,
        update_value=False,
        group_by=group,
        seed=0,
        freq="1D",
        attach_call_seq=False,
        engine=engine,
    )
    value = np.asarray(portfolio.value(), dtype=float).reshape(n_days, len(names))
    asset_value = np.asarray(portfolio.asset_value(group_by=False), dtype=float)
    assets = np.asarray(portfolio.assets(), dtype=float)
    cash = np.asarray(portfolio.cash(), dtype=float).reshape(n_days, len(names))
    records = portfolio.orders.values
    order_col = records["col"]
    order_row = records["idx"]
    notional = records["size"] * records["price"]
    dates = prices.index
    holdings: dict[str, pd.DataFrame] = {}
    fee_totals: dict[str, float] = {}
    turnover: dict[str, pd.Series] = {}
    close_np = prices.to_numpy(dtype=float)
    for g, name in enumerate(names):
        cols = slice(g * n_tickers, (g + 1) * n_tickers)
        held = np.nan_to_num(asset_value[:, cols]) / value[:, g : g + 1]
        holdings[name] = pd.DataFrame(held, index=dates, columns=prices.columns)
        in_group = (order_col >= g * n_tickers) & (order_col < (g + 1) * n_tickers)
        fee_totals[name] = float(records["fees"][in_group].sum())
        event_rows = dates.get_indexer(targets[name].index)
        traded = np.zeros(n_days)
        np.add.at(traded, order_row[in_group], np.abs(notional[in_group]))
        prev_assets = np.vstack([np.zeros((1, n_tickers)), assets[:-1, cols]])
        prev_cash = np.concatenate([[initial_cash], cash[:-1, g]])
        pre_value = prev_cash + np.nansum(prev_assets * close_np, axis=1)
        turnover[name] = pd.Series(
            0.5 * traded[event_rows] / pre_value[event_rows], index=targets[name].index
        )
    orders = pd.DataFrame(
        {
            "variant": [names[c // n_tickers] for c in order_col],
            "date": dates[order_row],
            "ticker": prices.columns[order_col % n_tickers],
            "size": records["size"],
            "price": records["price"],
            "fees": records["fees"],
            "side": np.where(records["side"] == 0, "buy", "sell"),
        }
    )
    return {
        "equity": pd.DataFrame(value, index=dates, columns=names),
        "holdings": holdings,
        "orders": orders,
        "fees": fee_totals,
        "turnover": pd.DataFrame(turnover),
    }
