"""``report.html``: one self-contained page (inline CSS, charts as base64 PNG, no script, no CDN).

The page opens offline: every chart is a ``data:image/png;base64`` image drawn by
`backtest.report.charts`, the metrics table comes from `backtest.report.tables.format_metrics`,
the analysis tables (window, calendar years, sub-periods, uncertainty, drawdowns) are the
blocks of `backtest.report.tables` rendered as HTML, and nothing is fetched from the network.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Protocol

import pandas as pd
from matplotlib.figure import Figure

from backtest.constants import BASELINE_COLUMN
from backtest.report import attribution, charts
from backtest.report.markup import html_fragment
from backtest.report.tables import (
    RunTables,
    drawdown_blocks,
    format_metrics,
    period_blocks,
    uncertainty_blocks,
    window_lines,
    yearly_blocks,
)

__all__ = ["CHART_NAMES", "RunView", "draw_figures", "render_charts", "render_html"]

CHART_NAMES = (
    "equity",
    "drawdown",
    "bucket_weights",
    "rolling_excess",
    "rolling_risk",
    "monthly_heatmap",
    "turnover_costs",
    "attribution",
    "turnover_causes",
)
"""Chart files (``charts/<name>.png``) in page order."""

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
h3 { font-size: 1em; margin: 1.2em 0 .3em; }
.banner { padding: .6em 1em; border-radius: 4px; font-weight: bold; margin: .5em 0; }
.synthetic { background: #fde2e1; color: #8a1c14; border: 1px solid #e0a8a3; }
.lookahead { background: #fff3cd; color: #7a5b00; border: 1px solid #e6d08a; }
table { border-collapse: collapse; font-size: .85em; }
th, td { padding: .25em .6em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.baseline td { font-weight: bold; } tr.reference td { color: #666; font-style: italic; }
td.num { text-align: right; } td { white-space: nowrap; }
img { max-width: 100%; height: auto; display: block; margin: .5em 0; }
.meta { color: #555; font-size: .85em; } code { font-size: .95em; }
"""


class RunView(RunTables, Protocol):
    """What the report draws: the frames of a run (a `Result` or a loaded run folder alike).

    Attributes
    ----------
    equity, returns : DataFrame, shape (n_days, n_strategies + 1)
    reference_equity : DataFrame, shape (n_days, n_references)
    holdings : DataFrame (long) ``strategy, date, ticker, weight``
    turnover : DataFrame (long) ``strategy, effective_date, turnover, fees, skipped``
    share : Series, inference share per effective date
    metrics : DataFrame, index ``strategy``
    monthly, rolling : DataFrame (long), the calendar and rolling-risk tables
    manifest : dict
    and the tables of `backtest.report.tables.RunTables`.
    attribution, attribution_summary, turnover_causes_summary : DataFrame (long)
        The run's ``attribution.csv``, ``attribution_summary.csv``,
        ``turnover_causes_summary.csv``.
    """

    @property
    def equity(self) -> pd.DataFrame:
        """Portfolio value per strategy and the baseline."""
        ...

    @property
    def returns(self) -> pd.DataFrame:
        """Daily returns of ``equity``."""
        ...

    @property
    def reference_equity(self) -> pd.DataFrame:
        """Buy-and-hold value of each reference ETF."""
        ...

    @property
    def holdings(self) -> pd.DataFrame:
        """End-of-day drifted weights, long."""
        ...

    @property
    def turnover(self) -> pd.DataFrame:
        """Turnover and fees per event, long."""
        ...

    @property
    def share(self) -> pd.Series:
        """The inference share per effective date."""
        ...

    @property
    def monthly(self) -> pd.DataFrame:
        """Month x year returns (`backtest.report.calendar.monthly_table`)."""
        ...

    @property
    def rolling(self) -> pd.DataFrame:
        """Rolling risk (`backtest.report.risk.rolling_risk`)."""
        ...

    @property
    def attribution(self) -> pd.DataFrame:
        """Brinson-Fachler effects per strategy, period and segment."""
        ...

    @property
    def attribution_summary(self) -> pd.DataFrame:
        """The effects linked per year and over the run."""
        ...

    @property
    def turnover_causes_summary(self) -> pd.DataFrame:
        """Turnover and fees by rule per year and over the run."""
        ...


