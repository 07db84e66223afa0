"""The sweep's overfitting statistics in one place, each with a plain-language reading.

Trials are the sweep's *distinct* return series (variants that trade identically, e.g. every
``neutral_share`` at ``strength = 0``, count once): they set ``N`` and the Sharpe-ratio variance
of the deflated Sharpe ratio, the trials of CSCV and the models of the SPA test. Because sweep
variants are strongly correlated, ``N`` overstates the number of independent trials, so the
DSR shown is conservative (too low) rather than flattering.

SPA runs on calendar-month returns: arch's variance estimator costs ``O(n_days^2 K)``, which is
hours for 10,000 daily series; monthly returns keep the test exact for its own inputs and take
seconds. The mean block length of its stationary bootstrap is ``spa_block_months``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backtest.sweep.metrics import monthly_returns_batch
from backtest.sweep.oos import rank_order
from backtest.sweep.run import SweepResult
from backtest.sweep.stats import PboResult, SpaResult, deflated_sharpe_ratio, pbo_cscv, spa_test

__all__ = ["SweepStatistics", "distinct_rows", "sweep_statistics"]


@dataclass(frozen=True, kw_only=True)
class SweepStatistics:
    """Overfitting statistics of one sweep.

    Attributes
    ----------
    metric : str
        Ranking metric.
    best : int
        Variant ranked first by ``metric``.
    n_variants, n_distinct : int
    dsr : dict
        `backtest.sweep.stats.deflated_sharpe_ratio` of the best variant's returns.
    dsr_active : dict
        The same on active returns (variant minus baseline): is the edge over NVDA real?
    pbo : PboResult or None
        None with fewer than 2 distinct trials.
    spa : SpaResult or None
        None when skipped.
    share_beating_baseline : float
        Share of variants with ``excess_cagr > 0``.
    reading : list[str]
        One plain-language sentence per statistic.
    """

    metric: str
    best: int
    n_variants: int
    n_distinct: int
    dsr: dict[str, float]
    dsr_active: dict[str, float]
    pbo: PboResult | None
    spa: SpaResult | None
    share_beating_baseline: float
    reading: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able view (the PBO logits are summarised, not listed)."""
        return {
            "metric": self.metric,
            "best_variant": self.best,
            "n_variants": self.n_variants,
            "n_distinct": self.n_distinct,
            "dsr": self.dsr,
            "dsr_active": self.dsr_active,
            "pbo": None
            if self.pbo is None
            else {
                "pbo": self.pbo.pbo,
                "n_blocks": self.pbo.n_blocks,
                "n_splits": len(self.pbo.logits),
                "median_logit": float(np.median(self.pbo.logits)),
            },
            "spa": None if self.spa is None else vars(self.spa),
            "share_beating_baseline": self.share_beating_baseline,
            "reading": self.reading,
        }


def distinct_rows(returns: np.ndarray) -> np.ndarray:
    """Rows of the first occurrence of each distinct return series (ascending)."""
    seen: dict[bytes, int] = {}
    for k in range(len(returns)):  # sha256 of the row's bytes: equal rows, equal digests
        seen.setdefault(hashlib.sha256(np.ascontiguousarray(returns[k]).data).digest(), k)
    return np.array(sorted(seen.values()), dtype=np.int64)


