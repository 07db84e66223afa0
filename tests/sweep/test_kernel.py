"""The sweep kernel reproduces the vectorbt engine (and the plain-numpy reference) on every day.

Both of its event paths are checked against the engine: the fast path (column order, no sort)
and the general path (vectorbt's call sequence order by order, forced with ``fast=False``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtest.engine.simulation import simulate
from backtest.sweep.kernel import prepared_prices, simulate_batch, simulate_into
from tests.conftest import REPO
from tests.reference_engine import reference_equity

RTOL = 1e-9


def _random_case(seed: int, n_days: int, n_tickers: int, n_variants: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-01", periods=n_days, name="date")
    vol = rng.uniform(0.005, 0.06, n_tickers)
    close = 20.0 * np.exp(np.cumsum(rng.normal(0.0, vol, (n_days, n_tickers)), axis=0))
    close *= rng.uniform(0.01, 100.0, n_tickers)  # very different price levels
    for j in range(1, n_tickers):  # IPOs: NaN before a random first day (T00 always listed)
        if rng.random() < 0.4:
            close[: rng.integers(1, n_days), j] = np.nan
    prices = pd.DataFrame(close, index=dates, columns=[f"T{j:02d}" for j in range(n_tickers)])
    n_events = int(rng.integers(1, min(12, n_days) + 1))
    rows = np.sort(rng.choice(n_days, size=n_events, replace=False))
    listed = ~np.isnan(close[rows])
    weights = np.empty((n_variants, n_events, n_tickers))
    for k in range(n_variants):
        raw = rng.random((n_events, n_tickers)) ** rng.uniform(0.3, 4.0)
        raw[rng.random((n_events, n_tickers)) < 0.3] = 0.0  # zero targets: full exits
        raw = np.where(listed, raw, 0.0)
        total = raw.sum(axis=1, keepdims=True)
        invested = rng.choice([1.0, rng.uniform(0.5, 1.0)], size=(n_events, 1))
        weights[k] = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0) * invested
    if n_variants > 1:
        weights[1] = weights[0]  # equal values tie: column order must break it
    return {"prices": prices, "rows": rows, "weights": weights}


def _engine_equity(
    prices: pd.DataFrame,
    rows: np.ndarray,
    weights: np.ndarray,
    fees_bps: float,
    slippage_bps: float,
    band: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    targets = {
        f"v{k}": pd.DataFrame(weights[k], index=prices.index[rows], columns=prices.columns)
        for k in range(len(weights))
    }
    sim = simulate(
        prices,
        targets,
        initial_cash=1e6,
        fees_bps=fees_bps,
        slippage_bps=slippage_bps,
        rebalance_band=band,
    )
    return (
        sim.equity.to_numpy().T,
        sim.fees.to_numpy(),
        sim.turnover[list(targets)].to_numpy().T,
    )


def _kernel(
    prices: pd.DataFrame,
    rows: np.ndarray,
    weights: np.ndarray,
    fees_bps: float,
    slip_bps: float,
    band: float = 0.0,
    *,
    fast: bool = True,
    general: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = len(weights)
    close = prices.to_numpy()[rows[0] :]
    equity = np.empty((k, len(close)))
    fees_paid, turnover, used = simulate_into(
        prepared_prices(close),
        rows - rows[0],
        weights,
        weight_index=np.arange(k),
        fees=np.full(k, fees_bps / 1e4),
        slippage=np.full(k, slip_bps / 1e4),
        band=np.full(k, band),
        initial_cash=1e6,
        equity_out=equity,
        fast=fast,
    )
    if general is not None:
        general.append(used)
    return equity, fees_paid, turnover


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_days=st.integers(3, 80),
    n_tickers=st.integers(1, 9),
    fees_bps=st.sampled_from([0.0, 1.0, 10.0, 250.0]),
    slippage_bps=st.sampled_from([0.0, 5.0, 120.0]),
    band=st.sampled_from([0.0, 0.0, 0.02, 0.1, 0.35]),
)
def test_kernel_equals_vectorbt_engine_on_random_cases(
    seed: int, n_days: int, n_tickers: int, fees_bps: float, slippage_bps: float, band: float
) -> None:
    case = _random_case(seed, n_days, n_tickers, n_variants=3)
    prices, rows, weights = case["prices"], case["rows"], case["weights"]
    assert isinstance(prices, pd.DataFrame)
    assert isinstance(rows, np.ndarray) and isinstance(weights, np.ndarray)
    expected, fees, turnover = _engine_equity(prices, rows, weights, fees_bps, slippage_bps, band)
    for fast in (True, False):  # both event paths against the engine
        equity, fees_paid, kernel_turnover = _kernel(
            prices, rows, weights, fees_bps, slippage_bps, band, fast=fast
        )
        np.testing.assert_allclose(equity, expected, rtol=RTOL, atol=0)
        np.testing.assert_allclose(fees_paid, fees, rtol=RTOL, atol=1e-9)
        np.testing.assert_allclose(kernel_turnover, turnover, rtol=RTOL, atol=1e-12)


def _dirichlet_case(seed: int, cash: tuple[float, float]) -> dict[str, object]:
    """The shared floor's inputs in small: 20 tickers (three listed late), monthly events,
    Dirichlet weights with a cash share drawn from ``cash``."""
    rng = np.random.default_rng(seed)
    n_days, n_tickers = 300, 20
    close = 50.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (n_days, n_tickers)), axis=0))
    close[:70, 17:] = np.nan  # late listings: unpriced and untargeted before
    dates = pd.bdate_range("2020-01-01", periods=n_days, name="date")
    prices = pd.DataFrame(close, index=dates, columns=[f"T{j:02d}" for j in range(n_tickers)])
    rows = np.arange(0, n_days, 21)
    weights = rng.dirichlet(np.ones(n_tickers), size=(6, len(rows)))
    weights *= 1.0 - rng.uniform(*cash, size=(6, len(rows), 1))
    weights[:, rows < 70, 17:] = 0.0
    return {"prices": prices, "rows": rows, "weights": weights}


@pytest.mark.parametrize(
    ("cash", "fees_bps", "slippage_bps", "band", "path"),
    [
        ((0.01, 0.10), 10.0, 0.0, 0.0, "fast"),  # the floor's case: every buy fits
        ((0.0, 0.0), 10.0, 5.0, 0.0, "fast"),  # fully invested: the last buy is clipped
        ((0.0, 0.0), 10.0, 5.0, 0.03, "fast"),  # with a drift band
        ((0.0, 0.0), 2000.0, 1500.0, 0.0, "general"),  # shortfalls beyond the last buy
    ],
)
def test_each_event_path_handles_its_cases_and_equals_the_engine(
    cash: tuple[float, float], fees_bps: float, slippage_bps: float, band: float, path: str
) -> None:
    case = _dirichlet_case(11, cash)
    prices, rows, weights = case["prices"], case["rows"], case["weights"]
    assert isinstance(prices, pd.DataFrame)
    assert isinstance(rows, np.ndarray) and isinstance(weights, np.ndarray)
    expected, fees, turnover = _engine_equity(prices, rows, weights, fees_bps, slippage_bps, band)
    used: list[np.ndarray] = []
    equity, fees_paid, kernel_turnover = _kernel(
        prices, rows, weights, fees_bps, slippage_bps, band, general=used
    )
    if path == "fast":
        assert used[0].sum() == 0  # no event needed the general path
    else:
        assert (used[0] > 0).all()  # every variant met a case only the general path computes
    np.testing.assert_allclose(equity, expected, rtol=RTOL, atol=0)
    np.testing.assert_allclose(fees_paid, fees, rtol=RTOL)
    np.testing.assert_allclose(kernel_turnover, turnover, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("band", [0.0, 0.03, 0.2])
def test_kernel_equals_plain_numpy_reference(band: float) -> None:
    case = _random_case(5, 300, 8, n_variants=4)
    prices, rows, weights = case["prices"], case["rows"], case["weights"]
    assert isinstance(prices, pd.DataFrame)
    assert isinstance(rows, np.ndarray) and isinstance(weights, np.ndarray)
    weights[2:] = 0.0
    weights[2, :, 0] = 1.0  # all in T00: never drifts, so every later event is skipped
    weights[3, :, 0] = 0.5  # half T00, half cash: drifts with T00's price
    equity, fees_paid, turnover = _kernel(prices, rows, weights, 10.0, 5.0, band)
    general, _, _ = _kernel(prices, rows, weights, 10.0, 5.0, band, fast=False)
    np.testing.assert_allclose(general, equity, rtol=1e-12)
    close = prices.to_numpy()[rows[0] :]
    listed = ~np.isnan(close[rows - rows[0]])
    n_skipped = 0
    for k in range(len(weights)):
        expected, _, fees, skipped = reference_equity(
            close,
            rows - rows[0],
            np.where(listed, weights[k], np.nan),
            initial_cash=1e6,
            fees=10.0 / 1e4,
            slippage=5.0 / 1e4,
            band=band,
        )
        np.testing.assert_allclose(equity[k], expected, rtol=RTOL)
        assert fees_paid[k] == pytest.approx(fees, rel=RTOL)
        assert (turnover[k, skipped] == 0.0).all()
        n_skipped += len(skipped)
    if band > 0:
        assert n_skipped >= len(rows) - 1  # variant 2 skips every event after the first


def test_weight_index_shares_weights_and_costs_vary_per_variant(
    synthetic_panel: pd.DataFrame,
) -> None:
    case = _random_case(9, 120, 6, n_variants=2)
    prices, rows, weights = case["prices"], case["rows"], case["weights"]
    assert isinstance(prices, pd.DataFrame)
    assert isinstance(rows, np.ndarray) and isinstance(weights, np.ndarray)
    equity, fees_paid, _ = simulate_batch(
        prices.to_numpy()[rows[0] :],
        rows - rows[0],
        weights,
        weight_index=np.array([1, 0, 1]),
        fees=np.array([0.001, 0.0, 0.0]),
        slippage=np.array([0.0, 0.002, 0.0]),
        band=np.zeros(3),
        initial_cash=1e6,
    )
    for k, (w, fees_bps, slip_bps) in enumerate([(1, 10.0, 0.0), (0, 0.0, 20.0), (1, 0.0, 0.0)]):
        alone, fees_alone, _ = _kernel(prices, rows, weights[w : w + 1], fees_bps, slip_bps)
        np.testing.assert_array_equal(equity[k], alone[0])
        assert fees_paid[k] == fees_alone[0]
    assert fees_paid[2] == 0.0
    assert (equity[0] <= equity[2] * (1 + 1e-12)).all()  # fees never raise equity


def test_kernel_equals_engine_on_the_real_panel(shared_prices_dir: Path) -> None:
    from backtest.config import load_config
    from backtest.sweep.market import load_market

    config = load_config(REPO / "configs" / "shared-files.toml")
    config = dataclasses.replace(
        config, data=dataclasses.replace(config.data, source="files", dir=str(shared_prices_dir))
    )
    prices = load_market(config).prices
    rows = np.flatnonzero(np.diff(prices.index.month.to_numpy(), prepend=0) != 0)[1:]
    listed = prices.iloc[rows].notna().to_numpy()
    rng = np.random.default_rng(3)
    weights = np.empty((8, len(rows), prices.shape[1]))
    for k in range(len(weights)):
        raw = np.where(listed, rng.random(listed.shape) ** 3, 0.0)
        weights[k] = raw / raw.sum(axis=1, keepdims=True)
    for band in (0.0, 0.03):
        expected, fees, turnover = _engine_equity(prices, rows, weights, 10.0, 5.0, band)
        for fast in (True, False):
            equity, fees_paid, kernel_turnover = _kernel(
                prices, rows, weights, 10.0, 5.0, band, fast=fast
            )
            np.testing.assert_allclose(equity, expected, rtol=RTOL, atol=0)
            np.testing.assert_allclose(fees_paid, fees, rtol=RTOL)
            np.testing.assert_allclose(kernel_turnover, turnover, rtol=RTOL, atol=1e-12)


def test_bad_shapes_raise() -> None:
    close = np.ones((5, 2))
    with pytest.raises(ValueError, match="`weights` must have shape"):
        simulate_batch(
            close,
            np.array([0, 2]),
            np.ones((1, 3, 2)),
            weight_index=np.array([0]),
            fees=np.zeros(1),
            slippage=np.zeros(1),
            band=np.zeros(1),
            initial_cash=1.0,
        )
    with pytest.raises(ValueError, match="`event_rows` must be strictly ascending"):
        simulate_batch(
            close,
            np.array([2, 2]),
            np.ones((1, 2, 2)) / 2,
            weight_index=np.array([0]),
            fees=np.zeros(1),
            slippage=np.zeros(1),
            band=np.zeros(1),
            initial_cash=1.0,
        )
