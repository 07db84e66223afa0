"""Target weights of many strategy variants on one schedule: (n_weights, n_events, n_tickers).

Variants that differ only in costs or band share one weight set, so weights are computed once
per distinct strategy parameter set and indexed per variant. `linear_tilt` sweeps over
``strength``, ``neutral_share`` and ``max_weight`` use the vectorised
`strategies.linear_tilt_batch`; every other sweep builds the strategy dataclass per distinct
parameter set (the generic path, also the cross-check of the batch path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import StrategySpec
from backtest.context import Context, check_weight_values, check_weights
from strategies.build import build_strategy

__all__ = ["BATCH_PARAMS", "strategy_weights", "variant_weights"]

BATCH_PARAMS: Mapping[str, tuple[str, ...]] = {
    "linear_tilt": ("strength", "neutral_share", "max_weight"),
}
"""Kinds with a vectorised batch function, and the parameters it can vary."""


def strategy_weights(context: Context, kind: str, params: Mapping[str, Any]) -> np.ndarray:
    """Weights of one strategy (generic path), shape (n_events, n_members).

    A ``max_weight`` parameter wraps the strategy in `strategies.Capped`.
    """
    params = dict(params)
    cap = params.pop("max_weight", None)
    strategy: Any = build_strategy(StrategySpec(name=f"sweep:{kind}", kind=kind, params=params))
    if cap is not None and np.isfinite(cap):
        from strategies import Capped

        strategy = Capped(inner=strategy, max_weight=float(cap))
    weights = strategy.weights(context)
    return check_weights(
        weights, columns=context.tickers, index=context.effective_dates, name=f"sweep:{kind}"
    )


def variant_weights(
    context: Context,
    kind: str,
    fixed: Mapping[str, Any],
    params: pd.DataFrame,
    *,
    columns: list[str],
    batch: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights of every variant in ``params`` (one row per variant, strategy columns only).

    Parameters
    ----------
    context : Context
    kind : str
        Strategy registry kind.
    fixed : Mapping
        Strategy parameters shared by every variant.
    params : DataFrame, shape (K, n_strategy_parameters)
        Varied strategy parameters per variant (may have no columns).
    columns : list[str]
        Output ticker columns (the simulation's), a superset of the context's tickers.
    batch : bool
        Use the kind's vectorised batch function when there is one.

    Returns
    -------
    weights : ndarray, shape (n_weights, n_events, len(columns))
        One weight set per distinct parameter row.
    index : ndarray of int, shape (K,)
        The weight set of each variant.
    """
    names = list(params.columns)
    if names:
        distinct = params.drop_duplicates().reset_index(drop=True)
        keys = (
            pd.MultiIndex.from_frame(distinct) if len(names) > 1 else pd.Index(distinct[names[0]])
        )
        lookup = pd.MultiIndex.from_frame(params) if len(names) > 1 else pd.Index(params[names[0]])
        index = keys.get_indexer(lookup)
    else:
        distinct = pd.DataFrame(index=pd.RangeIndex(1))
        index = np.zeros(len(params), dtype=np.int64)
    member_columns = np.array([columns.index(t) for t in context.tickers])
    batchable = set(BATCH_PARAMS.get(kind, ()))
    if batch and batchable and set(names) <= batchable and not set(fixed) & batchable:
        from strategies import LinearTilt, linear_tilt_batch

        values = {n: distinct[n].to_numpy(dtype=float) for n in names}
        member = linear_tilt_batch(
            context,
            strength=values.get("strength", LinearTilt().strength),
            neutral_share=values.get("neutral_share", LinearTilt().neutral_share),
            max_weight=values.get("max_weight"),
            template=LinearTilt(**dict(fixed)),
        )
        if member.shape[0] == 1 and len(distinct) > 1:
            member = np.broadcast_to(member, (len(distinct), *member.shape[1:]))
    else:
        member = np.stack(
            [
                strategy_weights(
                    context, kind, {**dict(fixed), **{str(k): v for k, v in row.items()}}
                )
                for row in distinct.to_dict(orient="records")
            ]
        )
    weights = np.zeros((member.shape[0], member.shape[1], len(columns)))
    weights[:, :, member_columns] = member
    check_weight_values(
        weights, name=f"sweep:{kind}", dates=context.effective_dates, columns=columns
    )
    return weights, np.asarray(index, dtype=np.int64)
