"""Human-readable views of a run: the terminal table and ``summary.md``."""

from __future__ import annotations

import pandas as pd

from backtest.report.formats import format_value
from backtest.report.markup import Heading, Paragraph, Table, to_markdown

__all__ = ["format_metrics", "summary_markdown", "terminal_table"]

_TERMINAL_COLUMNS = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe_ratio",
    "max_drawdown",
    "excess_cagr",
    "tracking_error",
    "information_ratio",
)


def format_metrics(metrics: pd.DataFrame, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Return the metrics as display strings (percentages for fractions, 2 decimals for ratios)."""
    cols = list(columns) if columns else list(metrics.columns)
    shown = pd.DataFrame(index=metrics.index, columns=cols, dtype=object)
    for col in cols:
        shown[col] = [format_value(col, v) for v in metrics[col]]
    return shown


def terminal_table(metrics: pd.DataFrame, *, label: str | None = None) -> str:
    """Return a fixed-width table: strategies as rows, readable percentages, the baseline last."""
    shown = format_metrics(metrics, _TERMINAL_COLUMNS)
    names = [str(i) for i in shown.index]
    widths = [max(len("strategy"), *(len(n) for n in names))]
    widths += [max(len(c), *(len(v) for v in shown[c])) for c in shown.columns]
    header = ["strategy", *shown.columns]
    lines = [
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    lines.append("  ".join("-" * w for w in widths))
    for name, row in zip(names, shown.itertuples(index=False), strict=True):
        cells = [name.ljust(widths[0])] + [v.rjust(w) for v, w in zip(row, widths[1:], strict=True)]
        lines.append("  ".join(cells))
    if label:
        lines.insert(0, f"[{label}]")
    return "\n".join(lines)


def summary_markdown(metrics: pd.DataFrame, *, title: str, label: str) -> str:
    """Return ``summary.md``: a Markdown metrics table for PR comments."""
    shown = format_metrics(metrics)
    notes = ["Fractions in percent; relative metrics against the NVDA buy-and-hold `baseline`."]
    if any(str(name).startswith("ref_") for name in shown.index):
        notes.append("Rows `ref_*` are buy-and-hold references (same fees), not strategies.")
    table = Table(
        header=("strategy", *map(str, shown.columns)),
        rows=tuple(
            (str(name), *row)
            for name, row in zip(shown.index, shown.itertuples(index=False), strict=True)
        ),
        numeric=frozenset(range(1, len(shown.columns) + 1)),
    )
    return to_markdown(
        [
            Heading(text=title, level=1),
            Paragraph(text=f"_{label}_"),
            table,
            Paragraph(text="\n".join(notes)),
        ]
    )
