"""Rebalance schedule: events with a determination date and an effective date (DESIGN section 5).

The effective date ``t_e`` is the first (``anchor="first"``) or last (``"last"``) trading day of
each period of ``frequency``; the determination date ``t_d`` is ``lag_days`` trading days
before ``t_e``. Events whose ``t_d`` has fewer than ``warmup_days`` trading days (calendar
rows) up to and including it are dropped, so the first decision always has history to work with,
and so are events whose effective date is before ``first_effective`` (the run's start: the
calendar may begin earlier, with warm-up rows that decisions may read).
With ``anchor="last"`` the final period's effective date is the calendar's last day, whether or
not the period continues beyond the data.

`Schedule` is the one place these options live and are validated: ``frequency``, ``anchor``,
``lag_days`` and ``rebalance_band``. The band's skip rule needs the drifted weights of a
simulation, so the engine applies it (the rule: `backtest.engine.drift_band`); this module only
defines events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtest.config import Schedule
from backtest.errors import ConfigError

__all__ = ["rebalance_events"]

_PERIOD_CODE: dict[str, str] = {"monthly": "M", "quarterly": "Q", "semiannual": "2Q", "annual": "Y"}


def rebalance_events(
    calendar: pd.DatetimeIndex,
    schedule: Schedule,
    *,
    warmup_days: int = 1,
    first_effective: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Return the rebalance events on ``calendar``.

    Parameters
    ----------
    calendar : DatetimeIndex, length n_days
        Trading days, ascending.
    schedule : Schedule
    warmup_days : int
        Minimum number of trading days (rows of ``calendar``) up to and including ``t_d``.
    first_effective : Timestamp, optional
        Events with an effective date before it are dropped (the rows before it are warm-up).

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
    if first_effective is not None:
        keep &= calendar[rows] >= first_effective
    rows, det_rows = rows[keep], det_rows[keep]
    return pd.DataFrame(
        {
            "determination_date": calendar[det_rows],
            "effective_date": calendar[rows],
            "determination_row": det_rows.astype(np.int64),
            "effective_row": rows.astype(np.int64),
        }
    )
