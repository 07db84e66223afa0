"""How uncertain the headline numbers are: a seeded stationary bootstrap against the baseline.

Method (`backtest.report.tables.bootstrap_method` says it in one sentence): for each
strategy the pairs of daily returns (strategy, baseline) are resampled together in blocks of
random length (the stationary bootstrap of Politis and Romano 1994,
`arch.bootstrap.StationaryBootstrap`) with a mean block length chosen by the rule of Politis
and White (2004, corrected by Patton, Politis and White 2009;
`arch.bootstrap.optimal_block_length`, column ``stationary``) on the daily active returns
``r - r_b`` (at least 1 day); on each of ``reps`` resamples of the run's length the excess CAGR
and the information ratio are recomputed as `backtest.metrics` defines them, and the interval
is the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` percentiles of those draws.
``p_positive`` is the fraction of draws above 0 (for the excess CAGR: the bootstrap
probability that the strategy beats the baseline's CAGR). ``estimate`` is the full-sample
value (as in ``metrics.csv``). The generator is `numpy.random.default_rng(seed)`, one per
strategy in column order, so the table is the same for the same returns, seed and ``reps``.

This is the only module that imports ``arch`` outside the sweep's statistics.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from backtest.constants import BASELINE_COLUMN
from backtest.constants import TRADING_DAYS_PER_YEAR as P
from backtest.errors import ConfigError
from backtest.metrics import excess_cagr, information_ratio

__all__ = ["MIN_DAYS", "UNCERTAINTY_COLUMNS", "bootstrap_json", "bootstrap_table"]

MIN_DAYS = 60
"""Shortest run that is resampled (about three months); a shorter one gets an empty table."""

UNCERTAINTY_COLUMNS = (
    "strategy",
    "metric",
    "estimate",
    "low",
    "high",
    "p_positive",
    "confidence",
    "block_length",
    "reps",
    "seed",
)
"""Columns of `bootstrap_table` (and of ``uncertainty.csv``)."""


def _draws(r: np.ndarray, b: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excess CAGR and information ratio of each resample (rows of ``index``)."""
    n = index.shape[1]
    log_r, log_b = np.log1p(r)[index].sum(axis=1), np.log1p(b)[index].sum(axis=1)
    excess = np.expm1(log_r * P / n) - np.expm1(log_b * P / n)
    active = (r - b)[index]
    spread = active.std(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spread > 0, active.mean(axis=1) * P / (spread * np.sqrt(P)), np.nan)
    return excess, ratio


def bootstrap_table(
    returns: pd.DataFrame,
    *,
    strategies: list[str],
    baseline: str = BASELINE_COLUMN,
    reps: int = 1000,
    seed: int = 15,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Return the bootstrap intervals of each strategy's excess CAGR and information ratio.

    Parameters
    ----------
    returns : DataFrame, shape (n_days, n_series)
        Daily returns, the ``baseline`` column and every name of ``strategies`` included.
    strategies : list of str
        The columns measured, in this order (two rows each: ``excess_cagr``,
        ``information_ratio``).
    reps : int
        Resamples per strategy, >= 1 (0, or a run shorter than `MIN_DAYS`, returns an empty
        table).
    seed : int
        Seed of each strategy's `numpy.random.Generator`.
    confidence : float
        Central coverage of the interval, in (0, 1).

    Returns
    -------
    DataFrame with `UNCERTAINTY_COLUMNS` (the method: module docstring).
    """
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 0:
        raise ConfigError(f"`reps` must be an integer >= 0, got {reps!r}")
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"`confidence` must be in (0, 1), got {confidence!r}")
    rows: list[dict[str, object]] = []
    if reps == 0 or len(returns) < MIN_DAYS:
        return pd.DataFrame(rows, columns=list(UNCERTAINTY_COLUMNS))
    from arch.bootstrap import StationaryBootstrap, optimal_block_length  # heavy: when used

    b = returns[baseline].to_numpy(dtype=float)
    tails = [50.0 * (1.0 - confidence), 50.0 * (1.0 + confidence)]
    for name in strategies:
        r = returns[name].to_numpy(dtype=float)
        active = r - b
        block = 1.0  # the baseline itself or a copy of it: nothing to resample
        if np.ptp(active) > 0.0:
            with warnings.catch_warnings():  # an undefined rule (inf, nan) falls back to 1
                warnings.simplefilter("ignore", RuntimeWarning)
                rule = float(optimal_block_length(active)["stationary"].iloc[0])
            block = max(1.0, rule) if np.isfinite(rule) else 1.0
        # a mean block length (arch uses 1 / block as the restart probability), a float
        sampler = StationaryBootstrap(
            block,  # type: ignore[arg-type]
            np.arange(len(r)),
            seed=np.random.default_rng(seed),
        )
        index = np.stack([data[0][0] for data in sampler.bootstrap(reps)])
        draws = dict(zip(("excess_cagr", "information_ratio"), _draws(r, b, index), strict=True))
        estimates = {"excess_cagr": excess_cagr(r, b), "information_ratio": information_ratio(r, b)}
        for metric, values in draws.items():
            finite = values[np.isfinite(values)]
            low, high = np.percentile(finite, tails) if len(finite) else (np.nan, np.nan)
            rows.append(
                {
                    "strategy": name,
                    "metric": metric,
                    "estimate": estimates[metric],
                    "low": float(low),
                    "high": float(high),
                    "p_positive": float(np.mean(values > 0)) if len(finite) else np.nan,
                    "confidence": float(confidence),
                    "block_length": block,
                    "reps": reps,
                    "seed": seed,
                }
            )
    return pd.DataFrame(rows, columns=list(UNCERTAINTY_COLUMNS))


def bootstrap_json(uncertainty: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Return each strategy's intervals as ``metrics.json`` records them (its ``bootstrap``).

    Parameters
    ----------
    uncertainty : DataFrame
        A `bootstrap_table`, or the same read back from ``uncertainty.csv``.

    Returns
    -------
    dict
        Strategy -> ``method``, ``reps``, ``seed``, ``confidence``, ``block_length`` and, per
        metric, its ``estimate``, ``low``, ``high`` and ``p_positive`` (NaN as None); no key for
        a strategy without rows.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, rows in uncertainty.groupby("strategy", sort=False):
        first = rows.iloc[0]
        out[str(name)] = {
            "method": "stationary bootstrap (arch), Politis-White block length",
            "reps": int(first["reps"]),
            "seed": int(first["seed"]),
            "confidence": float(first["confidence"]),
            "block_length": float(first["block_length"]),
            **{
                str(row["metric"]): {
                    k: None if pd.isna(row[k]) else float(row[k])
                    for k in ("estimate", "low", "high", "p_positive")
                }
                for _, row in rows.iterrows()
            },
        }
    return out
