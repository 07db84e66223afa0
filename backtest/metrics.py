"""Performance metrics as small pure functions (DESIGN section 8).

Conventions
-----------
* ``returns`` are simple daily returns ``r_t = V_t / V_{t-1} - 1`` over the run's ``n`` trading
  days, with ``V_{-1}`` the initial cash (`daily_returns`), so day 0 carries the first fees.
* 252 periods a year (`backtest.constants.TRADING_DAYS_PER_YEAR`); ``risk_free`` is an annual
  rate (a constant, or one value per day), 0 unless configured, turned into a daily rate by
  compounding, ``(1 + rf) ** (1 / 252) - 1`` (`daily_risk_free`, as quantstats does), so 252
  days at the daily rate earn exactly the annual rate.
* Standard deviations use ``ddof = 1``.
* NaN and short-series policy: every metric returns NaN (never raises) when

  - any input return is NaN (NaN is never skipped: a gap in an equity curve is an error upstream),
  - there are no returns (``total_return``, ``cagr``, ``max_drawdown``, the monthly metrics),
  - a metric needs a dispersion and there are fewer than 2 returns (volatility, ratios, TE, beta,
    alpha, correlation),
  - a ratio's denominator is 0 (a flat series: Sharpe 0/0; the information ratio of the baseline
    against itself; Calmar without a drawdown; Sortino without a losing day; up/down capture
    without an up/down baseline month).

  ``cagr`` of a wiped-out portfolio (``V_T <= 0``) is -1.
* A metric of a series against itself does not apply: `metrics_table` gives the baseline row NaN
  (``n/a``) for every relative metric (`RELATIVE_METRICS`).
* Monthly metrics compound daily returns into calendar months (`monthly_returns`); a partial first
  or last month counts as a month.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import pandas as pd

from backtest.constants import TRADING_DAYS_PER_YEAR as P

__all__ = [
    "METRIC_NAMES",
    "RELATIVE_METRICS",
    "alpha",
    "annual_turnover",
    "annual_volatility",
    "beta",
    "cagr",
    "calmar_ratio",
    "correlation",
    "daily_returns",
    "daily_risk_free",
    "down_capture",
    "excess_cagr",
    "information_ratio",
    "max_drawdown",
    "metrics_table",
    "monthly_hit_rate",
    "monthly_returns",
    "sharpe_ratio",
    "sortino_ratio",
    "total_return",
    "tracking_error",
    "up_capture",
]


def _arr(values: np.ndarray | pd.Series) -> np.ndarray:
    return np.asarray(values, dtype=float)


def _has_nan(*arrays: np.ndarray | pd.Series) -> bool:
    return any(bool(np.isnan(_arr(a)).any()) for a in arrays)


def _ratio(num: float, den: float) -> float:
    if not np.isfinite(num) or not np.isfinite(den) or den == 0.0:
        return float("nan")
    return num / den


@overload
def daily_returns(equity: pd.DataFrame, initial_cash: float) -> pd.DataFrame: ...
@overload
def daily_returns(equity: pd.Series, initial_cash: float) -> pd.Series: ...
@overload
def daily_returns(equity: np.ndarray, initial_cash: float) -> np.ndarray: ...


def daily_returns(
    equity: np.ndarray | pd.Series | pd.DataFrame, initial_cash: float
) -> np.ndarray | pd.Series | pd.DataFrame:
    """Return ``V_t / V_{t-1} - 1`` for each day, with ``V_{-1} = initial_cash``.

    The one definition of a run's daily returns (DESIGN section 8): the run's, the loaded
    folder's and the report's.

    Parameters
    ----------
    equity : ndarray of shape (n,) or (n, n_columns), Series of length n, or DataFrame of shape
        (n, n_columns)
        Values at each close (time along the first axis), one column per portfolio.
    initial_cash : float

    Returns
    -------
    The same type and shape as ``equity``.
    """
    if isinstance(equity, pd.Series | pd.DataFrame):
        previous = equity.shift(1)
        if len(previous):
            previous.iloc[0] = float(initial_cash)
        return equity / previous - 1.0
    values = _arr(equity)
    first = np.full((1, *values.shape[1:]), float(initial_cash))
    previous_values = np.concatenate((first, values[:-1]), axis=0)
    returns: np.ndarray = values / previous_values - 1.0
    return returns


RiskFree = float | np.ndarray | pd.Series
"""An annual risk-free rate: a constant, or one value per day of the returns it goes with."""


def daily_risk_free(risk_free: RiskFree) -> float | np.ndarray:
    """Return the daily rate ``(1 + rf) ** (1 / 252) - 1`` of an annual rate (or array of them).

    Compounding (not ``rf / 252``) makes 252 days at the daily rate earn exactly ``rf``, the
    convention of quantstats; for a 5 % rate the two differ by 0.12 % of the daily rate.
    """
    if isinstance(risk_free, int | float):
        return float((1.0 + risk_free) ** (1.0 / P) - 1.0)
    return np.power(1.0 + _arr(risk_free), 1.0 / P) - 1.0


def _excess(returns: np.ndarray | pd.Series, risk_free: RiskFree) -> np.ndarray:
    """``r - daily_risk_free(rf)`` as an array."""
    return _arr(returns) - daily_risk_free(risk_free)


def total_return(returns: np.ndarray | pd.Series) -> float:
    """``prod(1 + r) - 1`` = ``V_T / V_{-1} - 1``; NaN for no returns."""
    r = _arr(returns)
    return float(np.prod(1.0 + r) - 1.0) if len(r) and not _has_nan(r) else float("nan")


def cagr(returns: np.ndarray | pd.Series) -> float:
    """``(V_T / V_{-1}) ** (252 / n) - 1``; NaN for no returns."""
    r = _arr(returns)
    if not len(r) or _has_nan(r):
        return float("nan")
    growth = float(np.prod(1.0 + r))
    return growth ** (P / len(r)) - 1.0 if growth > 0 else -1.0


def annual_volatility(returns: np.ndarray | pd.Series) -> float:
    """``std(r, ddof=1) * sqrt(252)``; NaN for fewer than 2 returns."""
    r = _arr(returns)
    return float(np.std(r, ddof=1) * np.sqrt(P)) if len(r) >= 2 else float("nan")


def sharpe_ratio(returns: np.ndarray | pd.Series, risk_free: RiskFree = 0.0) -> float:
    """``mean(x) / std(x, ddof=1) * sqrt(252)``, ``x = r - rf_d``; NaN if the std is 0.

    ``rf_d`` is `daily_risk_free` of the annual rate ``risk_free`` (a constant or per day).
    """
    r = _excess(returns, risk_free)
    if len(r) < 2:
        return float("nan")
    return _ratio(float(np.mean(r)), float(np.std(r, ddof=1))) * float(np.sqrt(P))


def sortino_ratio(returns: np.ndarray | pd.Series, risk_free: RiskFree = 0.0) -> float:
    """``mean(x) * 252 / (sqrt(mean(min(x, 0)**2)) * sqrt(252))`` with ``x = r - rf_d``.

    The downside deviation averages over all days (not only the losing ones); ``rf_d`` as in
    `sharpe_ratio`.
    """
    x = _excess(returns, risk_free)
    if len(x) < 2:
        return float("nan")
    downside = float(np.sqrt(np.mean(np.minimum(x, 0.0) ** 2)))
    return _ratio(float(np.mean(x)) * P, downside * np.sqrt(P))


def max_drawdown(returns: np.ndarray | pd.Series) -> float:
    """Largest peak-to-trough fall of ``V`` (``V_{-1}`` included), as a fraction <= 0."""
    r = _arr(returns)
    if not len(r) or _has_nan(r):
        return float("nan")
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + r)))
    peaks = np.maximum.accumulate(wealth)
    return float(np.min(wealth / peaks - 1.0))


def calmar_ratio(returns: np.ndarray | pd.Series) -> float:
    """``cagr / |max_drawdown|``; NaN without a drawdown."""
    return _ratio(cagr(returns), abs(max_drawdown(returns)))


def excess_cagr(returns: np.ndarray | pd.Series, baseline: np.ndarray | pd.Series) -> float:
    """``cagr(returns) - cagr(baseline)`` over the same days."""
    return cagr(returns) - cagr(baseline)


def tracking_error(returns: np.ndarray | pd.Series, baseline: np.ndarray | pd.Series) -> float:
    """``std(r - r_b, ddof=1) * sqrt(252)``; NaN for fewer than 2 days."""
    active = _arr(returns) - _arr(baseline)
    return float(np.std(active, ddof=1) * np.sqrt(P)) if len(active) >= 2 else float("nan")


def information_ratio(returns: np.ndarray | pd.Series, baseline: np.ndarray | pd.Series) -> float:
    """``mean(r - r_b) * 252 / tracking_error``; NaN when the tracking error is 0."""
    active = _arr(returns) - _arr(baseline)
    if len(active) < 2:
        return float("nan")
    return _ratio(float(np.mean(active)) * P, tracking_error(returns, baseline))


def beta(returns: np.ndarray | pd.Series, baseline: np.ndarray | pd.Series) -> float:
    """``cov(r, r_b) / var(r_b)`` (ddof 1); NaN if the baseline is flat."""
    r, b = _arr(returns), _arr(baseline)
    if len(r) < 2:
        return float("nan")
    return _ratio(float(np.cov(r, b, ddof=1)[0, 1]), float(np.var(b, ddof=1)))


def alpha(
    returns: np.ndarray | pd.Series, baseline: np.ndarray | pd.Series, risk_free: RiskFree = 0.0
) -> float:
    """Annualised arithmetic alpha ``(mean(x) - beta * mean(x_b)) * 252``, ``x = r - rf_d``.

    ``beta`` is of the excess returns ``x`` on ``x_b`` (equal to the raw beta for a constant
    rate); annualised by multiplying by 252 as quantstats does (empyrical compounds instead,
    ``(1 + daily alpha) ** 252 - 1``).
    """
    r, b = _excess(returns, risk_free), _excess(baseline, risk_free)
    return (float(np.mean(r)) - beta(r, b) * float(np.mean(b))) * P if len(r) >= 2 else float("nan")


def correlation(returns: np.ndarray | pd.Series, baseline: np.ndarray | pd.Series) -> float:
    """Pearson correlation of daily returns; NaN if either is flat."""
    r, b = _arr(returns), _arr(baseline)
    if len(r) < 2:
        return float("nan")
    den = float(np.std(r, ddof=1) * np.std(b, ddof=1))
    return _ratio(float(np.cov(r, b, ddof=1)[0, 1]), den)


def monthly_returns(returns: pd.Series) -> pd.Series:
    """Compound daily returns (DatetimeIndex) into calendar-month returns.

    A month holding a NaN day is NaN (NaN is never skipped). Index: monthly ``Period``.
    """
    dates = pd.DatetimeIndex(returns.index)
    if not dates.is_monotonic_increasing or not len(dates):
        grouped = (1.0 + returns).groupby(dates.to_period("M"))
        return grouped.prod(skipna=False) - 1.0
    keys = dates.year.to_numpy() * 12 + dates.month.to_numpy()
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    growth = np.multiply.reduceat(1.0 + _arr(returns), starts)
    return pd.Series(growth - 1.0, index=dates[starts].to_period("M"), name=returns.name)


def _monthly_pair(returns: pd.Series, baseline: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    if not len(returns) or _has_nan(returns, baseline):
        return None
    return monthly_returns(returns), monthly_returns(baseline)


def _capture(returns: pd.Series, baseline: pd.Series, *, up: bool) -> float:
    pair = _monthly_pair(returns, baseline)
    if pair is None:
        return float("nan")
    rm, bm = pair
    months = bm > 0 if up else bm < 0
    if not months.any():
        return float("nan")
    return _ratio(float(rm[months].mean()), float(bm[months].mean()))


def up_capture(returns: pd.Series, baseline: pd.Series) -> float:
    """Mean monthly return in the baseline's up months over the baseline's mean in them."""
    return _capture(returns, baseline, up=True)


def down_capture(returns: pd.Series, baseline: pd.Series) -> float:
    """Mean monthly return in the baseline's down months over the baseline's mean in them."""
    return _capture(returns, baseline, up=False)


def monthly_hit_rate(returns: pd.Series, baseline: pd.Series) -> float:
    """Fraction of calendar months in which the strategy beat the baseline (a tie is a miss)."""
    pair = _monthly_pair(returns, baseline)
    if pair is None:
        return float("nan")
    rm, bm = pair
    return float((rm > bm).mean())


def annual_turnover(event_turnover: np.ndarray | pd.Series, n_days: int) -> float:
    """Sum of one-way turnover per event divided by the years in the run (``n_days / 252``).

    One-way turnover of an event is half its traded notional over the pre-trade value, so the
    first investment from cash counts 0.5 and a full switch between two names counts 1.
    """
    if n_days <= 0 or _has_nan(event_turnover):
        return float("nan")
    return float(np.sum(_arr(event_turnover))) / (n_days / P)


METRIC_NAMES: tuple[str, ...] = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "calmar_ratio",
    "excess_cagr",
    "tracking_error",
    "information_ratio",
    "beta",
    "alpha",
    "correlation",
    "up_capture",
    "down_capture",
    "monthly_hit_rate",
    "annual_turnover",
    "fees_paid",
)
"""Column order of `metrics_table` (and of ``metrics.csv``)."""

RELATIVE_METRICS: tuple[str, ...] = METRIC_NAMES[
    METRIC_NAMES.index("excess_cagr") : METRIC_NAMES.index("annual_turnover")
]
"""Metrics of a series against the baseline (``excess_cagr`` .. ``monthly_hit_rate``): NaN
(``n/a``) on the baseline's own row."""


