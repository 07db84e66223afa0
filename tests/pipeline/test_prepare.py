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


def test_the_warm_up_covers_the_longest_lookback_and_the_history_rule() -> None:
    from backtest.config import StrategySpec, parse_config
    from backtest.pipeline.prepare import warmup_rows

    config = parse_config({"schedule": {"lag_days": 2}, "data": {"min_history_days": 30}})
    assert warmup_rows(config) == 2 + 30 - 1  # no strategy: the eligibility rule alone
    specs = (
        StrategySpec(name="ew", kind="equal_weight"),
        StrategySpec(
            name="iv", kind="static",
            params={"within": "inverse_volatility", "lookback_days": 126,
                    "constraints": [{"kind": "capped", "max_weight": 0.5}]},
        ),
    )  # fmt: skip
    # t_d is 2 rows before t_e >= start and needs 126 returns = 127 prices up to it
    assert warmup_rows(dataclasses.replace(config, strategies=specs)) == 2 + 127 - 1
    swept = dataclasses.replace(config, sweep={"grid": {"lookback_days": [20, 200]}})
    assert warmup_rows(swept) == 2 + 201 - 1


def test_a_lookback_strategy_decides_on_full_history_from_the_first_event() -> None:
    from backtest.config import StrategySpec
    from backtest.pipeline.runner import run

    config = load_config(REPO / "configs" / "demo.toml")
    config = dataclasses.replace(
        config,
        run=dataclasses.replace(config.run, start=dt.date(2021, 1, 1), end=dt.date(2021, 6, 30)),
        strategies=(
            StrategySpec(
                name="iv",
                kind="static",
                params={"within": "inverse_volatility", "lookback_days": 126},
            ),
        ),
    )
    result = run(config)
    first = result.events.iloc[0]
    assert first["effective_date"] == pd.Timestamp("2021-01-01")  # the start, not months later
    row = result.prices.index.get_loc(first["determination_date"])
    assert row >= 126  # 126 returns before t_d were loaded
    window = result.manifest["window"]
    assert window["warmup"]["days"] == 1 + 127 - 1 and window["notes"] == []
    # inverse volatility over exactly those 126 returns, by hand for the gpu bucket
    returns = result.prices.iloc[row - 126 : row + 1][["AMD", "INTC", "NVDA"]].pct_change()
    inverse = 1.0 / returns.iloc[1:].std(ddof=1)
    first_weights = result.weights[
        (result.weights["effective_date"] == first["effective_date"])
        & (result.weights["strategy"] == "iv")
    ].set_index("ticker")["weight"]
    gpu = first_weights[["AMD", "INTC", "NVDA"]]
    pd.testing.assert_series_equal(
        gpu / gpu.sum(), inverse / inverse.sum(), check_names=False, rtol=1e-12
    )


def test_the_window_says_why_the_end_is_cut(shared_prices_dir: Path) -> None:
    config = load_config(REPO / "configs" / "shared-files.toml")
    config = dataclasses.replace(
        config,
        run=dataclasses.replace(config.run, start=dt.date(2023, 1, 3), end=dt.date(2026, 12, 31)),
        data=dataclasses.replace(config.data, dir=str(shared_prices_dir)),
        strategies=config.strategies[:1],
    )
    window = prepare(config, references=False).manifest["window"]
    assert window["requested"] == ["2023-01-03", "2026-12-31"]
    assert window["traded"] == ["2023-01-03", "2026-07-31"]  # 2023-01-03, not 2023-03-01
    assert window["notes"] == [
        "trading ends 2026-07-31, the data's last NVDA day on or before 2026-12-31"
    ]


def test_the_window_says_when_the_data_start_delays_the_first_event() -> None:
    """The demo market starts 2015-01-02: no warm-up, so the first t_d with 21 days decides."""
    window = prepare(load_config(REPO / "configs" / "demo.toml"), references=False).manifest[
        "window"
    ]
    assert window["warmup"] == {"first": "2015-01-02", "days": 0}
    assert window["traded"] == ["2015-02-02", "2026-07-31"]
    assert window["notes"] == [
        "trading starts 2015-02-02, the first monthly effective date (first trading day of a "
        "period) on or after 2015-01-02 whose decision has 21 days of history (the data start "
        "2015-01-02)"
    ]
