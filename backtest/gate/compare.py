"""The methodology diff between two runs: config, metrics, target weights, turnover and costs.

A "run" is anything with ``weights`` (long: ``strategy, determination_date, effective_date,
ticker, weight``), ``metrics`` (one row per strategy, index ``strategy``) and ``manifest`` (with
``config``, ``config_sha256``, ``data_sha256``): a `backtest.pipeline.result.Result` or a
folder read by `backtest.pipeline.result.load`. `compare_runs` computes the differences
(`backtest.gate.compare_view` lays them out); `backtest.gate.check` reuses the diff functions.

A weight is "changed" when ``|b - a| > 1e-12`` (float noise of identical code is exactly 0) or
its event's determination date moved. Beside the date-keyed diff, events are paired by period
(`backtest.gate.explain`: two calendars' events are matched within the coarser one's periods),
and the window, the calendar, the attribution and the turnover by rule of both sides are
compared, so the report can say why the numbers moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from backtest.gate.explain import (
    Window,
    attribution_changes,
    cause_changes,
    matched_weight_changes,
    period_months,
    window_of,
)

__all__ = [
    "Comparison",
    "RunLike",
    "bucket_changes",
    "compare_runs",
    "config_diff",
    "metric_changes",
    "records",
    "same_values",
    "weight_changes",
]

CHANGE_EPS = 1e-12
_KEYS = ["strategy", "effective_date", "ticker"]


class RunLike(Protocol):
    """What `compare_runs` needs from a run (a `Result` or a loaded results folder)."""

    @property
    def weights(self) -> pd.DataFrame:
        """Target weights, long (``strategy, ..., ticker, weight``)."""
        ...

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per strategy (index ``strategy``), one column per metric."""
        ...

    @property
    def manifest(self) -> dict[str, Any]:
        """The run's manifest (``config``, ``config_sha256``, ``data_sha256``, ...)."""
        ...


