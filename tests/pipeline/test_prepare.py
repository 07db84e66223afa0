"""The engine-free first half of a run: path resolution and no vectorbt import."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from backtest.config import load_config
from backtest.pipeline.prepare import prepare
from tests.conftest import REPO

_CONFIG = """universe = "{universe}"
baseline = "NVDA"

[run]
name = "paths"
start = 2023-01-03
end = 2024-06-28

[data]
source = "demo"

[signal]
series = "{series}"
"""


def test_universe_and_signal_paths_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "configs"
    folder.mkdir()
    shutil.copy(REPO / "universes" / "gpu.toml", folder / "mine.toml")
    (folder / "sig.csv").write_text(
        "period,share,usable_from,kind,source\n2022,0.9,2022-01-01,estimate,desk note A\n"
        "2023,0.1,2023-06-01,estimate,desk note B\n"
    )
    (folder / "run.toml").write_text(_CONFIG.format(universe="mine.toml", series="sig.csv"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # nothing resolvable from the working directory
    prepared = prepare(load_config(folder / "run.toml"))
    assert prepared.universe.tickers == ["AMD", "INTC", "NVDA"]
    share = prepared.context.share
    assert share.loc[: pd.Timestamp("2023-06-01")].eq(0.9).all()  # t_d before 2023-06-01
    assert share.loc[pd.Timestamp("2023-07-03") :].eq(0.1).all()


def test_prepare_does_not_import_vectorbt(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from backtest.config import load_config\n"
        "from backtest.pipeline.prepare import prepare\n"
        f"prepared = prepare(load_config({str(REPO / 'configs' / 'demo.toml')!r}))\n"
        "assert len(prepared.events) > 100, len(prepared.events)\n"
        "print('vectorbt' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_members_whose_window_misses_the_run_are_left_out_and_named(tmp_path: Path) -> None:
    config = load_config(REPO / "configs" / "demo.toml")
    early = dataclasses.replace(
        config,
        run=dataclasses.replace(config.run, start=dt.date(2016, 1, 4), end=dt.date(2019, 12, 31)),
    )
    prepared = prepare(early)
    assert prepared.outside_window == ("ALAB", "ARM")  # listed 2024-03-20 and 2023-09-14
    assert "ALAB" not in prepared.prices.columns and "ARM" not in prepared.context.tickers
    assert prepared.manifest["members_outside_window"] == ["ALAB", "ARM"]
    whole = prepare(config)
    assert whole.outside_window == ()
    eligible = whole.context.eligible
    assert not eligible.loc[: pd.Timestamp("2024-03-20"), "ALAB"].any()


def test_a_real_data_run_before_the_late_listings(shared_prices_dir: Path) -> None:
    from backtest.pipeline.runner import run

    config = load_config(REPO / "configs" / "shared-files.toml")
    config = dataclasses.replace(
        config,
        run=dataclasses.replace(config.run, start=dt.date(2016, 1, 4), end=dt.date(2019, 12, 31)),
        data=dataclasses.replace(config.data, dir=str(shared_prices_dir)),
    )
    result = run(config)
    assert result.manifest["members_outside_window"] == ["ALAB", "ARM"]
    assert result.equity.index[-1] == pd.Timestamp("2019-12-31")
    assert (result.weights.groupby(["strategy", "effective_date"])["weight"].sum() > 0.999).all()
