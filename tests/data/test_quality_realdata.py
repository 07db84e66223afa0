"""Quality checks on the real prices: the thresholds' derivation, the untouched files, and
faults injected into copies (written to tmp_path, on tickers and dates no other test uses)."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from backtest.data.audit import audit_source
from backtest.data.quality import (
    DIVIDEND_LIMIT,
    FACTOR_NOISE,
    MOVE_LIMIT,
    SPLIT_TOLERANCE,
    STALE_DAYS,
)
from tests.conftest import REPO
from tests.data.helpers import d
from tests.data.quality_thresholds import derive

pytestmark = pytest.mark.realdata

GENUINE = [("AAPL", "2000-09-29", "split_like")]
"""The one finding on the untouched shared prices, a genuine day (docs/data-quality.md)."""
PRICE_COLUMNS = ["open", "high", "low", "close", "adj_close"]


def test_the_thresholds_rest_on_the_shared_prices(shared_prices_dir: Path) -> None:
    """The numbers docs/data-quality.md derives the thresholds from, recomputed with pandas."""
    found = derive(shared_prices_dir)
    assert found.ticker_days == 141_501
    # every genuine move but one stays under the move limit, the largest by a 15 % margin
    ticker, day, largest = found.largest_not_split_like
    assert (ticker, day) == ("AMD", "2016-04-22") and largest == pytest.approx(0.4234, abs=1e-4)
    assert largest * 1.15 < MOVE_LIMIT
    # the exception is AAPL's -52 % of 2000-09-29, 0.2 % from a 2:1 ratio: documented genuine
    assert [(t, day, k) for t, day, k, _ in found.split_like] == [("AAPL", "2000-09-29", 2)]
    # an unapplied split on a day whose own move is inside the 99 % range stays split-like
    assert found.quantiles[0.99] < SPLIT_TOLERANCE < found.quantiles[0.999]
    assert found.longest_stale[0][0] == 4 and 2 * found.longest_stale[0][0] < STALE_DAYS
    # the adjustment factor: float noise below, dividends up to MSFT's 2004 special one, and
    # the two raw splits of SMH and SOXX's close at exactly log 2 and log 3
    assert abs(found.factor_min[2]) * 100 < FACTOR_NOISE
    assert found.factor_max_not_split[:2] == ("MSFT", "2004-11-15")
    assert found.factor_max_not_split[2] * 2 < DIVIDEND_LIMIT
    assert [(t, day, round(v, 4)) for t, day, v in found.factor_splits] == [
        ("SMH", "2023-05-05", round(math.log(2), 4)),
        ("SOXX", "2024-03-07", round(math.log(3), 4)),
    ]


def test_the_untouched_shared_prices_give_only_the_documented_genuine_day(
    shared_prices_dir: Path,
) -> None:
    audit = audit_source(shared_prices_dir, accept={})
    assert len(audit.tickers) == 26
    assert audit.skipped == ("manifest.csv: no `date` and `adj_close`/`close` columns",)
    assert [(f.ticker, f.date.isoformat(), f.kind) for f in audit.report.findings] == GENUINE
    doc = (REPO / "docs" / "data-quality.md").read_text(encoding="utf-8")
    for ticker, day, kind in GENUINE:
        assert f"| {ticker} | {day} |" in doc and kind in doc
    accepted = audit_source(shared_prices_dir, accept={"AAPL": [d("2000-09-29")]})
    assert accepted.clean and len(accepted.report.accepted) == 1


def _copy(source: Path, folder: Path, tickers: list[str]) -> None:
    folder.mkdir()
    for ticker in tickers:
        shutil.copy(source / f"{ticker}.csv", folder / f"{ticker}.csv")


def _edit(folder: Path, ticker: str, change: Callable[[pd.DataFrame], None]) -> None:
    path = folder / f"{ticker}.csv"
    frame = pd.read_csv(path)
    change(frame)
    frame.to_csv(path, index=False)


def _scale(columns: list[str], before: str, factor: float) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[frame["date"] < before, columns] *= factor

    return change


def _hold(day: str, rows: int) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        first = int(frame.index[frame["date"] == day][0])
        frame.loc[first : first + rows - 1, PRICE_COLUMNS] = frame.loc[first, PRICE_COLUMNS].values

    return change


def _cell(day: str, text: str) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame["adj_close"] = frame["adj_close"].astype(object)
        frame.loc[frame["date"] == day, "adj_close"] = text

    return change


def _spike(day: str, factor: float) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[frame["date"] == day, PRICE_COLUMNS] *= factor

    return change


def test_faults_injected_into_copies_are_each_found_and_nothing_else(
    shared_prices_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "prices"
    tickers = ["MU", "TSM", "INTC", "GOOG", "SYNA", "AMZN", "MSFT", "NXPI", "LSCC", "SPY", "QQQ"]
    _copy(shared_prices_dir, folder, tickers)
    faults = {
        ("MU", "2019-06-03", "split_like"): _scale(PRICE_COLUMNS, "2019-06-03", 3.0),
        ("INTC", "2017-09-12", "split_like"): _scale(PRICE_COLUMNS, "2017-09-12", 10.0),
        ("GOOG", "2016-05-02", "split_like"): _scale(PRICE_COLUMNS, "2016-05-02", 20.0),
        ("TSM", "2018-03-01", "split_like"): _scale(PRICE_COLUMNS, "2018-03-01", 1 / 5),
        ("SYNA", "2020-02-03", "stale"): _hold("2020-02-03", STALE_DAYS + 2),
        # a spurious adjustment of adj_close (-20 % on the day: under the move limit)
        ("AMZN", "2019-03-01", "adjustment_jump"): _scale(["adj_close"], "2019-03-01", 1.25),
        # close over-adjusted: the factor rises by 30 %, more than any dividend
        ("MSFT", "2012-03-01", "adjustment_jump"): _scale(["close"], "2012-03-01", 1.3),
        ("NXPI", "2021-05-04", "missing_filled"): _cell("2021-05-04", "n/a"),
        ("LSCC", "2018-08-15", "implausible_move"): _spike("2018-08-15", 1.8),
    }
    for (ticker, _, _), change in faults.items():
        _edit(folder, ticker, change)
    audit = audit_source(folder, accept={})
    found = {(f.ticker, f.date.isoformat(), f.kind): f for f in audit.report.findings}
    assert set(found) == set(faults)
    assert "unapplied 3:1 split" in found["MU", "2019-06-03", "split_like"].cause
    assert "1:5 reverse split" in found["TSM", "2018-03-01", "split_like"].cause
    assert "20:1" in found["GOOG", "2016-05-02", "split_like"].cause
    assert "undone the next day" in found["LSCC", "2018-08-15", "implausible_move"].move
    assert "`n/a`" in found["NXPI", "2021-05-04", "missing_filled"].cause
    stale = found["SYNA", "2020-02-03", "stale"]
    assert f"on {STALE_DAYS + 2} trading days" in stale.move and stale.end == d("2020-02-19")
