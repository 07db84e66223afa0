"""Calendar tables: years, months and sub-periods, checked against hand-worked numbers."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from backtest.errors import ConfigError
from backtest.report.calendar import (
    MONTH_COLUMNS,
    Period,
    monthly_table,
    period_table,
    yearly_table,
)


def _returns() -> pd.DataFrame:
    # 2023-12-28 .. 2024-02-01: two days of 2023, then January and one day of February 2024
    idx = pd.to_datetime(["2023-12-28", "2023-12-29", "2024-01-02", "2024-01-31", "2024-02-01"])
    return pd.DataFrame(
        {"s": [0.10, -0.10, 0.20, 0.0, -0.50], "baseline": [0.0, 0.05, 0.10, 0.10, 0.0]},
        index=idx,
    )


def test_yearly_returns_by_hand() -> None:
    table = yearly_table(_returns())
    s = table[table["strategy"] == "s"].set_index("year")
    assert s.loc[2023, "return"] == pytest.approx(1.1 * 0.9 - 1.0)  # -1 %
    assert s.loc[2024, "return"] == pytest.approx(1.2 * 1.0 * 0.5 - 1.0)  # -40 %
    assert s.loc[2023, "excess"] == pytest.approx((1.1 * 0.9 - 1.0) - 0.05)
    assert s.loc[2024, "excess"] == pytest.approx(-0.4 - (1.1 * 1.1 - 1.0))
    # the run starts December 28 (after January 7) and ends February 1 (before December 24)
    assert s["partial"].tolist() == [True, True]
    assert s.loc[2023, "first_date"] == pd.Timestamp("2023-12-28")
    base = table[table["strategy"] == "baseline"]
    assert base["excess"].isna().all()


def test_whole_years_are_not_partial() -> None:
    idx = pd.to_datetime(["2022-01-03", "2022-06-01", "2022-12-30", "2023-01-03", "2023-12-29"])
    returns = pd.DataFrame({"baseline": [0.01, 0.02, 0.03, 0.04, 0.05]}, index=idx)
    assert yearly_table(returns)["partial"].tolist() == [False, False]


def test_monthly_table_by_hand_and_year_total_last() -> None:
    table = monthly_table(_returns())
    s = table[table["strategy"] == "s"].set_index("year")
    assert list(table.columns) == ["strategy", "year", *MONTH_COLUMNS, "total"]
    assert s.loc[2023, "Dec"] == pytest.approx(1.1 * 0.9 - 1.0)
    assert s.loc[2024, "Jan"] == pytest.approx(0.2)
    assert s.loc[2024, "Feb"] == pytest.approx(-0.5)
    assert math.isnan(s.loc[2024, "Mar"]) and math.isnan(s.loc[2023, "Jan"])
    assert s.loc[2024, "total"] == pytest.approx(1.2 * 0.5 - 1.0)


def test_years_and_months_compound_to_the_total_return() -> None:
    rng = np.random.default_rng(4)
    idx = pd.bdate_range("2019-03-14", "2023-08-09")
    returns = pd.DataFrame(
        {"a": rng.normal(5e-4, 0.02, len(idx)), "baseline": rng.normal(1e-3, 0.03, len(idx))},
        index=idx,
    )
    total = np.prod(1.0 + returns.to_numpy(), axis=0) - 1.0  # plain numpy
    yearly = yearly_table(returns)
    monthly = monthly_table(returns)
    for j, name in enumerate(returns.columns):
        years = yearly.loc[yearly["strategy"] == name, "return"].to_numpy()
        cells = monthly.loc[monthly["strategy"] == name, list(MONTH_COLUMNS)].to_numpy()
        totals = monthly.loc[monthly["strategy"] == name, "total"].to_numpy()
        assert np.prod(1.0 + years) - 1.0 == pytest.approx(total[j], rel=1e-12)
        assert np.nanprod(1.0 + cells) - 1.0 == pytest.approx(total[j], rel=1e-12)
        np.testing.assert_allclose(totals, years, rtol=1e-12)
        np.testing.assert_allclose(np.nanprod(1.0 + cells, axis=1) - 1.0, years, rtol=1e-12)


def test_adjacent_periods_chain_exactly() -> None:
    rng = np.random.default_rng(5)
    idx = pd.bdate_range("2021-01-04", "2024-06-28")
    returns = pd.DataFrame(
        {"a": rng.normal(5e-4, 0.02, len(idx)), "baseline": rng.normal(1e-3, 0.03, len(idx))},
        index=idx,
    )
    periods = [Period.parse("2021-2022"), Period.parse("2023-2024")]
    table = period_table(returns, periods)
    a = table[table["strategy"] == "a"].set_index("period")
    assert a["n_days"].sum() == len(idx)  # every day in exactly one period
    whole = np.prod(1.0 + returns["a"].to_numpy()) - 1.0
    assert (1.0 + a["total_return"]).prod() - 1.0 == pytest.approx(whole, rel=1e-12)
    # January 2023 belongs to the second period: its first return is 2023-01-02's
    assert a.loc["2023-2024", "first_date"] == pd.Timestamp("2023-01-02")
    second = returns.loc["2023-01-01":, "a"].to_numpy()
    assert a.loc["2023-2024", "cagr"] == pytest.approx(
        np.prod(1.0 + second) ** (252 / len(second)) - 1.0, rel=1e-12
    )
    base = table[table["strategy"] == "baseline"]
    assert base["excess_cagr"].isna().all() and base["information_ratio"].isna().all()


def test_a_period_outside_the_returns_has_no_days() -> None:
    table = period_table(_returns(), [Period.parse("2030")])
    assert (table["n_days"] == 0).all() and table["total_return"].isna().all()


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2015-2022", dt.date(2015, 1, 1), dt.date(2022, 12, 31)),
        ("2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ("2020-03-01..2021-06-30", dt.date(2020, 3, 1), dt.date(2021, 6, 30)),
    ],
)
def test_period_forms(text: str, first: dt.date, last: dt.date) -> None:
    period = Period.parse(text)
    assert (period.name, period.first, period.last) == (text, first, last)


@pytest.mark.parametrize(
    "text", ["2022-2015", "15-22", "2020-01-01..2019-01-01", "2020-13-01..2021-01-01"]
)
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match=r"must be YYYY, YYYY-YYYY or YYYY-MM-DD\.\.YYYY-MM-DD"):
        Period.parse(text)
