"""`BuyAndHold`: all the cash in one ticker on the first effective date, then held (no rebalance).

The run's NVDA ``baseline`` and its reference rows (``ref_SPY`` ...) are this strategy, simulated
by the engine beside every other strategy. It trades on the first event only
(``trades = "first_event"``): its weights frame has that one row, and later events place no
order, so the position drifts with the price and nothing more is paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from backtest.context import Context, Trades
from backtest.errors import ConfigError

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
        if not isinstance(self.ticker, str) or not self.ticker.strip():
            raise ConfigError(f"`ticker` must be a non-empty string, got {self.ticker!r}")

    def weights(self, context: Context) -> pd.DataFrame:
        """Return one row of target weights, shape (1, n_tickers), on the first effective date."""
        if self.ticker not in context.tickers:
            raise ConfigError(
                f"`ticker` {self.ticker!r} is not in the context; tickers: "
                f"{', '.join(context.tickers)}"
            )
        first = context.effective_dates[:1]
        return pd.DataFrame(
            [[1.0 if t == self.ticker else 0.0 for t in context.tickers]],
            index=first,
            columns=context.tickers,
        )
