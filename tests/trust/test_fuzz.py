"""Fuzzing: generated configs, price panels, signal files and universes never raise anything but
a `BacktestError` subclass (or succeed).

Example counts are modest (the machine has 2 shared cores): the cheap parsers get more examples,
the full pipeline fewer. ``deadline=None`` because a run's time varies with the machine's load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtest.config import parse_config
from backtest.data.providers import LoadedPrices
from backtest.errors import BacktestError
from backtest.inputs.signal import parse_signal
from backtest.pipeline.runner import run
from universes import load_universe

SMALL = ("AVGO", "NVDA", "QCOM")
UNIVERSE = """\
name = "fuzz"
description = "three names"
baseline = "NVDA"

[[members]]
ticker = "NVDA"
name = "NVIDIA"
bucket = "gpu"
currency = "USD"
note = "gpu"

[[members]]
ticker = "AVGO"
name = "Broadcom"
bucket = "asic"
currency = "USD"
note = "asic"

[[members]]
ticker = "QCOM"
name = "Qualcomm"
bucket = "edge"
currency = "USD"
note = "edge"
"""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)),
    st.sampled_from(["demo", "files", "monthly", "quarterly", "default", "compute_layer", "NVDA"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
SECTION_KEYS = {
    "run": ["name", "start", "end", "initial_cash", "nme"],
    "data": ["source", "dir", "max_fill_days", "min_history_days", "offline", "sha256", "fx"],
    "signal": ["series", "mode", "interpolation", "horizon"],
    "schedule": ["frequency", "anchor", "lag_days", "rebalance_band"],
    "costs": ["fees_bps", "slippage_bps", "fees"],
}
KINDS = ["equal_weight", "static", "proportional", "linear_tilt", "nvda_only", "momentum"]
PARAMS = ["gpu", "asic", "edge", "strength", "neutral_share", "edge_fraction", "within",
          "lookback_days", "bounds", "ticker", "constraints", "max_weight"]  # fmt: skip


@st.composite
def raw_configs(draw: st.DrawFn) -> dict[str, Any]:
    """Config mappings: right keys with wrong or right values, some unknown keys."""
    raw: dict[str, Any] = {}
    for section, keys in SECTION_KEYS.items():
        if draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(keys), max_size=3, unique=True))
            raw[section] = {k: draw(values) for k in chosen}
    if draw(st.booleans()):
        raw["universe"] = draw(st.one_of(st.sampled_from(["gpu", "edge", "gpus"]), values))
    if draw(st.booleans()):
        raw["baseline"] = draw(st.one_of(st.just("NVDA"), values))
    if draw(st.booleans()):
        raw["strategies"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"kind": st.one_of(st.sampled_from(KINDS), values)},
                    optional={
                        p: st.one_of(st.floats(-1, 5), values)
                        for p in draw(st.lists(st.sampled_from(PARAMS), max_size=3, unique=True))
                    },
                ),
                max_size=3,
            )
        )
    if draw(st.booleans()):
        raw[draw(st.text(min_size=1, max_size=6))] = draw(values)
    return raw


@settings(max_examples=300, deadline=None)
@given(raw=raw_configs())
def test_config_parsing_raises_only_config_errors(raw: dict[str, Any]) -> None:
    with contextlib.suppress(BacktestError):
        parse_config(raw)


@st.composite
def plausible_configs(draw: st.DrawFn) -> dict[str, Any]:
    """Configs that are mostly valid: each setting from its allowed values, now and then not."""

    def pick(good: Sequence[Any]) -> Any:
        return draw(st.one_of(st.sampled_from(list(good)), values) if draw(st.integers(0, 9)) == 0
                    else st.sampled_from(list(good)))  # fmt: skip

    strategies = [
        {"name": "tilt", "kind": "linear_tilt", "strength": pick([0.0, 1.5, 4.0]),
         "neutral_share": pick([0.3, 0.5]), "within": pick(["equal", "inverse_volatility"])},
        {"name": "prop", "kind": "proportional", "edge_fraction": pick([0.0, 0.25, 1.0]),
         "constraints": [{"kind": "capped", "max_weight": pick([0.4, 0.6, 1.0])}]},
        {"name": "static", "kind": "static", "gpu": 0.6, "asic": 0.3, "edge": 0.1,
         "within": pick(["equal", "exposure"])},
    ]  # fmt: skip
    return {
        "schedule": {
            "frequency": pick(["monthly", "quarterly", "semiannual"]),
            "anchor": pick(["first", "last"]),
            "lag_days": pick([1, 2, 5]),
            "rebalance_band": pick([0.0, 0.01, 0.2]),
        },
        "signal": {
            "series": pick(["default", "fast_shift", "constant_50"]),
            "mode": pick(["point_in_time", "hindsight"]),
            "interpolation": pick(["step", "linear"]),
            "horizon": pick([0, 1, 2]),
        },
        "costs": {"fees_bps": pick([0.0, 10.0, 500.0]), "slippage_bps": pick([0.0, 5.0])},
        "data": {"max_fill_days": pick([0, 5]), "min_history_days": pick([1, 21, 60])},
        "strategies": draw(
            st.lists(
                st.sampled_from(strategies), min_size=1, max_size=3, unique_by=lambda s: s["name"]
            )
        ),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.one_of(plausible_configs(), raw_configs()),
    start=st.dates(dt.date(2023, 1, 2), dt.date(2024, 6, 1)),
    days=st.integers(5, 400),
)
def test_generated_configs_run_or_raise_a_backtest_error(
    raw: dict[str, Any], start: dt.date, days: int
) -> None:
    """Whatever parses is run on the demo market over a short window: a result or an error."""
    raw = {**raw, "run": {"start": start, "end": start + dt.timedelta(days=days)}}
    raw["data"] = {**{k: v for k, v in raw.get("data", {}).items() if k != "dir"}}
    raw["data"]["source"] = "demo"
    raw["universe"] = "gpu"
    try:
        with warnings.catch_warnings():  # the documented label of a hindsight run
            warnings.filterwarnings("ignore", "signal mode `hindsight`", UserWarning)
            result = run(parse_config(raw))
    except BacktestError:
        return
    assert np.isfinite(result.equity.to_numpy()).all()
    assert (result.equity.to_numpy() > 0).all()


@dataclass(frozen=True, kw_only=True)
class PanelProvider:
    """Serves a generated panel (whatever its flaws) for the tickers it has."""

    panel: pd.DataFrame
    name: str = "fuzz"
    synthetic: bool = True

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        return LoadedPrices(prices=self.panel[[t for t in self.panel.columns if t in tickers]])


price_values = st.one_of(
    st.floats(1e-3, 1e6),
    st.sampled_from([0.0, -1.0, -0.0, math.nan, math.inf, -math.inf]),
)
"""Spoilt cells. Absurd magnitudes (1e-300, 1e300) are left to the xfail test below."""


@st.composite
def panels(draw: st.DrawFn) -> pd.DataFrame:
    """A 3-ticker panel of 40-90 business days: mostly plausible, sometimes broken."""
    n = draw(st.integers(40, 90))
    dates = pd.bdate_range("2024-01-01", periods=n)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, size=(n, 3)), axis=0))
    for _ in range(draw(st.integers(0, 4))):  # spoil a few cells
        row, col = draw(st.integers(0, n - 1)), draw(st.integers(0, 2))
        values[row, col] = draw(price_values)
    listing = draw(st.integers(0, n))  # a late listing (NaN before), maybe never listed
    values[:listing, draw(st.integers(0, 2))] = np.nan
    frame = pd.DataFrame(values, index=dates, columns=list(SMALL))
    order = draw(st.sampled_from(["sorted", "duplicated", "shuffled", "dropped"]))
    if order == "duplicated":
        frame = pd.concat([frame, frame.iloc[[n // 2]]]).sort_index(kind="stable")
    elif order == "shuffled":
        frame = frame.sample(frac=1.0, random_state=int(rng.integers(1 << 30)))
    elif order == "dropped":
        frame = frame.drop(index=frame.index[draw(st.integers(1, n - 2)) :][:8])
    return frame


@pytest.fixture(scope="module")
def universe_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.toml"
    path.write_text(UNIVERSE, encoding="utf-8")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panel=panels(), band=st.sampled_from([0.0, 0.05]), lag=st.integers(1, 3))
def test_generated_price_panels_run_or_raise_a_backtest_error(
    universe_path: Path, panel: pd.DataFrame, band: float, lag: int
) -> None:
    raw = {
        "universe": str(universe_path),
        "run": {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 6, 28)},
        "data": {"source": "demo"},
        "schedule": {"rebalance_band": band, "lag_days": lag},
        "strategies": [
            {"name": "tilt", "kind": "linear_tilt", "strength": 2.0},
            {"name": "equal", "kind": "equal_weight"},
        ],
    }
    try:
        result = run(parse_config(raw), provider=PanelProvider(panel=panel))
    except BacktestError:
        return
    assert np.isfinite(result.equity.to_numpy()).all()


signal_cells = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["2023", "2023Q4", "0.4", "1.5", "-0.1", "nan", "2024-02-21", "estimate"]),
)


@settings(max_examples=200, deadline=None)
@given(
    header=st.permutations(["period", "share", "usable_from", "kind", "source"]),
    rows=st.lists(st.lists(signal_cells, min_size=0, max_size=6), max_size=5),
    junk=st.binary(max_size=20),
)
def test_signal_files_parse_or_raise_config_errors(
    header: list[str], rows: list[list[str]], junk: bytes
) -> None:
    lines = [",".join(header), *(",".join(f'"{c}"' for c in row) for row in rows)]
    for raw in ("\n".join(lines).encode(), junk, "\n".join(lines).encode() + junk):
        with contextlib.suppress(BacktestError):
            parse_signal(raw, label="fuzz.csv")


member_values = st.one_of(
    values,
    st.sampled_from(["gpu", "asic", "edge", "USD", "TWD", "NVDA", "AMD"]),
    st.floats(-1, 2),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.lists(
        st.dictionaries(
            st.sampled_from(
                ["ticker", "name", "bucket", "currency", "exposure", "note", "member_from", "x"]
            ),
            member_values,
            max_size=8,
        ),
        max_size=4,
    ),
    top=st.dictionaries(st.sampled_from(["name", "description", "baseline", "y"]), values),
)
def test_universe_files_load_or_raise_config_errors(
    universe_path: Path, members: list[dict[str, Any]], top: dict[str, Any]
) -> None:
    import json

    def toml_value(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float):
            return (
                "nan"
                if math.isnan(value)
                else ("inf" if value > 0 else "-inf")
                if math.isinf(value)
                else repr(value)
            )
        if isinstance(value, int | str):
            return json.dumps(value)
        if isinstance(value, list):
            return "[" + ", ".join(toml_value(v) for v in value if v is not None) + "]"
        if isinstance(value, dict):
            return (
                "{"
                + ", ".join(
                    f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items() if v is not None
                )
                + "}"
            )
        return '""'

    text = "".join(f"{k} = {toml_value(v)}\n" for k, v in top.items() if v is not None)
    for member in members:
        text += "\n[[members]]\n" + "".join(
            f"{k} = {toml_value(v)}\n" for k, v in member.items() if v is not None
        )
    path = universe_path.parent / "generated.toml"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(BacktestError):
        load_universe(path)


def test_max_fill_days_zero_runs() -> None:
    """Found by the config fuzzer: `data.max_fill_days = 0` (allowed) crashed in pandas'
    ``ffill(limit=0)`` while aligning the reference ETFs; now nothing is filled and the run
    completes, with every reference present (the demo market has no gaps)."""
    raw = {
        "universe": "gpu",
        "run": {"start": dt.date(2024, 1, 2), "end": dt.date(2024, 6, 28)},
        "data": {"source": "demo", "max_fill_days": 0},
        "strategies": [{"name": "equal", "kind": "equal_weight"}],
    }
    result = run(parse_config(raw))
    assert result.manifest["references"] == {"SPY": "used", "QQQ": "used", "SMH": "used"}
    assert result.manifest["filled_gaps"] == []


@pytest.mark.parametrize("absurd", [1e300, 1e-300])
def test_an_absurd_price_magnitude_is_a_data_error(universe_path: Path, absurd: float) -> None:
    dates = pd.bdate_range("2024-01-01", periods=80)
    values = 100.0 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.02, (80, 3)), axis=0))
    values[50, 0] = absurd  # one AVGO close
    panel = pd.DataFrame(values, index=dates, columns=list(SMALL))
    raw = {
        "universe": str(universe_path),
        "run": {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 6, 28)},
        "data": {"source": "demo"},
        "strategies": [{"name": "equal", "kind": "equal_weight"}],
    }
    with pytest.raises(BacktestError, match=r"prices of `AVGO` must be between 1e-08 and 1e\+09"):
        run(parse_config(raw), provider=PanelProvider(panel=panel))
