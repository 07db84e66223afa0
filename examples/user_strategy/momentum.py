"""A strategy written outside the package: equal weight on the best performers, long only.

Copy this folder anywhere. Nothing registers it: a config names it as ``kind =
"momentum:TopMomentum"`` and lists this folder in ``strategy_paths`` (or put the folder on
``PYTHONPATH``); from Python, pass an instance to ``backtest.run(config, strategies=...)``.

Rule, at each event k with determination row r = t_d: among the members eligible at k with a
price ``lookback_days`` rows before r, take the ``top`` with the largest return
``p[r] / p[r - lookback_days] - 1`` (ties broken by ticker order) and give each ``1 / n``.
Prices after ``t_d`` are never read; an event with nobody ranked holds cash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest import ConfigError, Context


@dataclass(frozen=True, kw_only=True)
class TopMomentum:
    """Equal weight on the ``top`` eligible members by ``lookback_days`` return at ``t_d``."""

    lookback_days: int = 126
    top: int = 5

    def __post_init__(self) -> None:
        for name in ("lookback_days", "top"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"`{name}` must be an integer >= 1, got {value!r}")

    def weights(self, context: Context) -> pd.DataFrame:
        prices = context.prices.to_numpy(dtype=float)
        eligible = context.eligible.to_numpy(dtype=bool)
        rows = context.events["determination_row"].to_numpy()
        weights = np.zeros(eligible.shape)
        for k, r in enumerate(rows):
            if r < self.lookback_days:
                continue
            past = prices[r - self.lookback_days]
            growth = prices[r] / past - 1.0
            ranked = eligible[k] & np.isfinite(growth)
            order = list(np.argsort(-np.where(ranked, growth, -np.inf), kind="stable"))
            chosen = [j for j in order if ranked[j]][: self.top]
            if chosen:
                weights[k, chosen] = 1.0 / len(chosen)
        return pd.DataFrame(weights, index=context.effective_dates, columns=context.tickers)
