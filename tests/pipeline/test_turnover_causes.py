"""Turnover and fees by rule: a hand-worked event, membership on a listing, exact sums."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtest.config import parse_config
from backtest.context import Context
from backtest.errors import ConfigError
from backtest.pipeline.prepare import prepare
from backtest.pipeline.result import write_run
from backtest.pipeline.runner import Result, run
from backtest.pipeline.turnover_causes import causes_of, event_causes, run_causes
from strategies import Capped, EqualWeight, LinearTilt


def test_a_hand_worked_event_splits_by_signed_contribution() -> None:
    """Two names; the scheme moves 0.5/0.5 -> 0.7/0.3, a 0.6 cap pulls it to 0.6/0.4.

    Drifted at event 1: 0.5 each grown by 11/10 and 9/10 -> 0.55 / 0.45. Causes of A's +0.05:
    drift 0.5 - 0.55 = -0.05, scheme +0.2, cap (0.6 - 0.7) - 0 = -0.1; shares -1, 4, -2.
    """
    scheme = np.array([[0.5, 0.5], [0.7, 0.3], [0.7, 0.3]])
    capped = np.array([[0.5, 0.5], [0.6, 0.4], [0.6, 0.4]])
    holdings = np.array([[0.5, 0.5], [0.55, 0.45], [0.55, 0.45]])
    prices = np.array([[10.0, 10.0], [11.0, 9.0], [11.0, 9.0]])
    parts_t, parts_f = event_causes(
        layers=[scheme, capped],
        moved_layers=None,
        holdings=holdings,
        prices=prices,
        event_rows=np.array([0, 1, 2]),
        executed=np.array([True, True, False]),
        notional=np.array([[500.0, 500.0], [50.0, 50.0], [0.0, 0.0]]),
        fees=np.array([[0.5, 0.5], [0.05, 0.05], [0.0, 0.0]]),
        turnover=np.array([0.5, 0.05, 0.0]),
    )
    # causes: initial, drift, scheme, capped, membership
    np.testing.assert_allclose(parts_t[0], [0.5, 0, 0, 0, 0], atol=1e-15)
    np.testing.assert_allclose(parts_t[1], [0, -0.05, 0.2, -0.1, 0], atol=1e-15)
    np.testing.assert_allclose(parts_f[1], [0, -0.1, 0.4, -0.2, 0], atol=1e-15)
    np.testing.assert_array_equal(parts_t[2], np.zeros(5))  # skipped: nothing traded
    assert causes_of(Capped(inner=LinearTilt(), max_weight=0.6)) == [
        "initial", "drift", "scheme", "capped", "membership",
    ]  # fmt: skip


def test_after_a_skipped_event_drift_is_measured_from_the_last_executed_target() -> None:
    scheme = np.array([[0.5, 0.5], [0.9, 0.1], [0.5, 0.5]])
    holdings = np.array([[0.5, 0.5], [0.5, 0.5], [0.6, 0.4]])
    prices = np.ones((3, 2))
    parts_t, _ = event_causes(
        layers=[scheme], moved_layers=None, holdings=holdings, prices=prices,
        event_rows=np.array([0, 1, 2]), executed=np.array([True, False, True]),
        notional=np.array([[5.0, 5.0], [0.0, 0.0], [1.0, 1.0]]), fees=np.zeros((3, 2)),
        turnover=np.array([0.5, 0.0, 0.1]),
    )  # fmt: skip
    # event 2 trades 0.6/0.4 back to 0.5/0.5: all drift, the scheme is back where it was
    np.testing.assert_allclose(parts_t[2], [0, 0.1, 0, 0], atol=1e-15)


@pytest.fixture(scope="module")
def listing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """Demo market across ARM's listing, with a drift band so some events are skipped."""
    config = parse_config(
        {
            "run": {"name": "c", "start": dt.date(2022, 1, 3), "end": dt.date(2025, 6, 30)},
            "data": {"source": "demo"},
            "schedule": {"rebalance_band": 0.02},
            "strategies": [
                {"name": "equal", "kind": "equal_weight"},
                {"name": "tilt_cap", "kind": "linear_tilt", "strength": 3.0,
                 "constraints": [{"kind": "capped", "max_weight": 0.1}]},
            ],
        }
    )  # fmt: skip
    result = run(config)
    return result, write_run(result, tmp_path_factory.mktemp("c") / "c", force=False)


