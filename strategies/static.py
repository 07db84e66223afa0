"""`StaticBuckets`: fixed bucket weights, whatever the signal says."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context
from backtest.errors import ConfigError
from strategies._buckets import BucketOptions
from strategies._params import check_number

__all__ = ["StaticBuckets"]


@dataclass(frozen=True, kw_only=True)
class StaticBuckets(BucketOptions):
    """GPU = ``gpu``, ASIC = ``asic``, edge = ``edge`` at every event.

    Parameters
    ----------
    gpu, asic, edge : float
        Bucket weights in [0, 1] summing to 1.
    within, lookback_days, empty_bucket
        The within-bucket options (`strategies._buckets.BucketOptions`).
    """

    gpu: float = 0.6
    asic: float = 0.3
    edge: float = 0.1

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        total = sum(
            check_number(name, getattr(self, name), low=0.0, high=1.0)
            for name in ("gpu", "asic", "edge")
        )
        if abs(total - 1.0) > 1e-9:
            raise ConfigError(
                f"`gpu` + `asic` + `edge` must sum to 1, got {self.gpu!r} + {self.asic!r} + "
                f"{self.edge!r} = {total:g}"
            )
        super().__post_init__()

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        bucket_weights = np.tile([self.gpu, self.asic, self.edge], (len(context.events), 1))
        return self.spread(bucket_weights.astype(float), context)
