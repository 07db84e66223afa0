"""Turnover and fees of every event split by rule: drift, the scheme, each constraint, membership.

The trade vector of an event
----------------------------
At an executed event ``k`` (previous executed event ``p``) a portfolio moves from its drifted
weights ``d_k`` (the holdings of the day before, grown to the close of ``t_k``, over the
pre-trade value) to its target ``t_k``. With ``L_0`` the scheme's weights and ``L_j`` the
weights after the ``j``-th constraint (`strategies.trail.strategy_trail`; ``L_J = t``) and
``L'`` the same chain evaluated at ``k`` with the eligibility of ``p`` (the membership of the
previous event), the trade vector is the telescoping sum of

* ``drift``: ``t_p - d_k``, trading back to the previous target;
* ``scheme``: ``L'_0(k) - L_0(p)``, the scheme's own change (signal and prices);
* one cause per constraint ``j`` (named by its kind, ``capped`` ...): ``(L'_j(k) - L'_{j-1}(k))
  - (L_j(p) - L_{j-1}(p))``, the change that constraint adds on top of its input;
* ``membership``: ``L_J(k) - L'_J(k)``, what listings and exits (eligibility changes) move;

and at a portfolio's first event the whole trade (from cash) is ``initial``. A skipped event
(rebalance band) trades nothing. When the chain cannot be evaluated under the previous
membership (a constraint infeasible there), that strategy's membership changes stay inside the
scheme and constraint causes (``membership`` is 0).

Allocation rule
---------------
Each ticker's traded notional ``n_i`` and fees ``f_i`` (from ``orders.csv``) are split over the
causes in proportion to their signed contributions ``c_{m,i}`` to that ticker's net weight
change ``D_i = sum_m c_{m,i}``: cause ``m`` gets ``c_{m,i} / D_i`` of them (negative for a cause
that pushed against the trade; all to ``drift`` when ``D_i = 0``). With ``T = turnover`` of the
event, a ticker's turnover is ``T n_i / sum(n)``, so the parts of every event add up to its
``turnover`` and ``fees`` in ``turnover.csv`` (to rounding).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd

from backtest.constants import TRADING_DAYS_PER_YEAR
from backtest.context import Context, Strategy
from backtest.errors import BacktestError
from backtest.pipeline.cubes import fills_cube, holdings_cube
from strategies.trail import Layer, layer_names, strategy_trail

__all__ = [
    "CAUSE_COLUMNS",
    "CAUSE_SUMMARY_COLUMNS",
    "causes_of",
    "event_causes",
    "membership_context",
    "run_causes",
    "summarise_causes",
]

CAUSE_COLUMNS: Final = ("strategy", "effective_date", "cause", "turnover", "fees")
"""Columns of ``turnover_causes.csv``."""

CAUSE_SUMMARY_COLUMNS: Final = ("strategy", "year", "cause", "turnover", "fees", "per_year")
"""Columns of ``turnover_causes_summary.csv``."""


def causes_of(strategy: Strategy | None) -> list[str]:
    """Return the causes of ``strategy``'s trades, in order (`strategies.trail` layer names)."""
    constraints = [] if strategy is None else [name for name, _ in layer_names(strategy)[1:]]
    return ["initial", "drift", "scheme", *constraints, "membership"]


def membership_context(context: Context, previous: np.ndarray) -> Context:
    """Return ``context`` with each event's eligibility replaced by that of event ``previous[k]``.

    ``previous[k] < 0`` keeps the event's own eligibility.
    """
    eligible = context.eligible.to_numpy(dtype=bool).copy()
    moved = previous >= 0
    eligible[moved] = eligible[previous[moved]]
    return dataclasses.replace(
        context,
        eligible=pd.DataFrame(
            eligible, index=context.eligible.index, columns=context.eligible.columns
        ),
    )


def _drifted(holdings: np.ndarray, prices: np.ndarray, row: int) -> np.ndarray:
    """Weights just before the orders of ``row``: the holdings of ``row - 1`` grown to its close."""
    h = holdings[row - 1]
    on = h != 0.0
    grown = np.zeros_like(h)
    grown[on] = h[on] * prices[row, on] / prices[row - 1, on]
    return np.asarray(grown / (grown.sum() + 1.0 - h.sum()), dtype=float)


