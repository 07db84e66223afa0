"""The test kit for strategy authors: the contract every strategy of this project is held to.

``check_strategy(strategy, context)`` runs the suite the project applies to its own strategies
(``tests/strategies/test_contract.py``, ``tests/trust/test_canaries.py``) on any object with
``weights(context)``::

    import backtest
    from backtest.testing import check_strategy

    context = backtest.context_for("configs/demo.toml")   # what a run gives its strategies
    check_strategy(MyStrategy(lookback_days=60), context)  # AssertionError naming the rule

The rules, in the order they are checked (each failure is an `AssertionError` whose message
starts with the rule's name and says at which event and ticker):

1. ``index and columns``: a DataFrame indexed by the context's effective dates (only the first
   for a ``trades = "first_event"`` strategy), columns = the context's tickers in order.
2. ``no NaN``, ``no negative weight``: every weight finite and >= 0.
3. ``eligibility``: no weight on a member not eligible at that event.
4. ``rows sum to 1``: within 1e-9 at every event where someone is eligible; with
   ``allow_cash=True`` (a strategy that holds cash by design) at most 1.
5. ``determinism``: a second call, and a deep copy of the strategy on a deep copy of the
   context, return the same weights bit for bit.
6. ``inputs not mutated``: the context's prices, events, eligibility, signals, buckets and
   exposures are unchanged afterwards.
7. ``look-ahead``: for several events ``k``, the weights decided up to ``k`` are bit for bit
   the same when the prices after ``k``'s determination date are perturbed (noise, a 95 %
   crash), when the history is cut there, and when every signal value of a later event (the
   inference share and each named signal) is changed.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from backtest.context import WEIGHT_SUM_TOLERANCE, Context, trading_dates

__all__ = ["check_strategy", "perturbed_prices", "perturbed_signals", "truncated"]


def _name(strategy: object) -> str:
    return type(strategy).__name__


def _fail(rule: str, strategy: object, detail: str) -> AssertionError:
    return AssertionError(f"{rule}: `{_name(strategy)}` {detail}")


def _day(value: Any) -> str:
    return str(pd.Timestamp(value).date())


def truncated(context: Context, k: int) -> Context:
    """Return the context as known at event ``k``'s determination date (later rows removed)."""
    det_row = int(context.events["determination_row"].iloc[k])
    return dataclasses.replace(
        context,
        prices=context.prices.iloc[: det_row + 1].copy(),
        events=context.events.iloc[: k + 1].copy(),
        eligible=context.eligible.iloc[: k + 1].copy(),
        share=context.share.iloc[: k + 1].copy(),
        signals={n: s.iloc[: k + 1].copy() for n, s in context.signals.items()},
    )


def perturbed_prices(context: Context, k: int, *, how: str = "noise", seed: int = 0) -> Context:
    """Return the context with every price after event ``k``'s determination row changed.

    ``noise`` multiplies each later price by a factor drawn in [0.5, 2); ``crash`` by 0.05.
    """
    det_row = int(context.events["determination_row"].iloc[k])
    values = context.prices.to_numpy(dtype=float, copy=True)
    tail = values[det_row + 1 :]
    if how == "noise":
        tail *= np.random.default_rng(seed).uniform(0.5, 2.0, size=tail.shape)
    else:
        tail *= 0.05
    prices = pd.DataFrame(values, index=context.prices.index, columns=context.prices.columns)
    return dataclasses.replace(context, prices=prices)


def perturbed_signals(context: Context, k: int) -> Context:
    """Return the context with the share and every named signal changed after event ``k``.

    The share of later events becomes ``0.9 s + 0.05`` (it stays in [0, 1]); a named signal's
    later values become ``1.5 x + 0.1`` (NaN becomes 0.1: a value published earlier than it was).
    """

    def later(series: pd.Series, change: Callable[[np.ndarray], np.ndarray]) -> pd.Series:
        values = series.to_numpy(dtype=float, copy=True)
        values[k + 1 :] = change(values[k + 1 :])
        return pd.Series(values, index=series.index, name=series.name, dtype=float)

    return dataclasses.replace(
        context,
        share=later(context.share, lambda x: 0.9 * x + 0.05),
        signals={
            n: later(s, lambda x: np.where(np.isnan(x), 0.1, 1.5 * x + 0.1))
            for n, s in context.signals.items()
        },
    )


