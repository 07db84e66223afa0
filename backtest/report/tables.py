"""Human-readable views of a run: the terminal table, ``summary.md`` and the report's tables.

The analysis tables (window, calendar years, sub-periods, uncertainty, drawdowns) are built once
as `backtest.report.markup` blocks and rendered as Markdown (``summary.md``) or HTML
(``report.html``), so both say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import pandas as pd

from backtest.constants import BASELINE_COLUMN
from backtest.metrics import METRIC_NAMES
from backtest.report.calendar import PERIOD_METRICS
from backtest.report.formats import format_value
from backtest.report.markup import Block, Bullets, Heading, Paragraph, Table, to_markdown

__all__ = [
    "BOOTSTRAP_METHOD",
    "RunTables",
    "bootstrap_method",
    "drawdown_blocks",
    "format_metrics",
    "period_blocks",
    "summary_markdown",
    "terminal_table",
    "uncertainty_blocks",
    "window_lines",
    "yearly_blocks",
]

_TERMINAL_COLUMNS = tuple(m for m in METRIC_NAMES if m in {*PERIOD_METRICS, "tracking_error"})
"""The terminal table's columns: the sub-period metrics and the tracking error, in the order of
``metrics.csv``."""


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


class RunTables(Protocol):
    """The frames the tables are built from (a `Result` or a loaded run folder alike)."""

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per strategy, the baseline and the references."""
        ...

    @property
    def yearly(self) -> pd.DataFrame:
        """Calendar-year returns (`backtest.report.calendar.yearly_table`)."""
        ...

    @property
    def periods(self) -> pd.DataFrame:
        """Sub-period metrics (`backtest.report.calendar.period_table`)."""
        ...

    @property
    def uncertainty(self) -> pd.DataFrame:
        """Bootstrap intervals (`backtest.pipeline.uncertainty.bootstrap_table`)."""
        ...

    @property
    def drawdowns(self) -> pd.DataFrame:
        """Drawdown periods (`backtest.report.risk.drawdown_periods`)."""
        ...

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The run's manifest."""
        ...


def _pct(value: Any) -> str:
    return format_value("total_return", None if pd.isna(value) else float(value))


def _date(value: Any) -> str:
    return "n/a" if pd.isna(value) else str(pd.Timestamp(value).date())


def window_lines(manifest: Mapping[str, Any]) -> list[str]:
    """Return the traded window, the warm-up and why the window differs from the requested."""
    window = manifest.get("window")
    if not window:
        return []
    (start, end), (first, last) = window["requested"], window["traded"]
    warm = window["warmup"]
    lines = [
        f"traded {first} .. {last} (requested {start} .. {end}); decisions may read "
        f"{warm['days']} trading days of warm-up before {start} (from {warm['first']})"
    ]
    return lines + [str(note) for note in window["notes"]]


def _year_label(row: Any) -> str:
    if not bool(row["partial"]):
        return str(row["year"])
    return f"{row['year']} (partial: {_date(row['first_date'])} .. {_date(row['last_date'])})"


def yearly_blocks(yearly: pd.DataFrame) -> list[Block]:
    """Calendar-year returns of every series, then each one's excess over the baseline."""
    if yearly.empty:
        return []
    names = list(dict.fromkeys(yearly["strategy"]))
    first = yearly[yearly["strategy"] == names[0]]
    labels = [_year_label(row) for _, row in first.iterrows()]
    blocks: list[Block] = []
    for column, title in (("return", "Calendar-year returns"),
                          ("excess", "Calendar-year excess over the baseline (return minus "
                                     "the baseline's, percentage points)")):  # fmt: skip
        shown = [n for n in names if not (column == "excess" and n == BASELINE_COLUMN)]
        grid = yearly.pivot(index="year", columns="strategy", values=column)
        rows = tuple(
            (label, *(_pct(grid.loc[year, n]) for n in shown))
            for label, year in zip(labels, first["year"], strict=True)
        )
        blocks += [
            Heading(text=title, level=3),
            Table(
                header=("year", *shown),
                rows=rows,
                numeric=frozenset(range(1, len(shown) + 1)),
            ),
        ]
    blocks.append(
        Paragraph(
            text="A year's return compounds its days' returns (the first day carries the first "
            "trade's costs); the years compound to the run's total return. A year is partial "
            "when the run starts after January 7 or ends before December 24."
        )
    )
    return blocks


def period_blocks(periods: pd.DataFrame) -> list[Block]:
    """Metrics per sub-period (one table per period), computed from the one run."""
    if periods.empty:
        return []
    columns = PERIOD_METRICS
    blocks: list[Block] = []
    for name, rows in periods.groupby("period", sort=False):
        first, last = rows["first_date"].iloc[0], rows["last_date"].iloc[0]
        blocks.append(
            Heading(
                text=f"{name}: {_date(first)} .. {_date(last)} ({int(rows['n_days'].iloc[0])} "
                "trading days)",
                level=3,
            )
        )
        blocks.append(
            Table(
                header=("strategy", *columns),
                rows=tuple(
                    (str(row["strategy"]), *(format_value(c, _num(row[c])) for c in columns))
                    for _, row in rows.iterrows()
                ),
                numeric=frozenset(range(1, len(columns) + 1)),
            )
        )
    blocks.append(
        Paragraph(
            text="Each period's first return is measured from the close before it, so adjacent "
            "periods chain: their growth multiplies to the run's."
        )
    )
    return blocks


