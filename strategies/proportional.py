"""`ProportionalTilt`: bucket weights proportional to the inference share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context
from backtest.errors import ConfigError
from strategies._buckets import BucketOptions
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
class ProportionalTilt(BucketOptions):
    """GPU = 1 - s, ASIC = s (1 - e), edge = s e, with s the inference share at ``t_d``.

    Parameters
    ----------
    edge_fraction : float
        ``e`` in [0, 1]: the part of inference spend that goes to edge silicon.
    within, lookback_days, empty_bucket
        The within-bucket options (`strategies._buckets.BucketOptions`).
    """

    edge_fraction: float = 0.25

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_number("edge_fraction", self.edge_fraction, low=0.0, high=1.0)
        super().__post_init__()

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        share = known_share(context)
        e = float(self.edge_fraction)
        bucket_weights = np.column_stack((1.0 - share, share * (1.0 - e), share * e))
        return self.spread(bucket_weights, context)
