"""The data layer on the real prices in ../shared/data/prices (skipped when it is absent)."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.config import load_config
from backtest.data.demo import CALIBRATION
from backtest.data.files import FilesProvider
from backtest.data.snapshot import read_snapshot, write_snapshot
from backtest.data.validate import align_prices
from backtest.errors import DataError
from backtest.pipeline.manifest import prices_sha256
from backtest.pipeline.runner import run
from tests.conftest import REPO
from tests.data.helpers import d

pytestmark = pytest.mark.realdata

WINDOW = (d("2015-01-02"), d("2026-07-31"))


def _all_tickers(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.csv") if p.stem != "manifest")


def test_all_26_files_load(shared_prices_dir: Path) -> None:
    tickers = _all_tickers(shared_prices_dir)
    assert len(tickers) == 26
    provider = FilesProvider(path=shared_prices_dir)
    loaded = provider.load(tickers, d("2000-01-01"), WINDOW[1])
    panel = loaded.prices
    assert sorted(panel.columns) == tickers
    assert set(loaded.provenance["adjustment"].values()) == {"adj_close"}
    assert panel["2454.TW"].last_valid_index() == pd.Timestamp("2023-12-29")
    assert panel["NVDA"].last_valid_index() == pd.Timestamp("2026-07-31")


def test_nvda_is_continuous_through_its_splits(shared_prices_dir: Path) -> None:
    nvda = FilesProvider(path=shared_prices_dir).load(["NVDA"], *WINDOW).prices["NVDA"]
    returns = nvda.pct_change(fill_method=None)
    for split_day in ("2021-07-20", "2024-06-10"):
        assert abs(returns.loc[split_day]) < 0.1, split_day  # not -75 % / -90 %
    assert returns.min() > -0.5


def test_ipos_are_nan_before_listing_then_trade(shared_prices_dir: Path) -> None:
    raw = FilesProvider(path=shared_prices_dir).load(["NVDA", "ARM", "ALAB"], *WINDOW).prices
    prices, report = align_prices(raw, baseline="NVDA", start=WINDOW[0], end=WINDOW[1])
    assert report.first_valid["ARM"] == d("2023-09-14")
    assert report.first_valid["ALAB"] == d("2024-03-20")
    assert prices.loc[:"2023-09-13", "ARM"].isna().all()
    assert prices.loc["2023-09-14":, "ARM"].notna().all()
    assert prices.loc[:"2024-03-19", "ALAB"].isna().all()
    assert prices.loc["2024-03-20":, "ALAB"].notna().all()


def test_mediatek_ends_in_2023_and_is_caught_as_a_gap(shared_prices_dir: Path) -> None:
    raw = FilesProvider(path=shared_prices_dir).load(["NVDA", "2454.TW"], *WINDOW).prices
    with pytest.raises(DataError, match=r"`2454.TW` has no price for \d+ trading days from 2024"):
        align_prices(raw, baseline="NVDA", start=d("2023-06-01"), end=d("2024-06-28"))


def test_snapshot_from_files_reloads_bit_identically(
    shared_prices_dir: Path, tmp_path: Path
) -> None:
    from universes import load_universe

    universe = load_universe("compute_layer")
    raw = FilesProvider(path=shared_prices_dir).load(universe.tickers, *WINDOW).prices
    prices, _ = align_prices(raw, baseline="NVDA", start=WINDOW[0], end=WINDOW[1])
    path = tmp_path / "compute_layer.parquet"
    meta = write_snapshot(prices, path, provenance={"source": "files"})
    back, _ = read_snapshot(path, sha256=meta["sha256"])
    assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["sha256"]
    assert back.index.equals(prices.index) and list(back.columns) == list(prices.columns)
    assert back.to_numpy().tobytes() == prices.to_numpy().tobytes()
    assert prices_sha256(back) == prices_sha256(prices)


@pytest.mark.slow
def test_default_config_runs_on_real_files(shared_prices_dir: Path) -> None:
    config = load_config(REPO / "configs" / "default.toml")
    data = dataclasses.replace(config.data, source="files", dir=str(shared_prices_dir))
    result = run(dataclasses.replace(config, data=data))
    assert result.manifest["data_source"] == "files"
    assert result.manifest["synthetic"] is False
    assert result.manifest["data_provenance"]["adjustment"]["NVDA"] == "adj_close"
    # the prices hold the warm-up before the start (64 NVDA days); trading starts after it
    assert result.prices.index[0] == pd.Timestamp("2014-10-01")
    assert result.prices.index.get_loc(pd.Timestamp("2015-01-02")) == 64
    assert result.equity.index[0] >= pd.Timestamp("2015-01-02")
    assert result.prices.index[-1] == pd.Timestamp("2026-07-31")


def test_demo_calibration_matches_the_real_data(shared_prices_dir: Path) -> None:
    """Recompute CALIBRATION's volatility and correlations as its docstring says.

    Simple daily returns of adj_close, 2015-01-02 .. 2026-07-31, each ticker over its own
    listing; volatility = std(ddof=1) * sqrt(252); correlation pairwise over common days.
    The table rounds to 3 decimals, so each figure must agree to 0.0005.
    """
    provider = FilesProvider(path=shared_prices_dir)
    prices = provider.load(list(CALIBRATION), *WINDOW).prices
    returns = prices.pct_change(fill_method=None)
    for ticker, cal in CALIBRATION.items():
        r = returns[ticker].to_numpy()
        valid = ~np.isnan(r)
        vol = np.std(r[valid], ddof=1) * np.sqrt(252)
        assert abs(vol - cal.annual_volatility) <= 0.0005, (ticker, vol)
        for other, stated in (("NVDA", cal.corr_nvda), ("SPY", cal.corr_spy)):
            o = returns[other].to_numpy()
            both = valid & ~np.isnan(o)
            corr = np.corrcoef(r[both], o[both])[0, 1]
            assert abs(corr - stated) <= 0.0005, (ticker, other, corr)


@pytest.mark.slow
def test_allowed_missing_member_runs_with_zero_weight(
    shared_prices_dir: Path, tmp_path: Path
) -> None:
    for csv in shared_prices_dir.glob("*.csv"):
        if csv.stem != "CEVA":
            (tmp_path / csv.name).symlink_to(csv)
    config = load_config(REPO / "configs" / "shared-files.toml")
    with pytest.raises(DataError, match=r"no prices for CEVA in"):
        run(config, provider=FilesProvider(path=tmp_path))
    result = run(config, provider=FilesProvider(path=tmp_path, allow_missing=True))
    assert result.manifest["data_provenance"]["missing_tickers"] == ["CEVA"]
    assert result.prices["CEVA"].isna().all()
    ceva = result.weights[result.weights["ticker"] == "CEVA"]
    assert len(ceva) > 0 and (ceva["weight"] == 0.0).all()
