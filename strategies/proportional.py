"""`ProportionalTilt`: bucket weights proportional to the inference share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context
from backtest.errors import ConfigError
from strategies._buckets import check_bucket_options, spread_buckets
from strategies._params import check_number

__all__ = ["ProportionalTilt", "known_share"]


def known_share(context: Context) -> np.ndarray:
    """Return the inference share per event as a float array; `ConfigError` if any is missing.

    Returns
    -------
    ndarray, shape (n_events,)
    """
    share = context.share.to_numpy(dtype=float)
    if np.isnan(share).any():
        first = context.share.index[np.isnan(share)][0].date()
        raise ConfigError(f"the inference signal has no usable value for the event of {first}")
    return share


@dataclass(frozen=True, kw_only=True)
class ProportionalTilt:
    """GPU = 1 - s, ASIC = s (1 - e), edge = s e, with s the inference share at ``t_d``.

    Parameters
    ----------
    edge_fraction : float
        ``e`` in [0, 1]: the part of inference spend that goes to edge silicon.
    within : {"equal", "exposure", "inverse_volatility"}
        Weighting inside a bucket.
    lookback_days : int
        Returns used by ``inverse_volatility`` (>= 2).
    empty_bucket : {"redistribute", "cash"}
        Where an empty bucket's weight goes.
    """

    edge_fraction: float = 0.25
    within: str = "equal"
    lookback_days: int = 63
    empty_bucket: str = "redistribute"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_number("edge_fraction", self.edge_fraction, low=0.0, high=1.0)
        check_bucket_options(self.within, self.empty_bucket, self.lookback_days)

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        share = known_share(context)
        e = float(self.edge_fraction)
        bucket_weights = np.column_stack((1.0 - share, share * (1.0 - e), share * e))
        return spread_buckets(
            bucket_weights,
            context,
            within=self.within,
            empty_bucket=self.empty_bucket,
            lookback_days=self.lookback_days,
        )
