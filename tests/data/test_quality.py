"""Quality checks on hand-made panels: each rule, its threshold, and the policy that applies it.

Expected moves are worked out here from the panel's own numbers (a ratio of two prices, the
median of the other tickers' log returns), never read back from the checks.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from backtest.config import QualityConfig, parse_config
from backtest.data.quality import (
    DIVIDEND_LIMIT,
    FINDING_KINDS,
    MOVE_LIMIT,
    SPLIT_TOLERANCE,
    STALE_DAYS,
    Finding,
    check_prices,
    missing_value_findings,
)
from backtest.data.quality_policy import DataQualityError, enforce, screen
from backtest.data.validate import FilledGap
from tests.data.helpers import d

DAYS = pd.bdate_range("2024-01-01", periods=30, name="date")


def _walk(seed: int, n_tickers: int = 4, scale: float = 0.01) -> pd.DataFrame:
    """Calm random walks (1 % daily): no rule fires on them."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, scale, size=(len(DAYS), n_tickers))
    return pd.DataFrame(
        100.0 * np.exp(np.cumsum(steps, axis=0)),
        index=DAYS,
        columns=[f"T{i}" for i in range(n_tickers)],
    )


def _kinds(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.ticker, f.date.isoformat(), f.kind) for f in findings]


def test_calm_prices_and_the_kinds_match_the_policy_fields() -> None:
    assert check_prices(_walk(1)) == []
    fields = {f for f in QualityConfig.__dataclass_fields__ if f != "accept"}
    assert fields == set(FINDING_KINDS)


@pytest.mark.parametrize(("factor", "word"), [(0.25, "4:1 split"), (1 / 3, "3:1 split")])
def test_an_unapplied_split_is_split_like_with_the_universe_move_beside_it(
    factor: float, word: str
) -> None:
    prices = _walk(2)
    prices.loc[DAYS[10] :, "T1"] *= factor  # the later prices divided: the earlier ones are not
    (finding,) = check_prices(prices)
    assert _kinds([finding]) == [("T1", DAYS[10].date().isoformat(), "split_like")]
    ratio = prices["T1"].iloc[10] / prices["T1"].iloc[9]
    others = np.log(prices.iloc[10] / prices.iloc[9]).drop("T1")
    assert f"x{ratio:.3f}" in finding.move
    assert f"the rest of the universe x{math.exp(float(np.median(others))):.3f}" in finding.move
    assert word in finding.cause and "not divided by" in finding.cause


def test_a_jump_by_a_split_ratio_is_a_reverse_split_or_a_spurious_adjustment() -> None:
    prices = _walk(3)
    prices.loc[DAYS[12] :, "T2"] *= 5.0
    (finding,) = check_prices(prices)
    assert finding.kind == "split_like" and finding.ticker == "T2"
    assert "1:5 reverse split" in finding.cause and "spurious 5:1" in finding.cause


def test_a_move_the_whole_universe_shares_is_no_finding() -> None:
    prices = _walk(4)
    prices.loc[DAYS[8] :] *= 0.5  # every ticker halves: a crash (or a unit change), not a split
    assert check_prices(prices) == []


def test_in_a_small_universe_one_cliff_does_not_make_the_others_suspect() -> None:
    """Three tickers: the others' median for a calm one is the mean of the cliff and a calm
    move; a calm ticker is never a finding because another one fell (its own move is small)."""
    prices = _walk(10, n_tickers=3)
    prices.loc[DAYS[9] :, "T0"] /= 10.0
    assert _kinds(check_prices(prices)) == [("T0", DAYS[9].date().isoformat(), "split_like")]


def test_a_single_ticker_has_no_universe_and_is_judged_alone() -> None:
    prices = _walk(5)[["T0"]]
    prices.loc[DAYS[8] :, "T0"] *= 0.5
    (finding,) = check_prices(prices)
    assert finding.kind == "split_like" and "universe" not in finding.move


