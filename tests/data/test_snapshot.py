"""Pinned snapshots: round trip, sha256 pinning, refusal to overwrite, info."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.data.snapshot import (
    SnapshotProvider,
    read_snapshot,
    sidecar_path,
    snapshot_info,
    write_snapshot,
)
from backtest.data.validate import as_dates
from backtest.errors import ConfigError, DataError
from tests.data.helpers import d


def _prices() -> pd.DataFrame:
    dates = as_dates(pd.bdate_range("2024-01-01", periods=6))
    return pd.DataFrame(
        {"AAA": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5], "NEW": [np.nan, np.nan, 5.0, 5.5, 6.0, 6.5]},
        index=dates,
    )


def test_round_trip_is_bit_identical_and_hash_is_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "snap.parquet"
    meta = write_snapshot(_prices(), path, provenance={"source": "test"})
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert json.loads(sidecar_path(path).read_text())["sha256"] == meta["sha256"]
    back, side = read_snapshot(path, sha256=meta["sha256"])
    pd.testing.assert_frame_equal(back, _prices())
    assert back.to_numpy().tobytes() == _prices().to_numpy().tobytes()
    assert side["provenance"] == {"source": "test"}
    # the same panel written again hashes the same: a sha256 names the content
    assert (
        write_snapshot(_prices(), tmp_path / "again.parquet", provenance={})["sha256"]
        == (meta["sha256"])
    )


def test_config_hash_mismatch_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "snap.parquet"
    write_snapshot(_prices(), path, provenance={})
    with pytest.raises(DataError, match=r"the config expects `data.sha256` = 0{64}"):
        SnapshotProvider(path=path, sha256="0" * 64).load(["AAA"], d("2024-01-01"), d("2024-12-31"))


def test_file_changed_after_writing_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "snap.parquet"
    write_snapshot(_prices(), path, provenance={})
    other = tmp_path / "other.parquet"
    write_snapshot(_prices() * 2, other, provenance={})
    path.write_bytes(other.read_bytes())  # swapped content, stale sidecar
    with pytest.raises(DataError, match=r"its sidecar `snap.parquet.json` records"):
        read_snapshot(path)


def test_existing_snapshot_is_not_overwritten_without_force(tmp_path: Path) -> None:
    path = tmp_path / "snap.parquet"
    write_snapshot(_prices(), path, provenance={})
    with pytest.raises(ConfigError, match=r"already exists; pass --force"):
        write_snapshot(_prices(), path, provenance={})
    write_snapshot(_prices() * 2, path, provenance={}, force=True)
    assert read_snapshot(path)[0]["AAA"].iloc[0] == 2.0
    with pytest.raises(ConfigError, match=r"must end in .parquet"):
        write_snapshot(_prices(), tmp_path / "snap.csv", provenance={})


def test_provider_serves_columns_and_refuses_absent_ones(tmp_path: Path) -> None:
    path = tmp_path / "snap.parquet"
    meta = write_snapshot(_prices(), path, provenance={"source": "files"})
    provider = SnapshotProvider(path=path, sha256=meta["sha256"])
    loaded = provider.load(["NEW"], d("2024-01-02"), d("2024-01-04"))
    panel = loaded.prices
    assert list(panel.columns) == ["NEW"] and len(panel) == 3
    assert loaded.provenance["sha256"] == meta["sha256"]
    with pytest.raises(DataError, match=r"has no column for ZZZ; it holds AAA, NEW"):
        provider.load(["AAA", "ZZZ"], d("2024-01-01"), d("2024-12-31"))


def test_info_reports_span_first_last_and_gaps(tmp_path: Path) -> None:
    prices = _prices()
    prices.loc["2024-01-04", "AAA"] = np.nan
    path = tmp_path / "snap.parquet"
    write_snapshot(prices, path, provenance={})
    info = snapshot_info(path)
    assert (info["start"], info["end"], info["rows"]) == ("2024-01-01", "2024-01-08", 6)
    assert info["tickers"]["NEW"] == {
        "first": "2024-01-03", "last": "2024-01-08", "prices": 4, "gaps": []
    }  # fmt: skip
    assert info["tickers"]["AAA"]["gaps"] == ["2024-01-04..2024-01-04"]
