"""Layout of a `backtest.gate.compare.Comparison` for Markdown and HTML (`report.markup`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from backtest.constants import BUCKETS
from backtest.gate.compare import (
    CHANGE_EPS,
    Comparison,
    same_values,
)
from backtest.gate.explain import window_causes
from backtest.gate.explain_view import (
    attribution_blocks,
    cause_blocks,
    diff_table,
    event_label,
    event_move_rows,
    headline_items,
)
from backtest.report.formats import DETAIL, format_config_value, format_delta, format_value
from backtest.report.markup import Block, Bullets, Heading, Paragraph, Table

__all__ = ["comparison_blocks"]


def _cell(table: pd.DataFrame, row: Any, col: Any) -> float:
    value: Any = table.at[row, col]
    return float(value)


def _unpaired_text(comparison: Comparison) -> str | None:
    """Events on one side only, counted per side (not listed as rows of n/a)."""
    unpaired = comparison.unpaired
    if unpaired is None or unpaired.empty:
        return None
    la, lb = comparison.labels
    parts = []
    for side, label in (("a", la), ("b", lb)):
        mine = unpaired[unpaired["side"] == side]
        if mine.empty:
            continue
        dates = pd.DatetimeIndex(mine["effective_date"])
        n, k = len(mine), mine["strategy"].nunique()
        parts.append(
            f"{n} event{'s' * (n != 1)} of `{label}` ({k} strateg{'ies' if k != 1 else 'y'}, "
            f"{dates.min():%Y-%m-%d} .. {dates.max():%Y-%m-%d}) fall{'s' * (n == 1)} in periods "
            "where the other side has no event"
        )
    return "; ".join(parts) + ": not compared (see the calendar above)."


def comparison_blocks(comparison: Comparison, *, top: int = 10, full: bool = False) -> list[Block]:
    """Lay out a `Comparison`: headline, causes, strategies, attribution, turnover, full tables.

    The headline (one line per strategy that moved) comes first, then what differs besides the
    rules (data, window, calendar, config keys), then the tables: attribution and turnover by
    rule, metrics, turnover and costs, bucket and target weights of the events (paired by
    period) that moved most. ``top`` limits the event tables; ``full`` lists unchanged metrics.
    """
    la, lb = comparison.labels
    blocks: list[Block] = [Heading(text=f"Compare `{la}` → `{lb}`", level=2)]
    metrics = comparison.metrics
    moved = [n for n, status in comparison.status.items() if status.startswith("changed")]
    windows = comparison.windows
    window_moved = windows is not None and (
        windows[0].first_trade != windows[1].first_trade
        or windows[0].last_day != windows[1].last_day
    )
    headline = headline_items(
        strategies=moved,
        metrics=metrics,
        attribution=comparison.attribution,
        causes=comparison.causes,
        window_moved=window_moved,
        status=comparison.status,
    )
    blocks.append(Heading(text="Headline", level=3))
    blocks.append(
        Bullets(items=tuple(headline))
        if headline
        else Paragraph(text="Nothing moved: every strategy is identical on both sides.")
    )
    facts = [
        "data: same prices"
        if comparison.same_data
        else "data: **different prices** (hashes differ: differences mix methodology and data)",
    ]
    if windows is not None:
        facts += window_causes(windows[0], windows[1], comparison.labels, metrics)
    if comparison.config_changes:
        facts += [
            f"`{k}`: {format_config_value(a)} → {format_config_value(b)}"
            for k, a, b in comparison.config_changes
        ]
    else:
        facts.append("config: identical")
    blocks += [
        Heading(text="What differs besides the numbers", level=3),
        Bullets(items=tuple(facts)),
    ]
    blocks += [
        Heading(text="Strategies", level=3),
        Table(header=("strategy", "status"), rows=tuple(comparison.status.items())),
    ]
    blocks += attribution_blocks(comparison.attribution, comparison.labels)
    blocks += cause_blocks(comparison.causes, comparison.labels)
    shown = metrics if full else metrics[~same_values(metrics["a"], metrics["b"])]
    blocks.append(Heading(text="Metrics", level=3))
    if shown.empty:
        blocks.append(Paragraph(text="Every metric of every strategy is identical."))
    else:
        blocks.append(diff_table(shown, key="metric", labels=comparison.labels))
    blocks += _cost_blocks(comparison)
    blocks += _bucket_blocks(comparison, top=top)
    matched = comparison.matched
    events = [] if matched is None else event_move_rows(matched, per_event=3)
    blocks.append(Heading(text="Target weights: largest moves per event", level=3))
    if not events:
        blocks.append(Paragraph(text="No target weight changed at any event both sides have."))
    else:
        ranked = [row for _, row in sorted(events, key=lambda e: -e[0])[:top]]
        blocks.append(
            Table(
                header=("strategy", "event", "largest moves", "gross change", "tickers compared"),
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
    unpaired = _unpaired_text(comparison)
    if unpaired:
        blocks.append(Paragraph(text=unpaired))
    return blocks


def _cost_blocks(comparison: Comparison) -> list[Block]:
    """Turnover and fees per strategy on both sides."""
    la, lb = comparison.labels
    metrics = comparison.metrics
    costs = metrics[metrics["metric"].isin(["annual_turnover", "fees_paid"])]
    if costs.empty:
        return []
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
    return [
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


def _bucket_blocks(comparison: Comparison, *, top: int) -> list[Block]:
    """Bucket weights of the event pairs whose buckets moved most (sum of |delta| over buckets)."""
    if comparison.buckets is None:
        return []
    frame = comparison.buckets
    present = {str(b) for b in frame["bucket"]}
    names = [b for b in BUCKETS if b in present] + sorted(present - set(BUCKETS))
    rows = []
    keys = ["strategy", "period", "a_date", "b_date"]
    for _, event in frame.groupby(keys, sort=False):
        gross = float(event["delta"].abs().sum())
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
        first = event.iloc[0]
        rows.append((gross, (str(first["strategy"]), event_label(first), *cells)))
    if not rows:
        return []
    rows.sort(key=lambda row: -row[0])
    blocks: list[Block] = [
        Heading(text="Bucket weights: events that moved most", level=3),
        Table(
            header=("strategy", "event", *names),
            rows=tuple(row for _, row in rows[:top]),
            numeric=frozenset(range(2, 2 + len(names))),
        ),
    ]
    if len(rows) > top:
        blocks.append(Paragraph(text=f"{len(rows) - top} more events with moved buckets."))
    return blocks