def _weights(strategy: Any, context: Context, what: str) -> pd.DataFrame:
    try:
        weights = strategy.weights(context)
    except Exception as exc:
        raise _fail(
            "look-ahead" if what else "weights",
            strategy,
            f"raised {type(exc).__name__}: {exc}" + (f" ({what})" if what else ""),
        ) from exc
    if not isinstance(weights, pd.DataFrame):
        raise _fail(
            "index and columns", strategy, f"must return a DataFrame, got {type(weights).__name__}"
        )
    return weights


def _first_difference(a: np.ndarray, b: np.ndarray) -> tuple[int, int] | None:
    bits_a = np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)
    bits_b = np.ascontiguousarray(b, dtype=np.float64).view(np.uint64)
    moved = np.argwhere(bits_a != bits_b)
    return None if moved.size == 0 else (int(moved[0][0]), int(moved[0][1]))


def _check_shape(strategy: Any, context: Context, weights: pd.DataFrame) -> None:
    if list(weights.columns) != context.tickers:
        raise _fail(
            "index and columns",
            strategy,
            f"must have the context's tickers {context.tickers} as columns, in that order, got "
            f"{list(weights.columns)}",
        )
    dates = trading_dates(strategy, context)
    if not weights.index.equals(dates):
        got = list(pd.DatetimeIndex(weights.index)[:3].strftime("%Y-%m-%d"))
        raise _fail(
            "index and columns",
            strategy,
            f"must be indexed by the {len(dates)} effective dates of the context (first "
            f"{_day(dates[0])}), got {len(weights.index)} rows (first {got})",
        )


def _check_values(
    strategy: Any, context: Context, weights: pd.DataFrame, *, allow_cash: bool
) -> None:
    values = weights.to_numpy(dtype=float)
    dates, tickers = pd.DatetimeIndex(weights.index), list(weights.columns)
    for rule, bad in (("no NaN", ~np.isfinite(values)), ("no negative weight", values < 0.0)):
        if bad.any():
            k, j = (int(i) for i in np.argwhere(bad)[0])
            raise _fail(
                rule,
                strategy,
                f"gives {float(values[k, j])!r} to {tickers[j]} on the event of {_day(dates[k])}",
            )
    eligible = context.eligible.reindex(index=dates, columns=tickers, fill_value=False)
    outside = (values > 0.0) & ~eligible.to_numpy(dtype=bool)
    if outside.any():
        k, j = (int(i) for i in np.argwhere(outside)[0])
        raise _fail(
            "eligibility",
            strategy,
            f"gives {float(values[k, j])!r} to {tickers[j]}, not eligible at the event of "
            f"{_day(dates[k])}",
        )
    totals = values.sum(axis=1)
    anyone = [bool(row.any()) for row in eligible.to_numpy(dtype=bool)]
    for k, total in enumerate(totals):
        over = bool(total > 1.0 + WEIGHT_SUM_TOLERANCE)
        short = not allow_cash and anyone[k] and bool(total < 1.0 - WEIGHT_SUM_TOLERANCE)
        if over or short:
            j = int(np.argmax(values[k]))
            hint = "" if over else " (pass allow_cash=True if it holds cash by design)"
            raise _fail(
                "rows sum to 1",
                strategy,
                f"weights sum to {float(total)!r} on the event of {_day(dates[k])} (largest: "
                f"{tickers[j]} {float(values[k, j])!r}){hint}",
            )


def _snapshot(context: Context) -> dict[str, Any]:
    return {
        "prices": context.prices.copy(deep=True),
        "events": context.events.copy(deep=True),
        "eligible": context.eligible.copy(deep=True),
        "share": context.share.copy(deep=True),
        "signals": {n: s.copy(deep=True) for n, s in context.signals.items()},
        "buckets": dict(context.buckets),
        "exposures": dict(context.exposures),
    }


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame | pd.Series):
        other: Any = b
        return bool(isinstance(b, type(a)) and a.equals(other) and a.index.equals(b.index))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _check_unchanged(strategy: Any, before: dict[str, Any], context: Context) -> None:
    after = _snapshot(context)
    for field, value in before.items():
        if not _same(value, after[field]):
            raise _fail(
                "inputs not mutated", strategy, f"changed the context's `{field}` in `weights`"
            )


