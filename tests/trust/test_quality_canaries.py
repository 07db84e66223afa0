"""Canaries of the quality checks on every provider: a split cliff injected into copies of the
real prices is refused whether it comes from files, the cache, a snapshot or an FX series, and
the same copies untouched pass. Also the issue's own example: a missed NVDA 4:1 split.

Prices are copied to tmp_path (never into the repository); the faults sit on tickers and dates
the project's other tests do not use (MU 2017-03-01, a TWD series in 2018).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.cli import main
from backtest.config import Config, QualityConfig, parse_config
from backtest.data.cache import PriceCache
from backtest.data.files import FilesProvider
from backtest.data.quality_policy import DataQualityError
from backtest.data.snapshot import write_snapshot
from backtest.data.validate import align_prices
from backtest.pipeline.prepare import prepare
from tests.conftest import REPO

pytestmark = pytest.mark.realdata

START, END = dt.date(2016, 1, 4), dt.date(2019, 12, 31)
STORED = START - dt.timedelta(days=120)  # the cache and snapshot hold the run's warm-up too
CLIFF = "2017-03-01"
UNIVERSE = """\
name = "canary"
description = "three names from the shared prices"
baseline = "NVDA"

[[members]]
ticker = "NVDA"
name = "NVIDIA"
bucket = "gpu"
currency = "USD"
note = "gpu"

[[members]]
ticker = "TSM"
name = "TSMC"
bucket = "asic"
currency = "USD"
note = "asic"

[[members]]
ticker = "MU"
name = "Micron"
bucket = "edge"
currency = "{currency}"
note = "edge"
"""


def _prices(shared: Path, folder: Path, *, cliff: bool, currency: str = "USD") -> Path:
    """Copy NVDA, TSM and MU to ``folder``; with ``cliff``, MU before 2017-03-01 doubled."""
    folder.mkdir(parents=True)
    for ticker in ("NVDA", "TSM", "MU"):
        shutil.copy(shared / f"{ticker}.csv", folder / f"{ticker}.csv")
    if cliff:
        frame = pd.read_csv(folder / "MU.csv")
        columns = ["open", "high", "low", "close", "adj_close"]
        frame.loc[frame["date"] < CLIFF, columns] *= 2.0  # an unapplied 2:1 split
        frame.to_csv(folder / "MU.csv", index=False)
    universe = folder.parent / "canary.toml"
    universe.write_text(UNIVERSE.format(currency=currency), encoding="utf-8")
    return universe


def _config(universe: Path, data: dict[str, object]) -> Config:
    return parse_config(
        {
            "universe": str(universe),
            "run": {"name": "canary", "start": START, "end": END},
            "data": data,
            "strategies": [{"name": "equal", "kind": "equal_weight"}],
        }
    )


def _source(kind: str, folder: Path, universe: Path) -> Config:
    """A config reading ``folder``'s prices through the provider ``kind``."""
    if kind == "files":
        return _config(universe, {"source": "files", "dir": str(folder)})
    tickers = ["MU", "NVDA", "TSM"]
    loaded = FilesProvider(path=folder).load(tickers, STORED, END)
    if kind == "cache":
        cache = PriceCache(root=folder.parent / "cache")
        for ticker in tickers:
            cache.write(
                ticker, loaded.prices[ticker], start=STORED, covered_until=END, source="yahoo",
                fetched_at=dt.datetime(2020, 1, 2, tzinfo=dt.UTC), adjustment="adj_close",
                versions={"yfinance": "test"},
            )  # fmt: skip
        return _config(universe, {"source": "yahoo", "offline": True, "cache_dir": str(cache.root)})
    aligned, _ = align_prices(loaded.prices, baseline="NVDA", start=STORED, end=END)
    snapshot = folder.parent / "snap.parquet"
    write_snapshot(aligned, snapshot, provenance={"source": "files"})
    return _config(universe, {"source": "snapshot", "snapshot": str(snapshot)})


