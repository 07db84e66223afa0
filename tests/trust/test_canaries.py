"""Look-ahead canaries: change the future, and nothing decided before it may move by one bit.

Every strategy of `helpers.CANARY_SPECS` (one per example of the strategy contract suite, so
every `strategies.REGISTRY` and `strategies.CONSTRAINTS` kind) runs through the real pipeline,
`backtest.pipeline.runner.run(config, provider=...)`, once on the demo market and once on a copy
whose prices strictly after a date X are changed (random noise, a 95 % crash, a 10x one-day spike),
and/or with signal CSVs (the inference share and every named signal of ``[signals.NAME]``) whose
vintages published after X are changed and whose old periods get late restatements published
the day after X. Every target weight with a determination date
<= X, and every equity value on a day <= X, must be bit-for-bit the same.

X is chosen to be a determination date (the next effective date is the first perturbed day: the
sharpest test of a one-day peek) and a signal publication boundary (2024-02-21 publishes 2023's
figure). Two peeking strategies defined here (never registered outside a test) show that the
canary fails when a strategy reads the future, even by one day. The sweep's fast path (batch
weights `strategies.linear_tilt_batch` and the kernel `backtest.sweep.kernel.simulate_batch`)
gets the same treatment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import strategies
from backtest.config import Config, StrategySpec
from backtest.context import Context
from backtest.data.providers import LoadedPrices
from backtest.inputs.context import eligibility
from backtest.pipeline.proforma import proforma
from backtest.pipeline.runner import Result, run
from backtest.sweep.kernel import simulate_batch
from strategies import linear_tilt_batch
from tests.trust.helpers import (
    CANARY_SPECS,
    PerturbedProvider,
    default_signal_rows,
    demo_config,
    rewritten_after,
    spec_kinds,
    write_signal,
)

MONTHLY: dict[str, Any] = {}
QUARTERLY_BANDED: dict[str, Any] = {
    "frequency": "quarterly",
    "anchor": "last",
    "lag_days": 3,
    "rebalance_band": 0.05,
}
QUARTERLY_SIGNAL: dict[str, Any] = {"interpolation": "linear", "horizon": 1}

CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str | None, bool]] = {
    # name: (schedule, signal options, X, price perturbation, perturb the signal too)
    "monthly-td-noise": (MONTHLY, {}, "2022-06-30", "noise", False),
    "monthly-td-crash": (MONTHLY, {}, "2022-06-30", "crash", False),
    "monthly-td-spike": (MONTHLY, {}, "2022-06-30", "spike", False),
    "monthly-td-signal": (MONTHLY, {}, "2022-06-30", None, True),
    "monthly-publication-noise-signal": (MONTHLY, {}, "2024-02-20", "noise", True),
    "quarterly-noise-signal": (QUARTERLY_BANDED, QUARTERLY_SIGNAL, "2023-03-28", "noise", True),
    "quarterly-spike": (QUARTERLY_BANDED, QUARTERLY_SIGNAL, "2023-03-28", "spike", False),
}
"""Canary cases; the counts in the README's Guarantees section come from here."""


def _bits(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)


