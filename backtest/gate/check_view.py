"""Views of a `backtest.gate.check.CheckReport`: Markdown/HTML blocks for a PR comment, and JSON."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from backtest.gate.check import FAILING, CheckReport, event_summary
from backtest.gate.compare import records
from backtest.gate.explain import window_causes
from backtest.gate.explain_view import attribution_blocks, cause_blocks, headline_items
from backtest.report.formats import DETAIL, format_config_value, format_delta, format_value
from backtest.report.markup import Block, Bullets, Heading, Paragraph, Table

__all__ = ["check_blocks", "report_json", "strategy_changes"]

_SHOWN_STATUS = {
    "ok": "ok",
    "within": "moved, within",
    "drift": "**DRIFT**",
    "added": "**added**",
    "removed": "**removed**",
    "timing": "**t_d moved**",
    "code changed": "**code changed**",
}


def _tolerance(metric: str, allowed: float) -> str:
    if math.isinf(allowed):
        return "ignored"
    return "±" + format_delta(metric, allowed).lstrip("+") if allowed else "exact"


def strategy_changes(report: CheckReport) -> dict[str, str]:
    """Strategies present on one side only: name -> ``added`` or ``removed``."""
    out: dict[str, str] = {}
    for strategy, frame in report.metrics.groupby("strategy", sort=False):
        if frame["status"].eq("added").all():
            out[str(strategy)] = "added"
        elif frame["status"].eq("removed").all():
            out[str(strategy)] = "removed"
    return out


def _largest(row: dict[str, Any]) -> str:
    size = float(row["max_abs_delta"])
    if size == 0:
        return "none"
    if not math.isfinite(size):
        return f"event added or removed ({row['worst_date']:%Y-%m-%d})"
    return (
        f"{format_delta('weight', size).lstrip('+')} (`{row['worst_ticker']}` on "
        f"{row['worst_date']:%Y-%m-%d})"
    )


def _headline(report: CheckReport, whole: dict[str, str]) -> list[Block]:
    """One line per strategy that moved: how many metrics beyond tolerance, and why."""
    m = report.metrics
    moved = [
        str(s)
        for s, frame in m.groupby("strategy", sort=False)
        if s not in whole and (frame["status"] != "ok").any()
    ]
    windows = report.windows
    window_moved = windows is not None and (
        windows[0].first_trade != windows[1].first_trade
        or windows[0].last_day != windows[1].last_day
    )
    beyond = m[m["status"].isin(FAILING)].groupby("strategy").size()
    items = headline_items(
        strategies=moved,
        metrics=m.rename(columns={"golden": "a", "now": "b"}),
        attribution=report.attribution,
        causes=report.causes,
        window_moved=window_moved,
    )
    counted = []
    for name, item in zip([n for n in moved if not n.startswith("ref_")], items, strict=False):
        total = int((m["strategy"] == name).sum())
        count = int(beyond.get(name, 0))
        tag = f"{count} of {total} metrics beyond tolerance" if count else "moved within tolerance"
        head, _, rest = item.partition(": ")
        counted.append(f"{head} ({tag}): {rest}")
    counted += items[len(counted) :]
    if not counted:
        return []
    return [Heading(text="Headline", level=3), Bullets(items=tuple(counted))]


def _one_sided(w: pd.DataFrame) -> str | None:
    """Events present on one side only, counted (their rows are not listed as n/a)."""
    removed = w[w["now"].isna()][["strategy", "effective_date"]].drop_duplicates()
    added = w[w["golden"].isna()][["strategy", "effective_date"]].drop_duplicates()
    if removed.empty and added.empty:
        return None
    parts = []
    for what, frame in (("removed since the golden", removed), ("added", added)):
        if len(frame):
            dates = pd.DatetimeIndex(frame["effective_date"])
            n, k = len(frame), frame["strategy"].nunique()
            parts.append(
                f"{n} event{'s' * (n != 1)} {what} ({k} strateg{'ies' if k != 1 else 'y'}, "
                f"{dates.min():%Y-%m-%d} .. {dates.max():%Y-%m-%d})"
            )
    return "; ".join(parts) + ": drift, counted here rather than listed as rows of n/a."


def check_blocks(report: CheckReport, *, all_rows: bool = False, max_rows: int = 25) -> list[Block]:
    """Lay out a `CheckReport`: verdict, headline, causes and notes, then the full tables.

    The headline (one line per strategy that moved, with the turnover by rule and the linked
    attribution behind it) comes first; metric rows that did not move are left out unless
    ``all_rows``; the weight table lists the ``max_rows`` largest moves of events both sides
    have, beyond-tolerance ones first (all of them with ``all_rows``); events on one side only
    are counted.
    """
    m, w = report.metrics, report.weights
    events = w[["strategy", "effective_date"]].drop_duplicates()
    bad_events = w[w["status"].isin(FAILING)][["strategy", "effective_date"]].drop_duplicates()
    bad_metrics = int(m["status"].isin(FAILING).sum())
    moved_metrics = int((m["status"] != "ok").sum())
    changed_code = sorted(set(report.code["strategy"]))
    verdict = (
        "**PASS**: every metric and target weight is within tolerance"
        if report.passed
        else f"**DRIFT**: {bad_metrics} of {len(m)} metrics and {len(bad_events)} of "
        f"{len(events)} events beyond tolerance"
        + (f"; the code of {len(changed_code)} strategies changed" if changed_code else "")
    )
    golden_sha, now_sha = report.config_sha256
    facts = [f"golden `{report.golden_path}`: {report.data_note}", f"prices: {report.label}"]
    if golden_sha == now_sha:
        facts.append(f"config: unchanged since the golden (sha256 `{now_sha[:12]}`)")
    elif not report.config_changes:
        facts.append(
            f"config keys unchanged; its sha256 (`{golden_sha[:12]}` → `{now_sha[:12]}`) also "
            "covers the code of strategies from outside this package"
        )
    else:
        changes = "; ".join(
            f"`{k}` {format_config_value(a)} → {format_config_value(b)}"
            for k, a, b in report.config_changes
        )
        facts.append(
            f"config changed since the golden (`{golden_sha[:12]}` → `{now_sha[:12]}`): {changes}"
        )
    facts += report.notes
    if report.windows is not None:
        renamed = m.rename(columns={"golden": "a", "now": "b"})
        facts += window_causes(*report.windows, ("golden", "now"), renamed, say_same=False)
    whole = strategy_changes(report)
    for change in ("added", "removed"):
        names = [f"`{k}`" for k, v in whole.items() if v == change]
        if names:
            facts.append(
                f"strategies {change} since the golden (every row {change}): " + ", ".join(names)
            )
    m = m[~m["strategy"].isin(list(whole))]
    w = w[~w["strategy"].isin(list(whole))]
    blocks: list[Block] = [
        Heading(text=f"backtest check `{report.name}`", level=2),
        Paragraph(text=f"{verdict} ({moved_metrics} metrics moved)."),
        *_headline(report, whole),
        Heading(text="What else differs from the golden", level=3),
        Bullets(items=tuple(facts)),
    ]
    if changed_code:
        blocks += [
            Heading(text="Strategy code", level=3),
            Table(
                header=("strategy", "class", "golden sha256", "now sha256", "status"),
                rows=tuple(
                    (
                        str(r["strategy"]),
                        f"`{r['class']}`",
                        f"`{str(r['golden_sha256'])[:12]}`",
                        f"`{str(r['now_sha256'])[:12]}`",
                        _SHOWN_STATUS[r["status"]],
                    )
                    for r in records(report.code)
                ),
            ),
        ]
    if moved_metrics:
        blocks += attribution_blocks(report.attribution, ("golden", "now"))
        blocks += cause_blocks(report.causes, ("golden", "now"))
    blocks.append(Heading(text="Metrics", level=3))
    shown = m if all_rows else m[m["status"] != "ok"]
    if shown.empty:
        blocks.append(
            Paragraph(
                text=f"All {len(m)} metrics of the strategies on both sides "
                "are identical to the golden."
            )
        )
    else:
        blocks.append(
            Table(
                header=("strategy", "metric", "golden", "now", "delta", "tolerance", "status"),
                rows=tuple(
                    (
                        str(r["strategy"]),
                        str(r["metric"]),
                        format_value(r["metric"], r["golden"], DETAIL),
                        format_value(r["metric"], r["now"], DETAIL),
                        format_delta(r["metric"], r["delta"]),
                        _tolerance(r["metric"], r["allowed"]),
                        _SHOWN_STATUS[r["status"]],
                    )
                    for r in records(shown)
                ),
                numeric=frozenset({2, 3, 4, 5}),
            )
        )
    blocks += [
        Heading(text="Target weights", level=3),
        Table(
            header=("strategy", "events", "beyond tolerance", "largest move"),
            rows=tuple(
                (str(r["strategy"]), str(r["events"]), str(r["events_beyond"]), _largest(r))
                for r in records(event_summary(report))
                if r["strategy"] not in whole
            ),
            numeric=frozenset({1, 2}),
        ),
    ]
    one_sided = _one_sided(w)
    moved = w[(w["status"] != "ok") & w["golden"].notna() & w["now"].notna()].copy()
    if moved.empty:
        if one_sided:
            blocks.append(Paragraph(text=one_sided))
        return blocks
    moved["rank"] = moved["status"].isin(FAILING).astype(int)
    moved["size"] = moved["delta"].abs().fillna(np.inf)
    moved = moved.sort_values(["rank", "size"], ascending=False, kind="stable")
    top = moved if all_rows else moved.head(max_rows)
    blocks.append(
        Table(
            header=(
                "strategy",
                "determination",
                "effective",
                "ticker",
                "golden",
                "now",
                "delta",
                "tolerance",
                "status",
            ),
            rows=tuple(
                (
                    str(r["strategy"]),
                    f"{r['determination_date']:%Y-%m-%d}",
                    f"{r['effective_date']:%Y-%m-%d}",
                    str(r["ticker"]),
                    format_value("weight", r["golden"], DETAIL),
                    format_value("weight", r["now"], DETAIL),
                    format_delta("weight", r["delta"]),
                    _tolerance("weight", r["allowed"]),
                    _SHOWN_STATUS[r["status"]],
                )
                for r in records(top)
            ),
            numeric=frozenset({4, 5, 6, 7}),
        )
    )
    if len(moved) > len(top):
        blocks.append(
            Paragraph(text=f"{len(moved) - len(top)} more moved weights (`--all` or `--json`).")
        )
    if one_sided:
        blocks.append(Paragraph(text=one_sided))
    return blocks


def report_json(report: CheckReport) -> dict[str, Any]:
    """`CheckReport` as plain JSON-able data (NaN as None); weights: the moved rows only."""
    weights = report.weights[report.weights["status"] != "ok"].copy()
    for col in ("determination_date", "effective_date"):
        weights[col] = pd.to_datetime(weights[col]).dt.strftime("%Y-%m-%d")
    return {
        "name": report.name,
        "golden": report.golden_path,
        "passed": report.passed,
        "exit_code": report.exit_code,
        "data": report.data_note,
        "config_sha256": {"golden": report.config_sha256[0], "now": report.config_sha256[1]},
        "config_changes": [{"key": k, "golden": a, "now": b} for k, a, b in report.config_changes],
        "notes": report.notes,
        "metrics": records(report.metrics),
        "weights_moved": records(weights),
        "code_changed": records(report.code),
        "attribution": None if report.attribution is None else records(report.attribution),
        "turnover_causes": None if report.causes is None else records(report.causes),
    }