def config_diff(a: Any, b: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Key paths whose values differ between two resolved configs, as ``(path, a, b)``.

    Strategies are matched by ``name`` (``strategies.<name>.<param>``), lists of equal length
    item by item (``constraints[1].max_weight``); a missing side is ``None``.
    """
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out: list[tuple[str, Any, Any]] = []
        for key in [*a, *(k for k in b if k not in a)]:
            out += config_diff(a.get(key), b.get(key), f"{prefix}{key}.")
        return out
    if prefix == "strategies." and isinstance(a, list) and isinstance(b, list):
        named_a = {s.get("name"): s for s in a if isinstance(s, Mapping)}
        named_b = {s.get("name"): s for s in b if isinstance(s, Mapping)}
        return config_diff(named_a, named_b, prefix)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and a != b:
        key = prefix.rstrip(".")
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True), start=1)
            for d in config_diff(x, y, f"{key}[{i}].")
        ]
    return [] if a == b else [(prefix.rstrip("."), a, b)]


def weight_changes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Target weights of two runs side by side, one row per (strategy, event, ticker).

    Returns
    -------
    DataFrame with columns ``strategy, determination_date, effective_date, ticker, a, b,
    delta, timing_changed`` (``delta = b - a``). ``a`` or ``b`` is NaN when the *event* is
    missing on that side; a ticker missing from an event that exists counts as weight 0.
    ``determination_date`` is B's (A's for an event only A has); ``timing_changed`` marks
    events present on both sides whose determination dates differ.
    """
    merged = (
        a.drop(columns="determination_date")
        .rename(columns={"weight": "a"})
        .merge(
            b.drop(columns="determination_date").rename(columns={"weight": "b"}),
            on=_KEYS,
            how="outer",
        )
    )
    event_key = pd.MultiIndex.from_frame(merged[_KEYS[:2]])
    dets = []
    for side, frame in (("a", a), ("b", b)):
        events = frame.drop_duplicates(_KEYS[:2]).set_index(_KEYS[:2])["determination_date"]
        merged.loc[event_key.isin(events.index) & merged[side].isna(), side] = 0.0
        dets.append(pd.Series(events.reindex(event_key).to_numpy(), index=merged.index))
    merged["determination_date"] = dets[1].fillna(dets[0])
    merged["delta"] = merged["b"] - merged["a"]
    merged["timing_changed"] = dets[0].notna() & dets[1].notna() & (dets[0] != dets[1])
    merged = merged.sort_values(_KEYS, kind="stable").reset_index(drop=True)
    return merged[
        ["strategy", "determination_date", *_KEYS[1:], "a", "b", "delta", "timing_changed"]
    ]


def metric_changes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Every metric of every strategy of two metrics tables side by side.

    Returns
    -------
    DataFrame with columns ``strategy, metric, a, b, delta``; strategies in the order of ``a``
    then new ones of ``b``; NaN where a side lacks the strategy or metric.
    """
    strategies = [*a.index, *(s for s in b.index if s not in a.index)]
    metrics = [*a.columns, *(m for m in b.columns if m not in a.columns)]
    rows = []
    for strategy in strategies:
        for metric in metrics:
            va = _get(a, strategy, metric)
            vb = _get(b, strategy, metric)
            rows.append((str(strategy), str(metric), va, vb, vb - va))
    return pd.DataFrame(rows, columns=["strategy", "metric", "a", "b", "delta"])


def bucket_changes(
    a: pd.DataFrame,
    b: pd.DataFrame,
    buckets_a: Mapping[str, str],
    buckets_b: Mapping[str, str],
    months: int | None = None,
) -> pd.DataFrame:
    """Bucket weights per strategy and event pair of two runs, each tagged with its own buckets.

    Events are paired as in `backtest.gate.explain.matched_weight_changes` (by period of
    ``months`` months, or by date when None); events on one side only are left out.

    Returns
    -------
    DataFrame with columns ``strategy, period, a_date, b_date, bucket, a, b, delta``; a ticker
    without a bucket counts as ``other``; a bucket absent from one side's event is 0 there.
    """
    matched, _ = matched_weight_changes(a, b, months)
    keys = ["strategy", "period", "a_date", "b_date", "bucket"]
    sums = []
    for side, buckets in (("a", buckets_a), ("b", buckets_b)):
        tagged = matched.assign(bucket=matched["ticker"].map(dict(buckets)).fillna("other"))
        sums.append(tagged.groupby(keys, sort=False)[side].sum())
    merged = pd.concat(sums, axis=1).fillna(0.0).reset_index()
    merged["delta"] = merged["b"] - merged["a"]
    return merged[[*keys, "a", "b", "delta"]]


def _buckets_of(run: Any) -> dict[str, str] | None:
    """Return ticker -> bucket of a run: its `Universe`, else that of its config's universe now."""
    universe = getattr(run, "universe", None)
    if universe is None:
        from backtest.errors import BacktestError
        from universes import load_universe

        name = run.manifest.get("config", {}).get("universe")
        try:
            universe = load_universe(name) if isinstance(name, str) else None
        except BacktestError:
            universe = None
    return None if universe is None else dict(universe.buckets)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts (NaN as None), for rendering and JSON."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _get(table: pd.DataFrame, row: Any, col: Any) -> float:
    if row in table.index and col in table.columns:
        value: Any = table.at[row, col]
        return float("nan") if value is None else float(value)
    return float("nan")


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """Differences between run A and run B (see `compare_runs`)."""

    labels: tuple[str, str]
    config_changes: list[tuple[str, Any, Any]]
    same_data: bool
    metrics: pd.DataFrame
    weights: pd.DataFrame
    status: dict[str, str]
    buckets: pd.DataFrame | None = None
    windows: tuple[Window, Window] | None = None
    matched: pd.DataFrame | None = None
    unpaired: pd.DataFrame | None = None
    attribution: pd.DataFrame | None = None
    causes: pd.DataFrame | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able data (dates as ISO strings, NaN as None)."""
        changed = (self.weights["delta"].abs().fillna(1.0) > CHANGE_EPS) | self.weights[
            "timing_changed"
        ]
        weights = self.weights[changed].copy()
        for col in ("determination_date", "effective_date"):
            weights[col] = pd.to_datetime(weights[col]).dt.strftime("%Y-%m-%d")
        buckets = None
        if self.buckets is not None:
            moved = self.buckets[self.buckets["delta"].abs().fillna(1.0) > CHANGE_EPS].copy()
            for col in ("a_date", "b_date"):
                moved[col] = pd.to_datetime(moved[col]).dt.strftime("%Y-%m-%d")
            buckets = records(moved)
        return {
            "labels": list(self.labels),
            "same_data": self.same_data,
            "config_changes": [{"key": k, "a": a, "b": b} for k, a, b in self.config_changes],
            "strategies": self.status,
            "metrics": records(self.metrics),
            "changed_weights": records(weights),
            "changed_buckets": buckets,
            "attribution": None if self.attribution is None else records(self.attribution),
            "turnover_causes": None if self.causes is None else records(self.causes),
        }


def compare_runs(a: RunLike, b: RunLike, *, labels: tuple[str, str] = ("A", "B")) -> Comparison:
    """Compare two runs: config keys, data, every metric, every target weight, and why."""
    metrics = metric_changes(a.metrics, b.metrics)
    weights = weight_changes(a.weights, b.weights)
    windows = window_of(a), window_of(b)
    matched, unpaired = matched_weight_changes(a.weights, b.weights, period_months(*windows))
    status: dict[str, str] = {}
    for strategy in dict.fromkeys([*metrics["strategy"], *weights["strategy"]]):
        w = weights[weights["strategy"] == strategy]
        m = metrics[metrics["strategy"] == strategy]
        if w["a"].isna().all() and m["a"].isna().all():
            status[strategy] = f"only in {labels[1]}"
        elif w["b"].isna().all() and m["b"].isna().all():
            status[strategy] = f"only in {labels[0]}"
        else:
            pairs = matched[matched["strategy"] == strategy]
            moved_w = (pairs["delta"].abs() > CHANGE_EPS) | (pairs["a_date"] != pairs["b_date"])
            moved_w |= pairs["a_date"].isin(w.loc[w["timing_changed"], "effective_date"])
            moved_m = ~same_values(m["a"], m["b"])
            alone = unpaired[unpaired["strategy"] == strategy]
            events = pairs.loc[moved_w, "period"].nunique()
            one_side = (
                f", {len(alone)} on one side only ({(alone['side'] == 'a').sum()} in "
                f"{labels[0]}, {(alone['side'] == 'b').sum()} in {labels[1]})"
                if len(alone)
                else ""
            )
            status[strategy] = (
                "identical"
                if not moved_w.any() and not moved_m.any() and alone.empty
                else f"changed: {events} of {pairs['period'].nunique()} events{one_side}, "
                f"{int(moved_m.sum())} of {len(m)} metrics"
            )
    maps = _buckets_of(a), _buckets_of(b)
    buckets = None
    if maps[0] is not None or maps[1] is not None:
        map_a = maps[0] if maps[0] is not None else maps[1]
        map_b = maps[1] if maps[1] is not None else maps[0]
        assert map_a is not None and map_b is not None
        buckets = bucket_changes(a.weights, b.weights, map_a, map_b, period_months(*windows))
    return Comparison(
        buckets=buckets,
        labels=labels,
        config_changes=config_diff(a.manifest.get("config", {}), b.manifest.get("config", {})),
        same_data=a.manifest.get("data_sha256") == b.manifest.get("data_sha256"),
        metrics=metrics,
        weights=weights,
        status=status,
        windows=windows,
        matched=matched,
        unpaired=unpaired,
        attribution=attribution_changes(a, b),
        causes=cause_changes(a, b),
    )


def same_values(a: pd.Series, b: pd.Series) -> pd.Series:
    """Elementwise equality where NaN equals NaN."""
    return (a == b) | (a.isna() & b.isna())