def draw_figures(run: RunView) -> dict[str, Figure]:
    """Draw every chart of ``run`` (the synthetic label included); name -> figure."""
    config = run.manifest["config"]
    baseline = str(config.get("baseline", "NVDA"))
    strategies = [str(c) for c in run.equity.columns if c != BASELINE_COLUMN]
    figures = {
        "equity": charts.equity_chart(run.equity, run.reference_equity, baseline_ticker=baseline),
        "drawdown": charts.drawdown_chart(run.equity, baseline_ticker=baseline),
        "bucket_weights": charts.bucket_weights_chart(
            run.holdings, run.manifest.get("buckets", {}), run.share, strategies
        ),
        "rolling_excess": charts.rolling_excess_chart(run.returns, baseline_ticker=baseline),
        "rolling_risk": charts.rolling_risk_chart(
            run.rolling,
            window_days=int(config.get("analysis", {}).get("rolling_days", 252)),
            baseline_ticker=baseline,
        ),
        "monthly_heatmap": charts.monthly_heatmap_chart(
            run.monthly, [*strategies, BASELINE_COLUMN]
        ),
        "turnover_costs": charts.turnover_costs_chart(
            run.turnover, float(config["run"]["initial_cash"])
        ),
        "attribution": attribution.attribution_chart(
            run.attribution_summary, [str(c) for c in run.equity.columns]
        ),
        "turnover_causes": attribution.turnover_causes_chart(
            run.turnover_causes_summary, strategies
        ),
    }
    if run.manifest.get("synthetic"):
        for figure in figures.values():
            _add_footer(figure, str(run.manifest["label"]))
    return figures


_FOOTER_INCHES = 0.22


def _add_footer(figure: Figure, label: str) -> None:
    """Grow ``figure`` by a strip at the bottom and write ``label`` in it (below the ticks)."""
    height = figure.get_figheight()
    grown = height + _FOOTER_INCHES
    params = figure.subplotpars
    figure.set_figheight(grown)
    figure.subplots_adjust(
        bottom=(params.bottom * height + _FOOTER_INCHES) / grown,
        top=(params.top * height + _FOOTER_INCHES) / grown,
    )
    for text in figure.texts:  # the suptitle keeps its distance from the top
        x, y = text.get_position()
        text.set_position((x, (y * height + _FOOTER_INCHES) / grown))
    figure.text(
        0.995, 0.08 * _FOOTER_INCHES / grown, label, ha="right", va="bottom", fontsize=8,
        color="#8a1c14",
    )  # fmt: skip


def render_charts(run: RunView) -> dict[str, bytes]:
    """Draw every chart of ``run``; returns chart name -> PNG bytes, in `CHART_NAMES` order."""
    figures = draw_figures(run)
    return {name: charts.png_bytes(figures[name]) for name in CHART_NAMES}


_TABLES = (
    ("Performance", ("total_return", "cagr", "annual_volatility", "sharpe_ratio",
                     "sortino_ratio", "max_drawdown", "calmar_ratio")),
    ("Against the baseline", ("excess_cagr", "tracking_error", "information_ratio", "beta",
                              "alpha", "correlation", "up_capture", "down_capture",
                              "monthly_hit_rate")),
    ("Trading", ("annual_turnover", "fees_paid")),
)  # fmt: skip
"""Metric columns per table of the page (every column of ``metrics.csv`` appears once)."""


def _metrics_table(metrics: pd.DataFrame, columns: tuple[str, ...]) -> str:
    shown = format_metrics(metrics, tuple(c for c in columns if c in metrics.columns))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["strategy", *shown.columns])
    body = []
    for name, row in zip(shown.index, shown.itertuples(index=False), strict=True):
        kind = (
            "baseline"
            if name == BASELINE_COLUMN
            else "reference"
            if str(name).startswith("ref_")
            else "strategy"
        )
        cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        body.append(f'<tr class="{kind}"><td>{html.escape(str(name))}</td>{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_CAPTIONS = {
    "equity": "Equity vs the baseline",
    "drawdown": "Drawdowns",
    "bucket_weights": "Bucket weights over time and the inference share",
    "rolling_excess": "Rolling 12-month excess return vs the baseline",
    "rolling_risk": "Rolling risk: volatility, beta, tracking error, information ratio",
    "monthly_heatmap": "Monthly returns",
    "turnover_costs": "Turnover and costs",
    "attribution": "Attribution by bucket per year",
    "turnover_causes": "Turnover by rule per year",
}
_AFTER_CHART = {"drawdown": "drawdowns", "equity": "yearly"}
"""Tables placed right after a chart: its section id."""


