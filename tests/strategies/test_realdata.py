"""The strategy library on the real panel (../shared/data/prices; skipped when absent).

Checks that need real listings: late IPOs (ALAB, ARM) become eligible mid-run, the capped tilt
honours its cap every month, inverse-volatility weights match an independent numpy computation,
and no event's weights move when the prices after its determination date are scrambled.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from backtest.config import load_config
from backtest.context import Context
from backtest.pipeline.prepare import prepare
from strategies import Capped, LinearTilt, ProportionalTilt, linear_tilt_batch
from tests.conftest import REPO, SHARED_PRICES
from tests.strategies.helpers import perturbed, truncated

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_context() -> Context:
    folder: Path = SHARED_PRICES  # the `shared_prices_dir` fixture's folder, built once here
    if not (folder / "NVDA.csv").is_file():
        pytest.skip(f"real price data not found at {folder} (../shared is absent)")
    config = load_config(REPO / "configs" / "shared-files.toml")
    config = dataclasses.replace(config, data=dataclasses.replace(config.data, dir=str(folder)))
    return prepare(config).context


def test_late_listings_enter_after_21_days_of_prices(real_context: Context) -> None:
    weights = ProportionalTilt().weights(real_context)
    for ticker in ("ALAB", "ARM"):
        first_price = real_context.prices[ticker].first_valid_index()
        held = weights.index[weights[ticker] > 0]
        first_event = real_context.events.set_index("effective_date").loc[held[0]]
        history = real_context.prices[ticker].loc[: first_event["determination_date"]].count()
        assert history >= 21
        assert held[0] > first_price
        before = weights.index < held[0]
        assert (weights.loc[before, ticker] == 0).all()


def test_capped_tilt_honours_the_cap_every_month(real_context: Context) -> None:
    weights = Capped(inner=LinearTilt(strength=2.0), max_weight=0.25).weights(real_context)
    assert len(weights) > 130
    assert weights.to_numpy().max() <= 0.25 + 1e-12
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-12)
    uncapped = LinearTilt(strength=2.0).weights(real_context)
    assert uncapped.to_numpy().max() > 0.25  # the cap binds somewhere, so the test has teeth


def test_inverse_volatility_matches_numpy_on_real_prices(real_context: Context) -> None:
    weights = ProportionalTilt(within="inverse_volatility", lookback_days=63).weights(real_context)
    k = len(real_context.events) - 1
    det = real_context.events["determination_date"].iloc[k]
    window = real_context.prices.loc[:det].iloc[-64:]
    returns = window / window.shift(1) - 1.0
    gpu = [t for t in real_context.tickers if real_context.buckets[t] == "gpu"]
    inverse = 1.0 / returns[gpu].std(ddof=1)
    expected = (1.0 - real_context.share.iloc[k]) * inverse / inverse.sum()
    for ticker in gpu:
        assert float(weights.iloc[k][ticker]) == pytest.approx(float(expected[ticker]), rel=1e-12)


@pytest.mark.parametrize("k", [12, 60, 110])
def test_no_look_ahead_on_real_prices(real_context: Context, k: int) -> None:
    strategy = Capped(inner=LinearTilt(strength=2.0, within="inverse_volatility"), max_weight=0.25)
    full = strategy.weights(real_context).iloc[: k + 1].to_numpy()
    np.testing.assert_array_equal(strategy.weights(truncated(real_context, k)).to_numpy(), full)
    scrambled = strategy.weights(perturbed(real_context, k)).iloc[: k + 1].to_numpy()
    np.testing.assert_array_equal(scrambled, full)


def test_batch_equals_the_classes_on_real_prices(real_context: Context) -> None:
    strength = np.array([0.0, 1.0, 2.0, 2.0])
    share0 = np.array([0.4, 0.35, 0.45, 0.4])
    caps = np.array([np.inf, 0.3, 0.25, 0.2])
    batch = linear_tilt_batch(
        real_context, strength=strength, neutral_share=share0, max_weight=caps
    )
    for i in range(4):
        tilt = LinearTilt(strength=float(strength[i]), neutral_share=float(share0[i]))
        strategy = tilt if i == 0 else Capped(inner=tilt, max_weight=float(caps[i]))
        np.testing.assert_allclose(
            batch[i], strategy.weights(real_context).to_numpy(), rtol=0, atol=1e-13
        )
