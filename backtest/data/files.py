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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.data.providers import LoadedPrices
from backtest.data.validate import as_dates, check_series
from backtest.errors import DataError

__all__ = [
    "MAX_FILE_BYTES",
    "FilesProvider",
    "TickerFile",
    "price_file_tickers",
    "read_price_file",
    "read_ticker_file",
]

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


@dataclass(frozen=True, kw_only=True)
class TickerFile:
    """One ticker as a price file holds it.

    Attributes
    ----------
    prices : Series, shape (n_rows,)
        Float prices indexed by date (validated: unique, ascending, finite > 0 or NaN).
    column : str
        ``adj_close`` when the file has that column, else ``close`` (``as_given`` in a wide
        file).
    close : Series or None, shape (n_rows,)
        The ``close`` column too when ``adj_close`` is used (non-numbers and non-positive
        values as NaN: it is only compared with ``adj_close``, never used as a price).
    missing : dict of Timestamp to str
        Rows whose price cell was read as missing, with the cell's text.
    """

    prices: pd.Series
    column: str
    close: pd.Series | None = None
    missing: dict[pd.Timestamp, str] = field(default_factory=dict)


def _side_close(values: pd.Series, index: pd.DatetimeIndex, ticker: str) -> pd.Series:
    close = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, copy=True)
    with np.errstate(invalid="ignore"):
        close[~(close > 0) | ~np.isfinite(close)] = np.nan
    return pd.Series(close, index=index, name=ticker)


def _cell_texts(path: Path, column: str, rows: np.ndarray) -> list[str]:
    """Return the text of ``column`` at ``rows`` (positions) as the file has it."""
    if path.suffix.lower() != ".csv":
        return ["null"] * len(rows)
    text = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False)[column]
    return [str(text.iloc[r]).strip() for r in rows]


def read_ticker_file(path: Path, ticker: str) -> TickerFile:
    """Read one per-ticker file (``date`` and ``adj_close`` and/or ``close``)."""
    header = _header(path)
    present = [c for c in _PRICE_COLUMNS if c in header]
    if "date" not in header or not present:
        raise DataError(
            f"price file `{path}` must have a `date` column and `adj_close` and/or `close`; "
            f"got {', '.join(map(str, header))}"
        )
    column = present[0]
    both = column == "adj_close" and "close" in header
    table = _read_table(path, ["date", column, "close"] if both else ["date", column])
    index = _dates(table["date"], str(path))
    prices = pd.Series(
        _numbers(table[column], str(path), ticker).to_numpy(), index=index, name=ticker
    )
    check_series(prices, ticker=ticker, source=str(path))
    holes = np.flatnonzero(prices.isna().to_numpy())
    missing = dict(zip(index[holes], _cell_texts(path, column, holes), strict=True))
    close = _side_close(table["close"], index, ticker) if both else None
    return TickerFile(prices=prices, column=column, close=close, missing=missing)


def price_file_tickers(folder: Path) -> tuple[list[str], list[str]]:
    """Return the tickers of a folder's price files, and the other files with why they are not.

    A price file is ``<TICKER>.csv`` or ``<TICKER>.parquet`` with a ``date`` column and
    ``adj_close`` and/or ``close`` (``manifest.csv`` beside the shared prices is not).
    """
    tickers: list[str] = []
    skipped: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".csv", ".parquet") or not path.is_file():
            continue
        header = _header(path)
        if "date" in header and any(c in header for c in _PRICE_COLUMNS):
            if path.stem not in tickers:
                tickers.append(path.stem)
        else:
            skipped.append(f"{path.name}: no `date` and `adj_close`/`close` columns")
    return tickers, skipped