def test_parts_add_up_to_turnover_csv_for_every_event(listing_run: tuple[Result, Path]) -> None:
    _, folder = listing_run
    turnover = pd.read_csv(folder / "turnover.csv", parse_dates=["effective_date"])
    parts = pd.read_csv(folder / "turnover_causes.csv", parse_dates=["effective_date"])
    sums = parts.groupby(["strategy", "effective_date"])[["turnover", "fees"]].sum()
    joined = turnover.set_index(["strategy", "effective_date"]).join(sums.add_suffix("_parts"))
    assert len(joined) == len(turnover) and joined["turnover_parts"].notna().all()
    assert turnover["skipped"].any()
    np.testing.assert_allclose(joined["turnover_parts"], joined["turnover"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(joined["fees_parts"], joined["fees"], rtol=1e-13, atol=1e-9)
    metrics = pd.read_csv(folder / "metrics.csv", index_col="strategy")
    summary = pd.read_csv(folder / "turnover_causes_summary.csv")
    whole = summary[summary["year"] == "all"].groupby("strategy")["per_year"].sum()
    np.testing.assert_allclose(
        whole, metrics.loc[whole.index, "annual_turnover"], rtol=1e-13, atol=0
    )


def test_a_listing_is_membership_and_equal_weight_has_no_scheme_turnover(
    listing_run: tuple[Result, Path],
) -> None:
    result, _ = listing_run
    parts = result.turnover_causes.set_index(["strategy", "effective_date", "cause"])["turnover"]
    equal = parts.loc["equal"].unstack()
    # holding the membership fixed, 1/n is 1/n: the scheme never trades by itself
    assert (equal["scheme"] == 0.0).all()
    eligible = _eligibility(result).to_numpy()
    executed = ~result.turnover[result.turnover["strategy"] == "equal"]["skipped"].to_numpy()
    changed = np.zeros(len(eligible), dtype=bool)  # vs the last event that traded
    last = 0
    for k in range(1, len(eligible)):
        if executed[k]:
            changed[k] = not np.array_equal(eligible[k], eligible[last])
            last = k
    assert (equal.loc[~changed, "membership"] == 0.0).all()
    listings = equal.loc[changed, "membership"]
    assert len(listings) >= 1 and (listings > 0.0).all()
    capped = parts.loc["tilt_cap"].unstack()
    assert list(capped.columns) == ["capped", "drift", "initial", "membership", "scheme"]
    assert (capped["capped"] != 0.0).any() and (capped["scheme"] != 0.0).any()


def _eligibility(result: Result) -> pd.DataFrame:
    """Who is eligible at each event: a member with 21 prices up to t_d (DESIGN section 3)."""
    prices = result.prices[list(result.universe.tickers)]
    counts = prices.notna().cumsum()
    rows = prices.index.get_indexer(result.events["determination_date"])
    enough = counts.iloc[rows].to_numpy() >= 21
    return pd.DataFrame(enough, index=result.events["effective_date"], columns=prices.columns)


@dataclass(frozen=True, kw_only=True)
class _OnlyTheRealMembership:
    """Equal weight that refuses any eligibility but the run's own (an infeasible chain)."""

    real: pd.DataFrame

    def weights(self, context: Context) -> pd.DataFrame:
        if not context.eligible.equals(self.real):
            raise ConfigError("infeasible under another membership")
        return EqualWeight().weights(context)


def test_a_chain_infeasible_under_the_previous_membership_leaves_membership_at_zero(
    listing_run: tuple[Result, Path],
) -> None:
    result, _ = listing_run
    context = prepare(result.config, references=False).context
    name = "equal"
    strategy = _OnlyTheRealMembership(real=context.eligible)
    targets = {name: result.target_frames()[name].reindex(columns=result.prices.columns)}
    mine = result.turnover[result.turnover["strategy"] == name]
    parts = run_causes(
        strategies={name: strategy}, context=context, targets=targets,
        holdings=result.holdings, orders=result.orders, turnover=mine, prices=result.prices,
    )  # fmt: skip
    by_cause = parts.groupby("cause")["turnover"].sum()
    assert by_cause["membership"] == 0.0  # not split out: it stays in the other causes
    assert by_cause["scheme"] > 0.0  # equal weight's scheme moves when membership is not held
    sums = parts.groupby("effective_date")["turnover"].sum().to_numpy()
    np.testing.assert_allclose(sums, mine["turnover"].to_numpy(), rtol=0, atol=1e-15)
