"""The sweep's overfitting statistics in one place, each with a plain-language reading.

Trials are the sweep's *distinct* return series (`backtest.sweep.trials`); costs run as a
sensitivity are not trials. Each statistic says what it is computed on:

* **DSR** is about a Sharpe ratio, so it is applied to the variant with the best Sharpe ratio
  (whatever the ranking metric), and the active DSR (returns minus NVDA's) to the variant with the
  best information ratio. Its number of trials is given twice: ``N`` (the distinct trials,
  conservative as they are correlated) and ``N_eff = rho + (1 - rho) N`` from their average
  pairwise correlation ``rho`` (exact over all trials, `backtest.sweep.stats.average_correlation`).
* **PBO** by CSCV ranks the in-sample winner by the sweep's metric (`backtest.sweep.pbo`).
* **SPA** tests the mean calendar-month return of every trial against NVDA's (arch's test,
  streamed: `backtest.sweep.spa`): neither the ranking metric nor CAGR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from backtest.sweep.grid import COST_PARAMS
from backtest.sweep.pbo import PboResult, pbo_cscv
from backtest.sweep.ranking import rank_order
from backtest.sweep.run import SweepResult
from backtest.sweep.spa import spa_pvalues
from backtest.sweep.stats import (
    SpaResult,
    average_correlation,
    deflated_sharpe_ratio,
    effective_trials,
    sharpe_moments,
)

__all__ = ["SweepStatistics", "grid_edges", "sweep_statistics"]


@dataclass(frozen=True, kw_only=True)
class SweepStatistics:
    """Overfitting statistics of one sweep.

    Attributes
    ----------
    metric : str
        Ranking metric.
    best, best_sharpe, best_ir : int
        The variant ranked first by ``metric``, by Sharpe ratio, by information ratio.
    n_variants, n_trials : int
        Variants, and distinct return series among them.
    correlation, correlation_active : float
        Average pairwise correlation of the trials' daily returns (raw, active).
    effective_trials, effective_trials_active : float
        ``rho + (1 - rho) N`` for each.
    dsr, dsr_effective : dict
        `backtest.sweep.stats.deflated_sharpe_ratio` of the Sharpe-best variant with ``N`` and
        with ``N_eff`` trials.
    dsr_active, dsr_active_effective : dict
        The same on active returns, of the information-ratio-best variant.
    pbo : PboResult or None
    spa : SpaResult or None
    share_beating_baseline : float
        Share of variants with ``excess_cagr > 0``.
    reading : list[str]
        One plain-language sentence (or a few) per statistic.
    """

    metric: str
    best: int
    best_sharpe: int
    best_ir: int
    n_variants: int
    n_trials: int
    correlation: float
    correlation_active: float
    effective_trials: float
    effective_trials_active: float
    dsr: dict[str, float]
    dsr_effective: dict[str, float]
    dsr_active: dict[str, float]
    dsr_active_effective: dict[str, float]
    pbo: PboResult | None
    spa: SpaResult | None
    share_beating_baseline: float
    reading: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able view (the PBO logits are summarised, not listed)."""
        out = {k: v for k, v in vars(self).items() if k not in ("pbo", "spa")}
        out["pbo"] = None
        if self.pbo is not None:
            out["pbo"] = {
                "pbo": self.pbo.pbo,
                "n_blocks": self.pbo.n_blocks,
                "n_splits": len(self.pbo.logits),
                "n_trials": self.pbo.n_trials,
                "metric": self.pbo.metric,
                "ranked_by": self.pbo.ranked_by,
                "tied_splits": self.pbo.tied_splits,
                "median_logit": float(np.median(self.pbo.logits)),
            }
        out["spa"] = None if self.spa is None else vars(self.spa)
        return out


def _best(result: SweepResult, metric: str) -> int:
    return int(rank_order(result.table[metric].to_numpy(dtype=float), metric)[0])


