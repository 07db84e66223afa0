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

from backtest.constants import BASELINE_COLUMN, BUCKETS, TRADING_DAYS_PER_YEAR

__all__ = [
    "bucket_weights_chart",
    "drawdown_chart",
    "equity_chart",
    "png_bytes",
    "rolling_excess_chart",
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
    figure = _figure(2.6 * rows + 0.6)
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
        y=1.0 - 0.2 / (2.6 * rows + 0.6),
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
    figure = _figure(5.0)
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
    top.set_title("One-way turnover per rebalance after the first investment (%; x = skipped)")
    top.grid(True, alpha=0.3)
    top.legend(fontsize=8, ncol=2, loc="upper left")
    bottom.set_title("Cumulative fees (% of initial cash)")
    bottom.grid(True, alpha=0.3)
    return figure
