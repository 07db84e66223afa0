"""The methodology diff between two runs: config, metrics, target weights, turnover and costs.

A "run" is anything with ``weights`` (long: ``strategy, determination_date, effective_date,
ticker, weight``), ``metrics`` (one row per strategy, index ``strategy``) and ``manifest`` (with
``config``, ``config_sha256``, ``data_sha256``): a `backtest.runner.Result` or a folder read by
`backtest.results.load`. `compare_runs` computes the differences; `comparison_blocks` lays them
out for Markdown and HTML (`backtest.markup`). `backtest.check` reuses the diff functions.

A weight is "changed" when ``|b - a| > 1e-12`` (float noise of identical code is exactly 0) or
its event's determination date moved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from backtest.markup import Block, Bullets, Heading, Paragraph, Table
from backtest.report import PERCENT_METRICS

__all__ = [
    "Comparison",
    "RunLike",
    "compare_runs",
    "comparison_blocks",
    "config_diff",
    "fmt_delta",
    "fmt_value",
    "metric_changes",
    "records",
    "weight_changes",
]

CHANGE_EPS = 1e-12
_KEYS = ["strategy", "effective_date", "ticker"]


class RunLike(Protocol):
    """What `compare_runs` needs from a run (a `Result` or a loaded results folder)."""

    @property
    def weights(self) -> pd.DataFrame: ...

    @property
    def metrics(self) -> pd.DataFrame: ...

    @property
    def manifest(self) -> dict[str, Any]: ...


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


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts (NaN as None), for rendering and JSON."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _cell(table: pd.DataFrame, row: Any, col: Any) -> float:
    value: Any = table.at[row, col]
    return float(value)


def _get(table: pd.DataFrame, row: Any, col: Any) -> float:
    if row in table.index and col in table.columns:
        value: Any = table.at[row, col]
        return float("nan") if value is None else float(value)
    return float("nan")


def fmt_value(metric: str, value: float) -> str:
    """Display ``value``: percentages for fractions, currency for fees, 6 decimals otherwise."""
    if value is None or math.isnan(value):
        return "n/a"
    if metric in PERCENT_METRICS or metric == "weight":
        return f"{100.0 * value:.4f}%"
    if metric == "fees_paid":
        return f"{value:,.2f}"
    return f"{value:.6f}"


def fmt_delta(metric: str, delta: float) -> str:
    """Display a difference: percentage points for fractions; tiny ones in scientific form."""
    if delta is None or math.isnan(delta):
        return "n/a"
    if delta == 0:
        return "0"
    scale, unit = (100.0, " pp") if metric in PERCENT_METRICS or metric == "weight" else (1.0, "")
    shown = delta * scale
    if abs(shown) < 5e-5 or (metric == "fees_paid" and abs(shown) < 5e-3):
        return f"{shown:+.2e}{unit}"
    return f"{shown:+,.2f}{unit}" if metric == "fees_paid" else f"{shown:+.4f}{unit}"


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """Differences between run A and run B (see `compare_runs`)."""

    labels: tuple[str, str]
    config_changes: list[tuple[str, Any, Any]]
    same_data: bool
    metrics: pd.DataFrame
    weights: pd.DataFrame
    status: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able data (dates as ISO strings, NaN as None)."""
        changed = (self.weights["delta"].abs().fillna(1.0) > CHANGE_EPS) | self.weights[
            "timing_changed"
        ]
        weights = self.weights[changed].copy()
        for col in ("determination_date", "effective_date"):
            weights[col] = pd.to_datetime(weights[col]).dt.strftime("%Y-%m-%d")
        return {
            "labels": list(self.labels),
            "same_data": self.same_data,
            "config_changes": [{"key": k, "a": a, "b": b} for k, a, b in self.config_changes],
            "strategies": self.status,
            "metrics": records(self.metrics),
            "changed_weights": records(weights),
        }


def compare_runs(a: RunLike, b: RunLike, *, labels: tuple[str, str] = ("A", "B")) -> Comparison:
    """Compare two runs: config keys, data, every metric, every target weight."""
    metrics = metric_changes(a.metrics, b.metrics)
    weights = weight_changes(a.weights, b.weights)
    status: dict[str, str] = {}
    for strategy in dict.fromkeys([*metrics["strategy"], *weights["strategy"]]):
        w = weights[weights["strategy"] == strategy]
        m = metrics[metrics["strategy"] == strategy]
        if w["a"].isna().all() and m["a"].isna().all():
            status[strategy] = f"only in {labels[1]}"
        elif w["b"].isna().all() and m["b"].isna().all():
            status[strategy] = f"only in {labels[0]}"
        else:
            moved_w = (w["delta"].abs().fillna(1.0) > CHANGE_EPS) | w["timing_changed"]
            moved_m = ~_same(m["a"], m["b"])
            events = w.loc[moved_w, "effective_date"].nunique()
            status[strategy] = (
                "identical"
                if not moved_w.any() and not moved_m.any()
                else f"changed: {events} of {w['effective_date'].nunique()} events, "
                f"{int(moved_m.sum())} of {len(m)} metrics"
            )
    return Comparison(
        labels=labels,
        config_changes=config_diff(a.manifest.get("config", {}), b.manifest.get("config", {})),
        same_data=a.manifest.get("data_sha256") == b.manifest.get("data_sha256"),
        metrics=metrics,
        weights=weights,
        status=status,
    )


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a == b) | (a.isna() & b.isna())


