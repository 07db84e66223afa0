"""Why two runs differ: window, calendar, events paired by period, attribution and turnover.

Used by `backtest.gate.compare` and `backtest.gate.check`.

* **Window**: a run trades from its first effective date to its last day; the rebalance calendar
  is its ``schedule`` (frequency, anchor, lag). When they differ between the sides, every number
  moves for that reason too (the baseline, which has no rule, moves only for it): `window_of`,
  `window_causes`.
* **Events matched by period**: with different calendars the effective dates differ, so events
  are paired within the periods of the coarser frequency (``2016-03``, ``2016Q1``, ``2016H1``,
  ``2016``), each event of the side with fewer events in a period with the nearest unpaired
  event of the other; the rest are on one side only (`event_pairs`, `matched_weight_changes`).
  Two runs on one calendar pair every event with itself.
* **Attribution and turnover by rule**: the whole-run linked effects (``attribution_summary``)
  and the per-cause turnover a year (``turnover_causes_summary``) side by side
  (`attribution_changes`, `cause_changes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from backtest.constants import ATTRIBUTION_EFFECTS, BASELINE_COLUMN

__all__ = [
    "MEASURES",
    "Window",
    "attribution_changes",
    "cause_changes",
    "event_pairs",
    "matched_weight_changes",
    "period_months",
    "window_causes",
    "window_of",
]

_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
MEASURES = ("active_return", *ATTRIBUTION_EFFECTS)
"""What `attribution_changes` compares: the active return and each linked effect."""


@dataclass(frozen=True, kw_only=True)
class Window:
    """What a run traded over: first effective date, last day, events, rebalance calendar."""

    first_trade: pd.Timestamp | None
    last_day: pd.Timestamp | None
    events: int
    schedule: dict[str, Any]


def window_of(run: Any) -> Window:
    """Return the `Window` of a run (a `Result`, a loaded folder or a golden file)."""
    weights = run.weights
    config = run.manifest.get("config", {}) or {}
    dates = pd.DatetimeIndex(weights["effective_date"]) if len(weights) else pd.DatetimeIndex([])
    first = dates.min() if len(dates) else None
    equity = getattr(run, "equity", None)
    last: pd.Timestamp | None
    if equity is not None and len(equity):
        last = pd.Timestamp(equity.index[-1])
    else:
        end = (config.get("run") or {}).get("end")
        last = pd.Timestamp(end) if end else None
    return Window(
        first_trade=first,
        last_day=last,
        events=int(pd.Series(dates).nunique()),
        schedule=dict(config.get("schedule") or {}),
    )


def period_months(a: Window, b: Window) -> int | None:
    """Months in a period of the coarser of the two calendars (None: unknown, match by date)."""
    months = [_MONTHS.get(str(w.schedule.get("frequency")), 0) for w in (a, b)]
    return None if 0 in months else max(months)


def _metric_delta(metrics: pd.DataFrame, strategy: str, metric: str) -> float | None:
    row = metrics[(metrics["strategy"] == strategy) & (metrics["metric"] == metric)]
    if row.empty or pd.isna(row["delta"].iloc[0]):
        return None
    return float(row["delta"].iloc[0])


def window_causes(
    a: Window, b: Window, labels: tuple[str, str], metrics: pd.DataFrame, *, say_same: bool = True
) -> list[str]:
    """Say what besides the rules differs: traded window, rebalance calendar.

    ``metrics`` is a `backtest.gate.compare.metric_changes` frame (to quote the baseline's
    move). When nothing differs: one line saying so (``say_same``) or nothing.
    """
    la, lb = labels
    causes = []
    window_moved = a.first_trade != b.first_trade or a.last_day != b.last_day
    if window_moved:

        def span(w: Window) -> str:
            first = "n/a" if w.first_trade is None else f"{w.first_trade:%Y-%m-%d}"
            last = "n/a" if w.last_day is None else f"{w.last_day:%Y-%m-%d}"
            return f"{first} .. {last}"

        cagr = _metric_delta(metrics, BASELINE_COLUMN, "cagr")
        moved = (
            f"; the baseline, which has no rule, moves by {100 * cagr:+.2f} pp of CAGR for that "
            "reason alone"
            if cagr
            else ""
        )
        causes.append(
            f"**traded windows differ**: `{la}` {span(a)}, `{lb}` {span(b)}: every metric moves "
            f"with the window too{moved}"
        )
    keys = ("frequency", "anchor", "lag_days", "rebalance_band")
    changed = [k for k in keys if a.schedule.get(k) != b.schedule.get(k)]
    if changed:
        what = ", ".join(f"`{k}` {a.schedule.get(k)} → {b.schedule.get(k)}" for k in changed)
        causes.append(
            f"**rebalance calendar differs** ({what}; {a.events} vs {b.events} events): the "
            "events are matched by period below, and an event on one side only is counted, "
            "not listed"
        )
    if not causes and say_same:
        causes.append("window and calendar: the same on both sides (same first trade, last day "
                      "and schedule)")  # fmt: skip
    return causes


def _period_labels(dates: pd.DatetimeIndex, months: int) -> np.ndarray:
    if months == 1:
        return np.asarray(dates.strftime("%Y-%m"), dtype=object)
    slot = (dates.month.to_numpy() - 1) // months + 1
    years = dates.year.astype(str).to_numpy()
    if months == 12:
        return np.asarray(years, dtype=object)
    letter = "Q" if months == 3 else "H"
    return np.asarray([f"{y}{letter}{s}" for y, s in zip(years, slot, strict=True)], dtype=object)


def event_pairs(
    a_dates: pd.DatetimeIndex, b_dates: pd.DatetimeIndex, months: int | None
) -> pd.DataFrame:
    """Pair the events of two sides by period (see the module docstring).

    Returns
    -------
    DataFrame with columns ``period, a, b`` (effective dates; NaT on the side without a pair),
    ordered by the earlier date of each row. ``months=None`` pairs equal dates only.
    """
    a_dates = pd.DatetimeIndex(a_dates).unique().sort_values()
    b_dates = pd.DatetimeIndex(b_dates).unique().sort_values()
    if months is None:
        both = a_dates.union(b_dates)
        return pd.DataFrame(
            {
                "period": np.asarray(both.strftime("%Y-%m-%d"), dtype=object),
                "a": both.where(both.isin(a_dates)),
                "b": both.where(both.isin(b_dates)),
            }
        )
    rows: list[tuple[str, pd.Timestamp | None, pd.Timestamp | None]] = []
    labels_a = pd.Series(a_dates, index=_period_labels(a_dates, months))
    labels_b = pd.Series(b_dates, index=_period_labels(b_dates, months))
    for period in sorted(set(labels_a.index) | set(labels_b.index)):
        left = list(labels_a[labels_a.index == period])
        right = list(labels_b[labels_b.index == period])
        few, many, swap = (left, right, False) if len(left) <= len(right) else (right, left, True)
        free = list(many)
        for date in few:
            nearest = min(free, key=lambda d: (abs((d - date).days), d)) if free else None
            if nearest is not None:
                free.remove(nearest)
            pair = (nearest, date) if swap else (date, nearest)
            rows.append((period, *pair))
        rows += [(period, *((d, None) if swap else (None, d))) for d in free]
    frame = pd.DataFrame(rows, columns=["period", "a", "b"])
    frame["a"] = pd.to_datetime(frame["a"])
    frame["b"] = pd.to_datetime(frame["b"])
    order = frame[["a", "b"]].min(axis=1)
    return frame.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def matched_weight_changes(
    a: pd.DataFrame, b: pd.DataFrame, months: int | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Target weights of two runs per strategy, event pair (by period) and ticker.

    Parameters
    ----------
    a, b : DataFrame (long)
        ``strategy, effective_date, ticker, weight`` (other columns ignored).

    Returns
    -------
    moves : DataFrame
        ``strategy, period, a_date, b_date, ticker, a, b, delta`` for paired events (a ticker
        absent from an event is 0).
    unpaired : DataFrame
        ``strategy, side, effective_date``: events on one side only (``side`` ``a`` or ``b``).
    """
    moves, unpaired = [], []
    for strategy in dict.fromkeys([*a["strategy"], *b["strategy"]]):
        wa = a[a["strategy"] == strategy]
        wb = b[b["strategy"] == strategy]
        pairs = event_pairs(
            pd.DatetimeIndex(wa["effective_date"]), pd.DatetimeIndex(wb["effective_date"]), months
        )
        for side in ("a", "b"):
            alone = pairs[pairs[side].notna() & pairs["b" if side == "a" else "a"].isna()]
            unpaired += [(strategy, side, d) for d in alone[side]]
        both = pairs.dropna(subset=["a", "b"])
        if both.empty:
            continue
        left = wa.pivot_table(index="effective_date", columns="ticker", values="weight")
        right = wb.pivot_table(index="effective_date", columns="ticker", values="weight")
        tickers = left.columns.union(right.columns)
        left = left.reindex(index=pd.DatetimeIndex(both["a"]), columns=tickers).fillna(0.0)
        right = right.reindex(index=pd.DatetimeIndex(both["b"]), columns=tickers).fillna(0.0)
        n, k = left.shape
        moves.append(
            pd.DataFrame(
                {
                    "strategy": strategy,
                    "period": np.repeat(both["period"].to_numpy(), k),
                    "a_date": np.repeat(both["a"].to_numpy(), k),
                    "b_date": np.repeat(both["b"].to_numpy(), k),
                    "ticker": np.tile(np.asarray(tickers, dtype=object), n),
                    "a": left.to_numpy(dtype=float).ravel(),
                    "b": right.to_numpy(dtype=float).ravel(),
                }
            )
        )
    columns = ["strategy", "period", "a_date", "b_date", "ticker", "a", "b"]
    frame = pd.concat(moves, ignore_index=True) if moves else pd.DataFrame(columns=columns)
    frame["delta"] = frame["b"] - frame["a"]
    return frame, pd.DataFrame(unpaired, columns=["strategy", "side", "effective_date"])


