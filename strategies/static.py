"""`StaticBuckets`: fixed bucket weights, whatever the signal says."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context
from backtest.errors import ConfigError
from strategies._buckets import check_bucket_options, spread_buckets
from strategies._params import check_number

__all__ = ["StaticBuckets"]


@dataclass(frozen=True, kw_only=True)
class StaticBuckets:
    """GPU = ``gpu``, ASIC = ``asic``, edge = ``edge`` at every event.

    Parameters
    ----------
    gpu, asic, edge : float
        Bucket weights in [0, 1] summing to 1.
    within : {"equal", "exposure", "inverse_volatility"}
        Weighting inside a bucket.
    lookback_days : int
        Returns used by ``inverse_volatility`` (>= 2).
    empty_bucket : {"redistribute", "cash"}
        Where an empty bucket's weight goes.
    """

    gpu: float = 0.6
    asic: float = 0.3
    edge: float = 0.1
    within: str = "equal"
    lookback_days: int = 63
    empty_bucket: str = "redistribute"

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
        check_bucket_options(self.within, self.empty_bucket, self.lookback_days)

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        bucket_weights = np.tile([self.gpu, self.asic, self.edge], (len(context.events), 1))
        return spread_buckets(
            bucket_weights.astype(float),
            context,
            within=self.within,
            empty_bucket=self.empty_bucket,
            lookback_days=self.lookback_days,
        )
