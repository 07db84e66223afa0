"""The sweep's charts: a heatmap of a metric over two parameters, the excess-CAGR histogram."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["excess_histogram_chart", "heatmap_chart"]


def heatmap_chart(grid: pd.DataFrame, *, x: str, y: str, metric: str) -> Figure:
    """Draw ``grid`` (index: values of ``y``, columns: of ``x``) as a heatmap of ``metric``."""
    figure = Figure(figsize=(8, 6))
    axes = figure.add_subplot()
    image = axes.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    axes.set_xticks(range(len(grid.columns)), [f"{v:.3g}" for v in grid.columns], rotation=90)
    axes.set_yticks(range(len(grid.index)), [f"{v:.3g}" for v in grid.index])
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.set_title(f"median {metric} over the other parameters")
    figure.colorbar(image, ax=axes, label=metric)
    figure.tight_layout()
    return figure


def excess_histogram_chart(excess_cagr: np.ndarray, *, label: str) -> Figure:
    """Draw the distribution of excess CAGR over NVDA (fractions; NaN ignored) across variants."""
    excess = np.asarray(excess_cagr, dtype=float) * 100
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    bins = min(60, max(10, len(excess) // 20))
    axes.hist(excess[np.isfinite(excess)], bins=bins, color="#4878a8")
    axes.axvline(0.0, color="black", linewidth=1)
    share = float(np.mean(excess > 0))
    axes.set_xlabel("excess CAGR over NVDA buy-and-hold (percentage points)")
    axes.set_ylabel("variants")
    axes.set_title(f"{100 * share:.1f}% of {len(excess)} variants beat NVDA ({label})")
    figure.tight_layout()
    return figure
