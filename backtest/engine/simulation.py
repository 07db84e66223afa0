"""The simulation engine: target weights -> equity, holdings, orders and costs (vectorbt).

This is the only module that imports vectorbt.

Accounting (DESIGN section 5)
-----------------------------
Orders execute at the close of each effective date ``t_e`` at ``close * (1 +/- slippage)``
against the trader and pay ``fees * |size * price|`` (``fees = fees_bps / 1e4``,
``slippage = slippage_bps / 1e4``). The fills come from one vectorbt
``Portfolio.from_orders(size_type="targetpercent", cash_sharing=True, call_seq="auto",
update_value=False)`` call per chunk of variants: every target is set on the pre-trade group
value valued at the close, orders run in ascending order of value (sells first, ties by column),
and a buy the remaining cash cannot pay (fees included) is clipped to the cash. Every argument is
passed explicitly; ``vbt.settings`` is never read or written. Positions, cash and equity are the
running sums of vectorbt's order records (``size``, ``price``, ``fees``), valued at the close.

Rebalance band
--------------
The exact skip rule is in `backtest.engine.drift_band`. Skipped events are found exactly:
simulate, walk the events with the simulated pre-trade state, and at the first skipped event
keep walking with the frozen pre-trade state (nothing trades until the next executed event);
when an executed event follows a skip, drop the skipped rows and re-simulate the variants
concerned. A run needs ``1 + (runs of consecutive skips)`` simulations at most, each on the
variants still undecided.

Memory
------
Variants are simulated ``chunk_size`` at a time. One chunk holds about 8 arrays of
``n_days x chunk_size x n_tickers`` float64 (close, size, positions, vectorbt's internals) plus
one 48-byte order record per non-empty target cell: for 3,000 days, 18 tickers and the default
32 variants that is about ``8 * 3000 * 32 * 18 * 8 B = 110 MB``. The outputs kept for every
variant add about 1.5 MB each (holdings ``n_days x n_tickers x 8 B`` = 0.43 MB, equity, cash,
orders, concatenation). Measured peak RSS growth of one `simulate` call at 3,021 days x 18
tickers: 108 MB for 32 variants, 257 MB for 128 (``chunk_size=32``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import vectorbt as vbt

from backtest.context import check_weights
from backtest.engine.drift_band import walk_band
from backtest.errors import ConfigError, StrategyError

__all__ = ["DEFAULT_CHUNK_SIZE", "Simulation", "VbtEngine", "simulate"]

VbtEngine = Literal["rust", "numba"]

_FIXED_ARGUMENTS: Mapping[str, Any] = {
    "size_type": "targetpercent",
    "direction": "longonly",
    "fixed_fees": 0.0,
    "min_size": 0.0,
    "max_size": np.inf,
    "size_granularity": np.nan,
    "reject_prob": 0.0,
    "lock_cash": False,
    "allow_partial": True,
    "raise_reject": False,
    "log": False,
    "cash_sharing": True,
    "call_seq": "auto",
    "ffill_val_price": True,
    "update_value": False,
    "max_logs": 0,
    "seed": 0,
    "freq": "1D",
    "attach_call_seq": False,
}
"""Every other argument of ``Portfolio.from_orders``, spelled out (``vbt.settings`` is never
read): the DESIGN section 5 accounting rests on these values."""

DEFAULT_CHUNK_SIZE = 32
"""Variants per vectorbt call (see the memory bound in the module docstring)."""


@dataclass(frozen=True, kw_only=True)
class Simulation:
    """Outputs of one simulation, one column (or key) per variant.

    Attributes
    ----------
    equity : DataFrame, shape (n_days, n_variants)
        Portfolio value at each close from the first effective date of any variant on.
    cash : DataFrame, shape (n_days, n_variants)
        Cash at each close.
    holdings : dict[str, DataFrame]
        Per variant, end-of-day weights (drifted) ``position * close / equity``, shape
        (n_days, n_tickers); cash is ``1 - row sum``.
    orders : DataFrame
        Long, one row per fill: ``variant, date, ticker, side, size, price, notional, fees``
        (``size > 0``; ``price`` includes slippage; ``notional = size * price``).
    fees : Series
        Total fees paid per variant, in currency.
    turnover : DataFrame, shape (n_events, n_variants)
        One-way turnover per event: half the traded notional over the pre-trade value ``V``
        (0 for a skipped event; NaN where a variant has no event on that date).
    skipped_events : dict[str, DatetimeIndex]
        Per variant, the effective dates the rebalance band skipped (empty without a band).
    initial_cash : float
    """

    equity: pd.DataFrame
    cash: pd.DataFrame
    holdings: dict[str, pd.DataFrame]
    orders: pd.DataFrame
    fees: pd.Series
    turnover: pd.DataFrame
    skipped_events: dict[str, pd.DatetimeIndex]
    initial_cash: float


def _size_matrix(prices: pd.DataFrame, targets: pd.DataFrame, variant: str) -> np.ndarray:
    """Place target weights on their effective rows; NaN (no order) elsewhere."""
    values = check_weights(targets, columns=list(prices.columns), name=variant)
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
    rebalance_band: float = 0.0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    engine: VbtEngine = "rust",
) -> Simulation:
    """Simulate every variant in ``targets`` on ``prices``.

    Parameters
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Validated adjusted closes (NaN only before a listing).
    targets : Mapping[str, DataFrame]
        Variant name -> target weights, shape (n_events, n_tickers): index = effective dates
        (trading days of ``prices``), columns = ``prices`` columns. A buy-and-hold variant is a
        frame with a single row.
    initial_cash : float
        Starting cash of every variant, > 0.
    fees_bps, slippage_bps : float
        Proportional fees on traded notional and slippage against the trader, >= 0.
    rebalance_band : float
        Drift band in [0, 1); the exact skip rule: `backtest.engine.drift_band`.
    chunk_size : int
        Variants per vectorbt call (bounds memory), >= 1.
    engine : {"rust", "numba"}
        vectorbt kernel; both give the same numbers, rust starts without JIT compilation.

    Returns
    -------
    Simulation
    """
    if not initial_cash > 0:
        raise ConfigError(f"`initial_cash` must be > 0, got {initial_cash!r}")
    if not fees_bps >= 0:
        raise ConfigError(f"`fees_bps` must be >= 0, got {fees_bps!r}")
    if not slippage_bps >= 0:
        raise ConfigError(f"`slippage_bps` must be >= 0, got {slippage_bps!r}")
    if not 0.0 <= rebalance_band < 1.0:
        raise ConfigError(f"`rebalance_band` must be in [0, 1), got {rebalance_band!r}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ConfigError(f"`chunk_size` must be an integer >= 1, got {chunk_size!r}")
    if engine not in get_args(VbtEngine):
        raise ConfigError(
            f"`engine` must be one of {', '.join(get_args(VbtEngine))}, got {engine!r}"
        )
    if not targets:
        raise ConfigError("`targets` must name at least one variant")
    names = list(targets)
    sizes = {name: _size_matrix(prices, targets[name], name) for name in names}
    first_row = min(int(prices.index.get_indexer(t.index[:1])[0]) for t in targets.values())
    window = prices.iloc[first_row:]
    parts = []
    for lo in range(0, len(names), chunk_size):
        chunk = names[lo : lo + chunk_size]
        parts.append(
            _simulate_chunk(
                window,
                {name: targets[name] for name in chunk},
                {name: sizes[name][first_row:] for name in chunk},
                initial_cash=float(initial_cash),
                fees=fees_bps / 1e4,
                slippage=slippage_bps / 1e4,
                band=float(rebalance_band),
                engine=engine,
            )
        )
    return Simulation(
        equity=pd.concat([p["equity"] for p in parts], axis=1)[names],
        cash=pd.concat([p["cash"] for p in parts], axis=1)[names],
        holdings={k: v for p in parts for k, v in p["holdings"].items()},
        orders=pd.concat([p["orders"] for p in parts], ignore_index=True),
        fees=pd.Series({k: v for p in parts for k, v in p["fees"].items()}, name="fees")[names],
        turnover=pd.concat([p["turnover"] for p in parts], axis=1, sort=True)[names],
        skipped_events={k: v for p in parts for k, v in p["skipped"].items()},
        initial_cash=float(initial_cash),
    )


@dataclass(frozen=True, kw_only=True)
class _State:
    """Positions (n_days, n_cols), cash (n_days, n_groups) and the fills of one simulation."""

    positions: np.ndarray
    cash: np.ndarray
    records: np.ndarray


def _run_vbt(
    close: np.ndarray,
    size: np.ndarray,
    n_groups: int,
    *,
    initial_cash: float,
    fees: float,
    slippage: float,
    engine: VbtEngine,
) -> _State:
    """One ``from_orders`` call on ``n_groups`` variants side by side (shape n_days x n_cols)."""
    n_days, n_cols = close.shape
    n_tickers = n_cols // n_groups
    portfolio = vbt.Portfolio.from_orders(
        close=close,
        size=size,
        price=close,
        val_price=close,
        fees=fees,
        slippage=slippage,
        init_cash=initial_cash,
        max_orders=max(1, int(np.count_nonzero(~np.isnan(size)))),
        group_by=np.repeat(np.arange(n_groups), n_tickers),
        engine=engine,
        **_FIXED_ARGUMENTS,
    )
    records = portfolio.orders.values
    buy = records["side"] == 0
    flow = np.zeros((n_days, n_cols))
    np.add.at(
        flow, (records["idx"], records["col"]), np.where(buy, records["size"], -records["size"])
    )
    positions = np.cumsum(flow, axis=0)
    notional = records["size"] * records["price"]
    cash_flow = np.zeros((n_days, n_groups))
    np.add.at(
        cash_flow,
        (records["idx"], records["col"] // n_tickers),
        np.where(buy, -notional, notional) - records["fees"],
    )
    return _State(
        positions=positions, cash=initial_cash + np.cumsum(cash_flow, axis=0), records=records
    )


def _simulate_chunk(
    prices: pd.DataFrame,
    targets: Mapping[str, pd.DataFrame],
    sizes: Mapping[str, np.ndarray],
    *,
    initial_cash: float,
    fees: float,
    slippage: float,
    band: float,
    engine: VbtEngine,
) -> dict[str, Any]:
    names = list(targets)
    n_tickers = prices.shape[1]
    close_np = prices.to_numpy(dtype=float)
    close = np.tile(close_np, (1, len(names)))
    size = np.concatenate([sizes[n] for n in names], axis=1)
    kwargs: dict[str, Any] = {
        "initial_cash": initial_cash,
        "fees": fees,
        "slippage": slippage,
        "engine": engine,
    }
    state = _run_vbt(close, size, len(names), **kwargs)
    event_rows = {n: prices.index.get_indexer(targets[n].index) for n in names}
    skipped: dict[str, list[int]] = {n: [] for n in names}
    if band > 0.0:
        undecided = dict.fromkeys(names, 0)
        while undecided:
            for g, name in enumerate(names):
                if name not in undecided:
                    continue
                cols = slice(g * n_tickers, (g + 1) * n_tickers)
                new, nxt = walk_band(
                    close_np,
                    event_rows[name],
                    targets[name].to_numpy(dtype=float),
                    positions=state.positions[:, cols],
                    cash=state.cash[:, g],
                    initial_cash=initial_cash,
                    start=undecided[name],
                    band=band,
                )
                skipped[name] += new
                size[event_rows[name][new], g * n_tickers : (g + 1) * n_tickers] = np.nan
                if nxt >= len(event_rows[name]) and not new:
                    del undecided[name]
                else:
                    undecided[name] = nxt
            if not undecided:
                break
            state = _run_vbt(close, size, len(names), **kwargs)
            undecided = {n: k for n, k in undecided.items() if k < len(event_rows[n])}
    return _outputs(prices, targets, names, state, event_rows, skipped, initial_cash)


def _outputs(
    prices: pd.DataFrame,
    targets: Mapping[str, pd.DataFrame],
    names: list[str],
    state: _State,
    event_rows: Mapping[str, np.ndarray],
    skipped: Mapping[str, list[int]],
    initial_cash: float,
) -> dict[str, Any]:
    n_days, n_tickers = prices.shape
    close_np = prices.to_numpy(dtype=float)
    dates = prices.index
    records = state.records
    order_col, order_row = records["col"], records["idx"]
    notional = records["size"] * records["price"]
    equity = np.empty((n_days, len(names)))
    holdings: dict[str, pd.DataFrame] = {}
    fee_totals: dict[str, float] = {}
    turnover: dict[str, pd.Series] = {}
    for g, name in enumerate(names):
        cols = slice(g * n_tickers, (g + 1) * n_tickers)
        held = np.nan_to_num(state.positions[:, cols] * close_np)
        equity[:, g] = state.cash[:, g] + held.sum(axis=1)
        holdings[name] = pd.DataFrame(
            held / equity[:, g : g + 1], index=dates, columns=prices.columns
        )
        in_group = (order_col >= g * n_tickers) & (order_col < (g + 1) * n_tickers)
        fee_totals[name] = float(records["fees"][in_group].sum())
        traded = np.zeros(n_days)
        np.add.at(traded, order_row[in_group], np.abs(notional[in_group]))
        rows = event_rows[name]
        prev = np.maximum(rows - 1, 0)
        pre_value = np.where(
            rows == 0,
            initial_cash,
            state.cash[prev, g] + np.nansum(state.positions[prev, cols] * close_np[rows], axis=1),
        )
        turnover[name] = pd.Series(0.5 * traded[rows] / pre_value, index=targets[name].index)
    orders = pd.DataFrame(
        {
            "variant": np.asarray(names, dtype=object)[order_col // n_tickers],
            "date": dates[order_row],
            "ticker": prices.columns[order_col % n_tickers],
            "side": np.where(records["side"] == 0, "buy", "sell"),
            "size": records["size"],
            "price": records["price"],
            "notional": notional,
            "fees": records["fees"],
        }
    )
    # fills grouped by variant (in the order given), execution order kept within a day
    orders = orders.iloc[np.argsort(order_col // n_tickers, kind="stable")].reset_index(drop=True)
    return {
        "equity": pd.DataFrame(equity, index=dates, columns=names),
        "cash": pd.DataFrame(state.cash, index=dates, columns=names),
        "holdings": holdings,
        "orders": orders,
        "fees": fee_totals,
        "turnover": pd.concat(turnover, axis=1, sort=True),
        "skipped": {
            n: pd.DatetimeIndex(targets[n].index[sorted(skipped[n])], name="effective_date")
            for n in names
        },
    }
