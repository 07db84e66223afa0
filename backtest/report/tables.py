"""Human-readable views of a run: the terminal table and ``summary.md``."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["PERCENT_METRICS", "format_metrics", "summary_markdown", "terminal_table"]

PERCENT_METRICS = frozenset(
    {
        "total_return",
        "cagr",
        "annual_volatility",
        "max_drawdown",
        "excess_cagr",
        "tracking_error",
        "alpha",
        "monthly_hit_rate",
        "annual_turnover",
    }
)
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


def _cell(metric: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if metric in PERCENT_METRICS:
        return f"{100.0 * value:,.1f}%"
    if metric == "fees_paid":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def format_metrics(metrics: pd.DataFrame, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Return the metrics as display strings (percentages for fractions, 2 decimals for ratios)."""
    cols = list(columns) if columns else list(metrics.columns)
    shown = pd.DataFrame(index=metrics.index, columns=cols, dtype=object)
    for col in cols:
        shown[col] = [_cell(col, v) for v in metrics[col]]
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
    """``summary.md``: a Markdown metrics table for PR comments."""
    shown = format_metrics(metrics)
    header = "| strategy | " + " | ".join(shown.columns) + " |"
    rule = "|---|" + "|".join("---:" for _ in shown.columns) + "|"
    body = [
        f"| {name} | " + " | ".join(row) + " |"
        for name, row in zip(shown.index, shown.itertuples(index=False), strict=True)
    ]
    notes = ["", "Fractions in percent; relative metrics against the NVDA buy-and-hold `baseline`."]
    if any(str(name).startswith("ref_") for name in shown.index):
        notes.append("Rows `ref_*` are buy-and-hold references (same fees), not strategies.")
    return "\n".join([f"# {title}", "", f"_{label}_", "", header, rule, *body, *notes, ""])