def event_causes(
    *,
    layers: Sequence[np.ndarray],
    moved_layers: Sequence[np.ndarray] | None,
    holdings: np.ndarray,
    prices: np.ndarray,
    event_rows: np.ndarray,
    executed: np.ndarray,
    notional: np.ndarray,
    fees: np.ndarray,
    turnover: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Split each event's turnover and fees over the causes (see the module docstring).

    Parameters
    ----------
    layers : sequence of ndarray, each (n_events, n_tickers)
        ``L_0`` (scheme) .. ``L_J`` (the targets).
    moved_layers : sequence of ndarray or None
        The same chain at each event under the previous executed event's eligibility; None when
        not available (``membership`` is then 0).
    holdings : ndarray, shape (n_days, n_tickers)
        Drifted end-of-day weights; ``prices`` the closes on the same rows.
    event_rows : ndarray of int, shape (n_events,)
        Row of each effective date; ``executed`` (bool) whether the event traded.
    notional, fees : ndarray, shape (n_events, n_tickers)
        Absolute traded notional and fees per event and ticker.
    turnover : ndarray, shape (n_events,)

    Returns
    -------
    turnover_parts, fee_parts : ndarray, shape (n_events, n_causes)
        Causes ordered ``initial, drift, scheme, <constraints>, membership``.
    """
    n_events, n_tickers = layers[-1].shape
    n_causes = len(layers) + 3
    parts_t = np.zeros((n_events, n_causes))
    parts_f = np.zeros((n_events, n_causes))
    previous = -1
    for k in range(n_events):
        if not executed[k]:
            continue
        contributions = np.zeros((n_causes, n_tickers))
        if previous < 0:
            contributions[0] = layers[-1][k]
        else:
            here = layers if moved_layers is None else moved_layers
            contributions[1] = layers[-1][previous] - _drifted(holdings, prices, event_rows[k])
            contributions[2] = here[0][k] - layers[0][previous]
            for j in range(1, len(layers)):
                contributions[2 + j] = (here[j][k] - here[j - 1][k]) - (
                    layers[j][previous] - layers[j - 1][previous]
                )
            contributions[-1] = layers[-1][k] - here[-1][k]
        net = contributions.sum(axis=0)
        share = np.divide(contributions, net, out=np.zeros_like(contributions), where=net != 0.0)
        share[1, net == 0.0] = 1.0
        total = notional[k].sum()
        ticker_turnover = turnover[k] * notional[k] / total if total > 0 else np.zeros(n_tickers)
        parts_t[k] = share @ ticker_turnover
        parts_f[k] = share @ fees[k]
        previous = k
    return parts_t, parts_f


def run_causes(
    *,
    strategies: Mapping[str, Strategy],
    context: Context,
    targets: Mapping[str, pd.DataFrame],
    holdings: pd.DataFrame,
    orders: pd.DataFrame,
    turnover: pd.DataFrame,
    prices: pd.DataFrame,
) -> pd.DataFrame:
    """Return ``turnover_causes.csv``: per portfolio, event and cause, turnover and fees.

    ``strategies`` are the config's strategies (their trails are evaluated on ``context``);
    a portfolio of ``targets`` without a strategy (the baseline) has the causes of a scheme
    without constraints, its targets as the scheme's weights.
    """
    frames = []
    dates = pd.DatetimeIndex(holdings["date"].unique()).sort_values()
    names = list(targets)
    tickers = list(dict.fromkeys(str(t) for frame in targets.values() for t in frame.columns))
    held_all = holdings_cube(holdings, names, dates, tickers)
    fills = fills_cube(orders, names, dates, tickers, prices)
    panel = prices.reindex(index=dates, columns=tickers).to_numpy(dtype=float)
    by_name = turnover["strategy"].astype(str)
    for i, (name, target) in enumerate(targets.items()):
        strategy = strategies.get(name)
        events = turnover[by_name == name]
        effective = pd.DatetimeIndex(events["effective_date"])
        executed = ~events["skipped"].to_numpy(dtype=bool)
        held = held_all[i]
        layers: list[np.ndarray]
        moved: list[np.ndarray] | None = None
        if strategy is None:
            layers = [target.reindex(columns=tickers, fill_value=0.0).to_numpy(dtype=float)]
        else:
            trail = strategy_trail(strategy, context)
            layers = [_on(layer, tickers) for layer in trail]
            moved = _moved_layers(strategy, context, executed, trail, tickers)
        notional, fees = fills["notional"][i], fills["fees"][i]
        rows = dates.get_indexer(effective)
        parts_t, parts_f = event_causes(
            layers=layers,
            moved_layers=moved,
            holdings=held,
            prices=panel,
            event_rows=rows,
            executed=executed,
            notional=notional[rows],
            fees=fees[rows],
            turnover=events["turnover"].to_numpy(dtype=float),
        )
        causes = causes_of(strategy)
        n_events = len(effective)
        frames.append(
            pd.DataFrame(
                {
                    "strategy": name,
                    "effective_date": np.repeat(effective.to_numpy(), len(causes)),
                    "cause": np.tile(np.asarray(causes, dtype=object), n_events),
                    "turnover": parts_t.ravel(),
                    "fees": parts_f.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[list(CAUSE_COLUMNS)]


def _on(layer: Layer, tickers: list[str]) -> np.ndarray:
    return layer.weights.reindex(columns=tickers, fill_value=0.0).to_numpy(dtype=float)


def _moved_layers(
    strategy: Strategy,
    context: Context,
    executed: np.ndarray,
    trail: tuple[Layer, ...],
    tickers: list[str],
) -> list[np.ndarray] | None:
    """Return the trail at each event under the previous executed event's eligibility."""
    eligible = context.eligible.to_numpy(dtype=bool)
    if len(eligible) != len(executed):
        return None
    previous = np.full(len(executed), -1)
    last = -1
    for k in range(len(executed)):
        if executed[k]:
            if last >= 0 and not np.array_equal(eligible[k], eligible[last]):
                previous[k] = last
            last = k
    if not (previous >= 0).any():
        return [_on(layer, tickers) for layer in trail]
    try:
        moved = strategy_trail(strategy, membership_context(context, previous))
    except BacktestError:
        return None
    changed = (previous >= 0)[:, None]
    return [
        np.where(changed, _on(m, tickers), _on(t, tickers))
        for m, t in zip(moved, trail, strict=True)
    ]


def summarise_causes(causes: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Return ``turnover_causes_summary.csv``: per portfolio, calendar year (and ``all``), cause.

    ``turnover`` and ``fees`` sum the events whose effective date falls in the year;
    ``per_year`` is ``turnover`` over the span's years (its trading days in ``dates`` / 252), so
    the ``all`` rows add up to the ``annual_turnover`` metric.
    """
    if causes.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CAUSE_SUMMARY_COLUMNS})
    calendar = pd.DatetimeIndex(dates)
    days = pd.Series(calendar.year).value_counts()
    year = pd.DatetimeIndex(causes["effective_date"]).year.astype(str)
    out = []
    for label, frame, n_days in [
        *((str(y), causes[year == str(y)], int(days.get(y, 0))) for y in sorted(days.index)),
        ("all", causes, len(calendar)),
    ]:
        grouped = frame.groupby(["strategy", "cause"], sort=False)[["turnover", "fees"]].sum()
        grouped = grouped.reindex(
            pd.MultiIndex.from_frame(causes[["strategy", "cause"]].drop_duplicates()),
            fill_value=0.0,
        ).reset_index()
        grouped.insert(1, "year", label)
        grouped["per_year"] = grouped["turnover"] / (n_days / TRADING_DAYS_PER_YEAR)
        out.append(grouped)
    return pd.concat(out, ignore_index=True)[list(CAUSE_SUMMARY_COLUMNS)]
