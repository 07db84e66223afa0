"""The gate's "why" in words: a headline per strategy, and how attribution and turnover moved.

Shared by `backtest.gate.compare_view` and `backtest.gate.check_view`. A headline names the few
numbers that moved most (CAGR, then the other percentage metrics with the largest change), the
turnover a year with the causes that moved it (`turnover_causes_summary`), and the change of
the active return over the run with the linked effects behind it (`attribution_summary`),
e.g. "turnover 53.3% → 59.4% a year (+6.1 pp, of which capped +5.0 pp, scheme +1.1 pp)".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from backtest.constants import ATTRIBUTION_EFFECTS, BASELINE_COLUMN
from backtest.gate.compare import CHANGE_EPS, records
from backtest.report.formats import DETAIL, DISPLAY, PERCENT_METRICS, format_delta, format_value
from backtest.report.markup import Block, Heading, Paragraph, Table

__all__ = [
    "attribution_blocks",
    "cause_blocks",
    "diff_table",
    "event_label",
    "event_move_rows",
    "headline_items",
]

_HEADLINE_METRICS = tuple(
    sorted(PERCENT_METRICS - {"total_return", "annual_turnover"})
)  # the reading-scale fractions (total return compounds to hundreds of points; turnover below)
_SHOWN = 3
_CAUSE_FLOOR = 5e-4  # a cause moving less than 0.05 pp a year is not named
_SHOWN_FLOOR = 5e-4  # a fraction moving less than 0.05 pp shows as ~0 at reading precision


def _num(value: Any) -> float:
    """Return a table cell as a float (cells of a frame are typed as any scalar)."""
    return float(value)


def _pp(value: float) -> str:
    return format_delta("total_return", value, DISPLAY)


def _metric_clauses(rows: pd.DataFrame) -> list[str]:
    moved = rows[rows["metric"].isin(_HEADLINE_METRICS) & rows["delta"].notna()]
    moved = moved[moved["delta"].abs() >= _SHOWN_FLOOR]
    ranked = moved.assign(first=moved["metric"] != "cagr", size=moved["delta"].abs()).sort_values(
        ["first", "size", "metric"], ascending=[True, False, True], kind="stable"
    )
    return [
        f"`{r['metric']}` {format_value(str(r['metric']), _num(r['a']))} → "
        f"{format_value(str(r['metric']), _num(r['b']))} ({_pp(_num(r['delta']))})"
        for r in records(ranked.head(_SHOWN))
    ]


def _turnover_clause(rows: pd.DataFrame, causes: pd.DataFrame | None) -> str | None:
    turnover = rows[rows["metric"] == "annual_turnover"]
    if turnover.empty or not _num(turnover["delta"].fillna(0.0).abs().iloc[0]) >= _SHOWN_FLOOR:
        return None
    r = records(turnover)[0]
    text = (
        f"turnover {format_value('annual_turnover', _num(r['a']))} → "
        f"{format_value('annual_turnover', _num(r['b']))} a year ({_pp(_num(r['delta']))}"
    )
    if causes is not None and len(causes):
        named = causes[causes["delta"].abs() >= _CAUSE_FLOOR]
        named = named.assign(size=named["delta"].abs()).sort_values("size", ascending=False)
        if len(named):
            text += ", of which " + ", ".join(
                f"{c['cause']} {_pp(_num(c['delta']))}" for c in records(named.head(_SHOWN))
            )
    return text + ")"


def _attribution_clause(rows: pd.DataFrame | None) -> str | None:
    if rows is None or rows.empty:
        return None
    total = rows[rows["segment"] == "total"].set_index("measure")
    if total.empty:
        return None
    ref_a, ref_b = total["reference_a"].iloc[0], total["reference_b"].iloc[0]
    if pd.isna(ref_a) or pd.isna(ref_b):
        return None
    if ref_a != ref_b:
        return f"attribution against different references (`{ref_a}` vs `{ref_b}`): not compared"
    active = {str(k): v for k, v in total.loc["active_return"].to_dict().items()}
    if not abs(_num(active["delta"])) > 0.0:
        return None
    effects = {e: _num(total.at[e, "delta"]) for e in ATTRIBUTION_EFFECTS}
    main = max(effects, key=lambda e: abs(effects[e]))
    segments = rows[(rows["segment"] != "total") & (rows["measure"] == main)]
    where = ""
    if main != "cost" and len(segments) and segments["delta"].abs().max() > 0:
        seg = records(segments.loc[[segments["delta"].abs().idxmax()]])[0]
        where = f" (mostly `{seg['segment']}` {_pp(_num(seg['delta']))})"
    listed = ", ".join(f"{e} {_pp(v)}{where if e == main else ''}" for e, v in effects.items())
    return (
        f"active return against `{ref_b}` over the run {_pp(_num(active['a']))} → "
        f"{_pp(_num(active['b']))} ({_pp(_num(active['delta']))}: {listed})"
    )


def headline_items(
    *,
    strategies: Iterable[str],
    metrics: pd.DataFrame,
    attribution: pd.DataFrame | None,
    causes: pd.DataFrame | None,
    window_moved: bool,
    status: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per strategy that moved: the numbers that moved most, and why.

    Parameters
    ----------
    strategies : iterable of str
        The strategies to headline (those that moved), in order; ``ref_*`` references are
        gathered in one line.
    metrics : DataFrame
        ``strategy, metric, a, b, delta`` (the gate's metric changes).
    attribution, causes : DataFrame or None
        `backtest.gate.explain.attribution_changes` / `cause_changes` frames.
    window_moved : bool
        Whether the traded windows differ (said beside the baseline, which has no rule).
    status : Mapping[str, str], optional
        A status per strategy, quoted when no metric moved (e.g. only target weights did).
    """
    status = status or {}
    items = []
    references = []
    for name in strategies:
        rows = metrics[metrics["strategy"] == name]
        if name.startswith("ref_"):
            cagr = rows[rows["metric"] == "cagr"]["delta"]
            if len(cagr) and pd.notna(cagr.iloc[0]):
                references.append(f"`{name}` {_pp(float(cagr.iloc[0]))}")
            continue
        clauses = _metric_clauses(rows)
        turnover = _turnover_clause(
            rows, None if causes is None else causes[causes["strategy"] == name]
        )
        explained = _attribution_clause(
            None if attribution is None else attribution[attribution["strategy"] == name]
        )
        parts = [", ".join(clauses)] if clauses else []
        parts += [p for p in (turnover, explained) if p]
        if not parts:
            sized = rows.assign(size=rows["delta"].abs()).dropna(subset=["size"])
            sized = sized[sized["size"] > 0]
            fractions = sized[sized["metric"].isin(PERCENT_METRICS)]
            sized = fractions if len(fractions) else sized
            if sized.empty:
                parts = ["no metric moved" + (f" ({status[name]})" if name in status else "")]
            else:
                r = sized.sort_values("size").iloc[-1]
                parts = [
                    "metrics moved below the display precision (largest: "
                    f"`{r['metric']}` {format_delta(str(r['metric']), float(r['delta']))})"
                ]
        note = (
            " (no rule of its own: the window alone)"
            if window_moved and name == BASELINE_COLUMN
            else ""
        )
        items.append(f"**`{name}`**{note}: " + "; ".join(parts))
    if references:
        items.append("buy-and-hold references, CAGR: " + ", ".join(references))
    return items


