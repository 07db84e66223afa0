"""Small builders shared by the data-layer tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd


def write_ticker_csv(folder: Path, ticker: str, rows: list[tuple[str, Any, Any]]) -> Path:
    """Write ``<folder>/<ticker>.csv`` with columns ``date,close,adj_close`` (``None`` = empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ticker}.csv"
    lines = ["date,close,adj_close"]
    for date, close, adj in rows:
        lines.append(f"{date},{'' if close is None else close},{'' if adj is None else adj}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def days(first: str, n: int) -> pd.DatetimeIndex:
    """``n`` business days from ``first``."""
    return pd.bdate_range(first, periods=n, name="date")


def d(text: str) -> dt.date:
    """ISO string to date."""
    return dt.date.fromisoformat(text)
