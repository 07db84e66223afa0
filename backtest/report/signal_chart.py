"""The signal chart of ``backtest signal show --plot``: point-in-time vs hindsight paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["signal_paths_chart"]


def signal_paths_chart(paths: pd.DataFrame, published: np.ndarray, *, title: str) -> Figure:
    """Draw the daily ``point_in_time`` and ``hindsight`` shares, with publication dates.

    Parameters
    ----------
    paths : DataFrame, shape (n_days, 2)
        Columns ``point_in_time`` and ``hindsight``, index the days.
    published : ndarray of datetime64
        The distinct ``usable_from`` dates of the vintages (grey vertical lines).
    title : str
    """
    figure = Figure(figsize=(9, 4.5))
    axes = figure.add_subplot()
    axes.plot(paths.index, paths["point_in_time"], label="point-in-time (known that day)")
    axes.plot(
        paths.index,
        paths["hindsight"],
        label="hindsight (final vintages; look-ahead)",
        linestyle="--",
    )
    axes.vlines(published, 0.0, 1.0, colors="0.85", linewidth=0.6, zorder=0)
    axes.set_ylim(0.0, 1.0)
    axes.set_ylabel("inference share of AI compute")
    axes.set_title(title)
    axes.legend(loc="upper left")
    figure.tight_layout()
    return figure
