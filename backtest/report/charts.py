"""Static charts of a run (matplotlib, Agg): PNG bytes for report.html, the README and CI.

Every chart is drawn on a fresh `matplotlib.figure.Figure` with the Agg canvas: no pyplot, no
global state, no display. Inputs are the frames of a run (`backtest.pipeline.result.Result` or
`backtest.pipeline.result.LoadedRun`); nothing here computes a number a metric reports.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from backtest.constants import BASELINE_COLUMN, BUCKETS, TRADING_DAYS_PER_YEAR

__all__ = [
    "bucket_weights_chart",
    "drawdown_chart",
    "equity_chart",
    "monthly_heatmap_chart",
    "overlapping_texts",
    "png_bytes",
    "rolling_excess_chart",
    "rolling_risk_chart",
    "turnover_costs_chart",
]

_BUCKET_COLORS = {"gpu": "#76b900", "asic": "#1f77b4", "edge": "#ff7f0e", "cash": "#d9d9d9"}
_BASELINE_STYLE = {"color": "black", "linewidth": 1.6}
_DPI = 100


def png_bytes(figure: Figure) -> bytes:
    """Render ``figure`` to PNG bytes (Agg)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _figure(height: float = 4.2, width: float = 10.0) -> Figure:
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(
        left=0.07, right=0.98, bottom=0.35 / height, top=1.0 - 0.45 / height, hspace=0.45,
        wspace=0.15,
    )  # fmt: skip
    return figure


def _weekly_min(frame: pd.DataFrame) -> pd.DataFrame:
    """Lowest value of each week (drawdown troughs stay visible when thinned)."""
    if len(frame) <= 600:
        return frame
    week = pd.DatetimeIndex(frame.index).to_period("W")
    low = frame.groupby(week).min()
    low.index = frame.index.to_series().groupby(week).max().to_numpy()
    return low


def _weekly(frame: pd.DataFrame) -> pd.DataFrame:
    """Last value of each week: the same picture as daily points at a fifth of the drawing cost."""
    if len(frame) <= 600:
        return frame
    week = pd.DatetimeIndex(frame.index).to_period("W")
    last = ~pd.Series(week).duplicated(keep="last").to_numpy()
    last[0] = True
    return frame.iloc[last]


def _label(name: str, baseline_ticker: str) -> str:
    return f"{baseline_ticker} buy & hold (baseline)" if name == BASELINE_COLUMN else name


def equity_chart(
    equity: pd.DataFrame, reference_equity: pd.DataFrame, *, baseline_ticker: str = "NVDA"
) -> Figure:
    """Growth of the initial cash per strategy, the baseline and the references (log scale).

    Parameters
    ----------
    equity : DataFrame, shape (n_days, n_strategies + 1)
        Portfolio values, the ``baseline`` column included.
    reference_equity : DataFrame, shape (n_days, n_references)
    """
    figure = _figure()
    axes = figure.add_subplot()
    equity, reference_equity = _weekly(equity), _weekly(reference_equity)
    for name in equity.columns:
        style = _BASELINE_STYLE if name == BASELINE_COLUMN else {"linewidth": 1.2}
        axes.plot(equity.index, equity[name], label=_label(str(name), baseline_ticker), **style)
    greys = ("#7f7f7f", "#a0a0a0", "#5a5a5a", "#c0c0c0")
    for i, name in enumerate(reference_equity.columns):
        axes.plot(
            reference_equity.index, reference_equity[name], label=str(name), linestyle="--",
            linewidth=0.9, color=greys[i % len(greys)],
        )  # fmt: skip
    axes.set_yscale("log")
    axes.set_title(f"Portfolio value vs {baseline_ticker} (log scale)")
    axes.set_ylabel("value")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8, ncol=2, loc="upper left")
    return figure