def render_html(run: RunView, pngs: Mapping[str, bytes]) -> str:
    """Return the whole page as one string (UTF-8, no external reference)."""
    manifest = run.manifest
    config = manifest["config"]
    name = html.escape(str(config["run"]["name"]))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Backtest {name}</title><style>{_CSS}</style></head><body>",
        f"<h1>Backtest <code>{name}</code></h1>",
    ]
    if manifest.get("synthetic"):
        parts.append(f'<div class="banner synthetic">{html.escape(str(manifest["label"]))}</div>')
    if manifest.get("look_ahead"):
        parts.append(
            '<div class="banner lookahead">hindsight signal: these results contain look-ahead</div>'
        )
    skipped = int(run.turnover["skipped"].sum()) if len(run.turnover) else 0
    meta = [
        f"data: {manifest.get('data_source')} (sha256 {str(manifest.get('data_sha256'))[:12]})",
        f"window: {run.equity.index[0].date()} .. {run.equity.index[-1].date()} "
        f"({len(run.equity)} trading days)",
        *window_lines(manifest),
        f"costs: {config['costs']['fees_bps']} bps fees, {config['costs']['slippage_bps']} bps "
        "slippage",
        f"events skipped by the rebalance band: {skipped}",
        f"created {manifest.get('created_at')}, commit {manifest.get('git_commit') or 'n/a'}",
    ]
    parts.append('<p class="meta">' + "<br>".join(html.escape(m) for m in meta) + "</p>")
    parts.append("<h2>Metrics</h2>")
    listed = {c for _, columns in _TABLES for c in columns}
    extra = tuple(c for c in run.metrics.columns if c not in listed)
    for title, columns in (*_TABLES, *((("Other", extra),) if extra else ())):
        parts += [f"<h3>{title}</h3>", _metrics_table(run.metrics, columns)]
    parts.append(
        '<p class="meta">Fractions in percent; ratios annualised with 252 days; relative metrics '
        "against the baseline. Rows <i>ref_*</i> are buy-and-hold references, not strategies. "
        "A relative metric of the baseline against itself is n/a. Definitions: docs/metrics.md."
        "</p>"
    )
    sections = {
        "uncertainty": ("Uncertainty of the excess over the baseline",
                        uncertainty_blocks(run.uncertainty)),
        "periods": ("Sub-periods", period_blocks(run.periods)),
        "yearly": ("Calendar years", yearly_blocks(run.yearly)),
        "drawdowns": ("The five deepest drawdowns", drawdown_blocks(run.drawdowns)),
    }  # fmt: skip
    for key in ("uncertainty", "periods"):
        title, blocks = sections[key]
        if blocks:
            parts += [f'<h2 id="{key}">{title}</h2>', html_fragment(blocks)]
    parts.append(
        html_fragment(
            attribution.explanation_blocks(
                run.attribution_summary, run.attribution, run.turnover_causes_summary
            )
        )
    )
    for chart in CHART_NAMES:
        encoded = base64.b64encode(pngs[chart]).decode("ascii")
        parts.append(f"<h2>{_CAPTIONS[chart]}</h2>")
        parts.append(
            f'<img id="chart-{chart}" alt="{_CAPTIONS[chart]}" '
            f'src="data:image/png;base64,{encoded}">'
        )
        if chart in _AFTER_CHART:
            title, blocks = sections[_AFTER_CHART[chart]]
            if blocks:
                key = _AFTER_CHART[chart]
                parts += [f'<h2 id="{key}">{title}</h2>', html_fragment(blocks)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
