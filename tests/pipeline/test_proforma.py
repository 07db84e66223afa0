"""Pro-forma weights: on a date inside a run they are the targets the run traded next."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from backtest.config import Config, StrategySpec
from backtest.errors import ConfigError
from backtest.pipeline.proforma import proforma
from backtest.pipeline.runner import Result, run
from tests.trust.helpers import demo_config

SPECS = (
    StrategySpec(name="equal_weight", kind="equal_weight"),
    StrategySpec(name="static_ivol", kind="static", params={"within": "inverse_volatility"}),
    StrategySpec(
        name="tilt_bounded_capped",
        kind="linear_tilt",
        params={
            "strength": 3.0,
            "constraints": [
                {"kind": "bucket_bounds", "bounds": {"gpu": [0.3, 0.5]}},
                {"kind": "capped", "max_weight": 0.12},
            ],
        },
    ),
)


@pytest.fixture(scope="module")
def config() -> Config:
    return demo_config(start="2022-01-03", end="2024-12-31", strategies=SPECS, name="pf")


@pytest.fixture(scope="module")
def result(config: Config) -> Result:
    return run(config)


def _bits(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)


@pytest.mark.parametrize(
    "as_of",
    ["2023-09-29", "2023-10-16", "2023-10-30", "2024-02-20", "2024-03-28", "2024-12-30"],
)
def test_inside_the_run_the_targets_are_those_traded_at_the_following_effective_date(
    config: Config, result: Result, as_of: str
) -> None:
    date = pd.Timestamp(as_of)
    pro = proforma(config, as_of=date.date())
    events = result.events[result.events["determination_date"] <= date]
    expected = events.iloc[-1]
    assert pro.determination_date == expected["determination_date"].date()
    assert pro.effective_date == expected["effective_date"].date()
    assert pro.effective_estimated == (expected["effective_date"] > date)
    traded = result.weights[result.weights["effective_date"] == expected["effective_date"]]
    wide = traded.pivot(index="strategy", columns="ticker", values="weight")
    targets = pro.targets().drop(columns="cash")
    for name in targets.index:
        mine = targets.loc[name]
        np.testing.assert_array_equal(
            _bits(mine.to_numpy()), _bits(wide.loc[name, mine.index].to_numpy())
        )
        assert (wide.loc[name].drop(mine.index) == 0.0).all()  # names not listed yet
    assert pro.signals["inference_share"] == result.share.loc[expected["effective_date"]]


def test_the_trail_shows_every_constraint_in_order_with_bucket_totals(config: Config) -> None:
    pro = proforma(config, as_of=dt.date(2024, 6, 3))
    mine = pro.trail[pro.trail["strategy"] == "tilt_bounded_capped"]
    assert list(dict.fromkeys(mine["layer"])) == ["scheme", "bucket_bounds", "capped"]
    totals = mine.groupby(["layer", "bucket"])["weight"].sum().unstack()
    assert totals.loc["bucket_bounds", "gpu"] <= 0.5 + 1e-12
    np.testing.assert_allclose(totals.sum(axis=1), 1.0, atol=1e-12)  # cash included
    assert mine[mine["layer"] == "capped"]["weight"].max() <= 0.12 + 1e-12
    payload = pro.to_json()
    layers = payload["strategies"]["tilt_bounded_capped"]["layers"]
    assert [layer["layer"] for layer in layers] == ["scheme", "bucket_bounds", "capped"]
    assert payload["strategies"]["tilt_bounded_capped"]["targets"] == layers[-1]["weights"]
    assert set(layers[0]["buckets"]) == {"gpu", "asic", "edge", "cash"}


def test_past_the_last_price_the_effective_date_is_an_estimated_weekday(config: Config) -> None:
    late = dataclasses.replace(
        config, run=dataclasses.replace(config.run, end=dt.date(2024, 12, 31))
    )
    pro = proforma(late, as_of=dt.date(2025, 1, 31))  # the demo market ends 2026-07-31
    assert pro.data_until == dt.date(2025, 1, 31)
    assert pro.determination_date == dt.date(2025, 1, 31)
    assert pro.effective_date == dt.date(2025, 2, 3) and pro.effective_estimated


def test_hindsight_and_dates_before_the_start_are_refused(config: Config) -> None:
    hindsight = dataclasses.replace(
        config, signal=dataclasses.replace(config.signal, mode="hindsight")
    )
    with pytest.raises(ConfigError, match=r"`signal\.mode` must be point_in_time for a pro-forma"):
        proforma(hindsight, as_of=dt.date(2024, 6, 3))
    with pytest.raises(ConfigError, match=r"`--as-of` must be after `run.start` \(2022-01-03\)"):
        proforma(config, as_of=dt.date(2021, 6, 3))
