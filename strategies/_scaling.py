"""Array kernels for constraints: per-name capping and bounded rescaling, vectorised over rows.

Both solve "scale the free weights by a common factor, pin what crosses a bound": the result is
``clip(c * w, lower, upper)`` with the factor ``c`` chosen so the row keeps its total. They work
on any leading shape (events, or variants x events) with no Python loop over rows.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bounded_rescale", "cap_infeasible", "cap_weights", "row_sum"]

_TOL = 1e-12
_NEGLIGIBLE = 1e-150
"""`bounded_rescale` treats weights below this fraction of the row's largest as zero."""


def cap_infeasible(weights: np.ndarray, max_weight: np.ndarray | float) -> np.ndarray:
    """Rows where no redistribution can respect the cap.

    Only names with positive weight receive redistributed weight, so a row is infeasible when
    ``max_weight * (number of positive weights) < row total``.

    Parameters
    ----------
    weights : ndarray, shape (..., n)
    max_weight : float or ndarray broadcastable to (..., 1)

    Returns
    -------
    ndarray of bool, shape (...)
    """
    total = row_sum(weights)
    room = np.asarray(max_weight, dtype=float) * (weights > 0.0).sum(axis=-1, keepdims=True)
    return np.asarray((room < total - 1e-9)[..., 0])


def cap_weights(
    weights: np.ndarray,
    max_weight: np.ndarray | float,
    *,
    rows: np.ndarray | None = None,
    in_place: bool = False,
) -> np.ndarray:
    """Cap every weight at ``max_weight``, handing the excess to uncapped names pro rata.

    Iterative redistribution: with ``c`` the current scale (start 1), names with
    ``c * w >= max_weight`` are pinned at the cap and ``c`` is reset so the others, scaled by
    ``c``, fill the rest of the row total; repeat until no new name is pinned (at most ``n``
    rounds; in practice two or three). The result is ``min(c * w, max_weight)``: same row
    totals, zero weights stay zero. Rows listed by `cap_infeasible` must be handled first.

    Parameters
    ----------
    weights : ndarray, shape (..., n)
        Non-negative. Not modified unless ``in_place``.
    max_weight : float or ndarray broadcastable to (..., 1)
    rows : ndarray of int, optional
        Flat indices (over the leading axes) of the rows that may exceed the cap, if the caller
        knows them; by default every row whose maximum exceeds the cap.
    in_place : bool
        Overwrite ``weights`` (a float64 array) instead of returning a copy.

    Returns
    -------
    ndarray, shape (..., n)
    """
    w = np.asarray(weights, dtype=float)
    out = w if in_place else w.copy()
    flat_w = out.reshape(-1, w.shape[-1])
    flat_cap = np.broadcast_to(np.asarray(max_weight, dtype=float), (*w.shape[:-1], 1)).reshape(
        -1, 1
    )
    if rows is None:
        rows = np.flatnonzero(flat_w.max(axis=1) > flat_cap[:, 0] * (1.0 + _TOL))
    if rows.size == 0:
        return out
    sub, cap = flat_w[rows], flat_cap[rows]
    # The scale is kept as the ratio left / free (not a product), so that tiny free weights
    # cannot overflow it: a free name's weight is part / free * left. Pins are never released.
    left = row_sum(sub)
    free = left.copy()
    pinned = np.zeros(sub.shape, dtype=bool)
    active = np.arange(rows.size)  # rows whose pinned set may still grow
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(sub.shape[1] + 1):
            part, was = sub[active], pinned[active]
            now = was | _pinned(part, free[active], left[active], cap[active])
            grew = (now != was).any(axis=1)
            pinned[active] = now
            new_free = row_sum(np.where(now, 0.0, part))  # summed directly, no cancellation
            free[active] = new_free
            left[active] = row_sum(part) - cap[active] * now.sum(axis=1, keepdims=True)
            active = active[grew]
            if active.size == 0:
                break
        scaled = (
            np.where(pinned, 0.0, sub) / np.where(free > 0.0, free, 1.0) * np.maximum(left, 0.0)
        )
        flat_w[rows] = np.where(pinned, cap, scaled)
    return out