def _canary_events(n_events: int) -> list[int]:
    picks = {0, n_events // 4, n_events // 2, (3 * n_events) // 4, n_events - 2}
    return sorted(k for k in picks if 0 <= k < n_events)


def _check_past(
    strategy: Any,
    context: Context,
    full: pd.DataFrame,
    k: int,
    changed: pd.DataFrame,
    what: str,
) -> None:
    t_e = context.effective_dates[k]
    t_d = context.events["determination_date"].iloc[k]
    past = full.index <= t_e
    before = full.loc[past].to_numpy(dtype=float)
    if len(changed.index) < past.sum() or not changed.index[: past.sum()].equals(full.index[past]):
        raise _fail(
            "look-ahead",
            strategy,
            f"returns other events up to {_day(t_e)} when {what} after {_day(t_d)} change",
        )
    now = changed.iloc[: past.sum()][list(full.columns)].to_numpy(dtype=float)
    moved = _first_difference(before, now)
    if moved is not None:
        row, j = moved
        raise _fail(
            "look-ahead",
            strategy,
            f"reads the future: its weight of {full.columns[j]} for the event of "
            f"{_day(full.index[row])} (determined "
            f"{_day(context.events['determination_date'].iloc[row])}) moves from "
            f"{float(before[row, j])!r} to {float(now[row, j])!r} when {what} after "
            f"{_day(t_d)} change",
        )


def check_strategy(
    strategy: Any, context: Context, *, allow_cash: bool = False, seed: int = 0
) -> pd.DataFrame:
    """Run the project's strategy contract on ``strategy`` and ``context``; return its weights.

    Parameters
    ----------
    strategy : object with ``weights(context) -> DataFrame``
    context : Context
        For example ``backtest.context_for(config)``: the context a run of that config gives.
    allow_cash : bool
        The strategy holds cash by design: rows may sum to less than 1.
    seed : int
        Seeds the price noise of the look-ahead canary.

    Returns
    -------
    DataFrame, shape (n_events, n_tickers)
        The strategy's weights on ``context`` (they passed every rule).

    Raises
    ------
    AssertionError
        Starting with the rule broken (see the module docstring), naming the strategy, the
        event and the ticker.
    """
    before = _snapshot(context)
    weights = _weights(strategy, context, "")
    _check_shape(strategy, context, weights)
    _check_values(strategy, context, weights, allow_cash=allow_cash)
    for label, again in (
        ("a second call", _weights(strategy, context, "")),
        (
            "a deep copy of the strategy on a deep copy of the context",
            _weights(copy.deepcopy(strategy), copy.deepcopy(context), ""),
        ),
    ):
        if list(again.columns) != list(weights.columns) or not again.index.equals(weights.index):
            raise _fail("determinism", strategy, f"returns another frame on {label}")
        moved = _first_difference(weights.to_numpy(dtype=float), again.to_numpy(dtype=float))
        if moved is not None:
            k, j = moved
            raise _fail(
                "determinism",
                strategy,
                f"gives {weights.columns[j]} {float(weights.to_numpy()[k, j])!r} on the event of "
                f"{_day(weights.index[k])}, but {float(again.to_numpy()[k, j])!r} on {label}",
            )
    _check_unchanged(strategy, before, context)
    for k in _canary_events(len(context.events)):
        cases = (
            ("the prices (noise)", perturbed_prices(context, k, how="noise", seed=seed + k)),
            ("the prices (a 95 % crash)", perturbed_prices(context, k, how="crash")),
            ("the history (cut off)", truncated(context, k)),
            ("the signals of later events", perturbed_signals(context, k)),
        )
        for what, changed in cases:
            _check_past(strategy, context, weights, k, _weights(strategy, changed, what), what)
    return weights
