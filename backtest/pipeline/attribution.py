"""Brinson-Fachler attribution by bucket of every strategy against a reference, linked by Carino.

Periods
-------
A portfolio trades only on its effective dates, so between two of them its holdings only drift.
The boundaries of a pair (strategy, reference) are the union of their effective dates. Period 0
runs from the initial cash to the close of the first boundary after its trades (both portfolios
hold only cash, so its only effect is the cost of the first trades); period ``k >= 1`` runs from
the close of boundary ``k - 1`` after its trades to the close of boundary ``k`` after its trades;
the last period ends on the run's last day. So the periods chain exactly to the equity curve:
``prod(1 + r_k) = V_T / V_{-1}``. ``period_start`` is empty (NaT) for period 0.

Effects of a period
-------------------
Segments are the buckets (``gpu``, ``asic``, ``edge``), ``other`` (a ticker outside the
universe's buckets, e.g. the baseline ticker of a universe without it) and ``cash``. With
``h_i`` the drifted end-of-day weight of ticker ``i`` at the period's start (after its trades),
``g_i = p_i(end) / p_i(start)`` its price ratio, the strategy's segment weight and return are
``w_b = sum_{i in b} h_i`` and ``R_b = sum_{i in b} h_i g_i / w_b - 1`` (cash: ``1 - sum h``,
return 0); ``W_b``, ``RB_b`` the reference's; ``RB = sum_b W_b RB_b`` its holding return. Then

* allocation ``(w_b - W_b) (RB_b - RB)``, selection ``W_b (R_b - RB_b)``, interaction
  ``(w_b - W_b) (R_b - RB_b)``;
* a segment the reference does not hold takes ``RB_b = R_b`` (its whole effect is allocation);
  one the strategy does not hold takes ``R_b = RB_b`` (no selection or interaction);
* ``cost``: the cost of the trades that close the period, strategy minus reference, per
  segment: ``-(fees_i + size_i |price_i - close_i|) / V_start`` summed over the fills of the
  segment's tickers on the period's last day (fees plus slippage, as a return on ``V_start``).

Because the segment weights of each side sum to 1, the effects of a period add up to
``(V_end / V_start - 1) - (VB_end / VB_start - 1)``: the strategy's period return minus the
reference's, both from ``equity.csv`` (checked to 1e-12 on the real run by the tests).

Linking (Carino 1999)
---------------------
Over a span of periods with returns ``R_t`` (strategy) and ``B_t`` (reference) compounding to
``R`` and ``B``, each period's effects are scaled by ``k_t / K`` with ``k_t = ln((1 + R_t) /
(1 + B_t)) / (R_t - B_t)`` (``1 / (1 + R_t)`` when equal) and ``K`` the same of ``R, B``; the
linked effects then add up to ``R - B`` exactly (up to rounding). The spans are each calendar
year (a period belongs to the year of its midpoint, ``start + (end - start) / 2``; period 0 to
the year of its date) and ``all``, the whole run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd

from backtest.constants import ATTRIBUTION_EFFECTS, BUCKETS
from backtest.errors import BacktestError, ConfigError
from backtest.pipeline.cubes import fills_cube, holdings_cube

__all__ = [
    "ATTRIBUTION_COLUMNS",
    "EFFECTS",
    "LINKING_METHOD",
    "SUMMARY_COLUMNS",
    "bucket_attribution",
    "carino_factors",
    "linked_attribution",
    "segments_of",
]

EFFECTS: Final = ATTRIBUTION_EFFECTS
"""The effect columns of `attribution.csv` and `attribution_summary.csv`, in order."""

LINKING_METHOD: Final = "carino"
"""The multi-period linking of `linked_attribution` (Carino 1999, logarithmic smoothing)."""

ATTRIBUTION_COLUMNS: Final = (
    "strategy", "reference", "period", "period_start", "period_end", "segment", "weight",
    "reference_weight", "return", "reference_return", *EFFECTS, "total",
)  # fmt: skip
"""Columns of `attribution.csv` (``total`` = the sum of the four effects)."""

SUMMARY_COLUMNS: Final = (
    "strategy", "reference", "year", "segment", "span_start", "span_end", "periods",
    "strategy_return", "reference_return", "active_return", *EFFECTS, "total", "method",
)  # fmt: skip
"""Columns of `attribution_summary.csv`."""

_OTHER, _CASH = "other", "cash"


def segments_of(buckets: Mapping[str, str], tickers: list[str]) -> list[str]:
    """Return the segments of a run: the buckets in order, ``other`` if used, then ``cash``."""
    used = {buckets.get(t, _OTHER) for t in tickers}
    extra = sorted(used - set(BUCKETS) - {_OTHER})
    return [*BUCKETS, *extra, *([_OTHER] if _OTHER in used else []), _CASH]


def _segment_sums(values: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Sum ``values`` (..., n_tickers) per segment; ``member`` (n_segments, n_tickers) bool."""
    return np.stack([values[..., m].sum(axis=-1) for m in member], axis=-1)