def _num(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


BOOTSTRAP_METHOD = (
    "Stationary bootstrap (Politis-Romano) of the paired daily returns of each strategy and the "
    "baseline, mean block length by the Politis-White rule on the daily active returns, "
    "{reps} resamples with seed {seed}; the interval is the central {level:.0%} of the "
    "resampled values and P(> 0) the share of resamples above zero."
)
"""The method of `backtest.pipeline.uncertainty` in one sentence (``reps``, ``seed``, ``level``)."""


def bootstrap_method(uncertainty: pd.DataFrame) -> str:
    """Return `BOOTSTRAP_METHOD` filled in from an uncertainty table (empty for an empty one)."""
    if uncertainty.empty:
        return ""
    first = uncertainty.iloc[0]
    return BOOTSTRAP_METHOD.format(
        reps=int(first["reps"]), seed=int(first["seed"]), level=float(first["confidence"])
    )


def uncertainty_blocks(uncertainty: pd.DataFrame) -> list[Block]:
    """Return the bootstrap intervals of excess CAGR and IR, with the method sentence."""
    if uncertainty.empty:
        return []
    level = float(uncertainty["confidence"].iloc[0])
    rows = []
    for name, pair in uncertainty.groupby("strategy", sort=False):
        cagr_row = pair[pair["metric"] == "excess_cagr"].iloc[0]
        ir_row = pair[pair["metric"] == "information_ratio"].iloc[0]
        rows.append(
            (
                str(name),
                format_value("excess_cagr", _num(cagr_row["estimate"])),
                f"{format_value('excess_cagr', _num(cagr_row['low']))} .. "
                f"{format_value('excess_cagr', _num(cagr_row['high']))}",
                format_value("monthly_hit_rate", _num(cagr_row["p_positive"])),
                format_value("information_ratio", _num(ir_row["estimate"])),
                f"{format_value('information_ratio', _num(ir_row['low']))} .. "
                f"{format_value('information_ratio', _num(ir_row['high']))}",
                f"{float(cagr_row['block_length']):.1f}",
            )
        )
    return [
        Table(
            header=(
                "strategy",
                "excess_cagr",
                f"{level:.0%} interval",
                "P(excess CAGR > 0)",
                "information_ratio",
                f"{level:.0%} interval",
                "block (days)",
            ),
            rows=tuple(rows),
            numeric=frozenset(range(1, 7)),
        ),
        Paragraph(text=bootstrap_method(uncertainty)),
    ]


def drawdown_blocks(drawdowns: pd.DataFrame) -> list[Block]:
    """Return the five deepest drawdown periods of each strategy and the baseline, one table."""
    if drawdowns.empty:
        return []
    rows = tuple(
        (
            str(row["strategy"]),
            str(row["rank"]),
            _date(row["peak_date"]),
            _date(row["trough_date"]),
            "not recovered" if pd.isna(row["recovery_date"]) else _date(row["recovery_date"]),
            format_value("max_drawdown", float(row["depth"])),
            str(row["days_to_trough"]),
            "n/a" if pd.isna(row["days_to_recover"]) else str(row["days_to_recover"]),
        )
        for _, row in drawdowns.iterrows()
    )
    return [
        Table(
            header=(
                "strategy",
                "rank",
                "peak",
                "trough",
                "recovery",
                "depth",
                "days to trough",
                "days to recover",
            ),
            rows=rows,
            numeric=frozenset({1, 5, 6, 7}),
        ),
        Paragraph(
            text="Depth is the fall from the peak to the trough (the deepest equals "
            "max_drawdown); days are trading days, peak to trough and trough to recovery "
            "(the first close back at the peak)."
        ),
    ]


def summary_markdown(run: RunTables) -> str:
    """Return ``summary.md``: the window, the metrics, calendar years, periods, uncertainty."""
    metrics = run.metrics
    manifest = run.manifest
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
    blocks: list[Block] = [
        Heading(text=f"Backtest `{manifest['config']['run']['name']}`", level=1),
        Paragraph(text=f"_{manifest['label']}_"),
    ]
    lines = window_lines(manifest)
    if lines:
        blocks.append(Bullets(items=tuple(lines)))
    blocks += [table, Paragraph(text="\n".join(notes))]
    blocks += yearly_blocks(run.yearly)
    periods = period_blocks(run.periods)
    if periods:
        blocks += [Heading(text="Sub-periods", level=2), *periods]
    uncertainty = uncertainty_blocks(run.uncertainty)
    if uncertainty:
        blocks += [Heading(text="Uncertainty of the excess over the baseline", level=2)]
        blocks += uncertainty
    return to_markdown(blocks)