def read_price_file(path: Path, ticker: str) -> tuple[pd.Series, str]:
    """Read one per-ticker file; return ``(prices, column_used)`` (see `read_ticker_file`)."""
    read = read_ticker_file(path, ticker)
    return read.prices, read.column


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
    origin : str or None
        How ``path`` was found, said when it does not exist or is empty (e.g. which config
        file's folder a relative ``data.dir`` was resolved against).
    """

    path: Path
    allow_missing: bool = False
    origin: str | None = None
    name: str = "files"
    synthetic: bool = False

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        """Return adjusted closes, shape (n_dates, n_found_tickers), inside ``[start, end]``.

        The provenance holds ``path``, ``adjustment`` (the price column used per ticker) and
        ``missing_tickers``; ``close`` and ``missing_values`` are filled from the files.
        """
        note = f"; {self.origin}" if self.origin else ""
        if self.path.is_dir():
            self._refuse_empty(note)
            reads = self._load_folder(sorted(set(tickers)))
        elif self.path.is_file():
            reads = self._load_file(sorted(set(tickers)))
        else:
            raise DataError(f"`data.dir` `{self.path}` does not exist (a folder or a file){note}")
        missing = sorted(set(tickers) - set(reads))
        if missing and not self.allow_missing:
            raise DataError(
                f"no prices for {', '.join(missing)} in `{self.path}`; add the files or set "
                "`data.allow_missing = true`"
            )
        used = {t: r.column for t, r in reads.items()}
        provenance = {"path": str(self.path), "adjustment": used, "missing_tickers": missing}
        if not reads:
            raise DataError(f"no prices for any of {', '.join(sorted(tickers))} in `{self.path}`")
        window = slice(pd.Timestamp(start), pd.Timestamp(end))
        panel = pd.concat({t: r.prices for t, r in reads.items()}, axis=1, sort=True)
        panel.index.name = "date"
        panel = panel.loc[window]
        closes = {t: r.close for t, r in reads.items() if r.close is not None}
        return LoadedPrices(
            prices=panel,
            provenance=provenance,
            close=pd.DataFrame(closes).reindex(panel.index) if closes else None,
            missing_values={t: dict(r.missing) for t, r in reads.items() if r.missing},
        )

    def _refuse_empty(self, note: str) -> None:
        names = sorted(p.name for p in self.path.iterdir())
        if any(Path(n).suffix.lower() in (".csv", ".parquet") for n in names):
            return
        holds = f"; it holds {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}"
        raise DataError(
            f"`data.dir` `{self.path}` is empty: no <TICKER>.csv or <TICKER>.parquet price "
            f"file{holds if names else ''}{note}"
        )

    def _load_folder(self, tickers: list[str]) -> dict[str, TickerFile]:
        reads: dict[str, TickerFile] = {}
        for ticker in tickers:
            for suffix in (".csv", ".parquet"):
                candidate = self.path / f"{ticker}{suffix}"
                if candidate.is_file():
                    reads[ticker] = read_ticker_file(candidate, ticker)
                    break
        return reads

    def _load_file(self, tickers: list[str]) -> dict[str, TickerFile]:
        table = _read_table(self.path)
        where = str(self.path)
        if "date" not in table.columns:
            if isinstance(table.index, pd.DatetimeIndex):
                table = table.rename_axis("date").reset_index()
            else:
                raise DataError(f"{where}: needs a `date` column or a date index")
        reads: dict[str, TickerFile] = {}
        if "ticker" in table.columns:  # long layout
            present = [c for c in _PRICE_COLUMNS if c in table.columns]
            if not present:
                raise DataError(f"{where}: a long file needs `adj_close` and/or `close`")
            column = present[0]
            both = column == "adj_close" and "close" in table.columns
            for ticker, rows in table.groupby("ticker", sort=True):
                if str(ticker) not in tickers:
                    continue
                index = _dates(rows["date"], where)
                prices = pd.Series(
                    _numbers(rows[column], where, str(ticker)).to_numpy(),
                    index=index,
                    name=str(ticker),
                )
                check_series(prices, ticker=str(ticker), source=where)
                reads[str(ticker)] = TickerFile(
                    prices=prices,
                    column=column,
                    close=_side_close(rows["close"], index, str(ticker)) if both else None,
                    missing=_missing_cells(prices),
                )
            return reads
        dates = _dates(table["date"], where)
        for ticker in tickers:
            if ticker in table.columns:
                prices = pd.Series(
                    _numbers(table[ticker], where, ticker).to_numpy(), index=dates, name=ticker
                )
                check_series(prices, ticker=ticker, source=where)
                reads[ticker] = TickerFile(
                    prices=prices, column="as_given", missing=_missing_cells(prices)
                )
        return reads


def _missing_cells(prices: pd.Series) -> dict[pd.Timestamp, str]:
    """Rows of a wide or long file whose price was read as missing (text not kept)."""
    holes = prices.index[prices.isna().to_numpy()]
    return dict.fromkeys(holes, "")