def _side(
    *,
    name: str,
    equity: np.ndarray,
    holdings: np.ndarray,
    paid: np.ndarray,
    prices: np.ndarray,
    member: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    initial_cash: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segment weights, segment returns (NaN where not held) and costs of one portfolio.

    ``holdings`` and ``paid`` (fees plus slippage in currency) have shape (n_days, n_tickers);
    ``starts[k]`` is the row of the period's start (-1: the initial cash), ``ends[k]`` its last
    row. Returns arrays of shape (n_periods, n_segments), the last segment being cash.
    """
    n_periods = len(starts)
    has_start = starts >= 0
    at = np.maximum(starts, 0)
    held = np.where(has_start[:, None], holdings[at], 0.0)
    value = np.where(has_start, equity[at], initial_cash)
    on = held != 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = prices[ends] / prices[at]
    if not np.isfinite(ratio[on]).all():
        raise BacktestError(f"`{name}` holds a ticker without a price over a period")
    grown = np.where(on, held * np.where(on, ratio, 0.0), 0.0)
    cost_paid = paid[ends] / value[:, None]
    weight = np.concatenate([_segment_sums(held, member), 1.0 - held.sum(axis=1)[:, None]], axis=1)
    end_value = np.concatenate([_segment_sums(grown, member), weight[:, -1:]], axis=1)
    returns = (
        np.divide(end_value, weight, out=np.full_like(weight, np.nan), where=weight != 0.0) - 1.0
    )
    cost = np.concatenate([-_segment_sums(cost_paid, member), np.zeros((n_periods, 1))], axis=1)
    return weight, returns, cost


def bucket_attribution(
    *,
    equity: pd.DataFrame,
    holdings: pd.DataFrame,
    orders: pd.DataFrame,
    turnover: pd.DataFrame,
    prices: pd.DataFrame,
    buckets: Mapping[str, str],
    initial_cash: float,
    reference: str,
) -> pd.DataFrame:
    """Return `attribution.csv`: per strategy, period and segment, the effects on ``reference``.

    Parameters
    ----------
    equity : DataFrame, shape (n_days, n_portfolios)
        Portfolio values (``equity.csv``), ``reference`` among the columns.
    holdings : DataFrame (long)
        ``strategy, date, ticker, weight``: drifted end-of-day weights after the day's trades.
    orders : DataFrame (long)
        ``strategy, date, ticker, size, price, fees, ...`` (``price`` includes slippage).
    turnover : DataFrame (long)
        ``strategy, effective_date, ...``: each portfolio's events (its boundaries).
    prices : DataFrame, shape (>= n_days, n_tickers)
        The adjusted closes the run traded at (every ticker of ``holdings``).
    buckets : Mapping[str, str]
        ticker -> bucket; other tickers are segment ``other``.
    initial_cash : float
    reference : str
        A column of ``equity``.

    Returns
    -------
    DataFrame with `ATTRIBUTION_COLUMNS`, one row per (strategy, period, segment) for every
    column of ``equity`` except ``reference``.

    Raises
    ------
    ConfigError
        When ``reference`` is not a portfolio of the run.
    """
    names = [str(c) for c in equity.columns]
    if reference not in names:
        raise ConfigError(
            f"`attribution.reference` must be one of {', '.join(names)}, got {reference!r}"
        )
    dates = pd.DatetimeIndex(equity.index)
    tickers = [str(t) for t in holdings["ticker"].astype(str).unique()]
    segments = segments_of(buckets, tickers)
    member = np.array(
        [[buckets.get(t, _OTHER) == s for t in tickers] for s in segments[:-1]], dtype=bool
    ).reshape(len(segments) - 1, len(tickers))
    panel = prices.reindex(index=dates, columns=tickers).to_numpy(dtype=float)
    events = {
        str(n): pd.DatetimeIndex(f["effective_date"])
        for n, f in turnover.groupby(turnover["strategy"].astype(str))
    }
    held = holdings_cube(holdings, names, dates, tickers)
    fills = fills_cube(orders, names, dates, tickers, prices)
    paid = fills["fees"] + fills["slippage"]
    values = equity.to_numpy(dtype=float)
    frames = []
    for name in names:
        if name == reference:
            continue
        bounds = events.get(name, dates[:1]).union(events.get(reference, dates[:1]))
        rows = np.unique(dates.get_indexer(bounds))
        if (rows < 0).any():
            raise BacktestError(f"an effective date of `{name}` is not a day of `equity`")
        ends = rows if rows[-1] == len(dates) - 1 else np.append(rows, len(dates) - 1)
        starts = np.concatenate([[-1], ends[:-1]])
        computed = [
            _side(
                name=n,
                equity=values[:, names.index(n)],
                holdings=held[names.index(n)],
                paid=paid[names.index(n)],
                prices=panel,
                member=member,
                starts=starts,
                ends=ends,
                initial_cash=initial_cash,
            )
            for n in (name, reference)
        ]
        frames.append(_effects(name, reference, computed, dates, starts, ends, segments))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ATTRIBUTION_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(ATTRIBUTION_COLUMNS)]


def _effects(
    name: str,
    reference: str,
    computed: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    dates: pd.DatetimeIndex,
    starts: np.ndarray,
    ends: np.ndarray,
    segments: list[str],
) -> pd.DataFrame:
    (w, r, cost), (w_ref, r_ref, cost_ref) = computed
    held, held_ref = w != 0.0, w_ref != 0.0
    r_used = np.where(held, r, np.where(held_ref, r_ref, 0.0))
    rb_used = np.where(held_ref, r_ref, r_used)
    rb_total = (w_ref * np.where(held_ref, r_ref, 0.0)).sum(axis=1, keepdims=True)
    allocation = (w - w_ref) * (rb_used - rb_total)
    selection = w_ref * (r_used - rb_used)
    interaction = (w - w_ref) * (r_used - rb_used)
    active_cost = cost - cost_ref
    n_periods, n_segments = w.shape
    start_dates = np.where(starts >= 0, dates[np.maximum(starts, 0)], np.datetime64("NaT"))
    effects = {
        "allocation": allocation,
        "selection": selection,
        "interaction": interaction,
        "cost": active_cost,
    }
    return pd.DataFrame(
        {
            "strategy": name,
            "reference": reference,
            "period": np.repeat(np.arange(n_periods), n_segments),
            "period_start": pd.DatetimeIndex(np.repeat(start_dates, n_segments)),
            "period_end": pd.DatetimeIndex(np.repeat(dates[ends].to_numpy(), n_segments)),
            "segment": np.tile(np.asarray(segments, dtype=object), n_periods),
            "weight": w.ravel(),
            "reference_weight": w_ref.ravel(),
            "return": r.ravel(),
            "reference_return": r_ref.ravel(),
            **{k: v.ravel() for k, v in effects.items()},
            "total": (allocation + selection + interaction + active_cost).ravel(),
        }
    )


def carino_factors(strategy: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Return Carino's ``k = ln((1 + R) / (1 + B)) / (R - B)`` (``1 / (1 + R)`` when equal).

    Computed as ``log1p(x) / x / (1 + B)`` with ``x = (R - B) / (1 + B)``, which stays accurate
    when ``R`` and ``B`` are close.
    """
    r, b = np.asarray(strategy, dtype=float), np.asarray(reference, dtype=float)
    x = (r - b) / (1.0 + b)
    ratio = np.divide(np.log1p(x), x, out=np.ones_like(x), where=x != 0.0)
    return np.asarray(ratio / (1.0 + b), dtype=float)


def _period_returns(
    equity: pd.Series, starts: pd.Series, ends: pd.Series, initial_cash: float
) -> np.ndarray:
    end_values = equity.reindex(pd.DatetimeIndex(ends)).to_numpy(dtype=float)
    start_values = np.where(
        starts.isna().to_numpy(),
        initial_cash,
        equity.reindex(pd.DatetimeIndex(starts.fillna(ends))).to_numpy(dtype=float),
    )
    return np.asarray(end_values / start_values - 1.0, dtype=float)


def linked_attribution(
    attribution: pd.DataFrame, equity: pd.DataFrame, *, initial_cash: float
) -> pd.DataFrame:
    """Return `attribution_summary.csv`: the effects linked over each year and the whole run.

    For each strategy, span (``year`` = ``"2016"`` ... or ``"all"``) and segment (and
    ``total``, their sum), the Carino-linked effects; ``strategy_return`` and
    ``reference_return`` compound the span's period returns from ``equity``, and
    ``active_return`` is their difference, which the linked ``total`` of segment ``total``
    equals.
    """
    if attribution.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
    out = []
    for (name, reference), frame in attribution.groupby(["strategy", "reference"], sort=False):
        periods = frame.drop_duplicates("period").set_index("period")
        r = _period_returns(
            equity[name], periods["period_start"], periods["period_end"], initial_cash
        )
        b = _period_returns(
            equity[reference], periods["period_start"], periods["period_end"], initial_cash
        )
        start = periods["period_start"].fillna(periods["period_end"])
        midpoint = start + (periods["period_end"] - start) / 2
        spans = [(str(y), midpoint.dt.year.to_numpy() == y) for y in sorted(set(midpoint.dt.year))]
        spans.append(("all", np.ones(len(periods), dtype=bool)))
        segments = list(dict.fromkeys(frame["segment"]))
        cube = {
            e: frame.pivot(index="period", columns="segment", values=e)[segments].to_numpy(
                dtype=float
            )
            for e in (*EFFECTS, "total")
        }
        k = carino_factors(r, b)
        for year, mask in spans:
            span_r = float(np.prod(1.0 + r[mask]) - 1.0)
            span_b = float(np.prod(1.0 + b[mask]) - 1.0)
            scale = k[mask] / float(carino_factors(np.array([span_r]), np.array([span_b]))[0])
            linked = {e: scale @ v[mask] for e, v in cube.items()}
            first = periods.index[mask][0]
            last = periods.index[mask][-1]
            for j, segment in enumerate([*segments, "total"]):
                out.append(
                    {
                        "strategy": name,
                        "reference": reference,
                        "year": year,
                        "segment": segment,
                        "span_start": periods.at[first, "period_start"],
                        "span_end": periods.at[last, "period_end"],
                        "periods": int(mask.sum()),
                        "strategy_return": span_r,
                        "reference_return": span_b,
                        "active_return": span_r - span_b,
                        **{
                            e: float(v.sum()) if segment == "total" else float(v[j])
                            for e, v in linked.items()
                        },
                        "method": LINKING_METHOD,
                    }
                )
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))