def attribution_blocks(attribution: pd.DataFrame | None, labels: tuple[str, str]) -> list[Block]:
    """Table: per strategy, the whole-run active return and linked effects on both sides."""
    la, lb = labels
    if attribution is None:
        return [
            Heading(text="Attribution", level=3),
            Paragraph(
                text="Not compared: a side has no attribution (made before it existed; re-run "
                "it, or regenerate the golden with `--update`)."
            ),
        ]
    total = attribution[attribution["segment"] == "total"]
    moved = total[total["delta"].fillna(1.0) != 0.0]
    rows = tuple(
        (
            str(r["strategy"]),
            str(r["measure"]),
            "n/a" if r["a"] is None else _pp(_num(r["a"])),
            "n/a" if r["b"] is None else _pp(_num(r["b"])),
            format_delta("total_return", r["delta"]),
        )
        for r in records(moved)
    )
    reference = total["reference_b"].dropna()
    against = f" against `{reference.iloc[0]}`" if len(reference) else ""
    blocks: list[Block] = [Heading(text=f"Attribution over the run{against} (linked)", level=3)]
    if not rows:
        blocks.append(Paragraph(text="The active return and every linked effect are identical."))
        return blocks
    blocks.append(
        Table(
            header=("strategy", "effect", la, lb, "delta"), rows=rows, numeric=frozenset({2, 3, 4})
        )
    )
    return blocks


