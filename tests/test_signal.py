"""The point-in-time inference signal."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from backtest.errors import ConfigError
from backtest.signal import known_series, load_signal, training_to_inference


def test_2023_estimate_is_invisible_the_day_before_publication() -> None:
    signal = load_signal("default")
    before, on = signal.share_at(["2024-02-20", "2024-02-21"])
    assert before == 0.48  # still the 2022 figure
    assert on == 0.38  # NVIDIA FY2024 disclosure, usable from 2024-02-21


def test_nothing_is_used_before_its_usable_from() -> None:
    signal = load_signal("default")
    vintages = signal.vintages
    for date in pd.date_range("2015-01-01", "2026-12-31", freq="17D"):
        value = signal.share_at([date]).iloc[0]
        usable = vintages[vintages["usable_from"] <= date]
        assert value in set(usable["share"])


def test_hindsight_uses_revisions_from_the_period_start() -> None:
    signal = load_signal("default")
    pit = signal.share_at(["2016-06-01"]).iloc[0]
    hindsight = signal.share_at(["2016-06-01"], mode="hindsight").iloc[0]
    assert pit == 0.30
    assert hindsight == 0.277


def test_forecasts_only_with_horizon() -> None:
    signal = load_signal("default")
    assert signal.share_at(["2025-12-01"]).iloc[0] == 0.48
    assert signal.share_at(["2025-12-01"], horizon=1).iloc[0] == 0.58


def test_every_packaged_row_has_a_source() -> None:
    assert set(known_series()) >= {
        "default",
        "fast_shift",
        "slow_shift",
        "broad_definition",
        "constant_50",
    }
    for name in known_series():
        assert load_signal(name).vintages["source"].str.len().min() > 10


def test_ratio_is_derived() -> None:
    assert training_to_inference(0.4) == pytest.approx(1.5)
    assert math.isinf(training_to_inference(0.0))


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ("2023,1.2,2024-01-01,estimate,x", r"row 2: `share` must be in \[0, 1\], got 1.2"),
        ("2023,0.4,2024-13-01,estimate,x", "row 2: `usable_from` must be an ISO date"),
        ("2023,0.4,2024-01-01,guess,x", "row 2: `kind` must be one of actual"),
        ("20x3,0.4,2024-01-01,estimate,x", "row 2: `period` must be a year"),
    ],
)
def test_bad_rows_name_row_and_field(tmp_path: Path, row: str, match: str) -> None:
    path = tmp_path / "sig.csv"
    path.write_text("period,share,usable_from,kind,source\n" + row + "\n")
    with pytest.raises(ConfigError, match=match):
        load_signal(path)


def test_duplicate_vintage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sig.csv"
    path.write_text(
        "period,share,usable_from,kind,source\n2023,0.4,2024-01-01,estimate,a\n"
        "2023,0.5,2024-01-01,estimate,b\n"
    )
    with pytest.raises(ConfigError, match="row 3: duplicate vintage"):
        load_signal(path)