def test_implausible_moves_around_the_limit() -> None:
    prices = pd.DataFrame(
        {"A": [100.0] * 8, "B": [50.0] * 8, "C": [10.0] * 8, "D": [20.0] * 8}, index=DAYS[:8]
    )
    # one move a day and flat prices otherwise: the excess is the ticker's own log return
    prices.loc[DAYS[2] :, "A"] *= math.exp(MOVE_LIMIT * 0.99)  # x1.64: just below the limit
    prices.loc[DAYS[3] :, "B"] *= math.exp(-MOVE_LIMIT * 1.01)  # x0.60: past it
    prices.loc[DAYS[4] :, "C"] *= 1.9  # log 1.9 is 0.05 from log 2: split-like
    prices.loc[DAYS[5] :, "D"] *= math.exp(math.log(3) + SPLIT_TOLERANCE + 0.01)  # past x3
    found = {f.ticker: f for f in check_prices(prices)}
    assert set(found) == {"B", "C", "D"}
    assert found["B"].kind == "implausible_move"
    assert found["C"].kind == "split_like" and "1:2 reverse split" in found["C"].cause
    assert found["D"].kind == "implausible_move"
    assert "no split ratio explains it" in found["D"].cause


def test_a_bad_print_undone_the_next_day_is_one_implausible_finding() -> None:
    prices = _walk(6)
    prices.loc[DAYS[15], "T3"] *= 10.0  # one day x10, then back
    (finding,) = check_prices(prices)
    assert (finding.kind, finding.date) == ("implausible_move", DAYS[15].date())
    assert "undone the next day" in finding.move and "near 10:1" in finding.cause


def test_an_fx_rate_quoted_the_other_way_round_is_named_so() -> None:
    rate = pd.DataFrame({"TWDUSD=X": np.full(12, 0.0312)}, index=DAYS[:12])
    rate.iloc[6:, 0] = 1 / 0.0312  # TWD per USD from day 6
    (finding,) = check_prices(rate)
    assert (finding.kind, finding.date) == ("implausible_move", DAYS[6].date())
    assert f"x{(1 / 0.0312) / 0.0312:.3f}" in finding.move
    assert finding.cause.startswith("a quote inverted")


def test_stale_runs_from_the_threshold_on() -> None:
    prices = _walk(7)
    prices.iloc[3 : 3 + STALE_DAYS - 1, 0] = prices.iloc[3, 0]  # one day short
    prices.iloc[12 : 12 + STALE_DAYS, 1] = prices.iloc[12, 1]
    (finding,) = check_prices(prices)
    assert (finding.ticker, finding.kind) == ("T1", "stale")
    assert (finding.date, finding.end) == (DAYS[12].date(), DAYS[12 + STALE_DAYS - 1].date())
    assert f"on {STALE_DAYS} trading days" in finding.move


def test_a_stale_run_counts_observations_not_calendar_rows() -> None:
    prices = _walk(8)
    prices.iloc[5 : 5 + STALE_DAYS, 2] = prices.iloc[5, 2]
    prices.iloc[[7, 9], 2] = np.nan  # no row that day: the same price resumes
    assert check_prices(prices) == []  # STALE_DAYS - 2 observations
    prices.iloc[5 : 5 + STALE_DAYS + 2, 2] = prices.iloc[5, 2]
    prices.iloc[[7, 9], 2] = np.nan
    assert _kinds(check_prices(prices)) == [("T2", DAYS[5].date().isoformat(), "stale")]


def _with_close(adj: pd.Series, close: pd.Series) -> list[Finding]:
    return check_prices(adj.to_frame("X"), close=close.to_frame("X"))


def test_the_adjustment_factor_explains_dividends_and_raw_splits_only() -> None:
    close = pd.Series(np.linspace(100.0, 110.0, 12), index=DAYS[:12])
    # a 10 % dividend on day 6: adj_close before it is 0.9 x close
    adj = close * np.where(np.arange(12) < 6, 0.9, 1.0)
    assert _with_close(adj, close) == []
    # a raw 2:1 split on day 6 in close while adj_close is continuous
    raw = close * np.where(np.arange(12) < 6, 2.0, 1.0)
    assert _with_close(close, raw) == []
    # the factor falls 5 %: nothing lowers it
    fell = close * np.where(np.arange(12) < 6, 1.05, 1.0)
    (finding,) = _with_close(fell, close)
    assert (finding.kind, finding.date) == ("adjustment_jump", DAYS[6].date())
    assert f"x{1 / 1.05:.4f}" in finding.move and "fell" in finding.cause
    # a rise of 25 % (more than a 20 % dividend): over-adjusted history
    over = close * np.where(np.arange(12) < 6, 0.75, 1.0)
    (finding,) = _with_close(over, close)
    assert finding.kind == "adjustment_jump" and "adjusted twice" in finding.cause
    assert -math.log(0.75) > DIVIDEND_LIMIT > -math.log(0.9)