def _pinned(part: np.ndarray, free: np.ndarray, left: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Names whose scaled weight ``part / free * left`` reaches the cap (zeros never do)."""
    return np.asarray((part / free * left >= cap * (1.0 - _TOL)) & (part > 0.0))


def row_sum(values: np.ndarray) -> np.ndarray:
    """Sum over the last axis column by column, keeping the axis.

    The order of additions is fixed (left to right), so a row's sum never depends on how many
    other rows are in the array (numpy's reductions may vectorise differently by shape, which
    would break bit-for-bit no-look-ahead checks).
    """
    total = np.zeros((*values.shape[:-1], 1))
    for i in range(values.shape[-1]):
        total[..., 0] += values[..., i]
    return total


def bounded_rescale(
    weights: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: np.ndarray | float = 1.0
) -> np.ndarray:
    """Return ``clip(c * w, lower, upper)`` with ``c >= 0`` chosen so each row sums to ``total``.

    The row sum of ``clip(c * w, lower, upper)`` is piecewise linear and non-decreasing in
    ``c``, with breaks at ``lower_i / w_i`` and ``upper_i / w_i``; ``c`` is found exactly by
    evaluating the breaks and interpolating (no iteration). If even ``c -> inf`` falls short
    (every positive weight at its upper bound), the shortfall goes to the zero-weight items in
    proportion to their room ``upper - lower``. Needs ``sum(lower) <= total <= sum(upper)``.
    Weights below 1e-150 of the row's largest count as zero (so ``c`` stays finite).
    Meant for few items (the three buckets): the work per row is O(n^2).

    Parameters
    ----------
    weights : ndarray, shape (..., n), non-negative
    lower, upper : ndarray, shape (n,) or broadcastable to (..., n)
    total : float or ndarray broadcastable to (...)

    Returns
    -------
    ndarray, shape (..., n)
    """
    w = np.asarray(weights, dtype=float)
    top = w.max(axis=-1, keepdims=True)
    w = np.divide(w, top, out=np.zeros_like(w), where=top > 0.0)  # scale-free: c absorbs it
    w[w < _NEGLIGIBLE] = 0.0  # keeps every break c <= 1 / _NEGLIGIBLE finite
    lo = np.broadcast_to(np.asarray(lower, dtype=float), w.shape)
    hi = np.broadcast_to(np.asarray(upper, dtype=float), w.shape)
    target = np.broadcast_to(np.asarray(total, dtype=float), w.shape[:-1])[..., None]
    positive = w > 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        breaks = np.concatenate(
            (
                np.zeros((*w.shape[:-1], 1)),
                np.where(positive, lo / w, 0.0),
                np.where(positive, hi / w, 0.0),
            ),
            axis=-1,
        )
    breaks = np.minimum(breaks, np.finfo(float).max)
    breaks.sort(axis=-1)  # (..., 2n + 1)
    with np.errstate(over="ignore"):
        sums = row_sum(
            np.clip(breaks[..., :, None] * w[..., None, :], lo[..., None, :], hi[..., None, :])
        )[..., 0]  # (..., 2n + 1): row sum at each break, non-decreasing
    reached = sums >= target - 1e-15
    any_reached = reached.any(axis=-1, keepdims=True)
    j = np.where(any_reached, np.argmax(reached, axis=-1)[..., None], breaks.shape[-1] - 1)
    i = np.maximum(j - 1, 0)
    c_hi, s_hi = np.take_along_axis(breaks, j, -1), np.take_along_axis(sums, j, -1)
    c_lo, s_lo = np.take_along_axis(breaks, i, -1), np.take_along_axis(sums, i, -1)
    slope_ok = (s_hi > s_lo) & any_reached
    c = np.where(
        slope_ok,
        c_lo
        + (target - s_lo)
        * np.divide(c_hi - c_lo, s_hi - s_lo, where=slope_ok, out=np.zeros_like(c_hi)),
        c_hi,
    )
    out = np.clip(c * w, lo, hi)
    short = target - row_sum(out)
    needs_fill = (~any_reached) & (short > 0.0)
    if needs_fill.any():
        room = np.where(positive, 0.0, hi - lo)
        room_sum = row_sum(room)
        fill = np.divide(short * room, room_sum, out=np.zeros_like(room), where=room_sum > 0.0)
        out = np.where(needs_fill, out + fill, out)
    return np.asarray(out, dtype=float)
