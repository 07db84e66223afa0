"""The files provider: adjusted closes from a folder of per-ticker CSVs or one wide/long file.

Accepted layouts
----------------
* a **folder** of ``<TICKER>.csv`` (or ``<TICKER>.parquet``) files with a ``date`` column and
  ``adj_close`` and/or ``close`` (the format of ``../shared/data/prices``);
* one **wide** CSV/Parquet file: a ``date`` column (or a date index) plus one column per ticker;
* one **long** CSV/Parquet file: ``date``, ``ticker`` and ``adj_close`` and/or ``close``.

``adj_close`` is used when the file has it, else ``close``; the choice per ticker is recorded in
the provenance of each load (`backtest.data.providers.LoadedPrices`) and from there in the run
manifest. A wide file's values are taken
as given (``adjustment = "as_given"``). Every ticker's dates must be unique and ascending and its
prices finite and > 0 (`backtest.data.validate.check_series`). A file larger than
`MAX_FILE_BYTES` is refused before it is parsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.data.providers import LoadedPrices
from backtest.data.validate import as_dates, check_series
from backtest.errors import DataError

__all__ = ["MAX_FILE_BYTES", "FilesProvider", "read_price_file"]

_PRICE_COLUMNS = ("adj_close", "close")
MAX_FILE_BYTES = 512 * 2**20
"""Largest price file read (512 MiB): a bigger one is refused before parsing, since pandas
needs several times a file's size in memory (daily closes of 500 tickers over 30 years in the
long layout are about 110 MiB)."""


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"cannot read price file `{path}`: {exc}") from exc
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"price file `{path}` is {size / 2**20:,.0f} MiB; at most "
            f"{MAX_FILE_BYTES // 2**20} MiB is read (split it into per-ticker files)"
        )


def _read_table(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    _check_size(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path, columns=list(columns) if columns else None)
        if suffix == ".csv":
            wanted = set(columns) if columns else None
            return pd.read_csv(path, usecols=(lambda c: c in wanted) if wanted else None)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read price file `{path}`: {exc}") from exc
    raise DataError(f"price file `{path}` must end in .csv or .parquet, got `{path.suffix}`")


def _header(path: Path) -> list[str]:
    _check_size(path)
    try:
        if path.suffix.lower() == ".parquet":
            return [str(c) for c in pd.read_parquet(path).columns]
        return [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read price file `{path}`: {exc}") from exc


def _dates(values: Any, where: str) -> pd.DatetimeIndex:
    try:
        index = as_dates(pd.to_datetime(values, format="ISO8601"))
    except (TypeError, ValueError) as exc:
        # pandas appends several sentences of advice to its message: keep its first sentence
        first = str(exc).split(". ")[0].rstrip(".")
        raise DataError(f"{where}: `date` must hold ISO dates (YYYY-MM-DD): {first}") from exc
    if index.hasnans:
        raise DataError(f"{where}: `date` has empty cells")
    return index


def _numbers(values: pd.Series, where: str, ticker: str) -> pd.Series:
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if bad.any():
        first = values[bad].iloc[0]
        raise DataError(f"{where}: prices of `{ticker}` must be numbers, got {first!r}")
    return converted.astype(float)


def read_price_file(path: Path, ticker: str) -> tuple[pd.Series, str]:
    """Read one per-ticker file; return ``(prices, column_used)``.

    Returns
    -------
    prices : Series, shape (n_rows,)
        Float prices indexed by date (validated: unique, ascending, finite > 0 or NaN).
    column_used : str
        ``adj_close`` when the file has that column, else ``close``.
    """
    header = _header(path)
    present = [c for c in _PRICE_COLUMNS if c in header]
    if "date" not in header or not present:
        raise DataError(
            f"price file `{path}` must have a `date` column and `adj_close` and/or `close`; "
            f"got {', '.join(map(str, header))}"
        )
    column = present[0]
    table = _read_table(path, ["date", column])
    prices = pd.Series(
        _numbers(table[column], str(path), ticker).to_numpy(),
        index=_dates(table["date"], str(path)),
        name=ticker,
    )
    check_series(prices, ticker=ticker, source=str(path))
    return prices, column


@dataclass(frozen=True, kw_only=True)
class FilesProvider:
    """`PriceProvider` over local files (no network).

    Parameters
    ----------
    path : Path
        A folder of per-ticker files, or one wide or long CSV/Parquet file.
    allow_missing : bool
        If true, tickers without data are left out of the panel and listed in the provenance
        (``missing_tickers``) instead of raising `DataError`.
    """

    path: Path
    allow_missing: bool = False
    name: str = "files"
    synthetic: bool = False

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        """Return adjusted closes, shape (n_dates, n_found_tickers), inside ``[start, end]``.

        The provenance holds ``path``, ``adjustment`` (the price column used per ticker) and
        ``missing_tickers``.
        """
        if self.path.is_dir():
            series, used = self._load_folder(sorted(set(tickers)))
        elif self.path.is_file():
            series, used = self._load_file(sorted(set(tickers)))
        else:
            raise DataError(f"`data.dir` `{self.path}` does not exist (a folder or a file)")
        missing = sorted(set(tickers) - set(series))
        if missing and not self.allow_missing:
            raise DataError(
                f"no prices for {', '.join(missing)} in `{self.path}`; add the files or set "
                "`data.allow_missing = true`"
            )
        provenance = {"path": str(self.path), "adjustment": used, "missing_tickers": missing}
        if not series:
            raise DataError(f"no prices for any of {', '.join(sorted(tickers))} in `{self.path}`")
        panel = pd.concat(series, axis=1, sort=True)
        panel.index.name = "date"
        return LoadedPrices(
            prices=panel.loc[pd.Timestamp(start) : pd.Timestamp(end)], provenance=provenance
        )

    def _load_folder(self, tickers: list[str]) -> tuple[dict[str, pd.Series], dict[str, str]]:
        series: dict[str, pd.Series] = {}
        used: dict[str, str] = {}
        for ticker in tickers:
            for suffix in (".csv", ".parquet"):
                candidate = self.path / f"{ticker}{suffix}"
                if candidate.is_file():
                    series[ticker], used[ticker] = read_price_file(candidate, ticker)
                    break
        return series, used

    def _load_file(self, tickers: list[str]) -> tuple[dict[str, pd.Series], dict[str, str]]:
        table = _read_table(self.path)
        where = str(self.path)
        if "date" not in table.columns:
            if isinstance(table.index, pd.DatetimeIndex):
                table = table.rename_axis("date").reset_index()
            else:
                raise DataError(f"{where}: needs a `date` column or a date index")
        series: dict[str, pd.Series] = {}
        used: dict[str, str] = {}
        if "ticker" in table.columns:  # long layout
            present = [c for c in _PRICE_COLUMNS if c in table.columns]
            if not present:
                raise DataError(f"{where}: a long file needs `adj_close` and/or `close`")
            column = present[0]
            for ticker, rows in table.groupby("ticker", sort=True):
                if str(ticker) not in tickers:
                    continue
                prices = pd.Series(
                    _numbers(rows[column], where, str(ticker)).to_numpy(),
                    index=_dates(rows["date"], where),
                    name=str(ticker),
                )
                check_series(prices, ticker=str(ticker), source=where)
                series[str(ticker)], used[str(ticker)] = prices, column
            return series, used
        dates = _dates(table["date"], where)
        for ticker in tickers:
            if ticker in table.columns:
                prices = pd.Series(
                    _numbers(table[ticker], where, ticker).to_numpy(), index=dates, name=ticker
                )
                check_series(prices, ticker=ticker, source=where)
                series[ticker], used[ticker] = prices, "as_given"
        return series, used
