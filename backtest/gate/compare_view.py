"""Layout of a `backtest.gate.compare.Comparison` for Markdown and HTML (`report.markup`)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from backtest.constants import BUCKETS
from backtest.gate.compare import (
    CHANGE_EPS,
    Comparison,
    records,
    same_values,
)
from backtest.report.formats import DETAIL, format_config_value, format_delta, format_value
from backtest.report.markup import Block, Bullets, Heading, Paragraph, Table

__all__ = ["comparison_blocks"]


def _cell(table: pd.DataFrame, row: Any, col: Any) -> float:
    value: Any = table.at[row, col]
    return float(value)


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
            f"`{r['ticker']}` {format_value('weight', r['a'], DETAIL)} → "
            f"{format_value('weight', r['b'], DETAIL)} ({format_delta('weight', r['delta'])})"
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
        facts += [
            f"`{k}`: {format_config_value(a)} → {format_config_value(b)}"
            for k, a, b in comparison.config_changes
        ]
    else:
        facts.append("config: identical")
    blocks.append(Bullets(items=tuple(facts)))
    blocks += [
        Heading(text="Strategies", level=3),
        Table(header=("strategy", "status"), rows=tuple(comparison.status.items())),
    ]
    metrics = comparison.metrics
    shown = metrics if full else metrics[~same_values(metrics["a"], metrics["b"])]
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
                        format_value(r["metric"], r["a"], DETAIL),
                        format_value(r["metric"], r["b"], DETAIL),
                        format_delta(r["metric"], r["delta"]),
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
                    cells += [
                        format_value(metric, va, DETAIL),
                        format_value(metric, vb, DETAIL),
                        format_delta(metric, vd),
                    ]
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
    blocks += _bucket_blocks(comparison, top=top)
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


def _bucket_blocks(comparison: Comparison, *, top: int) -> list[Block]:
    """Bucket weights of the events whose buckets moved most (sum of |delta| over buckets)."""
    if comparison.buckets is None:
        return []
    frame = comparison.buckets
    present = {str(b) for b in frame["bucket"]}
    names = [b for b in BUCKETS if b in present] + sorted(present - set(BUCKETS))
    rows = []
    for (strategy, t_e), event in frame.groupby(["strategy", "effective_date"], sort=False):
        gross = float(event["delta"].abs().fillna(math.inf).sum())
        if gross <= CHANGE_EPS:
            continue
        cells = []
        by_bucket = event.set_index("bucket")
        for name in names:
            if name not in by_bucket.index:
                cells.append("0")
                continue
            a, b = _cell(by_bucket, name, "a"), _cell(by_bucket, name, "b")
            same = a == b or abs(b - a) <= CHANGE_EPS
            cells.append(
                format_value("weight", b, DETAIL)
                if same
                else f"{format_value('weight', a, DETAIL)} → {format_value('weight', b, DETAIL)}"
            )
        rows.append((gross, (str(strategy), f"{t_e:%Y-%m-%d}", *cells)))
    if not rows:
        return []
    rows.sort(key=lambda row: -row[0])
    blocks: list[Block] = [
        Heading(text="Bucket weights: events that moved most", level=3),
        Table(
            header=("strategy", "effective date", *names),
            rows=tuple(row for _, row in rows[:top]),
            numeric=frozenset(range(2, 2 + len(names))),
        ),
    ]
    if len(rows) > top:
        blocks.append(Paragraph(text=f"{len(rows) - top} more events with moved buckets."))
    return blocks