def _baseline_blocks(result: SweepResult) -> np.ndarray:
    plan, b = result.plan, result.baseline_returns.to_numpy()
    first = len(b) - plan.n_blocks * plan.block_size
    blocks = b[first:].reshape(plan.n_blocks, plan.block_size)
    return np.column_stack([blocks.sum(axis=1), (blocks * blocks).sum(axis=1)])


def sweep_statistics(result: SweepResult) -> SweepStatistics:
    """DSR (Sharpe-best and IR-best), effective trials, PBO by CSCV and the SPA test."""
    if not result.plan.statistics:
        raise ValueError("the sweep ran without statistics (`Analysis(statistics=False)`)")
    trials = result.trials
    rows, n_obs = trials.trials, len(result.dates)
    moments = trials.moments
    rho = average_correlation(trials.zsums[0], n_series=int(trials.zcounts[0]), n_obs=n_obs)
    rho_active = average_correlation(trials.zsums[1], n_series=int(trials.zcounts[1]), n_obs=n_obs)
    best_sharpe, best_ir = _best(result, "sharpe_ratio"), _best(result, "information_ratio")
    chosen = result.returns_of(np.array([best_sharpe, best_ir]))  # the two selected series
    chosen[1] -= result.baseline_returns.to_numpy()
    _, skews, kurtoses = sharpe_moments(chosen)
    dsr: dict[str, dict[str, float]] = {}
    for i, (name, row, col, correlation) in enumerate(
        (("raw", best_sharpe, 0, rho), ("active", best_ir, 3, rho_active))
    ):
        sharpes = moments[rows, col]
        n_trials = int(np.isfinite(sharpes).sum())
        common = {
            "sharpe": float(moments[row, col]),
            "skew": float(skews[i]),
            "kurtosis": float(kurtoses[i]),
            "n_obs": n_obs,
            "trial_sharpes": sharpes,
        }
        dsr[name] = deflated_sharpe_ratio(**common)
        dsr[f"{name}_eff"] = deflated_sharpe_ratio(
            **common, n_trials=effective_trials(n_trials, correlation)
        )
    plan = result.plan
    pbo = None
    if len(rows) >= 2:
        pbo = pbo_cscv(
            trials.blocks[rows],
            columns=plan.block_columns,
            metric=plan.metric,
            baseline=_baseline_blocks(result),
            block_size=plan.block_size,
        )
    spa = None
    if trials.spa is not None:
        lower, consistent, upper = spa_pvalues(trials.spa)
        spa = SpaResult(
            pvalue_lower=lower,
            pvalue_consistent=consistent,
            pvalue_upper=upper,
            reps=trials.spa.simulated.shape[1],
            block_size=plan.spa_block_months,
            seed=result.analysis.seed,
        )
    statistics = SweepStatistics(
        metric=plan.metric,
        best=_best(result, plan.metric),
        best_sharpe=best_sharpe,
        best_ir=best_ir,
        n_variants=len(result.table),
        n_trials=len(rows),
        correlation=rho,
        correlation_active=rho_active,
        effective_trials=effective_trials(len(rows), rho),
        effective_trials_active=effective_trials(len(rows), rho_active),
        dsr=dsr["raw"],
        dsr_effective=dsr["raw_eff"],
        dsr_active=dsr["active"],
        dsr_active_effective=dsr["active_eff"],
        pbo=pbo,
        spa=spa,
        share_beating_baseline=float(np.mean(result.table["excess_cagr"].to_numpy() > 0)),
    )
    return SweepStatistics(**{**vars(statistics), "reading": reading(result, statistics)})


def _at(table: pd.DataFrame, variant: int, column: str) -> float:
    """``table.loc[variant, column]`` as a float (the index is the variant number)."""
    return float(table[column].to_numpy(dtype=float)[variant])


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def grid_edges(result: SweepResult, variant: int) -> list[str]:
    """Name each grid axis (>= 3 numeric values) on whose edge ``variant`` sits.

    Returns
    -------
    list of str
        ``name (value, the smallest/largest value tried)`` each.
    """
    out = []
    for name, values in result.spec.grid.items():
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(set(numeric)) < 3 or len(numeric) != len(values):
            continue
        value = result.table.loc[variant, name]
        if value == min(numeric) or value == max(numeric):
            side = "smallest" if value == min(numeric) else "largest"
            out.append(f"`{name}` ({value:g}, the {side} value tried)")
    return out


