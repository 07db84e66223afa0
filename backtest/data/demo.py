"""The embedded demo market: a deterministic synthetic factor model of the default universe.

Model
-----
Business days from 2015-01-02 to 2026-07-31. For ticker ``i`` on day ``t`` the log return is::

    x[t, i] = (mu_i - sigma_i**2 / 2) / 252
              + sigma_i / sqrt(252) * (m_i * M[t] + s_i * S[t] + b_i * B[t, bucket(i)]
                                       + e_i * E[t, i])

with independent standard-normal factors: market ``M``, semiconductors ``S``, one per bucket
``B`` (gpu, asic, edge) and idiosyncratic ``E``. Loadings satisfy
``m**2 + s**2 + b**2 + e**2 = 1``, so ``sigma_i`` is the ticker's annual volatility.

Calibration (table ``CALIBRATION``): ``sigma_i``, the correlation with NVDA, the correlation
with SPY and the annual drift ``mu_i`` (log growth) were measured on Yahoo adjusted closes
2015-01-02 .. 2026-07-31 in ``../shared/data/prices`` (returns over each ticker's own listing):
``sigma_i = std(r_i, ddof=1) * sqrt(252)`` of simple daily returns ``r = p_t / p_{t-1} - 1``,
correlations pairwise over the days both tickers have a return, ``mu_i = ln(p_last / p_first)``
per year of the listing; all rounded to 3 decimals. The volatility and both correlation columns
are recomputed from the files by
``tests/data/test_realdata.py::test_demo_calibration_matches_the_real_data`` (agreement within
0.0005); the drift column's year count is approximate (it agrees to about 0.002).
The market loading is ``m_i = corr(i, SPY)``; NVDA's semiconductor loading is fixed at
``s_NVDA = 0.55`` and every bucket loading at ``b = 0.3``; each other semiconductor loading
solves ``corr(i, NVDA) = m_i m_NVDA + s_i s_NVDA + [same bucket] b**2`` (floored at 0), and the
idiosyncratic loading takes up the rest. IPO tickers (ARM, ALAB) start at their listing date.
Every price starts at 100.

The output is labelled `backtest.constants.SYNTHETIC_LABEL` wherever it appears.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from backtest.constants import BUCKETS, TRADING_DAYS_PER_YEAR, Bucket
from backtest.data.providers import LoadedPrices
from backtest.errors import DataError

__all__ = ["CALIBRATION", "DEMO_END", "DEMO_SEED", "DEMO_START", "DemoProvider", "demo_prices"]

DEMO_START: Final = dt.date(2015, 1, 2)
DEMO_END: Final = dt.date(2026, 7, 31)
DEMO_SEED: Final = 20150102

_S_NVDA: Final = 0.55
_B: Final = 0.3


@dataclass(frozen=True, kw_only=True)
class TickerCalibration:
    """Measured figures one demo ticker is calibrated to."""

    bucket: Bucket | None
    annual_volatility: float
    corr_nvda: float
    corr_spy: float
    annual_drift: float
    listed: dt.date = DEMO_START


def _cal(
    bucket: Bucket | None,
    annual_volatility: float,
    corr_nvda: float,
    corr_spy: float,
    annual_drift: float,
    listed: dt.date = DEMO_START,
) -> TickerCalibration:
    return TickerCalibration(
        bucket=bucket,
        annual_volatility=annual_volatility,
        corr_nvda=corr_nvda,
        corr_spy=corr_spy,
        annual_drift=annual_drift,
        listed=listed,
    )


# Columns: bucket, annual volatility, corr with NVDA, corr with SPY, annual drift (log growth).
# Measured on ../shared/data/prices adj_close, 2015-01-02 .. 2026-07-31 (see module docstring).
CALIBRATION: Final[dict[str, TickerCalibration]] = {
    "NVDA": _cal("gpu", 0.482, 1.0, 0.646, 0.522),
    "AMD": _cal("gpu", 0.598, 0.573, 0.518, 0.449),
    "INTC": _cal("gpu", 0.430, 0.419, 0.555, 0.102),
    "AVGO": _cal("asic", 0.395, 0.591, 0.649, 0.342),
    "MRVL": _cal("asic", 0.513, 0.578, 0.579, 0.231),
    "ALAB": _cal("asic", 0.947, 0.463, 0.460, 0.685, dt.date(2024, 3, 20)),
    "GOOGL": _cal("asic", 0.291, 0.509, 0.698, 0.226),
    "AMZN": _cal("asic", 0.331, 0.502, 0.633, 0.248),
    "META": _cal("asic", 0.379, 0.477, 0.606, 0.170),
    "MSFT": _cal("asic", 0.276, 0.578, 0.753, 0.213),
    "QCOM": _cal("edge", 0.386, 0.511, 0.616, 0.087),
    "AAPL": _cal("edge", 0.288, 0.511, 0.731, 0.220),
    "ARM": _cal("edge", 0.768, 0.494, 0.544, 0.463, dt.date(2023, 9, 14)),
    "NXPI": _cal("edge", 0.413, 0.506, 0.631, 0.106),
    "AMBA": _cal("edge", 0.584, 0.468, 0.509, 0.045),
    "LSCC": _cal("edge", 0.512, 0.511, 0.562, 0.250),
    "SYNA": _cal("edge", 0.523, 0.454, 0.551, 0.044),
    "CEVA": _cal("edge", 0.504, 0.462, 0.538, 0.051),
    "SPY": _cal(None, 0.176, 0.646, 1.0, 0.128),
    "QQQ": _cal(None, 0.220, 0.735, 0.932, 0.172),
    "SMH": _cal(None, 0.321, 0.792, 0.806, 0.269),
}  # fmt: skip


def factor_loadings(ticker: str) -> tuple[float, float, float, float]:
    """Return ``(m, s, b, e)``: market, semiconductor, bucket and idiosyncratic loadings."""
    cal = CALIBRATION[ticker]
    nvda = CALIBRATION["NVDA"]
    m = cal.corr_spy
    b = _B if cal.bucket is not None else 0.0
    if ticker == "NVDA":
        s = _S_NVDA
    else:
        same_bucket = _B * _B if cal.bucket == nvda.bucket else 0.0
        s = max(0.0, (cal.corr_nvda - m * nvda.corr_spy - same_bucket) / _S_NVDA)
    rest = 1.0 - m * m - s * s - b * b
    if rest < 0.0:  # scale the common part down so the loadings stay a unit vector
        scale = 1.0 / np.sqrt(m * m + s * s + b * b)
        m, s, b, rest = m * scale, s * scale, b * scale, 0.0
    return m, s, b, float(np.sqrt(rest))


def demo_prices(seed: int = DEMO_SEED) -> pd.DataFrame:
    """Return the full demo panel: business days x every calibrated ticker (sorted columns).

    Deterministic: the same ``seed`` gives the same bytes.
    """
    dates = pd.bdate_range(DEMO_START, DEMO_END, name="date")
    tickers = list(CALIBRATION)  # draw order is the table order, fixed
    n_days = len(dates)
    rng = np.random.default_rng(seed)
    market = rng.standard_normal(n_days)
    semis = rng.standard_normal(n_days)
    bucket_factors = {bucket: rng.standard_normal(n_days) for bucket in BUCKETS}
    idio = rng.standard_normal((n_days, len(tickers)))
    columns: dict[str, np.ndarray] = {}
    for j, ticker in enumerate(tickers):
        cal = CALIBRATION[ticker]
        m, s, b, e = factor_loadings(ticker)
        shock = m * market + s * semis + e * idio[:, j]
        if cal.bucket is not None:
            shock = shock + b * bucket_factors[cal.bucket]
        sigma_d = cal.annual_volatility / np.sqrt(TRADING_DAYS_PER_YEAR)
        drift_d = (cal.annual_drift - 0.5 * cal.annual_volatility**2) / TRADING_DAYS_PER_YEAR
        log_ret = drift_d + sigma_d * shock
        listed = dates >= pd.Timestamp(cal.listed)
        first = int(np.argmax(listed))
        path = np.full(n_days, np.nan)
        steps = log_ret[first:].copy()
        steps[0] = 0.0  # the listing day itself starts at 100
        path[first:] = 100.0 * np.exp(np.cumsum(steps))
        columns[ticker] = path
    prices = pd.DataFrame(columns, index=dates)
    return prices[sorted(prices.columns)]


@dataclass(frozen=True, kw_only=True)
class DemoProvider:
    """`PriceProvider` serving the embedded synthetic market (no I/O, no network)."""

    seed: int = DEMO_SEED
    name: str = "demo"
    synthetic: bool = True

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        """Return demo prices for ``tickers`` in ``[start, end]`` (empty provenance)."""
        unknown = sorted(set(tickers) - set(CALIBRATION))
        if unknown:
            raise DataError(
                f"`tickers` {', '.join(unknown)} are not in the demo market; "
                f"available: {', '.join(sorted(CALIBRATION))}"
            )
        prices = demo_prices(self.seed)
        return LoadedPrices(
            prices=prices.loc[pd.Timestamp(start) : pd.Timestamp(end), sorted(set(tickers))]
        )