def differences_up_to(base: Result, other: Result, after: pd.Timestamp) -> list[str]:
    """What differs between two runs in weights determined, or equity valued, on days <= X.

    Returns a list of human-readable differences (empty when the runs agree bit for bit).
    """
    found: list[str] = []
    early = base.weights["determination_date"] <= after
    early_other = other.weights["determination_date"] <= after
    left, right = base.weights[early], other.weights[early_other]
    keys = ["strategy", "determination_date", "effective_date", "ticker"]
    if not left[keys].reset_index(drop=True).equals(right[keys].reset_index(drop=True)):
        found.append("the events or tickers determined up to X differ")
    else:
        moved = _bits(left["weight"].to_numpy()) != _bits(right["weight"].to_numpy())
        for row in left[moved].drop_duplicates(["strategy", "determination_date"]).itertuples():
            found.append(f"weights of `{row.strategy}` determined {row.determination_date.date()}")
    eq_left, eq_right = base.equity.loc[:after], other.equity.loc[:after]
    if not eq_left.index.equals(eq_right.index) or list(eq_left) != list(eq_right):
        found.append("the equity calendar up to X differs")
    else:
        moved_cols = (_bits(eq_left.to_numpy()) != _bits(eq_right.to_numpy())).any(axis=0)
        found += [f"equity of `{c}` up to X" for c in np.asarray(eq_left.columns)[moved_cols]]
    for name, frame, date in (
        ("attribution", "attribution", "period_end"),
        ("turnover by rule", "turnover_causes", "effective_date"),
    ):
        left_x = getattr(base, frame)
        right_x = getattr(other, frame)
        left_x = left_x[left_x[date] <= after].reset_index(drop=True)
        right_x = right_x[right_x[date] <= after].reset_index(drop=True)
        numbers = left_x.select_dtypes("number").columns
        if not left_x.drop(columns=numbers).equals(right_x.drop(columns=numbers)):
            found.append(f"the {name} rows up to X differ")
        elif (_bits(left_x[numbers].to_numpy()) != _bits(right_x[numbers].to_numpy())).any():
            found.append(f"the {name} up to X")
    return found


_BASE_RUNS: dict[str, Result] = {}


def _base_run(config: Config) -> Result:
    """The unperturbed run of ``config``, computed once per configuration (runs are pure)."""
    key = repr(config)
    if key not in _BASE_RUNS:
        _BASE_RUNS[key] = run(config)
    return _BASE_RUNS[key]


def _run_pair(
    config: Config, after: str, how: str | None, signal: bool, tmp: Path
) -> tuple[Result, Result]:
    x = pd.Timestamp(after)
    base = _base_run(config)
    changed = config
    if signal:
        changed = _rewritten_signals(config, x, tmp)
    provider = None if how is None else PerturbedProvider(after=x, how=how, seed=3)  # type: ignore[arg-type]
    return base, run(changed, provider=provider)


def _rewritten_signals(config: Config, x: pd.Timestamp, tmp: Path) -> Config:
    """``config`` with every signal (the share and each named one) rewritten after X."""
    rows = rewritten_after(default_signal_rows(), x.date())
    path = write_signal(tmp / "signal.csv", rows)
    named = {
        name: dataclasses.replace(
            options,
            series=str(
                write_signal(
                    tmp / f"{name}.csv",
                    rewritten_after(default_signal_rows("monitors", options.series), x.date()),
                )
            ),
        )
        for name, options in config.signals.items()
    }
    return dataclasses.replace(
        config, signal=dataclasses.replace(config.signal, series=str(path)), signals=named
    )


def test_canary_specs_cover_every_registration() -> None:
    covered = set().union(*(spec_kinds(s) for s in CANARY_SPECS))
    assert covered == set(strategies.REGISTRY) | set(strategies.CONSTRAINTS)


@pytest.mark.parametrize("case", list(CASES))
def test_the_future_does_not_move_the_past(case: str, tmp_path: Path) -> None:
    schedule, signal_options, after, how, signal = CASES[case]
    config = demo_config(schedule=schedule, signal=signal_options)
    base, changed = _run_pair(config, after, how, signal, tmp_path)
    x = pd.Timestamp(after)
    assert differences_up_to(base, changed, x) == []
    # not vacuous: several events before X for every strategy, and the change was visible
    n_early = base.weights.loc[base.weights["determination_date"] <= x, "effective_date"].nunique()
    assert n_early >= 4
    later_w = base.weights["determination_date"] > x
    later_e = base.equity.index > x
    assert not (
        np.array_equal(base.weights.loc[later_w, "weight"], changed.weights.loc[later_w, "weight"])
        and np.array_equal(base.equity[later_e], changed.equity[later_e])
    ), "the perturbation changed nothing after X: the canary would prove nothing"
    if signal:  # the signal channel itself moved after X (so a leak would have shown)
        assert not np.array_equal(
            base.share[base.share.index > x], changed.share[changed.share.index > x]
        )