@pytest.mark.parametrize("kind", ["files", "cache", "snapshot"])
def test_every_provider_refuses_an_unapplied_split_and_passes_the_clean_copy(
    kind: str, shared_prices_dir: Path, tmp_path: Path
) -> None:
    clean = tmp_path / "clean"
    universe = _prices(shared_prices_dir, clean / "prices", cliff=False)
    prepared = prepare(_source(kind, clean / "prices", universe))
    assert prepared.manifest["data_provenance"]["quality"] == {"findings": [], "accepted": []}
    bad = tmp_path / "bad"
    universe = _prices(shared_prices_dir, bad / "prices", cliff=True)
    config = _source(kind, bad / "prices", universe)
    with pytest.raises(
        DataQualityError,
        match=rf"^data quality: `MU` {CLIFF} split_like: one-day move x0\.\d+ .*"
        rf"unapplied 2:1 split \(the prices before {CLIFF} not divided by 2\)",
    ):
        prepare(config)
    # accepting the day lets the run go on, and the manifest says what was accepted
    accept = QualityConfig(accept={"MU": (dt.date.fromisoformat(CLIFF),)})
    accepted = prepare(
        dataclasses.replace(config, data=dataclasses.replace(config.data, quality=accept))
    )
    (entry,) = accepted.manifest["data_provenance"]["quality"]["accepted"]
    assert (entry["ticker"], entry["date"], entry["kind"]) == ("MU", CLIFF, "split_like")


def test_an_fx_series_with_an_inverted_quote_is_refused(
    shared_prices_dir: Path, tmp_path: Path
) -> None:
    """MU priced in TWD through ``TWDUSD=X``; for part of 2018 the series holds TWD per USD."""
    folder = tmp_path / "prices"
    universe = _prices(shared_prices_dir, folder, cliff=False, currency="TWD")
    days = pd.read_csv(folder / "NVDA.csv")["date"]
    # from before the warm-up of the first decision (the run starts 2016-01-04)
    days = days[(days >= "2015-08-03") & (days <= "2019-12-31")].reset_index(drop=True)
    rate = pd.Series(0.031 * np.exp(np.random.default_rng(5).normal(0, 0.002, len(days))))
    config = _config(universe, {"source": "files", "dir": str(folder), "fx": {"TWD": "TWDUSD=X"}})

    def write(values: pd.Series) -> None:
        pd.DataFrame({"date": days, "adj_close": values}).to_csv(
            folder / "TWDUSD=X.csv", index=False
        )

    write(rate)
    assert prepare(config).manifest["data_provenance"]["quality"]["findings"] == []
    inverted = rate.where(~days.between("2018-04-02", "2018-06-29"), 1.0 / rate)
    write(inverted)
    with pytest.raises(DataQualityError, match=r"^data quality: `TWDUSD=X` 2018-04-02 "):
        prepare(config)


def test_a_missed_nvda_split_is_refused_with_one_line(
    shared_prices_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's example: NVDA before 2021-07-20 multiplied by 4 (a missed 4:1 split) made
    ``backtest run configs/default.toml --source files --data-dir DIR`` succeed silently."""
    folder = tmp_path / "prices"
    folder.mkdir()
    for csv in shared_prices_dir.glob("*.csv"):
        shutil.copy(csv, folder / csv.name)
    frame = pd.read_csv(folder / "NVDA.csv")
    columns = ["open", "high", "low", "close", "adj_close"]
    frame.loc[frame["date"] < "2021-07-20", columns] *= 4.0
    frame.to_csv(folder / "NVDA.csv", index=False)
    out = tmp_path / "results"
    argv = ["run", str(REPO / "configs" / "default.toml"), "--source", "files",
            "--data-dir", str(folder), "--out", str(out)]  # fmt: skip
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and captured.out == ""
    assert lines[0].startswith(
        "error: data quality: `NVDA` 2021-07-20 split_like: one-day move x0.2"
    )
    assert "unapplied 4:1 split (the prices before 2021-07-20 not divided by 4)" in lines[0]
    assert not out.exists()
