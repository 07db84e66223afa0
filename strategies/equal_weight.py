"""`EqualWeight`: 1 / n over every eligible member, ignoring buckets and the signal (a control)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context

__all__ = ["EqualWeight"]


@dataclass(frozen=True, kw_only=True)
class EqualWeight:
    """Weight ``1 / n_t`` on each of the ``n_t`` members eligible at event ``t``.

    No parameters. An event with nobody eligible holds cash (a row of zeros).
    """

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        eligible = context.eligible.to_numpy(dtype=float)
        count = eligible.sum(axis=1, keepdims=True)
        weights = np.divide(eligible, count, out=np.zeros_like(eligible), where=count > 0)
        return pd.DataFrame(weights, index=context.effective_dates, columns=context.tickers)
