"""Rebalance schedule: events with a determination date and an effective date (DESIGN section 5).

The effective date ``t_e`` is the first (``anchor="first"``) or last (``"last"``) trading day of
each period of ``frequency``; the determination date ``t_d`` is ``lag_days`` trading days
before ``t_e``. Events whose ``t_d`` has fewer than ``warmup_days`` trading days (calendar
rows) up to and including it are dropped, so the first decision always has history to work with.
With ``anchor="last"`` the final period's effective date is the calendar's last day, whether or
not the period continues beyond the data.

`Schedule` is the one place these options live and are validated: ``frequency``, ``anchor``,
``lag_days`` and ``rebalance_band``. The band's skip rule needs the drifted weights of a
simulation, so the engine applies it (see `backtest.engine.simulation`); this module only defines
events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import pandas as pd

from backtest.errors import ConfigError

__all__ = ["Anchor", "Frequency", "Schedule", "rebalance_events"]

Frequency = Literal["monthly", "quarterly", "semiannual", "annual"]
Anchor = Literal["first", "last"]

_PERIOD_CODE: dict[str, str] = {"monthly": "M", "quarterly": "Q", "semiannual": "2Q", "annual": "Y"}


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """When the portfolio rebalances.

    Parameters
    ----------
    frequency : {"monthly", "quarterly", "semiannual", "annual"}
    anchor : {"first", "last"}
        First or last trading day of each period is the effective date.
    lag_days : int
        Trading days between determination and effective date, >= 1.
    rebalance_band : float
        In [0, 1). Skip an event when every drifted weight is within this distance of its
        target (``max_i |drifted_i - target_i| <= rebalance_band``); 0 means always trade.
    """

    frequency: Frequency = "monthly"
    anchor: Anchor = "first"
    lag_days: int = 1
    rebalance_band: float = 0.0

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        if self.frequency not in get_args(Frequency):
            raise ConfigError(
                f"`frequency` must be one of {', '.join(get_args(Frequency))}, "
                f"got {self.frequency!r}"
            )
        if self.anchor not in get_args(Anchor):
            raise ConfigError(
                f"`anchor` must be one of {', '.join(get_args(Anchor))}, got {self.anchor!r}"
            )
        if isinstance(self.lag_days, bool) or not isinstance(self.lag_days, int):
            raise ConfigError(f"`lag_days` must be an integer >= 1, got {self.lag_days!r}")
        if self.lag_days < 1:
            raise ConfigError(f"`lag_days` must be >= 1, got {self.lag_days}")
        band = self.rebalance_band
        if (
            isinstance(band, bool)
            or not isinstance(band, int | float)
            or not 0.0 <= float(band) < 1.0
        ):
            raise ConfigError(f"`rebalance_band` must be a number in [0, 1), got {band!r}")


def rebalance_events(
    calendar: pd.DatetimeIndex, schedule: Schedule, *, warmup_days: int = 1
) -> pd.DataFrame:
    """Return the rebalance events on ``calendar``.

    Parameters
    ----------
    calendar : DatetimeIndex, length n_days
        Trading days, ascending.
    schedule : Schedule
    warmup_days : int
        Minimum number of trading days (rows of ``calendar``) up to and including ``t_d``.

    Returns
    -------
    DataFrame, shape (n_events, 2)
        Columns ``determination_date`` and ``effective_date`` (Timestamps), ascending, plus the
        integer row positions ``determination_row`` and ``effective_row`` in ``calendar``.
    """
    if len(calendar) == 0:
        raise ConfigError("`calendar` must not be empty")
    if not calendar.is_monotonic_increasing or not calendar.is_unique:
        raise ConfigError("`calendar` must be unique, ascending trading days")
    if isinstance(warmup_days, bool) or not isinstance(warmup_days, int) or warmup_days < 1:
        raise ConfigError(f"`warmup_days` must be an integer >= 1, got {warmup_days!r}")
    periods = calendar.to_period(_PERIOD_CODE[schedule.frequency].lstrip("2"))
    if schedule.frequency == "semiannual":
        halves = np.where(calendar.month <= 6, 0, 1)
        keys = calendar.year.to_numpy() * 2 + halves
    else:
        keys = periods.asi8
    change = np.flatnonzero(np.diff(keys) != 0)
    if schedule.anchor == "first":
        rows = np.concatenate(([0], change + 1))
    else:
        rows = np.concatenate((change, [len(calendar) - 1]))
    det_rows = rows - schedule.lag_days
    keep = det_rows >= warmup_days - 1
    rows, det_rows = rows[keep], det_rows[keep]
    return pd.DataFrame(
        {
            "determination_date": calendar[det_rows],
            "effective_date": calendar[rows],
            "determination_row": det_rows.astype(np.int64),
            "effective_row": rows.astype(np.int64),
        }
    )