def cause_blocks(causes: pd.DataFrame | None, labels: tuple[str, str]) -> list[Block]:
    """Table: per strategy and cause, the turnover a year on both sides (moved causes only)."""
    blocks: list[Block] = [Heading(text="Turnover by rule (a year, whole run)", level=3)]
    if causes is None:
        blocks.append(
            Paragraph(text="Not compared: a side has no turnover by rule (made before it existed).")
        )
        return blocks
    moved = causes[causes["delta"].fillna(1.0) != 0.0]
    if moved.empty:
        blocks.append(Paragraph(text="The turnover of every cause is identical."))
        return blocks
    blocks.append(diff_table(moved, key="cause", labels=labels, unit="annual_turnover"))
    return blocks


def diff_table(
    frame: pd.DataFrame, *, key: str, labels: tuple[str, str], unit: str | None = None
) -> Table:
    """Table ``strategy | key | A | B | delta`` of a frame with ``strategy, key, a, b, delta``.

    Values are shown in the unit of ``unit`` (a metric name), or of each row's ``key`` when
    ``unit`` is None (a metrics table), at the gate's precision.
    """
    return Table(
        header=("strategy", key, *labels, "delta"),
        rows=tuple(
            (
                str(r["strategy"]),
                str(r[key]),
                format_value(unit or str(r[key]), r["a"], DETAIL),
                format_value(unit or str(r[key]), r["b"], DETAIL),
                format_delta(unit or str(r[key]), r["delta"]),
            )
            for r in records(frame)
        ),
        numeric=frozenset({2, 3, 4}),
    )


def event_label(row: Any) -> str:
    """Return an event pair's label: its date, or its period and both dates when they differ."""
    a, b = pd.Timestamp(row["a_date"]), pd.Timestamp(row["b_date"])
    return f"{a:%Y-%m-%d}" if a == b else f"{row['period']} ({a:%Y-%m-%d} → {b:%Y-%m-%d})"


def event_move_rows(matched: pd.DataFrame, per_event: int) -> list[tuple[float, tuple[str, ...]]]:
    """Per event pair that moved: (gross change, row of strategy, event, largest moves, ...).

    ``matched`` is a `backtest.gate.explain.matched_weight_changes` frame; the row lists the
    ``per_event`` largest ticker moves, the gross change in pp and the tickers compared.
    """
    rows: list[tuple[float, tuple[str, ...]]] = []
    moved = matched[matched["delta"].abs() > CHANGE_EPS]
    keys = ["strategy", "period", "a_date", "b_date"]
    for _, event in moved.groupby(keys, sort=False):
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
        first = event.iloc[0]
        rows.append(
            (
                gross,
                (
                    str(first["strategy"]),
                    event_label(first),
                    text,
                    f"{100 * gross:.2f} pp",
                    str(len(event)),
                ),
            )
        )
    return rows
