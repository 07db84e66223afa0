"""Constraint wrappers: `Capped`, `BucketBounds` and `MinWeight` (each wraps an inner strategy).

A wrapper takes the inner strategy's target weights and returns constrained ones with the same
index, columns and row totals (cash is never created or consumed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from backtest.constants import BUCKETS
from backtest.context import Context, Strategy
from backtest.errors import ConfigError
from strategies._buckets import bucket_totals
from strategies._params import (
    FrozenMap,
    bucket_bounds,
    check_choice,
    check_number,
    frozen_mapping,
)
from strategies._scaling import bounded_rescale, cap_infeasible, cap_weights, row_sum

__all__ = ["BucketBounds", "Capped", "MinWeight", "Overflow", "apply_cap", "check_inner"]

Overflow = Literal["raise", "cash", "spread"]
"""What a cap does with weight it cannot place (fewer holders than ``total / cap``): raise a
`ConfigError` (default), leave it in ``cash``, or ``spread`` it over the other eligible members
(each up to the cap, as an index's capping hands the excess to the rest of the index)."""

_OVERFLOW_HINT = (
    'set `overflow = "cash"` (hold what the cap cannot place in cash) or `overflow = "spread"` '
    "(give it to the other eligible members) on the constraint"
)


def check_inner(inner: object) -> None:
    """Raise `ConfigError` unless ``inner`` has a ``weights(context)`` method."""
    if not isinstance(inner, Strategy):
        raise ConfigError(f"`inner` must be a strategy with a `weights` method, got {inner!r}")


def _frame(values: np.ndarray, like: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(values, index=like.index, columns=like.columns)


def spread_excess(
    row: np.ndarray, excess: float, receivers: np.ndarray, limit: float
) -> np.ndarray:
    """Give ``excess`` equally to the ``receivers`` (bool mask) of ``row``, each up to ``limit``.

    What the receivers cannot take stays unplaced (cash). Returns the new row.
    """
    out = row.copy()
    count = int(np.count_nonzero(receivers))
    if count and excess > 0.0:
        out[receivers] = np.minimum(out[receivers] + excess / count, limit)
    return out


def apply_cap(
    weights: np.ndarray,
    max_weight: float,
    dates: pd.Index,
    what: str,
    *,
    overflow: Overflow = "raise",
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Cap ``weights`` (n_events, n_tickers) at ``max_weight``.

    Rows where fewer than ``total / max_weight`` names hold weight cannot be capped by
    redistribution among the holders: with ``overflow = "raise"`` that is a `ConfigError` with
    the numbers; ``"cash"`` pins every holder at the cap and holds the rest in cash;
    ``"spread"`` pins the holders and gives the rest equally to the ``eligible`` members that
    held nothing, each up to the cap (what they cannot take stays in cash). Feasible rows are
    capped the same way in every mode.
    """
    check_choice("overflow", overflow, get_args(Overflow))
    infeasible = cap_infeasible(weights, max_weight)
    if not infeasible.any():
        return cap_weights(weights, max_weight)
    if overflow == "raise":
        k = int(np.flatnonzero(infeasible)[0])
        names = int((weights[k] > 0).sum())
        total = float(weights[k].sum())
        raise ConfigError(
            f"`{what}` {max_weight:g} cannot be met on the event of {pd.Timestamp(dates[k]).date()}"
            f": {names} names hold weight {total:g}, and {names} x {max_weight:g} = "
            f"{names * max_weight:g} < {total:g}; {_OVERFLOW_HINT}"
        )
    feasible_rows = np.flatnonzero(~infeasible & (weights.max(axis=1) > max_weight * (1 + 1e-12)))
    out = cap_weights(weights, max_weight, rows=feasible_rows)
    for event in np.flatnonzero(infeasible):
        holders = weights[event] > 0.0
        row = np.where(holders, max_weight, 0.0)
        if overflow == "spread" and eligible is not None:
            excess = float(weights[event].sum()) - max_weight * int(holders.sum())
            row = spread_excess(row, excess, eligible[event] & ~holders, max_weight)
        out[event] = row
    return out


def eligible_like(context: Context, target: pd.DataFrame) -> np.ndarray:
    """Return the context's eligibility on ``target``'s rows and columns (False if absent)."""
    frame = context.eligible.reindex(index=target.index, columns=target.columns, fill_value=False)
    return frame.to_numpy(dtype=bool)


@dataclass(frozen=True, kw_only=True)
class Capped:
    """No name above ``max_weight``: the excess goes to uncapped names pro rata, iteratively.

    Result per event: ``min(c * w, max_weight)`` with ``c >= 1`` keeping the row total. Names
    the inner strategy gave 0 (e.g. ineligible ones) stay at 0, so an event where fewer than
    ``total / max_weight`` names hold weight is infeasible; ``overflow`` says what happens then
    (`apply_cap`): a `ConfigError` naming the numbers (``"raise"``, the default), the holders at
    the cap and the rest in cash (``"cash"``), or the rest spread equally over the other
    eligible members, each up to the cap (``"spread"``, what an index's capping does).

    Parameters
    ----------
    inner : Strategy
    max_weight : float
        The cap, in (0, 1].
    overflow : {"raise", "cash", "spread"}
    """

    inner: Strategy
    max_weight: float = 0.25
    overflow: Overflow = "raise"

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_inner(self.inner)
        check_number("max_weight", self.max_weight, low=0.0, high=1.0, low_open=True)
        check_choice("overflow", self.overflow, get_args(Overflow))

    def weights(self, context: Context) -> pd.DataFrame:
        """Return the inner weights capped, shape (n_events, n_tickers)."""
        target = self.inner.weights(context)
        values = target.to_numpy(dtype=float)
        capped = apply_cap(
            values,
            float(self.max_weight),
            target.index,
            "max_weight",
            overflow=self.overflow,
            eligible=eligible_like(context, target),
        )
        return _frame(capped, target)


@dataclass(frozen=True, kw_only=True)
class BucketBounds:
    """Keep each bucket's share of the invested weight within ``[low, high]``.

    With ``B`` the inner bucket weights of an event and ``T`` their total, the new bucket weights
    are ``clip(c * B, low * T, high * T)`` with ``c`` keeping the total ``T`` (`bounded_rescale`;
    if every weighted bucket is at its high bound, the shortfall goes to the unweighted buckets
    in proportion to their room). Each name is scaled with its bucket; a bucket raised from 0 is
    spread equally over its eligible members (none eligible: `ConfigError`).

    Parameters
    ----------
    inner : Strategy
    bounds : Mapping[str, list[float]]
        ``[low, high]`` per bucket in [0, 1]; missing buckets get [0, 1].
    """

    inner: Strategy
    bounds: Mapping[str, Any] = field(default_factory=lambda: FrozenMap({}))

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_inner(self.inner)
        object.__setattr__(self, "bounds", frozen_mapping("bounds", self.bounds))
        bucket_bounds("bounds", self.bounds)

    def weights(self, context: Context) -> pd.DataFrame:
        """Return the inner weights with bucket bounds enforced, shape (n_events, n_tickers)."""
        target = self.inner.weights(context)
        values = target.to_numpy(dtype=float)
        lower, upper = bucket_bounds("bounds", self.bounds)
        bucket_of = np.array([BUCKETS.index(context.buckets[t]) for t in target.columns])
        before = bucket_totals(values, bucket_of)  # (n_events, 3)
        total = row_sum(before)[:, 0]
        after = bounded_rescale(before, lower * total[:, None], upper * total[:, None], total)
        factor = np.divide(after, before, out=np.zeros_like(after), where=before > 0.0)
        out = values * factor[:, bucket_of]
        raised = (before <= 0.0) & (after > 1e-15)
        if raised.any():
            eligible = context.eligible.to_numpy(dtype=float)
            for k, b in zip(*np.nonzero(raised), strict=True):
                members = eligible[k] * (bucket_of == b)
                if members.sum() == 0:
                    raise ConfigError(
                        f"`bounds.{BUCKETS[b]}` needs weight {after[k, b]:g} on the event of "
                        f"{pd.Timestamp(target.index[k]).date()}, but the bucket has no "
                        "eligible member"
                    )
                out[k] += after[k, b] * members / members.sum()
        return _frame(out, target)


@dataclass(frozen=True, kw_only=True)
class MinWeight:
    """Drop names below ``threshold`` and give their weight to the others pro rata.

    Per event: ``w_i -> 0`` where ``0 < w_i < threshold``, then the kept names are scaled by a
    common factor so the row total is unchanged (kept names only grow, so one pass suffices).
    An event where no name reaches the threshold is a `ConfigError`.

    Parameters
    ----------
    inner : Strategy
    threshold : float
        In [0, 1).
    """

    inner: Strategy
    threshold: float = 0.01

    def __post_init__(self) -> None:
        """Validate the parameters; a bad value raises with the allowed range."""
        check_inner(self.inner)
        check_number("threshold", self.threshold, low=0.0, high=1.0, high_open=True)

    def weights(self, context: Context) -> pd.DataFrame:
        """Return the inner weights without the small names, shape (n_events, n_tickers)."""
        target = self.inner.weights(context)
        values = target.to_numpy(dtype=float)
        kept = np.where(values >= self.threshold, values, 0.0)
        total, kept_total = row_sum(values)[:, 0], row_sum(kept)[:, 0]
        empty = (kept_total <= 0.0) & (total > 0.0)
        if empty.any():
            k = int(np.flatnonzero(empty)[0])
            raise ConfigError(
                f"`threshold` {self.threshold:g} drops every name on the event of "
                f"{pd.Timestamp(target.index[k]).date()} (largest weight {values[k].max():g})"
            )
        scale = np.divide(total, kept_total, out=np.zeros_like(total), where=kept_total > 0.0)
        return _frame(kept * scale[:, None], target)