def reading(result: SweepResult, s: SweepStatistics) -> list[str]:
    """Return the plain-language sentences of the report, one entry per statistic."""
    d, de, a, ae = s.dsr, s.dsr_effective, s.dsr_active, s.dsr_active_effective
    name = result.describe
    same = (
        f"also the first by `{s.metric}`"
        if s.best_sharpe == s.best
        else f"the first by `{s.metric}` is {name(s.best)}"
    )
    lines = [
        f"{_pct(s.share_beating_baseline)} of the {s.n_variants} variants beat NVDA buy-and-hold "
        "on CAGR over the whole window (before any correction for having tried them all).",
        f"Trials: {s.n_trials} distinct return series among the {s.n_variants} variants; their "
        f"daily returns have an average pairwise correlation of {s.correlation:.2f}, so they count "
        f"as about {s.effective_trials:.1f} effective independent trials (N_eff = rho + (1 - rho) "
        f"N); for active returns {s.correlation_active:.2f}, N_eff {s.effective_trials_active:.1f}."
        " The DSR is given for both counts: N is conservative, N_eff may flatter.",
        f"Deflated Sharpe ratio, applied to the Sharpe-best variant {name(s.best_sharpe)} ({same}):"
        f" Sharpe {d['sharpe_annual']:.2f} a year. Luck alone would give a best Sharpe of about "
        f"{d['sr0_annual']:.2f} a year among {s.n_trials} trials ({de['sr0_annual']:.2f} among "
        f"{s.effective_trials:.1f}). Probabilistic Sharpe ratio (true Sharpe > 0): "
        f"{_pct(d['psr'])}; DSR (true Sharpe above the best of luck): {_pct(d['dsr'])} with N, "
        f"{_pct(de['dsr'])} with N_eff. This is about the Sharpe ratio against zero (owning AI "
        "chips at all), not about beating NVDA.",
    ]
    if a["sharpe_annual"] <= 0 or not np.isfinite(a["sharpe_annual"]):
        lines.append(
            f"Against NVDA: no variant has a positive information ratio (the best, "
            f"{name(s.best_ir)}, has {a['sharpe_annual']:.2f} a year), so there is no edge over "
            "NVDA to deflate."
        )
    else:
        survives = (
            "survives the multiple-testing correction with either count (DSR >= 95%)"
            if a["dsr"] >= 0.95
            else "survives only when the trials are counted as N_eff (DSR >= 95% with N_eff, not "
            "with N): treat it with care"
            if ae["dsr"] >= 0.95
            else "does NOT survive the multiple-testing correction (DSR < 95%): treat it as a "
            "product of the search"
        )
        lines.append(
            f"Against NVDA: the best information ratio is {a['sharpe_annual']:.2f} a year "
            f"({name(s.best_ir)}); luck alone would give about {a['sr0_annual']:.2f} "
            f"({ae['sr0_annual']:.2f} with N_eff); active DSR {_pct(a['dsr'])} with N, "
            f"{_pct(ae['dsr'])} with N_eff. The edge over NVDA {survives}."
        )
    if s.pbo is not None:
        p = s.pbo
        verdict = (
            "At or above 50%: choosing by in-sample rank is no better than chance."
            if p.pbo >= 0.5
            else "Close to 50%: in-sample rank carries little information out of sample."
            if p.pbo >= 0.4
            else "Well below 50%: in-sample rank carries information out of sample."
            if p.pbo < 0.2
            else "Below 50%: in-sample rank carries some information out of sample."
        )
        ranked = f"ranked by `{p.ranked_by}`"
        if p.ranked_by != p.metric:
            ranked += f" (`{p.metric}` is not a function of day blocks)"
        lines.append(
            f"Probability of backtest overfitting (CSCV, {p.n_blocks} blocks, {len(p.logits)} "
            f"splits, {p.n_trials} trials, {ranked}): {_pct(p.pbo)}, the share of splits in which "
            f"the in-sample winner did no better than the median trial out of sample; in "
            f"{p.tied_splits} splits several trials tied for the in-sample best and their "
            f"out-of-sample ranks were averaged. {verdict}"
        )
    if s.spa is not None:
        q = s.spa
        lines.append(
            f"Hansen's SPA test of the mean monthly return (not `{s.metric}`, not CAGR) of all "
            f"{s.n_trials} trials against NVDA's ({q.reps} bootstrap draws, mean block "
            f"{q.block_size} months, seed {q.seed}): p = {q.pvalue_consistent:.3f} (lower "
            f"{q.pvalue_lower:.3f}, upper {q.pvalue_upper:.3f}). "
            + (
                "At the 5% level, at least one variant has a higher mean monthly return than NVDA "
                "after accounting for the whole search."
                if q.pvalue_consistent < 0.05
                else "The data do not show that any variant has a higher mean monthly return than "
                "NVDA once the whole search is accounted for."
            )
        )
    return lines + context_lines(result, s.best)


