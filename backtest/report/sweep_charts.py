"""Static charts of a sweep (matplotlib, Agg): the metric heatmap and the excess-CAGR histogram.

Like `backtest.report.charts`, each chart is drawn on a fresh `matplotlib.figure.Figure` (no
pyplot, no global state) from plain frames and arrays; `backtest.report.charts.png_bytes`
renders it. Nothing here knows the sweep's types or computes a number the sweep reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["excess_cagr_chart", "heatmap_chart"]


def heatmap_chart(grid: pd.DataFrame, *, x: str, y: str, metric: str) -> Figure:
    """Draw a heatmap of ``grid`` (index: values of ``y``, columns: values of ``x``).

    Parameters
    ----------
    grid : DataFrame, shape (n_y, n_x)
        The value of ``metric`` for each pair of parameter values (e.g. a median over the other
        parameters).
    x, y : str
        Parameter names (axis labels).
    metric : str
        Colour-bar label.
    """
    figure = Figure(figsize=(8, 6))
    ax = figure.add_subplot()
    image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    for axis, values in ((ax.xaxis, grid.columns), (ax.yaxis, grid.index)):
        every = max(1, -(-len(values) // 25))  # at most 25 labels per axis
        ticks = range(0, len(values), every)
        axis.set_ticks(list(ticks), [f"{values[i]:.3g}" for i in ticks])
    ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"median {metric} over the other parameters")
    figure.colorbar(image, ax=ax, label=metric)
    figure.tight_layout()
    return figure


def excess_cagr_chart(excess: np.ndarray, *, label: str) -> Figure:
    """Histogram of the variants' excess CAGR over NVDA buy-and-hold.

    Parameters
    ----------
    excess : ndarray, shape (K,)
        Excess CAGR per variant, as a fraction.
    label : str
        The market's label (e.g. the synthetic-data notice), shown in the title.
    """
    points = np.asarray(excess, dtype=float) * 100
    figure = Figure(figsize=(8, 4.5))
    ax = figure.add_subplot()
    bins = min(60, max(10, len(points) // 20))
    ax.hist(points[np.isfinite(points)], bins=bins, color="#4878a8")
    ax.axvline(0.0, color="black", linewidth=1)
    share = float(np.mean(points > 0)) if len(points) else float("nan")
    ax.set_xlabel("excess CAGR over NVDA buy-and-hold (percentage points)")
    ax.set_ylabel("variants")
    ax.set_title(f"{100 * share:.1f}% of {len(points)} variants beat NVDA ({label})")
    figure.tight_layout()
    return figure
