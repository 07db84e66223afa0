"""Many `LinearTilt` variants at once: weights as one (K, n_events, n_tickers) array.

For sweeps: the variants share the context, the within-bucket split and every parameter except
``strength``, ``neutral_share`` and the per-name cap, which vary along the leading axis. The
work is numpy array operations over all variants together (no Python loop over variants); the
result equals looping ``Capped(inner=replace(template, strength=k, neutral_share=s0),
max_weight=m).weights(context)`` (tested).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from backtest.constants import BUCKETS
from backtest.context import Context
from backtest.errors import ConfigError
from strategies._buckets import BucketSplit, bucket_split, effective_bucket_weights, fraction_levels
from strategies._params import check_choice
from strategies.linear_tilt import LinearTilt, tilt_bucket_weights
from strategies.proportional import signal_path

__all__ = ["linear_tilt_batch"]

_TOL = 1e-12


def _column(name: str, values: object, k: int | None) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim > 1 or (k is not None and array.ndim == 1 and array.size not in (1, k)):
        raise ConfigError(
            f"`{name}` must be a number or a 1-d array of length K = {k}, got shape {array.shape}"
        )
    if not np.isfinite(array).all() and name != "max_weight":
        raise ConfigError(f"`{name}` must be finite, got {array[~np.isfinite(array)][0]!r}")
    return array.reshape(-1)


def linear_tilt_batch(
    context: Context,
    *,
    strength: np.ndarray | float,
    neutral_share: np.ndarray | float,
    max_weight: np.ndarray | float | None = None,
    template: LinearTilt | None = None,
    infeasible: str = "raise",
) -> np.ndarray:
    """Target weights of K `LinearTilt` variants (optionally capped) in one array.

    Parameters
    ----------
    context : Context
    strength : float or ndarray, shape (K,)
        ``k`` per variant.
    neutral_share : float or ndarray, shape (K,)
        ``s0`` per variant, in [0, 1].
    max_weight : None, float or ndarray, shape (K,)
        Per-name cap per variant in (0, 1]; ``None`` or ``inf`` means uncapped.
    template : LinearTilt, optional
        Supplies ``neutral``, ``direction``, ``bounds``, ``signal`` (the series tilted on:
        the inference share by default, or a ``[signals.NAME]``, neutral weights before its
        first value), ``within``, ``lookback_days`` and ``empty_bucket`` (its ``strength`` and
        ``neutral_share`` are ignored). Default ``LinearTilt()``.
    infeasible : {"raise", "nan"}
        A variant whose cap cannot be met on some event (fewer than ``1 / max_weight`` names
        hold weight): raise `ConfigError` naming it, or return NaN for that variant and event
        (so a sweep can drop or report it).

    Returns
    -------
    ndarray, shape (K, n_events, n_tickers)
        Rows in `context` ticker order; ``K`` is the longest of the three parameter arrays.
    """
    template = template or LinearTilt()
    check_choice("infeasible", infeasible, ("raise", "nan"))
    arrays = [
        _column("strength", strength, None),
        _column("neutral_share", neutral_share, None),
        _column("max_weight", np.inf if max_weight is None else max_weight, None),
    ]
    k = max(a.size for a in arrays)
    strength_k, share0_k, cap_k = (
        np.broadcast_to(_column(n, a, k), (k,))
        for n, a in zip(("strength", "neutral_share", "max_weight"), arrays, strict=True)
    )
    if template.signal == LinearTilt().signal and ((share0_k < 0.0) | (share0_k > 1.0)).any():
        raise ConfigError(
            f"`neutral_share` must be in [0, 1], got {share0_k.min():g}..{share0_k.max():g}"
        )
    bad_cap = cap_k[np.isnan(cap_k) | (cap_k <= 0.0) | ((cap_k > 1.0) & np.isfinite(cap_k))]
    if bad_cap.size:
        raise ConfigError(f"`max_weight` must be in (0, 1] or inf, got {bad_cap[0]!r}")
    split = bucket_split(context, within=template.within, lookback_days=template.lookback_days)
    bucket_weights = effective_bucket_weights(
        tilt_bucket_weights(
            signal_path(context, template.signal),
            strength=strength_k[:, None],
            neutral_share=share0_k[:, None],
            **template.vectors(),
        ),
        split,
        empty_bucket=template.empty_bucket,
    )  # (K, n_events, 3)
    caps = cap_k[:, None]  # (K, 1)
    scale, names, bad = _cap_scale(bucket_weights, split, caps)
    if bad.any() and infeasible == "raise":
        variant, event = (int(i[0]) for i in np.nonzero(bad))
        raise ConfigError(
            f"`max_weight` {cap_k[variant]:g} of variant {variant} cannot be met on the event of "
            f"{pd.Timestamp(context.effective_dates[event]).date()}: {int(names[variant, event])} "
            f"names hold weight {bucket_weights[variant, event].sum():g}"
        )
    bucket_weights *= scale[..., None]
    weights: np.ndarray = np.take(bucket_weights, split.bucket_of, axis=-1)  # faster than [...]
    del bucket_weights
    weights *= split.fractions  # (K, n_events, n_tickers)
    if np.isfinite(cap_k).any():
        np.minimum(weights, caps[..., None], out=weights)
    weights[bad] = np.nan
    return weights


def _cap_scale(
    bucket_weights: np.ndarray, split: BucketSplit, caps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-name capping solved in bucket space, for every variant and event at once.

    Ticker weights are ``B_b * f`` for the distinct fraction levels ``f`` of each bucket, so
    the iterative redistribution of `cap_weights` (pin ``c * w >= cap``, rescale the rest) runs
    on the (bucket, level) pairs with their multiplicities instead of on every ticker. The
    capped weights are then ``min(c * B_b * f_i, cap)``.

    Returns
    -------
    scale : ndarray, shape (K, n_events)
        ``c`` per row (1 where the cap does not bind).
    names : ndarray, shape (K, n_events)
        Names holding weight.
    infeasible : ndarray of bool, shape (K, n_events)
        ``cap * names < row total``.
    """
    levels, counts = fraction_levels(split)
    n_events, n_levels = bucket_weights.shape[-2], levels.shape[-1]
    per_bucket = np.ascontiguousarray(np.moveaxis(bucket_weights, -1, 0))  # (3, K, n_events)
    pairs = [(b, j) for b in range(len(BUCKETS)) for j in range(n_levels)]
    pairs = [(b, j) for b, j in pairs if counts[:, b, j].any()]
    total = per_bucket[0] + per_bucket[1] + per_bucket[2]
    names = np.zeros(total.shape)
    largest = np.zeros(total.shape)
    for b, j in pairs:
        value = per_bucket[b] * levels[:, b, j]
        names += np.where(value > 0.0, counts[:, b, j], 0.0)
        np.maximum(largest, value, out=largest)
    infeasible = caps * names < total - 1e-9
    scale = np.ones(total.shape)
    rows = np.flatnonzero((largest > caps * (1.0 + _TOL)) & ~infeasible)
    if rows.size == 0:
        return scale, names, infeasible
    event = rows % n_events
    # Column layout (pairs x rows) so each step is a handful of contiguous vector operations.
    columns = [per_bucket[b].reshape(-1)[rows] * levels[event, b, j] for b, j in pairs]
    multiplicity = [counts[event, b, j] for b, j in pairs]
    cap = np.broadcast_to(caps, total.shape).reshape(-1)[rows]
    row_total = total.reshape(-1)[rows]
    row_scale = np.ones(rows.size)
    pinned_count = np.full(rows.size, -1.0)
    for _ in range(split.fractions.shape[1] + 1):
        threshold = (cap / row_scale) * (1.0 - _TOL)
        count = np.zeros(rows.size)
        free = np.zeros(rows.size)  # summed directly, not as total - pinned (no cancellation)
        for column, weight in zip(columns, multiplicity, strict=True):
            pinned = np.where(column >= threshold, weight, 0.0)
            count += pinned
            free += (weight - pinned) * column
        # everything pinned (free = 0): keep the scale that pinned it
        row_scale = np.divide(row_total - cap * count, free, out=row_scale, where=free > 0.0)
        if np.array_equal(count, pinned_count):
            break
        pinned_count = count
    scale.reshape(-1)[rows] = row_scale
    return scale, names, infeasible