def context_lines(result: SweepResult, best: int) -> list[str]:
    """Grid edges, costs and the signs of CAGR- and mean-based figures of variant ``best``."""
    lines = []
    edges = grid_edges(result, best)
    if edges:
        lines.append(
            f"The best variant by `{result.spec.metric}`, {result.describe(best)}, sits on the edge"
            f" of the searched grid for {', '.join(edges)}: the optimum may lie outside the range "
            "searched (and widening the grid adds trials)."
        )
    table, base = result.table, result.baseline_metrics
    excess, ratio = _at(table, best, "excess_cagr"), _at(table, best, "information_ratio")
    if np.sign(excess) * np.sign(ratio) < 0:
        vol, base_vol = _at(table, best, "annual_volatility"), base["annual_volatility"]
        mean = float(result.trials.moments[best, 1]) * 252
        base_mean = float(result.baseline_returns.mean()) * 252
        lines.append(
            f"{result.describe(best)} has an excess CAGR of {_pct(excess)} but an "
            f"information ratio of {ratio:.2f}: CAGR compounds, and "
            f"compounding costs about half the variance a year (volatility drag: "
            f"{_pct(vol**2 / 2)} at its {_pct(vol)} volatility, {_pct(base_vol**2 / 2)} for NVDA "
            f"at {_pct(base_vol)}), while the information ratio (like the SPA test) averages "
            f"daily returns: its arithmetic mean return is {_pct(mean)} a year against NVDA's "
            f"{_pct(base_mean)}."
        )
    costs = result.market.config.costs
    searched = [c for c in COST_PARAMS if c in result.spec.parameters]
    if searched:
        lines.append(
            f"{', '.join(f'`{c}`' for c in searched)} is a search axis: the search rewards the "
            "cheapest cost assumption and every cost level counts as a trial; "
            "`[sweep.sensitivity]` reports costs per variant instead."
        )
    if result.plan.scenarios:
        metric = result.spec.metric
        levels = ", ".join(
            f"{_at(table, best, f'{metric}@{c}={v:g}'):.3g} at {c} {v:g}"
            for c, v in result.plan.scenarios
        )
        lines.append(
            f"Costs are a sensitivity, not a search axis: ranking, selection and trials use the "
            f"config's fees_bps {costs.fees_bps:g} and slippage_bps {costs.slippage_bps:g}; every "
            f"variant was also run at {', '.join(f'{c} {v:g}' for c, v in result.plan.scenarios)} "
            f"(columns `{metric}@...` of sweep.parquet). For {result.describe(best)} `{metric}` "
            f"is {_at(table, best, metric):.3g} at the config's costs, {levels}."
        )
    return lines