def drawdown_chart(equity: pd.DataFrame, *, baseline_ticker: str = "NVDA") -> Figure:
    """Drawdown from the running peak (the initial cash counts as the first peak)."""
    figure = _figure(3.6)
    axes = figure.add_subplot()
    peaks = np.maximum.accumulate(equity.to_numpy(dtype=float), axis=0)
    drawdown = _weekly_min(
        pd.DataFrame(equity.to_numpy() / peaks - 1.0, index=equity.index, columns=equity.columns)
    )
    for name in drawdown.columns:
        style = _BASELINE_STYLE if name == BASELINE_COLUMN else {"linewidth": 1.0}
        axes.plot(
            drawdown.index, 100.0 * drawdown[name], label=_label(str(name), baseline_ticker),
            **style,
        )  # fmt: skip
    axes.set_title("Drawdown (%)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8, ncol=2, loc="lower left")
    return figure


def _bucket_weights(holdings: pd.DataFrame, buckets: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """Per strategy, the daily weight of each bucket: shape (n_days, 4), ``other`` last."""
    layers = [*BUCKETS, "other"]
    strategy_codes, strategy_names = pd.factorize(holdings["strategy"])
    date_codes, dates = pd.factorize(holdings["date"], sort=True)
    ticker_codes, tickers = pd.factorize(holdings["ticker"])
    bucket_of = np.array([layers.index(buckets.get(str(t), "other")) for t in tickers], dtype=int)
    weights = holdings["weight"].to_numpy(dtype=float)
    out: dict[str, pd.DataFrame] = {}
    for s, name in enumerate(strategy_names):
        mine = strategy_codes == s
        table = np.zeros((len(dates), len(layers)))
        np.add.at(table, (date_codes[mine], bucket_of[ticker_codes[mine]]), weights[mine])
        out[str(name)] = pd.DataFrame(table, index=pd.DatetimeIndex(dates), columns=layers)
    return out


def bucket_weights_chart(
    holdings: pd.DataFrame,
    buckets: Mapping[str, str],
    share: pd.Series,
    strategies: list[str],
) -> Figure:
    """Drifted end-of-day weight per bucket (stacked areas) with the inference share overlaid.

    Parameters
    ----------
    holdings : DataFrame (long)
        ``strategy, date, ticker, weight``.
    buckets : Mapping[str, str]
        ticker -> bucket; a ticker outside ``buckets`` is shown as ``other``.
    share : Series
        Inference share known at each event, index = effective dates.
    strategies : list of str
        One panel per strategy, in this order.
    """
    n = max(1, len(strategies))
    cols = 2 if n > 1 else 1
    rows = int(np.ceil(n / cols))
    height = 2.6 * rows + 0.9
    figure = _figure(height)
    figure.subplots_adjust(top=1.0 - 0.85 / height)  # room for the title above the panel titles
    by_bucket = _bucket_weights(holdings, buckets)
    for i, name in enumerate(strategies):
        axes = figure.add_subplot(rows, cols, i + 1)
        groups = _weekly(by_bucket[name])
        layers = [b for b in groups.columns if b in BUCKETS or groups[b].any()]
        stacked = [groups[b].to_numpy() for b in layers]
        cash = np.clip(1.0 - groups.sum(axis=1).to_numpy(), 0.0, None)
        axes.stackplot(
            groups.index, *stacked, cash, labels=[*layers, "cash"],
            colors=[_BUCKET_COLORS.get(b, "#9467bd") for b in [*layers, "cash"]], alpha=0.85,
        )  # fmt: skip
        if len(share):
            axes.step(
                share.index, share.to_numpy(), where="post", color="black", linewidth=1.4,
                label="inference share",
            )  # fmt: skip
        axes.set_ylim(0.0, 1.0)
        axes.set_xlim(groups.index[0], groups.index[-1])
        axes.set_title(name, fontsize=10)
        if i == 0:
            axes.legend(fontsize=7, loc="upper left", ncol=3)
    figure.suptitle(
        "Bucket weights (drifted, end of day, weekly) and the inference share",
        y=1.0 - 0.2 / height,
        va="top",
    )
    return figure


def rolling_excess_chart(
    returns: pd.DataFrame,
    *,
    window_days: int = TRADING_DAYS_PER_YEAR,
    baseline_ticker: str = "NVDA",
) -> Figure:
    """Return the rolling ``window_days`` compounded return minus the baseline's, in percent."""
    figure = _figure(3.6)
    axes = figure.add_subplot()
    log_growth = pd.DataFrame(np.log1p(returns.to_numpy(dtype=float)), index=returns.index)
    log_growth.columns = returns.columns
    trailing = _weekly(log_growth.rolling(window_days).sum().apply(np.expm1))
    for name in returns.columns:
        if name == BASELINE_COLUMN:
            continue
        axes.plot(
            trailing.index, 100.0 * (trailing[name] - trailing[BASELINE_COLUMN]),
            label=str(name), linewidth=1.0,
        )  # fmt: skip
    axes.axhline(0.0, color="black", linewidth=0.8)
    axes.set_title(
        f"Rolling 12-month return minus {baseline_ticker} buy & hold (percentage points)"
    )
    axes.grid(True, alpha=0.3)
    if len(returns.columns) > 1:
        axes.legend(fontsize=8, ncol=2, loc="upper left")
    return figure


def turnover_costs_chart(turnover: pd.DataFrame, initial_cash: float) -> Figure:
    """One-way turnover per event (top) and cumulative fees as % of the initial cash (bottom).

    Parameters
    ----------
    turnover : DataFrame (long)
        ``strategy, effective_date, turnover, fees, skipped``.
    """
    figure = _figure(5.6)
    figure.subplots_adjust(hspace=0.6)
    top, bottom = figure.subplots(2, 1, sharex=True)
    for name, events in turnover.groupby("strategy", sort=False):
        dates = pd.DatetimeIndex(events["effective_date"])
        top.plot(
            dates[1:], 100.0 * events["turnover"].iloc[1:], marker=".", linewidth=0.6,
            label=str(name),
        )  # fmt: skip
        paid = 100.0 * events["fees"].cumsum() / initial_cash
        bottom.step(dates, paid, where="post", label=str(name))
        skipped = events["skipped"].to_numpy(dtype=bool)
        if skipped.any():
            top.plot(dates[skipped], np.zeros(skipped.sum()), "x", color="grey")
    top.set_ylim(bottom=0.0)
    bottom.set_ylim(bottom=0.0)
    top.set_title("One-way turnover per rebalance after the first investment (%; x = skipped)")
    top.grid(True, alpha=0.3)
    top.legend(fontsize=8, ncol=2, loc="upper left")
    bottom.set_title("Cumulative fees (% of initial cash)")
    bottom.grid(True, alpha=0.3)
    return figure


def monthly_heatmap_chart(monthly: pd.DataFrame, series: list[str]) -> Figure:
    """Month x year returns of each series as a heatmap, the year's total in the last column.

    Parameters
    ----------
    monthly : DataFrame
        `backtest.report.calendar.monthly_table`: ``strategy, year, Jan .. Dec, total``.
    series : list of str
        One panel per series, in this order. Cells show the return in whole percent; colours
        saturate at +-25 %.
    """
    months = [c for c in monthly.columns if c not in ("strategy", "year")]
    n = max(1, len(series))
    cols = 2 if n > 1 else 1
    rows = int(np.ceil(n / cols))
    years = sorted(set(monthly["year"]))
    panel = 0.2 * len(years) + 0.9
    height = panel * rows + 0.9
    figure = _figure(height)
    figure.subplots_adjust(top=1.0 - 0.8 / height, left=0.06, hspace=0.9 / panel, wspace=0.18)
    for i, name in enumerate(series):
        axes = figure.add_subplot(rows, cols, i + 1)
        grid = monthly[monthly["strategy"] == name].set_index("year").reindex(years)[months]
        values = 100.0 * grid.to_numpy(dtype=float)
        axes.imshow(values, cmap="RdYlGn", vmin=-25.0, vmax=25.0, aspect="auto")
        for (r, c), value in np.ndenumerate(values):
            if np.isfinite(value):
                ink = "white" if abs(value) >= 17.0 else "black"  # readable on the dark ends
                axes.text(c, r, f"{value:.0f}", ha="center", va="center", fontsize=5.5, color=ink)
        axes.set_xticks(range(len(months)), [m[0] if m != "total" else "yr" for m in months])
        axes.set_yticks(range(len(years)), [str(y) for y in years])
        axes.tick_params(labelsize=6.5, length=0)
        axes.axvline(len(months) - 1.5, color="black", linewidth=1.0)
        axes.set_title(name, fontsize=9)
    figure.suptitle(
        "Monthly returns (%), the year's total in the last column", y=1.0 - 0.2 / height, va="top"
    )
    return figure


def rolling_risk_chart(
    rolling: pd.DataFrame, *, window_days: int, baseline_ticker: str = "NVDA"
) -> Figure:
    """Draw rolling volatility, beta, tracking error and information ratio, one panel each.

    Parameters
    ----------
    rolling : DataFrame (long)
        `backtest.report.risk.rolling_risk`: ``date, strategy, volatility, beta,
        tracking_error, information_ratio``.
    window_days : int
        The window the statistics were computed over (for the titles).
    """
    figure = _figure(9.0)
    figure.subplots_adjust(hspace=0.5)
    panels = figure.subplots(4, 1, sharex=True)
    span = f"{window_days}-day" if window_days != TRADING_DAYS_PER_YEAR else "12-month"
    titles = {
        "volatility": f"Rolling {span} volatility (%, annualised)",
        "beta": f"Rolling {span} beta to {baseline_ticker}",
        "tracking_error": f"Rolling {span} tracking error vs {baseline_ticker} (%, annualised)",
        "information_ratio": f"Rolling {span} information ratio vs {baseline_ticker}",
    }
    scale = {"volatility": 100.0, "beta": 1.0, "tracking_error": 100.0, "information_ratio": 1.0}
    for axes, (column, title) in zip(panels, titles.items(), strict=True):
        wide = _weekly(rolling.pivot(index="date", columns="strategy", values=column))
        for name in dict.fromkeys(rolling["strategy"]):
            if wide[name].isna().all():
                continue
            style = _BASELINE_STYLE if name == BASELINE_COLUMN else {"linewidth": 1.0}
            axes.plot(
                wide.index, scale[column] * wide[name], label=_label(str(name), baseline_ticker),
                **style,
            )  # fmt: skip
        axes.set_title(title, fontsize=10)
        axes.grid(True, alpha=0.3)
        if column in ("beta", "information_ratio"):
            axes.axhline(1.0 if column == "beta" else 0.0, color="grey", linewidth=0.8)
    if not panels[0].lines:
        for axes in panels:
            axes.text(
                0.5, 0.5, f"the run is shorter than the {span} window", ha="center",
                va="center", transform=axes.transAxes, fontsize=9, color="#555",
            )  # fmt: skip
        return figure
    low, high = panels[0].get_ylim()
    panels[0].set_ylim(low, high + 0.45 * (high - low))  # room for the legend above the lines
    panels[0].legend(fontsize=7, ncol=4, loc="upper left")
    return figure


def _drawn_texts(figure: Figure) -> list[Text]:
    """Return the texts a draw of ``figure`` puts on the canvas (not ticks outside the view)."""
    texts: list[Text] = [*figure.texts]
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        texts += [axes.title]
        texts += [axes.xaxis.label, axes.yaxis.label, *axes.texts]
        legend = axes.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = 1e-9 * max(abs(low), abs(high), 1.0)
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if low - span <= tick.get_loc() <= high + span:
                    texts += [tick.label1, tick.label2]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def overlapping_texts(figure: Figure, *, tolerance_px: float = 1.0) -> list[tuple[str, str]]:
    """Return the pairs of drawn texts of ``figure`` whose boxes overlap (Agg renderer).

    Every non-empty visible text a draw puts on the canvas (figure texts and titles, axes
    titles and labels, tick labels inside the view, legend entries, annotations) is measured by
    the Agg renderer at the PNG resolution; two boxes overlap when they intersect by more than
    ``tolerance_px`` pixels both ways. Returns their strings.
    """
    FigureCanvasAgg(figure)
    figure.set_dpi(_DPI)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    figure.draw(renderer)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _drawn_texts(figure)]
    pairs = []
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1 :]:
            wide = min(a.x1, b.x1) - max(a.x0, b.x0)
            high = min(a.y1, b.y1) - max(a.y0, b.y0)
            if wide > tolerance_px and high > tolerance_px:
                pairs.append((first, second))
    return pairs
