"""Strategy test contexts: a hand-checkable one, a seeded panel, truncation and perturbation."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backtest import testing
from backtest.config import Schedule
from backtest.context import Context
from backtest.inputs.context import eligibility
from backtest.inputs.schedule import rebalance_events

HAND_TICKERS = ["A1", "A2", "E1", "G1", "G2"]
HAND_BUCKETS = {"A1": "asic", "A2": "asic", "E1": "edge", "G1": "gpu", "G2": "gpu"}


def hand_context(
    share: float | Sequence[float] = 0.4,
    eligible_rows: Sequence[Sequence[bool]] | None = None,
    *,
    exposures: dict[str, float] | None = None,
) -> Context:
    """5 tickers (G1 G2 gpu, A1 A2 asic, E1 edge), flat prices, one event per share value."""
    shares = [share] if isinstance(share, float | int) else list(share)
    n = len(shares)
    dates = pd.bdate_range("2024-01-01", periods=30 + n)
    prices = pd.DataFrame(100.0, index=dates, columns=HAND_TICKERS)
    det = np.arange(20, 20 + n)
    events = pd.DataFrame(
        {
            "determination_date": dates[det],
            "effective_date": dates[det + 1],
            "determination_row": det,
            "effective_row": det + 1,
        }
    )
    idx = pd.DatetimeIndex(events["effective_date"], name="effective_date")
    rows = eligible_rows if eligible_rows is not None else [[True] * 5] * n
    return Context(
        prices=prices,
        events=events,
        eligible=pd.DataFrame([list(r) for r in rows], index=idx, columns=HAND_TICKERS),
        share=pd.Series(shares, index=idx, dtype=float),
        buckets=HAND_BUCKETS,
        exposures=exposures or dict.fromkeys(HAND_TICKERS, 1.0),
    )


PANEL_BUCKETS = {
    **{f"G{i}": "gpu" for i in range(3)},
    **{f"A{i}": "asic" for i in range(7)},
    **{f"E{i}": "edge" for i in range(8)},
}
PANEL_TICKERS = sorted(PANEL_BUCKETS)


def panel_context(seed: int = 11, *, n_days: int = 520) -> Context:
    """18 tickers like the real universe (3 gpu, 7 asic, 8 edge), seeded prices, monthly events.

    Two names list late (E7 after 200 days, A6 after 300) and one leaves the universe (E6 from
    day 400), so eligibility changes over time; the share moves between 0.3 and 0.6. One named
    signal, ``asic_adoption``, is unknown for the first 6 events and then moves around 0.12.
    """
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n_days, name="date")
    vols = rng.uniform(0.01, 0.04, size=len(PANEL_TICKERS))
    returns = rng.normal(0.0004, 1.0, size=(n_days, len(PANEL_TICKERS))) * vols
    values = 40.0 * np.exp(np.cumsum(returns, axis=0))
    prices = pd.DataFrame(values, index=dates, columns=PANEL_TICKERS)
    prices.loc[dates[:200], "E7"] = np.nan
    prices.loc[dates[:300], "A6"] = np.nan
    events = rebalance_events(pd.DatetimeIndex(dates), Schedule(), warmup_days=21)
    membership = {
        "E6": (None, dates[400]),
    }
    eligible = eligibility(prices, events, membership, min_history_days=21)
    idx = eligible.index
    share = pd.Series(np.linspace(0.3, 0.6, len(idx)), index=idx)
    exposures = {
        t: round(float(x), 3) for t, x in zip(PANEL_TICKERS, rng.uniform(0.1, 1.0, 18), strict=True)
    }
    adoption = 0.12 + 0.02 * np.sin(np.arange(len(idx)) / 3.0)
    adoption[:6] = np.nan
    return Context(
        prices=prices,
        events=events,
        eligible=eligible,
        share=share,
        buckets=PANEL_BUCKETS,
        exposures=exposures,
        signals={"asic_adoption": pd.Series(adoption, index=idx, name="asic_adoption")},
    )


def truncated(context: Context, k: int) -> Context:
    """The context as known at event ``k``'s determination date: later rows removed."""
    return testing.truncated(context, k)


def perturbed(context: Context, k: int, seed: int = 0) -> Context:
    """The context with every price after event ``k``'s determination row scaled at random."""
    det_row = int(context.events["determination_row"].iloc[k])
    rng = np.random.default_rng(seed)
    prices = context.prices.copy()
    tail = prices.iloc[det_row + 1 :]
    prices.iloc[det_row + 1 :] = tail * rng.uniform(0.5, 2.0, size=tail.shape)
    return dataclasses.replace(context, prices=prices)


def permuted(context: Context, order: Sequence[str]) -> Context:
    """The same context with the ticker columns in ``order``."""
    return dataclasses.replace(
        context, prices=context.prices[list(order)], eligible=context.eligible[list(order)]
    )


@dataclass(frozen=True, kw_only=True)
class FixedWeights:
    """A test strategy returning given rows (one per event) over the context's tickers."""

    rows: tuple[tuple[float, ...], ...]

    def weights(self, context: Context) -> pd.DataFrame:
        """Return ``rows`` as a weights frame."""
        return pd.DataFrame(
            np.array(self.rows, dtype=float),
            index=context.effective_dates,
            columns=context.tickers,
        )