def sweep_statistics(
    result: SweepResult,
    *,
    pbo_blocks: int = 10,
    spa_reps: int = 1000,
    spa_block_months: int = 3,
    seed: int = 0,
    spa: bool = True,
) -> SweepStatistics:
    """DSR of the best variant, PBO by CSCV and the SPA test against the baseline.

    Parameters
    ----------
    result : SweepResult
    pbo_blocks : int
        CSCV blocks ``S`` (even); ``C(S, S/2)`` splits.
    spa_reps, spa_block_months : int
        SPA bootstrap replications and mean block length (months).
    seed : int
        SPA bootstrap seed.
    spa : bool
        Run the SPA test.
    """
    metric = result.spec.metric
    table = result.table
    best = int(rank_order(table[metric].to_numpy(dtype=float), metric)[0])
    keep = distinct_rows(result.returns)
    if best not in set(keep.tolist()):  # the best's twin is kept instead; use the best itself
        twin = next(k for k in keep if np.array_equal(result.returns[k], result.returns[best]))
        keep[keep == twin] = best
    baseline = result.baseline_returns.to_numpy()
    dsr = deflated_sharpe_ratio(result.returns, best, rows=keep)
    dsr_active = deflated_sharpe_ratio(result.returns, best, offset=baseline, rows=keep)
    pbo = pbo_cscv(result.returns, n_blocks=pbo_blocks, rows=keep) if len(keep) >= 2 else None
    spa_result = None
    if spa:
        monthly = np.concatenate(
            [
                monthly_returns_batch(result.returns[keep[lo : lo + 1024]], result.dates)
                for lo in range(0, len(keep), 1024)
            ]
        )
        spa_result = spa_test(
            monthly,
            monthly_returns_batch(baseline, result.dates),
            reps=spa_reps,
            block_size=spa_block_months,
            seed=seed,
        )
    share = float(np.mean(table["excess_cagr"].to_numpy(dtype=float) > 0))
    statistics = SweepStatistics(
        metric=metric,
        best=best,
        n_variants=len(table),
        n_distinct=len(keep),
        dsr=dsr,
        dsr_active=dsr_active,
        pbo=pbo,
        spa=spa_result,
        share_beating_baseline=share,
    )
    return _with_reading(statistics)


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _with_reading(s: SweepStatistics) -> SweepStatistics:
    d, a = s.dsr, s.dsr_active
    lines = [
        f"{_pct(s.share_beating_baseline)} of the {s.n_variants} variants beat NVDA buy-and-hold "
        "on CAGR over the whole window (before any correction for having tried them all).",
        f"Best variant by {s.metric}: #{s.best}, Sharpe {d['sharpe_annual']:.2f} a year. Among "
        f"{s.n_distinct} distinct trials, luck alone would give a best Sharpe of about "
        f"{d['sr0_annual']:.2f} a year. Probabilistic Sharpe ratio (true Sharpe > 0): "
        f"{_pct(d['psr'])}; deflated Sharpe ratio (true Sharpe above the best of luck): "
        f"{_pct(d['dsr'])}. This is about the Sharpe ratio against zero (owning AI chips at "
        "all), not about beating NVDA.",
        f"Against NVDA: the best variant's active return (variant minus NVDA) has an information "
        f"ratio of {a['sharpe_annual']:.2f} a year; luck alone would give about "
        f"{a['sr0_annual']:.2f}; deflated Sharpe ratio of the active return: {_pct(a['dsr'])}. "
        + (
            "The edge over NVDA survives the multiple-testing correction (DSR >= 95%)."
            if a["dsr"] >= 0.95
            else "The edge over NVDA does NOT survive the multiple-testing correction "
            "(DSR < 95%): treat it as a product of the search."
        ),
    ]
    if s.pbo is not None:
        lines.append(
            f"Probability of backtest overfitting (CSCV, {s.pbo.n_blocks} blocks, "
            f"{len(s.pbo.logits)} splits): {_pct(s.pbo.pbo)}, the share of splits in which the "
            "in-sample winner did no better than the median variant out of sample. "
            + (
                "Near 50% or above: choosing by in-sample rank is no better than chance."
                if s.pbo.pbo >= 0.4
                else "Well below 50%: in-sample rank carries information out of sample."
            )
        )
    if s.spa is not None:
        p = s.spa.pvalue_consistent
        lines.append(
            f"Hansen's SPA test (monthly returns, {s.spa.reps} bootstrap draws, seed "
            f"{s.spa.seed}): p = {p:.3f}. "
            + (
                "At the 5% level, at least one variant beats NVDA buy-and-hold after accounting "
                "for the whole search."
                if p < 0.05
                else "The data do not show that any variant beats NVDA buy-and-hold once the "
                "whole search is accounted for."
            )
        )
    return SweepStatistics(**{**vars(s), "reading": lines})
