"""``--detail TOP_N``: re-run the sweep's best variants through the vectorbt engine.

The engine (`backtest.engine.simulation.simulate`) is the reference and the path for full order
records.
Each top variant's weights are rebuilt by the generic strategy path (the dataclass, not the
batch function), simulated with its own costs and band, and its daily equity is compared with
the sweep kernel's: the largest relative difference is reported (the contract is 1e-9).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import Schedule
from backtest.sweep.grid import SCHEDULE_PARAMS
from backtest.sweep.market import schedule_context
from backtest.sweep.ranking import rank_order
from backtest.sweep.run import SweepResult
from backtest.sweep.weights import variant_weights

__all__ = ["detail_top"]


def _python(value: Any) -> Any:
    """Return a numpy scalar as the plain Python value the dataclasses validate."""
    return value.item() if isinstance(value, np.generic) else value


def detail_top(result: SweepResult, n: int, folder: Path) -> pd.DataFrame:
    """Simulate the ``n`` best variants with vectorbt; write ``folder/detail``; return the check.

    Returns
    -------
    DataFrame, one row per variant: ``fees_paid`` (engine), ``final_equity`` (engine),
    ``max_rel_diff`` (kernel vs engine, over the engine's days).
    """
    from backtest.engine.simulation import simulate

    metric = result.spec.metric
    top = rank_order(result.table[metric].to_numpy(dtype=float), metric)[:n]
    market = result.market
    columns = list(market.prices.columns)
    strategy_columns = [c for c in result.spec.parameters if c not in result.settings.columns]
    out = folder / "detail"
    out.mkdir()
    equity_frames, order_frames, checks = {}, [], []
    initial_cash = market.config.run.initial_cash
    kernel_equity = result.equity_of(top)  # bit for bit the series the sweep reduced
    for variant, equity in zip(top, kernel_equity, strict=True):
        settings = result.settings.loc[variant]
        schedule = Schedule(**{k: _python(settings[k]) for k in SCHEDULE_PARAMS})
        context = schedule_context(market, schedule)
        weights, _ = variant_weights(
            context,
            result.spec.kind,
            result.spec.fixed,
            result.table.loc[[variant], strategy_columns],
            columns=columns,
            batch=False,
        )
        name = f"variant_{variant}"
        targets = pd.DataFrame(weights[0], index=context.effective_dates, columns=columns)
        simulation = simulate(
            market.prices,
            {name: targets},
            initial_cash=initial_cash,
            fees_bps=float(settings["fees_bps"]),
            slippage_bps=float(settings["slippage_bps"]),
            rebalance_band=float(settings["rebalance_band"]),
        )
        engine = simulation.equity[name]
        kernel = pd.Series(equity, index=result.dates).reindex(engine.index)
        rel = np.abs(kernel.to_numpy() / engine.to_numpy() - 1.0)
        equity_frames[name] = engine
        order_frames.append(simulation.orders)
        checks.append(
            {
                "variant": int(variant),
                "fees_paid": float(simulation.fees[name]),
                "final_equity": float(engine.iloc[-1]),
                "max_rel_diff": float(np.max(rel)),
            }
        )
    pd.DataFrame(equity_frames).rename_axis("date").to_csv(
        out / "equity.csv", date_format="%Y-%m-%d", float_format="%.10g"
    )
    pd.concat(order_frames, ignore_index=True).to_csv(
        out / "orders.csv", index=False, date_format="%Y-%m-%d", float_format="%.10g"
    )
    check = pd.DataFrame(checks).set_index("variant")
    check.to_csv(out / "check.csv", float_format="%.10g")
    return check