def _short(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, Mapping) and "kind" in value:
        return f"a strategy of kind `{value['kind']}`"
    text = str(value)
    return f"`{text if len(text) <= 80 else text[:77] + '...'}`"


def _event_moves(weights: pd.DataFrame, per_event: int) -> list[tuple[str, str, str, str, str]]:
    rows = []
    moved = weights[weights["delta"].abs().fillna(1.0) > CHANGE_EPS]
    for (strategy, t_e), event in moved.groupby(["strategy", "effective_date"], sort=False):
        if event["a"].isna().all() or event["b"].isna().all():
            side = "new event" if event["a"].isna().all() else "event removed"
            rows.append((str(strategy), f"{t_e:%Y-%m-%d}", side, "n/a", "n/a"))
            continue
        ranked = event.assign(size=event["delta"].abs()).sort_values(
            ["size", "ticker"], ascending=[False, True], kind="stable"
        )
        top = ranked.head(per_event)
        text = "; ".join(
            f"`{r['ticker']}` {fmt_value('weight', r['a'])} → {fmt_value('weight', r['b'])} "
            f"({fmt_delta('weight', r['delta'])})"
            for r in records(top)
        )
        gross = float(event["delta"].abs().sum())
        rows.append(
            (str(strategy), f"{t_e:%Y-%m-%d}", text, f"{100 * gross:.2f} pp", str(len(event)))
        )
    return rows


def comparison_blocks(comparison: Comparison, *, top: int = 10, full: bool = False) -> list[Block]:
    """Lay out a `Comparison`: summary, config, strategies, metrics, turnover/costs, weights.

    ``top`` limits the per-event weight table to the events with the largest gross change;
    ``full`` lists unchanged metrics too.
    """
    la, lb = comparison.labels
    blocks: list[Block] = [Heading(text=f"Compare `{la}` → `{lb}`", level=2)]
    facts = [
        "data: same prices"
        if comparison.same_data
        else "data: **different prices** (hashes differ: differences mix methodology and data)",
    ]
    if comparison.config_changes:
        facts += [f"`{k}`: {_short(a)} → {_short(b)}" for k, a, b in comparison.config_changes]
    else:
        facts.append("config: identical")
    blocks.append(Bullets(items=tuple(facts)))
    blocks += [
        Heading(text="Strategies", level=3),
        Table(header=("strategy", "status"), rows=tuple(comparison.status.items())),
    ]
    metrics = comparison.metrics
    shown = metrics if full else metrics[~_same(metrics["a"], metrics["b"])]
    blocks.append(Heading(text="Metrics", level=3))
    if shown.empty:
        blocks.append(Paragraph(text="Every metric of every strategy is identical."))
    else:
        blocks.append(
            Table(
                header=("strategy", "metric", la, lb, "delta"),
                rows=tuple(
                    (
                        str(r["strategy"]),
                        str(r["metric"]),
                        fmt_value(r["metric"], r["a"]),
                        fmt_value(r["metric"], r["b"]),
                        fmt_delta(r["metric"], r["delta"]),
                    )
                    for r in records(shown)
                ),
                numeric=frozenset({2, 3, 4}),
            )
        )
    costs = metrics[metrics["metric"].isin(["annual_turnover", "fees_paid"])]
    if not costs.empty:
        wide = costs.pivot(index="strategy", columns="metric", values=["a", "b", "delta"])
        rows = []
        for strategy in dict.fromkeys(costs["strategy"]):
            cells = [strategy]
            for metric in ("annual_turnover", "fees_paid"):
                if ("a", metric) in wide.columns:
                    va, vb, vd = (_cell(wide, strategy, (k, metric)) for k in ("a", "b", "delta"))
                    cells += [fmt_value(metric, va), fmt_value(metric, vb), fmt_delta(metric, vd)]
                else:
                    cells += ["n/a"] * 3
            rows.append(tuple(cells))
        blocks += [
            Heading(text="Turnover and costs", level=3),
            Table(
                header=(
                    "strategy",
                    f"turnover {la}",
                    f"turnover {lb}",
                    "delta",
                    f"fees {la}",
                    f"fees {lb}",
                    "delta",
                ),
                rows=tuple(rows),
                numeric=frozenset(range(1, 7)),
            ),
        ]
    events = _event_moves(comparison.weights, per_event=3)
    blocks.append(Heading(text="Target weights: largest moves per event", level=3))
    if not events:
        blocks.append(Paragraph(text="No target weight changed at any event."))
    else:

        def gross(row: tuple[str, ...]) -> float:
            return float(row[3].split()[0]) if row[3] != "n/a" else math.inf

        ranked = sorted(events, key=gross, reverse=True)[:top]
        blocks.append(
            Table(
                header=(
                    "strategy",
                    "effective date",
                    "largest moves",
                    "gross change",
                    "tickers moved",
                ),
                rows=tuple(ranked),
                numeric=frozenset({3, 4}),
            )
        )
        if len(events) > top:
            blocks.append(
                Paragraph(
                    text=f"{len(events) - top} more changed events (use `--top` or `--json`)."
                )
            )
    return blocks
