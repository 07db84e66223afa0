"""`NvdaOnly`: the reference target of weight 1 on one ticker (NVDA), rebalanced like the others."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context
from strategies._params import check_ticker, ticker_column

__all__ = ["NvdaOnly"]


@dataclass(frozen=True, kw_only=True)
class NvdaOnly:
    """Weight 1 on ``ticker`` at every event where it is eligible, cash otherwise.

    Unlike the buy-and-hold ``baseline`` (one purchase, then drift), this trades on every event,
    so it pays the same schedule of costs as the other strategies. The context holds only
    universe members, so ``ticker`` must be one.

    Parameters
    ----------
    ticker : str
        The single name held; the run's baseline ticker, ``"NVDA"`` by default.
    """

    ticker: str = "NVDA"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_ticker(self.ticker)

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        j = ticker_column(
            self.ticker, context.tickers, missing="is not a member of the universe; members"
        )
        weights = np.zeros(context.eligible.shape)
        weights[:, j] = context.eligible.to_numpy(dtype=bool)[:, j]
        return pd.DataFrame(weights, index=context.effective_dates, columns=context.tickers)