def test_prices_rounded_to_the_cent_are_not_an_adjustment_jump() -> None:
    rng = np.random.default_rng(9)
    close = pd.Series(1.0 + 0.05 * rng.random(30), index=DAYS)
    adj = (close * 0.97).round(2)  # a steady factor, both columns rounded to the cent
    assert _with_close(adj, close.round(2)) == []


def test_missing_cells_are_findings_once_filled_or_inside_a_listing() -> None:
    prices = pd.DataFrame({"A": [1.0, 2.0, 2.0, 2.0, 5.0]}, index=DAYS[:5])
    gap = FilledGap(ticker="A", first_missing=d("2024-01-03"), last_missing=d("2024-01-04"), days=2)
    read = {"A": {DAYS[2]: "n/a", DAYS[3]: ""}}
    (filled,) = missing_value_findings(read, prices, [gap])
    assert (filled.kind, filled.date, filled.end) == (
        "missing_filled",
        DAYS[2].date(),
        DAYS[3].date(),
    )
    assert "2 trading day(s) forward-filled with 2, the price of 2024-01-02" in filled.move
    assert "`n/a`" in filled.cause and "empty cell" in filled.cause
    assert missing_value_findings(read, prices, []) == []  # nothing was filled
    raw = prices.copy()
    raw.iloc[2:4] = np.nan
    (seen,) = missing_value_findings(read | {"B": {}}, raw)
    assert seen.move == "2 value(s) inside the listing read as missing"
    before = {"A": {DAYS[0]: "null"}}  # before the first price: not inside the listing
    assert missing_value_findings(before, raw.assign(A=[np.nan, 2.0, 3.0, 4.0, 5.0])) == []


def _finding(kind: str, day: str, ticker: str = "T1") -> Finding:
    return Finding(kind=kind, ticker=ticker, date=d(day), move="m", cause="c")  # type: ignore[arg-type]


def test_accepted_days_are_set_aside() -> None:
    stale = Finding(
        kind="stale", ticker="T1", date=d("2024-01-02"), end=d("2024-01-16"), move="m", cause="c"
    )
    report = screen(
        [_finding("split_like", "2024-02-01"), stale, _finding("split_like", "2024-02-01", "T2")],
        {"T1": [d("2024-02-01"), d("2024-01-10")]},
    )
    assert [f.ticker for f in report.findings] == ["T2"]
    assert len(report.accepted) == 2  # the day itself, and a day inside the stale run
    assert report.to_dict()["accepted"][0]["date"] == "2024-02-01"


def test_a_refused_kind_raises_one_line_and_a_warned_kind_warns() -> None:
    report = screen([_finding("stale", "2024-01-05"), _finding("split_like", "2024-02-01")], {})
    with pytest.raises(DataQualityError, match=r"^data quality: `T1` 2024-02-01 split_like: m; "
                       r"suspected cause: c; .*`\[data\.quality\.accept\] T1 = \[\"2024-02-01\"\]`"
                       r".*\(1 more finding\(s\)"):  # fmt: skip
        enforce(report, QualityConfig())
    with pytest.warns(UserWarning) as caught:
        enforce(report, QualityConfig(split_like="warn"))
    assert [str(w.message) for w in caught] == [
        "data quality: `T1` 2024-01-05 stale: m; suspected cause: c",
        "data quality: `T1` 2024-02-01 split_like: m; suspected cause: c",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enforce(screen([], {}), QualityConfig())  # nothing found: silent


def test_the_policy_is_read_from_a_config() -> None:
    config = parse_config(
        {"data": {"quality": {"stale": "refuse", "accept": {"AAPL": [dt.date(2000, 9, 29)]}}}}
    )
    policy = config.data.quality
    assert (policy.stale, policy.split_like, policy.missing_filled) == ("refuse", "refuse", "warn")
    assert policy.accept == {"AAPL": (d("2000-09-29"),)}


def test_the_demo_market_would_pass_although_it_is_not_checked() -> None:
    """`load_panel` skips synthetic providers; the seeded model has no finding anyway."""
    from backtest.data.demo import demo_prices

    assert check_prices(demo_prices()) == []