def metrics_table(
    returns: pd.DataFrame,
    *,
    turnover: pd.DataFrame,
    fees: pd.Series,
    baseline: str = "baseline",
    references: tuple[str, ...] = (),
    risk_free: RiskFree = 0.0,
) -> pd.DataFrame:
    """Every metric for every column of ``returns`` against ``returns[baseline]``.

    Parameters
    ----------
    returns : DataFrame, shape (n_days, n_variants)
        Daily returns (`daily_returns`), DatetimeIndex; includes the ``baseline`` column.
    turnover : DataFrame, shape (n_events, n_variants)
        One-way turnover per event (NaN where a variant has no event on that date).
    fees : Series
        Fees paid per variant (currency).
    baseline : str
        Column every relative metric compares with.
    references : tuple of str
        Columns that are reference rows (e.g. ``ref_SPY``), not strategies: listed after the
        baseline, in this order.
    risk_free : float or array of length n_days
        Annual risk-free rate for Sharpe, Sortino and alpha (`daily_risk_free`).

    Returns
    -------
    DataFrame, shape (n_variants, len(METRIC_NAMES)), index named ``strategy``: the strategies in
    column order, then the baseline, then the references. The baseline's `RELATIVE_METRICS`
    are NaN (a series against itself).
    """
    base = returns[baseline]
    last = [baseline, *references]
    order = [c for c in returns.columns if c not in last] + last
    rows = {}
    for name in order:
        r = returns[name]
        rows[name] = {
            "total_return": total_return(r),
            "cagr": cagr(r),
            "annual_volatility": annual_volatility(r),
            "sharpe_ratio": sharpe_ratio(r, risk_free),
            "sortino_ratio": sortino_ratio(r, risk_free),
            "max_drawdown": max_drawdown(r),
            "calmar_ratio": calmar_ratio(r),
            "excess_cagr": excess_cagr(r, base),
            "tracking_error": tracking_error(r, base),
            "information_ratio": information_ratio(r, base),
            "beta": beta(r, base),
            "alpha": alpha(r, base, risk_free),
            "correlation": correlation(r, base),
            "up_capture": up_capture(r, base),
            "down_capture": down_capture(r, base),
            "monthly_hit_rate": monthly_hit_rate(r, base),
            "annual_turnover": annual_turnover(turnover[name].dropna(), len(r)),
            "fees_paid": float(fees[name]),
        }
    rows[baseline] |= dict.fromkeys(RELATIVE_METRICS, float("nan"))
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(METRIC_NAMES))
    table.index.name = "strategy"
    return table
