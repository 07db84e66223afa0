"""The risk-free series: read, placed on the calendar (last known rate), bad files refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.data.risk_free import load_risk_free, risk_free_on
from backtest.errors import DataError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tbill.csv"
    path.write_text(text)
    return path


def test_the_last_rate_on_or_before_each_day_applies(tmp_path: Path) -> None:
    rates = load_risk_free(_write(tmp_path, "date,rate\n2024-01-01,0.05\n2024-01-04,0.04\n"))
    calendar = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-08"])
    np.testing.assert_array_equal(risk_free_on(rates, calendar), [0.05, 0.05, 0.04, 0.04])


def test_a_run_before_the_first_rate_is_refused(tmp_path: Path) -> None:
    rates = load_risk_free(_write(tmp_path, "date,rate\n2024-01-05,0.05\n"))
    with pytest.raises(
        DataError, match="starts 2024-01-05, after the run's first traded day 2024-01-02"
    ):
        risk_free_on(rates, pd.DatetimeIndex(["2024-01-02", "2024-01-08"]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,rate\n2024-01-01,0.05\n", "must have the columns date,rate, got day,rate"),
        ("date,rate\n", "has no rows"),
        ("date,rate\n01/02/2024,0.05\n", "row 2: `date` must be YYYY-MM-DD"),
        ("date,rate\n2024-01-02,0.05\n2024-01-01,0.05\n", "dates must be unique and ascending"),
        ("date,rate\n2024-01-01,5\n", r"row 2: `rate` must be an annual fraction in \(-1, 1\)"),
        ("date,rate\n2024-01-01,abc\n", "row 2: `rate` must be an annual fraction"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_risk_free(_write(tmp_path, text))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"risk-free file .* does not exist"):
        load_risk_free(tmp_path / "none.csv")
