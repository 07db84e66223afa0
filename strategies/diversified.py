"""`Diversified2550`: the US fund-diversification capping rule (25 % per name, 50 % above 4.8 %)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest.context import Context, Strategy
from backtest.errors import ConfigError
from strategies._params import check_choice, check_number
from strategies._scaling import cap_weights
from strategies.constraints import Overflow, apply_cap, check_inner, eligible_like, spread_excess

__all__ = ["Diversified2550", "limit_aggregate"]

_TIE = 1e-12


def limit_aggregate(
    weights: np.ndarray,
    *,
    threshold: float,
    max_aggregate: float,
    when: str = "this event",
    overflow: Overflow = "raise",
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Make the names above ``threshold`` sum to at most ``max_aggregate`` (one event).

    Names above the threshold are walked from the largest down, equal weights (within 1e-12)
    as one group. Groups are kept while their running sum stays within ``max_aggregate``; the
    first group that would breach it gets per-name weight ``max(threshold, (max_aggregate -
    kept) / g)``; every later name above the threshold is set to ``threshold``. The freed weight
    goes to the names strictly below the threshold pro rata, capped at ``threshold``
    (`cap_weights`). If those names cannot absorb it: a `ConfigError` naming the numbers
    (``overflow = "raise"``), or they are filled to the threshold and the rest is held in cash
    (``"cash"``) or first spread equally over the ``eligible`` names holding nothing, each up
    to the threshold (``"spread"``), the remainder in cash.

    Parameters
    ----------
    weights : ndarray, shape (n_tickers,)

    Returns
    -------
    ndarray, shape (n_tickers,)
    """
    out = weights.astype(float).copy()
    above = out > threshold + _TIE
    if out[above].sum() <= max_aggregate + _TIE:
        return out
    idx = np.flatnonzero(above)
    order = idx[np.argsort(-out[idx], kind="stable")]
    splits = np.flatnonzero(np.abs(np.diff(out[order])) > _TIE) + 1
    kept, breached = 0.0, False
    for group in np.split(order, splits):
        group_weight = float(weights[group].sum())
        if not breached and kept + group_weight <= max_aggregate + _TIE:
            kept += group_weight
            continue
        new = threshold if breached else max(threshold, (max_aggregate - kept) / len(group))
        breached = True
        out[group] = np.minimum(weights[group], new)
    freed = weights.sum() - out.sum()
    receivers = (out > 0.0) & (out < threshold - _TIE)
    room = threshold * receivers.sum()
    have = float(out[receivers].sum())
    if have + freed > room + 1e-9:
        if overflow == "raise":
            raise ConfigError(
                f"the 25/50 rule cannot be met on {when}: {freed:g} must go to "
                f"{int(receivers.sum())} names below {threshold:g}, which can take only "
                f'{room - have:g} more; set `overflow = "cash"` or `"spread"` on the '
                "constraint"
            )
        out[receivers] = threshold
        if overflow == "spread" and eligible is not None:
            out = spread_excess(out, have + freed - room, eligible & (out <= 0.0), threshold)
        return out
    if freed > 0.0:
        grown = out[receivers] * (have + freed) / have
        out[receivers] = cap_weights(grown, threshold)
    return out


@dataclass(frozen=True, kw_only=True)
class Diversified2550:
    """No name above ``max_weight`` (25 %); names above ``threshold`` (4.8 %) sum to <= 50 %.

    Step 1 is `Capped` at ``max_weight``. Step 2 is `limit_aggregate`: walking the names above
    the threshold from the largest down, the first that would take their sum past
    ``max_aggregate`` is cut to what fits (never below the threshold) and the rest are cut to
    the threshold; the freed weight goes pro rata to the names below the threshold, capped
    there. The 4.8 % threshold keeps a buffer under the regulatory 5 %.

    Parameters
    ----------
    inner : Strategy
    max_weight : float
        Per-name cap in (0, 1].
    threshold : float
        In (0, max_weight).
    max_aggregate : float
        In (0, 1].
    overflow : {"raise", "cash", "spread"}
        What neither step can place: a `ConfigError` (default), cash, or spread over the other
        eligible members (`strategies.constraints.apply_cap`, `limit_aggregate`).
    """

    inner: Strategy
    max_weight: float = 0.25
    threshold: float = 0.048
    max_aggregate: float = 0.5
    overflow: Overflow = "raise"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_inner(self.inner)
        check_number("max_weight", self.max_weight, low=0.0, high=1.0, low_open=True)
        check_number(
            "threshold",
            self.threshold,
            low=0.0,
            high=self.max_weight,
            low_open=True,
            high_open=True,
        )
        check_number("max_aggregate", self.max_aggregate, low=0.0, high=1.0, low_open=True)
        check_choice("overflow", self.overflow, ("raise", "cash", "spread"))

    def weights(self, context: Context) -> pd.DataFrame:
        """Return the inner weights under the 25/50 rule, shape (n_events, n_tickers)."""
        target = self.inner.weights(context)
        eligible = eligible_like(context, target)
        capped = apply_cap(
            target.to_numpy(dtype=float),
            float(self.max_weight),
            target.index,
            "max_weight",
            overflow=self.overflow,
            eligible=eligible,
        )
        rows = [
            limit_aggregate(
                row,
                threshold=float(self.threshold),
                max_aggregate=float(self.max_aggregate),
                when=f"the event of {pd.Timestamp(date).date()}",
                overflow=self.overflow,
                eligible=members,
            )
            for row, date, members in zip(capped, target.index, eligible, strict=True)
        ]
        return pd.DataFrame(
            np.array(rows).reshape(capped.shape), index=target.index, columns=target.columns
        )