def _summary(run: Any, name: str) -> pd.DataFrame | None:
    frame = getattr(run, name, None)
    return frame if isinstance(frame, pd.DataFrame) and len(frame) else None


def attribution_changes(a: Any, b: Any) -> pd.DataFrame | None:
    """Return the whole-run linked effects of both runs side by side, per strategy and segment.

    Returns
    -------
    DataFrame with columns ``strategy, segment, measure, a, b, delta, reference_a,
    reference_b`` (``measure`` in `MEASURES`, segment ``total`` for the sum), or None when a
    side has no attribution (a run or golden made before it existed).
    """
    found = [_summary(run, "attribution_summary") for run in (a, b)]
    sides = [f for f in found if f is not None]
    if len(sides) < 2:
        return None
    tall = []
    for label, frame in zip(("a", "b"), sides, strict=True):
        whole = frame[frame["year"].astype(str) == "all"]
        melted = whole.melt(
            id_vars=["strategy", "segment", "reference"], value_vars=list(MEASURES),
            var_name="measure", value_name=label,
        )  # fmt: skip
        tall.append(melted.rename(columns={"reference": f"reference_{label}"}))
    merged = tall[0].merge(tall[1], on=["strategy", "segment", "measure"], how="outer", sort=False)
    merged["delta"] = merged["b"] - merged["a"]
    order = {
        key: i
        for i, key in enumerate(dict.fromkeys([*sides[0]["strategy"], *sides[1]["strategy"]]))
    }
    merged = merged.assign(
        _s=merged["strategy"].map(order), _m=merged["measure"].map(MEASURES.index)
    ).sort_values(["_s", "_m"], kind="stable")
    return merged[
        ["strategy", "segment", "measure", "a", "b", "delta", "reference_a", "reference_b"]
    ].reset_index(drop=True)


def cause_changes(a: Any, b: Any) -> pd.DataFrame | None:
    """Return the turnover a year by cause (whole run) of both runs side by side.

    Returns
    -------
    DataFrame with columns ``strategy, cause, a, b, delta`` (a cause one side lacks is 0), or
    None when a side has no turnover by rule.
    """
    found = [_summary(run, "turnover_causes_summary") for run in (a, b)]
    sides = [f for f in found if f is not None]
    if len(sides) < 2:
        return None
    keyed = [
        f[f["year"].astype(str) == "all"].set_index(["strategy", "cause"])["per_year"].rename(s)
        for f, s in zip(sides, ("a", "b"), strict=True)
    ]
    merged = pd.concat(keyed, axis=1, sort=False)
    strategies = merged.index.get_level_values(0)
    for side, frame in zip(("a", "b"), sides, strict=True):
        present = strategies.isin(set(frame["strategy"]))
        merged.loc[present & merged[side].isna(), side] = 0.0
    merged["delta"] = merged["b"] - merged["a"]
    out: pd.DataFrame = merged.reset_index()[["strategy", "cause", "a", "b", "delta"]]
    return out
