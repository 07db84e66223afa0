"""`ProportionalTilt`: bucket weights proportional to the inference share (or another signal)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.constants import INFERENCE_SHARE
from backtest.context import Context
from backtest.errors import ConfigError, StrategyError
from strategies._buckets import BucketOptions
from strategies._params import check_number

__all__ = ["ProportionalTilt", "check_signal_name", "known_share", "signal_path"]


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


def check_signal_name(signal: object) -> None:
    """Raise `ConfigError` unless ``signal`` is a non-empty signal name."""
    if not isinstance(signal, str) or not signal.strip():
        raise ConfigError(
            f"`signal` must be a signal name (`{INFERENCE_SHARE}` or a [signals.NAME] of the "
            f"config), got {signal!r}"
        )


def signal_path(context: Context, signal: str) -> np.ndarray:
    """Return the values of ``signal`` known at each event, shape (n_events,).

    The inference share (``"inference_share"``, the default of every signal-driven scheme)
    must have a value at every event (`known_share`, as before named signals existed). Any
    other signal may be NaN before its first usable value: the caller falls back to its
    neutral choice there.
    """
    if signal == INFERENCE_SHARE:
        return known_share(context)
    return context.signal(signal).to_numpy(dtype=float)


@dataclass(frozen=True, kw_only=True)
class ProportionalTilt(BucketOptions):
    """GPU = 1 - s, ASIC = s (1 - e), edge = s e, with s the inference share at ``t_d``.

    Parameters
    ----------
    edge_fraction : float
        ``e`` in [0, 1]: the part of inference spend that goes to edge silicon.
    signal : str
        The signal ``s`` is read from: ``"inference_share"`` (default) or a ``[signals.NAME]``
        whose values lie in [0, 1] (a share-like series).
    neutral_share : float
        In [0, 1]: ``s`` at the events where a named signal has no usable value yet (before
        its first vintage); 0.4 gives the static 0.6 / 0.3 / 0.1 split with ``e = 0.25``. The
        inference share never falls back: an event without it is a `ConfigError`.
    within, lookback_days, empty_bucket
        The within-bucket options (`strategies._buckets.BucketOptions`).
    """

    edge_fraction: float = 0.25
    signal: str = INFERENCE_SHARE
    neutral_share: float = 0.4

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_number("edge_fraction", self.edge_fraction, low=0.0, high=1.0)
        check_signal_name(self.signal)
        check_number("neutral_share", self.neutral_share, low=0.0, high=1.0)
        super().__post_init__()

    def weights(self, context: Context) -> pd.DataFrame:
        """Return target weights per event, shape (n_events, n_tickers)."""
        share = signal_path(context, self.signal)
        if self.signal != INFERENCE_SHARE:
            share = np.where(np.isnan(share), float(self.neutral_share), share)
            outside = (share < 0.0) | (share > 1.0)
            if outside.any():
                k = int(np.flatnonzero(outside)[0])
                raise StrategyError(
                    f"`signal` {self.signal!r} must lie in [0, 1] for `proportional`, got "
                    f"{share[k]!r} for the event of {context.effective_dates[k].date()} "
                    "(use `linear_tilt` or `signal_blend` for other scales)"
                )
        e = float(self.edge_fraction)
        bucket_weights = np.column_stack((1.0 - share, share * (1.0 - e), share * e))
        return self.spread(bucket_weights, context)
