"""`ProportionalTilt`: bucket weights proportional to the inference share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context
from backtest.errors import ConfigError
from strategies._buckets import spread_buckets

__all__ = ["ProportionalTilt"]


@dataclass(frozen=True, kw_only=True)
class ProportionalTilt:
    """GPU = 1 - s, ASIC = s (1 - e), edge = s e, with s the inference share at ``t_d``.

    Parameters
    ----------
    edge_fraction : float
        ``e`` in [0, 1]: the part of inference spend that goes to edge silicon.
    within : {"equal", "exposure"}
        Weighting inside a bucket.
    empty_bucket : {"redistribute", "cash"}
        Where an empty bucket's weight goes.
    """

    edge_fraction: float = 0.25
    within: str = "equal"
    empty_bucket: str = "redistribute"

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.edge_fraction) <= 1.0:
            raise ConfigError(f"`edge_fraction` must be in [0, 1], got {self.edge_fraction!r}")

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event (see class docstring)."""
        share = context.share.to_numpy(dtype=float)
        if np.isnan(share).any():
            first = context.share.index[np.isnan(share)][0].date()
            raise ConfigError(f"the inference signal has no usable value for the event of {first}")
        e = float(self.edge_fraction)
        bucket_weights = np.column_stack((1.0 - share, share * (1.0 - e), share * e))
        return spread_buckets(
            bucket_weights, context, within=self.within, empty_bucket=self.empty_bucket
        )
