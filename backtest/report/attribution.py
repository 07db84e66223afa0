"""The report's "why": linked attribution per year (chart, sentences, table) and turnover by rule.

Inputs are the frames of a run's ``attribution.csv``, ``attribution_summary.csv`` and
``turnover_causes_summary.csv`` (`backtest.pipeline.attribution`,
`backtest.pipeline.turnover_causes`); nothing here computes an effect, it only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from backtest.constants import ATTRIBUTION_EFFECTS
from backtest.report.formats import DISPLAY, format_delta, format_value
from backtest.report.markup import Block, Bullets, Heading, Paragraph, Table

__all__ = [
    "attribution_chart",
    "attribution_sentence",
    "explanation_blocks",
    "turnover_causes_chart",
]

_EFFECT_COLORS = {
    "allocation": "#1f77b4",
    "selection": "#2ca02c",
    "interaction": "#9467bd",
    "cost": "#d62728",
}
_CAUSE_COLORS = ("#8c8c8c", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def _cause_order(causes: pd.Series) -> list[str]:
    """Causes in reading order: initial, drift, scheme, the constraints, membership."""
    rank = {"initial": 0, "drift": 1, "scheme": 2, "membership": 4}
    found = list(dict.fromkeys(str(c) for c in causes))
    return sorted(found, key=lambda c: rank.get(c, 3))


def _num(value: Any) -> float:
    """Return a table cell as a float (cells of a frame are typed as any scalar)."""
    return float(value)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``frame`` as dicts of column -> value."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _points(value: float) -> str:
    return format_delta("total_return", value, DISPLAY)


def _stacked_bars(
    axes: object, x: np.ndarray, parts: dict[str, np.ndarray], colors: dict[str, str]
) -> None:
    """Stack positive parts upwards and negative ones downwards from 0."""
    up = np.zeros(len(x))
    down = np.zeros(len(x))
    for name, values in parts.items():
        bottom = np.where(values >= 0, up, down)
        axes.bar(x, values, bottom=bottom, width=0.7, color=colors[name], label=name)  # type: ignore[attr-defined]
        up += np.where(values >= 0, values, 0.0)
        down += np.where(values < 0, values, 0.0)


def _legend(figure: Figure) -> None:
    """One legend for every panel, below them (each label once)."""
    handles: dict[str, Any] = {}
    for axes in figure.axes:
        for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    figure.legend(
        list(handles.values()), list(handles), loc="lower center", ncol=len(handles), fontsize=8,
        frameon=False,
    )  # fmt: skip


def _grid(n: int, height_per_row: float) -> tuple[Figure, int, int]:
    cols = 2 if n > 1 else 1
    rows = int(np.ceil(max(n, 1) / cols))
    height = height_per_row * rows + 1.1  # room for the suptitle above the panel titles
    figure = Figure(figsize=(10.0, height))
    figure.subplots_adjust(
        left=0.07, right=0.98, bottom=0.75 / height, top=1.0 - 0.9 / height, hspace=0.55,
        wspace=0.18,
    )  # fmt: skip
    return figure, rows, cols


def attribution_chart(summary: pd.DataFrame, strategies: Sequence[str]) -> Figure:
    """Linked effects per calendar year (stacked bars, pp) and the year's active return (dots).

    Parameters
    ----------
    summary : DataFrame
        ``attribution_summary.csv``: rows of segment ``total`` are drawn, one panel per strategy.
    strategies : sequence of str
        Panels, in this order (strategies absent from ``summary`` are skipped).
    """
    totals = summary[(summary["segment"] == "total") & (summary["year"] != "all")]
    shown = [s for s in strategies if s in set(totals["strategy"])]
    figure, rows, cols = _grid(len(shown), 2.6)
    reference = str(totals["reference"].iloc[0]) if len(totals) else "reference"
    for i, name in enumerate(shown):
        axes = figure.add_subplot(rows, cols, i + 1)
        mine = totals[totals["strategy"] == name]
        x = np.arange(len(mine))
        parts = {e: 100.0 * mine[e].to_numpy(dtype=float) for e in ATTRIBUTION_EFFECTS}
        _stacked_bars(axes, x, parts, _EFFECT_COLORS)
        axes.plot(x, 100.0 * mine["active_return"].to_numpy(dtype=float), "o", color="black",
                  markersize=3, label="active return")  # fmt: skip
        axes.axhline(0.0, color="black", linewidth=0.6)
        axes.set_xticks(x, [y[2:] for y in mine["year"]], fontsize=7)
        axes.set_title(name, fontsize=10)
        axes.grid(True, axis="y", alpha=0.3)
    _legend(figure)
    figure.suptitle(
        f"Linked attribution against {reference} per calendar year (Carino; pp of return)",
        y=1.0 - 0.25 / figure.get_figheight(),
    )
    return figure


def turnover_causes_chart(causes_summary: pd.DataFrame, strategies: Sequence[str]) -> Figure:
    """One-way turnover per calendar year split by rule (stacked bars, % of the portfolio)."""
    years = causes_summary[causes_summary["year"] != "all"]
    shown = [s for s in strategies if s in set(years["strategy"])]
    figure, rows, cols = _grid(len(shown), 2.4)
    all_causes = _cause_order(years["cause"])
    colors = {c: _CAUSE_COLORS[i % len(_CAUSE_COLORS)] for i, c in enumerate(all_causes)}
    for i, name in enumerate(shown):
        axes = figure.add_subplot(rows, cols, i + 1)
        wide = years[years["strategy"] == name].pivot(
            index="year", columns="cause", values="turnover"
        )
        wide = wide[[c for c in all_causes if c in wide.columns]]
        x = np.arange(len(wide))
        _stacked_bars(
            axes, x, {c: 100.0 * wide[c].to_numpy(dtype=float) for c in wide.columns}, colors
        )
        axes.axhline(0.0, color="black", linewidth=0.6)
        axes.set_xticks(x, [str(y)[2:] for y in wide.index], fontsize=7)
        axes.set_title(name, fontsize=10)
        axes.grid(True, axis="y", alpha=0.3)
    _legend(figure)
    figure.suptitle(
        "One-way turnover per calendar year by rule (%)", y=1.0 - 0.25 / figure.get_figheight()
    )
    return figure


def attribution_sentence(name: str, summary: pd.DataFrame, attribution: pd.DataFrame) -> str:
    """Say where ``name``'s active return over the run came from, in one sentence.

    Uses the whole-run (``all``) linked effects of ``summary`` and, for the effect that
    contributed most, the segment that carried it and (allocation) the average active weight
    of that segment over the periods in ``attribution``.
    """
    whole = summary[(summary["strategy"] == name) & (summary["year"] == "all")].set_index("segment")
    total: dict[str, Any] = {str(k): v for k, v in whole.loc["total"].to_dict().items()}
    reference = str(total["reference"])
    active = _num(total["active_return"])
    verb = "beat" if active > 0 else "trailed" if active < 0 else "matched"
    head = (
        f"`{name}` {verb} `{reference}` by {_points(abs(active)).lstrip('+')} over the run "
        f"({format_value('total_return', _num(total['strategy_return']))} vs "
        f"{format_value('total_return', _num(total['reference_return']))} compounded)"
    )
    effects = {e: _num(total[e]) for e in ATTRIBUTION_EFFECTS}
    main = max(effects, key=lambda e: abs(effects[e]))
    segments = whole.drop(index="total")
    where = ""
    if main != "cost" and len(segments):
        seg = str(segments[main].abs().idxmax())
        where = f" (mostly `{seg}`: {_points(_num(segments.at[seg, main]))}"
        if main == "allocation":
            rows = attribution[
                (attribution["strategy"] == name)
                & (attribution["segment"] == seg)
                & (attribution["period"] > 0)
            ]
            tilt = float((rows["weight"] - rows["reference_weight"]).mean()) if len(rows) else 0.0
            side = "over" if tilt > 0 else "under"
            where += f", {abs(100.0 * tilt):.1f} pp {side}weight on average"
        where += ")"
    names = {"cost": "trading costs"}
    listed = ", ".join(
        f"{names.get(e, e)} {_points(v)}{where if e == main else ''}" for e, v in effects.items()
    )
    return f"{head}: {listed}."


def explanation_blocks(
    summary: pd.DataFrame, attribution: pd.DataFrame, causes_summary: pd.DataFrame
) -> list[Block]:
    """Return the report's "why": a sentence per strategy, the linked table, turnover by rule."""
    blocks: list[Block] = []
    if len(summary):
        totals = summary[(summary["year"] == "all") & (summary["segment"] == "total")]
        reference = str(totals["reference"].iloc[0])
        blocks += [
            Heading(text=f"Where the active return came from (against `{reference}`)", level=2),
            Bullets(
                items=tuple(
                    attribution_sentence(str(n), summary, attribution) for n in totals["strategy"]
                )
            ),
            Table(
                header=(
                    "strategy",
                    "strategy return",
                    f"{reference} return",
                    "active",
                    *ATTRIBUTION_EFFECTS,
                ),
                rows=tuple(
                    (
                        str(r["strategy"]),
                        format_value("total_return", _num(r["strategy_return"])),
                        format_value("total_return", _num(r["reference_return"])),
                        _points(_num(r["active_return"])),
                        *(_points(_num(r[e])) for e in ATTRIBUTION_EFFECTS),
                    )
                    for r in _rows(totals)
                ),
                numeric=frozenset(range(1, 4 + len(ATTRIBUTION_EFFECTS))),
            ),
            Paragraph(
                text="Brinson-Fachler by bucket (and cash) per rebalance period, linked over the "
                "run with Carino's method, so the effects add up to the active return; "
                "per period in `attribution.csv`, per year in `attribution_summary.csv`."
            ),
        ]
    if len(causes_summary):
        whole = causes_summary[causes_summary["year"] == "all"]
        causes = _cause_order(whole["cause"])
        wide = whole.pivot(index="strategy", columns="cause", values="per_year")
        order = list(dict.fromkeys(whole["strategy"]))
        blocks += [
            Heading(text="Turnover by rule (one-way, a year)", level=2),
            Table(
                header=("strategy", "annual turnover", *causes),
                rows=tuple(
                    (
                        name,
                        format_value("annual_turnover", _num(wide.loc[name].sum())),
                        *(
                            ""
                            if pd.isna(_num(wide.at[name, c]))
                            else format_value("annual_turnover", _num(wide.at[name, c]))
                            for c in causes
                        ),
                    )
                    for name in order
                ),
                numeric=frozenset(range(1, 2 + len(causes))),
            ),
            Paragraph(
                text="Each trade split by cause: `drift` trades back to the previous target, "
                "`scheme` is the scheme's own change (signal and prices), each constraint the "
                "change it adds, `membership` listings and exits, `initial` the first "
                "investment; per event in `turnover_causes.csv`, per year in "
                "`turnover_causes_summary.csv`."
            ),
        ]
    return blocks
