"""`BuyAndHold`: all the cash in one ticker on the first effective date, then held (no rebalance).

The run's NVDA ``baseline`` and its reference rows (``ref_SPY`` ...) are this strategy, simulated
by the engine beside every other strategy. It trades on the first event only
(``trades = "first_event"``): its weights frame has that one row, and later events place no
order, so the position drifts with the price and nothing more is paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from backtest.context import Context, Trades
from strategies._params import check_ticker, ticker_column

__all__ = ["BuyAndHold"]


@dataclass(frozen=True, kw_only=True)
class BuyAndHold:
    """Weight 1 on ``ticker`` on the first effective date, then hold.

    Parameters
    ----------
    ticker : str
        The single name bought; it needs a price on the first effective date.
    """

    ticker: str = "NVDA"
    trades: ClassVar[Trades] = "first_event"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_ticker(self.ticker)

    def weights(self, context: Context) -> pd.DataFrame:
        """Return one row of target weights, shape (1, n_tickers), on the first effective date."""
        j = ticker_column(self.ticker, context.tickers, missing="is not in the context; tickers")
        weights = np.zeros((1, len(context.tickers)))
        weights[0, j] = 1.0
        return pd.DataFrame(weights, index=context.effective_dates[:1], columns=context.tickers)