def test_two_named_signals_are_hashed_and_their_future_does_not_move_the_past(
    tmp_path: Path,
) -> None:
    """Both named signals' sha256 are in the manifest; rewriting every later vintage of every
    signal leaves each weight determined up to X bit for bit, while the signals did move."""
    import backtest

    config = demo_config(start="2022-01-03", end="2025-12-31")
    x = pd.Timestamp("2024-06-28")
    base = _base_run(config)
    changed_config = _rewritten_signals(config, x, tmp_path)
    changed = run(changed_config)
    hashes = base.manifest["signals_sha256"]
    assert set(hashes) == {"asic_adoption", "inference_cost"}
    assert all(hashes[n] != changed.manifest["signals_sha256"][n] for n in hashes)
    assert differences_up_to(base, changed, x) == []
    before, after = backtest.context_for(config), backtest.context_for(changed_config)
    for name in hashes:
        late = before.signals[name].index > x
        assert not np.array_equal(before.signals[name][late], after.signals[name][late]), name
    blend = base.weights["strategy"] == "signal_blend"
    later = blend & (base.weights["determination_date"] > x)
    assert not np.array_equal(
        base.weights.loc[later, "weight"], changed.weights.loc[later, "weight"]
    )


def test_an_event_determined_on_x_keeps_its_weights_though_it_trades_after_x() -> None:
    """With lag 1 and X a determination date, the next effective date is the first changed day."""
    config = demo_config(schedule=MONTHLY)
    x = pd.Timestamp("2022-06-30")
    events = _base_run(config).events
    on_x = events[events["determination_date"] == x]
    assert len(on_x) == 1 and on_x["effective_date"].iloc[0] == pd.Timestamp("2022-07-01")


@pytest.mark.parametrize(("as_of", "how"), [("2022-06-30", "noise"), ("2024-02-20", "spike")])
def test_the_proforma_reads_nothing_after_its_date(as_of: str, how: str, tmp_path: Path) -> None:
    """`backtest proforma --as-of X` on prices and vintages changed after X: the same bits."""
    x = pd.Timestamp(as_of)
    config = demo_config()
    rows = rewritten_after(default_signal_rows(), x.date())
    signal = dataclasses.replace(config.signal, series=str(write_signal(tmp_path / "s.csv", rows)))
    changed = dataclasses.replace(config, signal=signal)
    base = proforma(config, as_of=x.date())
    other = proforma(
        changed,
        as_of=x.date(),
        provider=PerturbedProvider(after=x, how=how, seed=4),  # type: ignore[arg-type]
    )
    assert base.trail.drop(columns="weight").equals(other.trail.drop(columns="weight"))
    np.testing.assert_array_equal(
        _bits(base.trail["weight"].to_numpy()), _bits(other.trail["weight"].to_numpy())
    )
    assert base.to_json() == other.to_json()
    assert set(base.trail["strategy"]) == {s.name for s in CANARY_SPECS}
    later = (x + pd.Timedelta(days=75)).date()  # not vacuous: after X the changes show
    moved = proforma(changed, as_of=later, provider=PerturbedProvider(after=x, how=how, seed=4))  # type: ignore[arg-type]
    assert not np.array_equal(
        proforma(config, as_of=later).trail["weight"].to_numpy(), moved.trail["weight"].to_numpy()
    )


# --- the canary can fail: strategies that peek (defined here, registered only by the test) ---


@dataclass(frozen=True, kw_only=True)
class PeekOneDay:
    """Inverse-price weights read on the effective date (one day after t_d): a one-day peek."""

    def weights(self, context: Context) -> pd.DataFrame:
        """Weights proportional to 1 / price at each event's effective row."""
        rows = context.events["effective_row"].to_numpy()
        inverse = 1.0 / context.prices.iloc[rows].to_numpy()
        inverse = np.where(context.eligible.to_numpy() & np.isfinite(inverse), inverse, 0.0)
        return pd.DataFrame(
            inverse / inverse.sum(axis=1, keepdims=True),
            index=context.effective_dates,
            columns=context.tickers,
        )


