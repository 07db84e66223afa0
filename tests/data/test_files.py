"""Files provider: per-ticker CSV folders, one wide or long file, and bad input by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.data.files import FilesProvider
from backtest.errors import DataError
from tests.data.helpers import d, write_ticker_csv

START, END = d("2024-01-01"), d("2024-12-31")


def test_folder_uses_adj_close_when_present_else_close(tmp_path: Path) -> None:
    write_ticker_csv(
        tmp_path, "AAA", [("2024-01-02", 10.0, 9.5), ("2024-01-03", 11.0, 10.5)]
    )  # close is not dividend-adjusted: adj_close must win
    (tmp_path / "BBB.csv").write_text("date,close\n2024-01-02,20\n2024-01-03,21\n")
    provider = FilesProvider(path=tmp_path)
    loaded = provider.load(["AAA", "BBB"], START, END)
    panel = loaded.prices
    assert panel["AAA"].tolist() == [9.5, 10.5]
    assert panel["BBB"].tolist() == [20.0, 21.0]
    assert loaded.provenance["adjustment"] == {"AAA": "adj_close", "BBB": "close"}


def test_trailing_rows_without_close_keep_adj_close(tmp_path: Path) -> None:
    # the shared data's shape: close empty on the newest rows, adj_close everywhere
    write_ticker_csv(tmp_path, "AAA", [("2024-01-02", 10.0, 9.5), ("2024-01-03", None, 10.5)])
    panel = FilesProvider(path=tmp_path).load(["AAA"], START, END).prices
    assert panel["AAA"].tolist() == [9.5, 10.5]


def test_ipo_ticker_is_nan_before_its_first_row(tmp_path: Path) -> None:
    write_ticker_csv(tmp_path, "OLD", [("2024-01-02", 1, 1), ("2024-01-03", 2, 2)])
    write_ticker_csv(tmp_path, "NEW", [("2024-01-03", 5, 5)])
    panel = FilesProvider(path=tmp_path).load(["OLD", "NEW"], START, END).prices
    assert np.isnan(panel.loc["2024-01-02", "NEW"]) and panel.loc["2024-01-03", "NEW"] == 5.0


def test_window_is_inclusive(tmp_path: Path) -> None:
    write_ticker_csv(tmp_path, "AAA", [(f"2024-01-0{i}", i, i) for i in range(2, 6)])
    panel = FilesProvider(path=tmp_path).load(["AAA"], d("2024-01-03"), d("2024-01-04")).prices
    assert panel["AAA"].tolist() == [3.0, 4.0]


def test_wide_csv_and_long_parquet(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text("date,AAA,BBB\n2024-01-02,1.5,2.5\n2024-01-03,1.6,2.6\n")
    provider = FilesProvider(path=wide)
    loaded = provider.load(["AAA", "BBB"], START, END)
    assert loaded.prices["BBB"].tolist() == [2.5, 2.6]
    assert loaded.provenance["adjustment"] == {"AAA": "as_given", "BBB": "as_given"}
    long = pd.DataFrame(
        {
            "date": ["2024-01-02", "2024-01-03", "2024-01-02"],
            "ticker": ["AAA", "AAA", "BBB"],
            "close": [1.0, 2.0, 3.0],
        }
    )
    path = tmp_path / "long.parquet"
    long.to_parquet(path)
    panel = FilesProvider(path=path).load(["AAA", "BBB"], START, END).prices
    assert panel["AAA"].tolist() == [1.0, 2.0]
    assert panel["BBB"].iloc[0] == 3.0 and np.isnan(panel["BBB"].iloc[1])


def test_missing_ticker_named_unless_allowed(tmp_path: Path) -> None:
    write_ticker_csv(tmp_path, "AAA", [("2024-01-02", 1, 1)])
    with pytest.raises(DataError, match=r"no prices for BBB, CCC in `.*`; add the files or set"):
        FilesProvider(path=tmp_path).load(["AAA", "BBB", "CCC"], START, END)
    allowing = FilesProvider(path=tmp_path, allow_missing=True)
    loaded = allowing.load(["AAA", "BBB"], START, END)
    assert list(loaded.prices.columns) == ["AAA"]
    assert loaded.provenance["missing_tickers"] == ["BBB"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("2024-01-02", 1, 1), ("2024-01-02", 2, 2)],
            r"AAA.csv: dates of `AAA` must be unique; duplicated: 2024-01-02",
        ),
        (
            [("2024-01-03", 1, 1), ("2024-01-02", 2, 2)],
            r"dates of `AAA` must be ascending; out of order at 2024-01-02",
        ),
        (
            [("2024-01-02", 1, 1), ("2024-01-03", 0, 0)],
            r"prices of `AAA` must be finite and > 0; got 0.0 on 2024-01-03",
        ),
        (
            [("2024-01-02", 1, 1), ("2024-01-03", -3, -3)],
            r"prices of `AAA` must be finite and > 0; got -3.0 on 2024-01-03",
        ),
        ([("2024-01-02", 1, "inf")], r"must be finite and > 0; got inf on 2024-01-02"),
        ([("2024-01-02", 1, "abc")], r"prices of `AAA` must be numbers, got 'abc'"),
        ([("2024-13-02", 1, 1)], r"`date` must hold ISO dates"),
    ],
)
def test_bad_rows_name_ticker_and_dates(
    tmp_path: Path, rows: list[tuple[str, object, object]], message: str
) -> None:
    write_ticker_csv(tmp_path, "AAA", rows)  # type: ignore[arg-type]
    with pytest.raises(DataError, match=message):
        FilesProvider(path=tmp_path).load(["AAA"], START, END)


def test_file_without_price_column_is_refused(tmp_path: Path) -> None:
    (tmp_path / "AAA.csv").write_text("date,open\n2024-01-02,1\n")
    with pytest.raises(DataError, match=r"must have a `date` column and `adj_close` and/or"):
        FilesProvider(path=tmp_path).load(["AAA"], START, END)


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"`data.dir` `.*nowhere` does not exist"):
        FilesProvider(path=tmp_path / "nowhere").load(["AAA"], START, END)