@dataclass(frozen=True, kw_only=True)
class PeekMonthAhead:
    """Weights proportional to each eligible member's growth over the next 21 trading days."""

    def weights(self, context: Context) -> pd.DataFrame:
        """Future growth ratios ``p[t_d + 21] / p[t_d]``, normalised (a month-ahead peek)."""
        prices = context.prices.to_numpy()
        det = context.events["determination_row"].to_numpy()
        growth = prices[np.minimum(det + 21, len(prices) - 1)] / prices[det]
        growth = np.where(context.eligible.to_numpy() & np.isfinite(growth), growth, 0.0)
        return pd.DataFrame(
            growth / growth.sum(axis=1, keepdims=True),
            index=context.effective_dates,
            columns=context.tickers,
        )


@pytest.mark.parametrize(
    ("kind", "cls", "first_leak"),
    [("peek_one_day", PeekOneDay, "2022-06-30"), ("peek_month_ahead", PeekMonthAhead, None)],
)
def test_the_canary_catches_a_peeking_strategy(
    kind: str, cls: type[Any], first_leak: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(strategies.REGISTRY, kind, cls)
    honest = StrategySpec(name="equal_weight", kind="equal_weight")
    config = demo_config(strategies=[honest, StrategySpec(name="peeker", kind=kind)])
    x = pd.Timestamp("2022-06-30")
    provider = PerturbedProvider(after=x, how="noise", seed=3)
    found = differences_up_to(_base_run(config), run(config, provider=provider), x)
    assert found, "the canary missed a strategy that reads the future"
    assert all("`peeker`" in f for f in found), found  # and it blames only the peeker
    if first_leak:  # the one-day peek shows on the event determined on X itself
        assert f"weights of `peeker` determined {first_leak}" in found


# --- the sweep fast path ---


def _events_with_rows(result: Result) -> pd.DataFrame:
    """The run's events with the rows of their dates in the price panel (as a schedule has)."""
    index = pd.DatetimeIndex(result.prices.index)
    return result.events.assign(
        determination_row=index.get_indexer(result.events["determination_date"]),
        effective_row=index.get_indexer(result.events["effective_date"]),
    )


def _sweep_context(result: Result) -> Context:
    """The strategy context a sweep builds from a run's market (`backtest.sweep.market`)."""
    members = list(result.universe.tickers)
    prices = result.prices[members]
    membership = {
        m.ticker: (
            pd.Timestamp(m.member_from) if m.member_from else None,
            pd.Timestamp(m.member_until) if m.member_until else None,
        )
        for m in result.universe.members
    }
    events = _events_with_rows(result)
    return Context(
        prices=prices,
        events=events,
        eligible=eligibility(
            prices, events, membership, min_history_days=result.config.data.min_history_days
        ),
        share=result.share,
        buckets=result.universe.buckets,
        exposures=result.universe.exposures,
    )


@pytest.mark.parametrize("how", ["noise", "crash", "spike"])
def test_the_sweep_fast_path_decides_and_values_the_past_from_the_past(
    how: str, tmp_path: Path
) -> None:
    """Batch weights (`strategies.linear_tilt_batch`) and the numba kernel (`simulate_batch`).

    48 LinearTilt variants (strength x neutral share x cap, infeasible caps as NaN rows) on
    prices changed after X and a signal whose later vintages changed: every weight determined
    up to X and every equity value up to X (with and without a drift band) bit for bit equal.
    """
    x = pd.Timestamp("2022-06-30")
    config = demo_config(strategies=())
    base = _base_run(config)
    rows = rewritten_after(default_signal_rows(), x.date())
    signal = dataclasses.replace(config.signal, series=str(write_signal(tmp_path / "s.csv", rows)))
    changed = run(
        dataclasses.replace(config, signal=signal),
        provider=PerturbedProvider(after=x, how=how, seed=5),  # type: ignore[arg-type]
    )
    grid = np.array(
        [
            (k, s0, cap)
            for k in (0.0, 1.0, 2.5, 5.0)
            for s0 in (0.3, 0.5)
            for cap in (1.0, 0.2, 0.08)
        ]
        * 2
    )
    variants = {}
    for name, result in (("base", base), ("changed", changed)):
        variants[name] = linear_tilt_batch(
            _sweep_context(result),
            strength=grid[:, 0],
            neutral_share=grid[:, 1],
            max_weight=grid[:, 2],
            infeasible="nan",
        )
    early = np.asarray(base.events["determination_date"] <= x)
    assert early.sum() >= 4
    np.testing.assert_array_equal(
        _bits(variants["base"][:, early]), _bits(variants["changed"][:, early])
    )
    assert not np.array_equal(variants["base"][:, ~early], variants["changed"][:, ~early])

    k = len(grid)
    members = list(base.universe.tickers)
    columns = list(base.prices.columns)  # members plus the baseline, as the sweep simulates
    equities = {}
    for name, result in (("base", base), ("changed", changed)):
        weights = np.nan_to_num(variants[name])  # an infeasible variant holds cash
        full = np.zeros((k, len(result.events), len(columns)))
        full[:, :, [columns.index(t) for t in members]] = weights
        equities[name], _, _ = simulate_batch(
            result.prices.to_numpy(),
            _events_with_rows(result)["effective_row"].to_numpy(),
            full,
            weight_index=np.arange(k),
            fees=np.full(k, 10e-4),
            slippage=np.full(k, 5e-4),
            band=np.repeat([0.0, 0.05], k // 2),
            initial_cash=1e6,
        )
    upto = np.asarray(base.prices.index <= x)
    np.testing.assert_array_equal(
        _bits(equities["base"][:, upto]), _bits(equities["changed"][:, upto])
    )
    assert not np.array_equal(equities["base"][:, ~upto], equities["changed"][:, ~upto])


@dataclass(frozen=True, kw_only=True)
class _WarmupNoise:
    """The demo market with every price strictly before ``before`` (the warm-up) scrambled."""

    before: pd.Timestamp
    name: str = "demo"
    synthetic: bool = True

    def load(self, tickers: Any, start: Any, end: Any) -> LoadedPrices:
        from backtest.data.demo import DemoProvider

        panel = DemoProvider().load(tickers, start, end).prices.copy()
        early = np.asarray(panel.index < self.before)
        rng = np.random.default_rng(5)
        panel.loc[early] = panel.loc[early].to_numpy() * rng.uniform(0.5, 2.0, (early.sum(), 1))
        return LoadedPrices(prices=panel)


def test_the_warm_up_is_read_for_decisions_and_the_first_event_is_the_start() -> None:
    """Warm-up: the first decision of a run starting 2021-01-01 reads the prices before it.

    Scrambling only the warm-up (prices before the start) moves the first event's weights of
    the lookback strategies, so they are read; the first event is the start itself (its t_d,
    2020-12-31, has the warm-up's history); and the future canary above runs on windows with
    a warm-up too (2021-01-04 starts, prices loaded from 2020).
    """
    config = demo_config(schedule=MONTHLY, start="2021-01-01")  # a business day: demo calendar
    base = _base_run(config)
    first = base.events.iloc[0]
    assert first["effective_date"] == pd.Timestamp("2021-01-01")
    assert first["determination_date"] == pd.Timestamp("2020-12-31")
    assert base.prices.index[0] < pd.Timestamp("2020-12-01")
    assert base.equity.index[0] == pd.Timestamp("2021-01-01")
    scrambled = run(config, provider=_WarmupNoise(before=pd.Timestamp("2021-01-01")))
    on_first = base.weights["effective_date"] == first["effective_date"]
    moved = (
        base.weights.loc[on_first, "weight"].to_numpy()
        != scrambled.weights.loc[on_first, "weight"].to_numpy()
    )
    movers = set(base.weights.loc[on_first].loc[moved, "strategy"])
    assert movers, "the warm-up prices were not read by any decision"
    lookback = {s.name for s in CANARY_SPECS if "inverse_volatility" in repr(s.params)}
    assert lookback and lookback <= movers
