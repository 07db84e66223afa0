"""The point-in-time inference signal: packaged series, evaluation rules and bad input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtest.errors import ConfigError
from backtest.inputs.signal import (
    InferenceSignal,
    known_series,
    load_signal,
    parse_signal,
    training_to_inference,
)

_HEADER = "period,share,usable_from,kind,source\n"


def _signal(rows: list[tuple[str, float, str, str]]) -> InferenceSignal:
    """Build a signal from (period, share, usable_from, kind) rows through the CSV parser."""
    body = "".join(f"{p},{s!r},{u},{k},test row\n" for p, s, u, k in rows)
    return parse_signal((_HEADER + body).encode(), label="test.csv")


# --- the packaged series against ../shared/reference/inference_share.md (copied by hand) -----

# Section 2 "Proposed DEFAULT series" and section 3 "same usable_from dates as the default".
_REFERENCE_USABLE = {
    2015: "2015-01-01",
    2016: "2015-01-01",
    2017: "2015-01-01",
    2018: "2015-01-01",
    2019: "2020-05-15",
    2020: "2020-05-15",
    2021: "2021-10-11",
    2022: "2023-02-01",
    2023: "2024-02-21",
    2024: "2024-08-28",
    2025: "2025-11-18",
    2026: "2025-11-18",
    2027: "2025-12-17",
}
_YEARS = list(range(2015, 2028))
_REFERENCE_VALUES = {
    # departures from the reference's default table (2023: 0.38, 2026: 0.58), which blend figures
    # published after those rows' usable_from dates: the first vintages use only what was public
    "default": [0.30, 0.30, 0.30, 0.30, 0.40, 0.45, 0.50, 0.48, 0.40, 0.42, 0.48, 0.60, 0.60],
    "fast_shift": [0.35, 0.35, 0.35, 0.38, 0.42, 0.47, 0.53, 0.52, 0.40, 0.45, 0.52, 0.67, 0.75],
    "slow_shift": [0.25, 0.25, 0.25, 0.28, 0.32, 0.36, 0.40, 0.38, 0.30, 0.33, 0.42, 0.45, 0.48],
    "broad_definition": [
        0.80, 0.80, 0.78, 0.75, 0.70, 0.66, 0.62, 0.55, 0.45, 0.50, 0.58, 0.68, 0.74,
    ],
    "constant_50": [0.50] * 13,
}  # fmt: skip
_REFERENCE_KIND = {
    y: "prior" if y <= 2018 else "estimate" if y <= 2025 else "forecast" for y in _YEARS
}


@pytest.mark.parametrize("name", sorted(set(_REFERENCE_VALUES) - {"constant_50"}))
def test_packaged_series_match_the_reference_table(name: str) -> None:
    vintages = load_signal(name).vintages
    for year, value in zip(_YEARS, _REFERENCE_VALUES[name], strict=True):
        row = vintages[
            (vintages["period"] == pd.Period(str(year), freq="Y"))
            & (vintages["usable_from"] == pd.Timestamp(_REFERENCE_USABLE[year]))
        ]
        assert len(row) == 1, (name, year)
        assert row["share"].iloc[0] == value, (name, year)
        assert row["kind"].iloc[0] == _REFERENCE_KIND[year], (name, year)


def test_the_control_is_known_from_the_start() -> None:
    vintages = load_signal("constant_50").vintages
    assert [p.year for p in vintages["period"]] == _YEARS
    assert (vintages["share"] == 0.5).all() and (vintages["kind"] == "prior").all()
    assert (vintages["usable_from"] == pd.Timestamp("2015-01-01")).all()


def test_default_keeps_the_revision_log_and_the_gartner_vintage() -> None:
    vintages = load_signal("default").vintages
    extra = {
        (str(p), str(u.date())): s
        for p, u, s in zip(
            vintages["period"], vintages["usable_from"], vintages["share"], strict=True
        )
        if _REFERENCE_USABLE[p.year] != str(u.date())
    }
    assert extra == {
        ("2015", "2020-05-15"): 0.25,  # hindsight ramp 0.25 -> 0.33
        ("2016", "2020-05-15"): 0.277,
        ("2017", "2020-05-15"): 0.303,
        ("2018", "2020-05-15"): 0.33,
        ("2022", "2025-11-18"): 0.42,  # hindsight global ~0.42
        ("2023", "2025-11-18"): 0.36,  # hindsight ~0.36 after Deloitte's 0.33
        ("2025", "2025-10-14"): 0.50,  # Gartner, before the 2025-11-18 blend
        ("2026", "2025-12-17"): 0.58,  # the reference blend once McKinsey's figure is public
        ("2027", "2026-08-10"): 0.61,  # optional update on 2026-08-10
    }


@pytest.mark.parametrize("interpolation", ["step", "linear"])
def test_revision_log_rows_never_reach_the_point_in_time_path(interpolation: str) -> None:
    # the reference: "Revision log (use only for hindsight analysis, not for signals)"
    signal = load_signal("default")
    revised = signal.vintages["source"].str.startswith("Revision log")
    assert revised.sum() == 6
    first_releases = dataclasses.replace(signal, vintages=signal.vintages[~revised])
    days = pd.date_range("2015-01-01", "2027-12-31", freq="D")
    pd.testing.assert_series_equal(
        signal.share_at(days, interpolation=interpolation),  # type: ignore[arg-type]
        first_releases.share_at(days, interpolation=interpolation),  # type: ignore[arg-type]
    )
    hindsight = signal.share_at(days, mode="hindsight")
    assert (hindsight != first_releases.share_at(days, mode="hindsight")).any()


def test_every_packaged_row_has_a_source() -> None:
    assert set(known_series()) == set(_REFERENCE_VALUES)
    for name in known_series():
        sources = load_signal(name).vintages["source"]
        assert (sources.str.len() > 20).all(), name


# --- point-in-time rules on the default series ------------------------------------------------


def test_2023_estimate_is_invisible_the_day_before_publication() -> None:
    before, on = load_signal("default").share_at(["2024-02-20", "2024-02-21"])
    assert before == 0.48  # still the 2022 figure (usable since 2023-02-01)
    assert on == 0.40  # NVIDIA FY2024 disclosure, usable from 2024-02-21


def test_a_later_vintage_replaces_the_earlier_one_from_its_date() -> None:
    signal = load_signal("default")
    values = signal.share_at(["2025-10-13", "2025-10-14", "2025-11-17", "2025-11-18"])
    assert values.tolist() == [0.42, 0.50, 0.50, 0.48]


def test_forecasts_count_only_with_a_horizon_until_their_period_starts() -> None:
    signal = load_signal("default")
    assert signal.share_at(["2025-12-01"]).iloc[0] == 0.48
    assert signal.share_at(["2025-12-01"], horizon=1).iloc[0] == 0.60
    assert signal.share_at(["2025-12-16", "2025-12-17"], horizon=1).tolist() == [0.60, 0.58]
    assert signal.share_at(["2025-12-16", "2025-12-17"], horizon=2).tolist() == [0.60, 0.60]
    assert signal.share_at(["2026-01-02"]).iloc[0] == 0.58  # 2026 is now the current period
    assert signal.share_at(["2026-08-09", "2026-08-10"], horizon=1).tolist() == [0.60, 0.61]


def test_nothing_is_usable_before_the_first_vintage() -> None:
    assert math.isnan(load_signal("default").share_at(["2014-12-31"]).iloc[0])


def test_hindsight_uses_final_vintages_from_the_period_start() -> None:
    signal = load_signal("default")
    dates = ["2016-06-01", "2023-06-01", "2024-01-02"]
    assert signal.share_at(dates).tolist() == [0.30, 0.48, 0.48]
    assert signal.share_at(dates, mode="hindsight").tolist() == [0.277, 0.36, 0.42]


def test_as_known_at_lists_only_published_rows() -> None:
    signal = load_signal("default")
    known = signal.as_known_at("2024-02-20")
    assert known["usable_from"].max() == pd.Timestamp("2023-02-01")
    latest = signal.as_known_at("2025-11-18", latest_only=True)
    assert latest["period"].is_unique
    assert latest.set_index(latest["period"].astype(str))["share"]["2025"] == 0.48
    assert signal.final_vintages().set_index("period")["share"].iloc[-1] == 0.61


# --- linear interpolation and quarters, hand-worked -------------------------------------------


def test_linear_interpolates_only_between_published_points() -> None:
    signal = _signal(
        [("2020", 0.2, "2020-01-01", "estimate"), ("2021", 0.6, "2021-01-01", "estimate")]
    )
    # 2020 is a leap year: midpoint 2020-07-02 00:00; 2021 midpoint 2021-07-02 12:00.
    # On 2021-01-01: 183 days past the 2020 midpoint, of a 365.5-day span.
    expected = 0.2 + 0.4 * 183 / 365.5
    values = signal.share_at(["2020-12-31", "2021-01-01", "2021-09-01"], interpolation="linear")
    assert values.iloc[0] == 0.2  # 2021 not yet published: flat, never leaning toward 0.6
    assert values.iloc[1] == pytest.approx(expected, abs=1e-9)
    assert values.iloc[2] == 0.6  # beyond the last midpoint: flat


def test_quarterly_series() -> None:
    signal = _signal(
        [
            ("2024Q1", 0.40, "2024-04-20", "estimate"),
            ("2024Q2", 0.45, "2024-07-25", "estimate"),
            ("2024Q3", 0.50, "2024-06-01", "forecast"),
        ]
    )
    assert signal.frequency == "Q"
    values = signal.share_at(["2024-04-19", "2024-04-20", "2024-06-30", "2024-07-01", "2024-07-25"])
    assert values.iloc[0] != values.iloc[0]  # NaN: nothing published yet
    assert values.iloc[1:].tolist() == [0.40, 0.40, 0.50, 0.50]
    assert signal.share_at(["2024-06-01"], horizon=1).iloc[0] == 0.50


# --- property: random vintage tables ----------------------------------------------------------

_DAYS = pd.date_range("2014-01-01", "2021-12-31", freq="D")


def _reference(rows: list[tuple[int, float, dt.date]], day: pd.Timestamp, horizon: int) -> float:
    """Plain-Python point-in-time step rule: latest usable period <= year + h, latest vintage."""
    usable = [r for r in rows if r[0] <= day.year + horizon and pd.Timestamp(r[2]) <= day]
    if not usable:
        return float("nan")
    period = max(r[0] for r in usable)
    return max((r for r in usable if r[0] == period), key=lambda r: r[2])[1]


@st.composite
def _tables(draw: st.DrawFn, *, forward: bool) -> list[tuple[int, float, dt.date]]:
    n = draw(st.integers(min_value=1, max_value=10))
    rows: dict[tuple[int, dt.date], float] = {}
    for _ in range(n):
        year = draw(st.integers(min_value=2015, max_value=2019))
        low = dt.date(2014, 1, 1) if forward else dt.date(year, 1, 1)
        usable = draw(st.dates(min_value=low, max_value=dt.date(2021, 6, 30)))
        rows[(year, usable)] = draw(st.integers(min_value=0, max_value=100)) / 100
    return [(y, s, u) for (y, u), s in rows.items()]


def _build(rows: list[tuple[int, float, dt.date]]) -> InferenceSignal:
    return _signal([(str(y), s, u.isoformat(), "estimate") for y, s, u in rows])


def _change_days(path: pd.Series) -> set[pd.Timestamp]:
    values = path.to_numpy()
    same = (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
    return set(path.index[1:][~same])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_tables(forward=False))
def test_pit_path_changes_only_on_usable_from_dates(rows: list[tuple[int, float, dt.date]]) -> None:
    # no row is published before its period starts (no forecasts): changes only on usable_from
    path = _build(rows).share_at(_DAYS)
    assert _change_days(path) <= {pd.Timestamp(u) for _, _, u in rows}
    expected = [_reference(rows, d, 0) for d in _DAYS]
    np.testing.assert_array_equal(path.to_numpy(), np.array(expected))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_tables(forward=True), horizon=st.integers(min_value=0, max_value=2))
def test_pit_path_with_forecasts_never_uses_a_value_before_its_usable_from(
    rows: list[tuple[int, float, dt.date]], horizon: int
) -> None:
    signal = _build(rows)
    path = signal.share_at(_DAYS, horizon=horizon)
    period_starts = {pd.Timestamp(y, 1, 1) for y in range(2014, 2023)}
    assert _change_days(path) <= {pd.Timestamp(u) for _, _, u in rows} | period_starts
    expected = [_reference(rows, d, horizon) for d in _DAYS]
    np.testing.assert_array_equal(path.to_numpy(), np.array(expected))
    for day, value in path.iloc[::97].items():  # each value was published by its date
        if not math.isnan(value):
            assert value in {s for _, s, u in rows if pd.Timestamp(u) <= day}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=_tables(forward=True),
    day=st.dates(min_value=dt.date(2014, 6, 1), max_value=dt.date(2021, 12, 31)),
    horizon=st.integers(min_value=0, max_value=2),
    interpolation=st.sampled_from(["step", "linear"]),
)
def test_rows_published_later_change_nothing(
    rows: list[tuple[int, float, dt.date]], day: dt.date, horizon: int, interpolation: str
) -> None:
    published = [r for r in rows if r[2] <= day]
    full = _build(rows).share_at([day], horizon=horizon, interpolation=interpolation)  # type: ignore[arg-type]
    if not published:
        assert math.isnan(full.iloc[0])
        return
    truncated = _build(published).share_at([day], horizon=horizon, interpolation=interpolation)  # type: ignore[arg-type]
    np.testing.assert_array_equal(full.to_numpy(), truncated.to_numpy())


# --- derived ratio, options and bad input -----------------------------------------------------


def test_ratio_is_derived() -> None:
    assert training_to_inference(0.4) == pytest.approx(1.5)
    assert math.isinf(training_to_inference(0.0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "oracle"}, "`mode` must be one of point_in_time, hindsight, got 'oracle'"),
        ({"interpolation": "cubic"}, "`interpolation` must be one of step, linear"),
        ({"horizon": -1}, "`horizon` must be an integer >= 0, got -1"),
        ({"horizon": 1.5}, "`horizon` must be an integer >= 0, got 1.5"),
    ],
)
def test_bad_options(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_signal("default").share_at(["2024-01-01"], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("2023,1.2,2024-01-01,estimate,x", r"row 2: `share` must be in \[0, 1\], got 1.2"),
        ("2023,nan,2024-01-01,estimate,x", r"row 2: `share` must be in \[0, 1\], got nan"),
        ("2023,-0.1,2024-01-01,estimate,x", r"row 2: `share` must be in \[0, 1\], got -0.1"),
        ("2023,high,2024-01-01,estimate,x", "row 2: `share` must be a number in .*got 'high'"),
        ("2023,0.4,2024-13-01,estimate,x", "row 2: `usable_from` must be a date.*2024-13-01"),
        ("2023,0.4,,estimate,x", "row 2: `usable_from` must be a date"),
        ("2023,0.4,2024-01-01,guess,x", "row 2: `kind` must be one of actual.*got 'guess'"),
        ("20x3,0.4,2024-01-01,estimate,x", "row 2: `period` must be a year.*got '20x3'"),
        ("2023-06-30,0.4,2024-01-01,estimate,x", "row 2: `period` must be a year"),
        ("2023Q5,0.4,2024-01-01,estimate,x", "row 2: `period` must be a year"),
        ("2023,0.4,2024-01-01,estimate,", "row 2: `source` must not be empty"),
        ("2023,0.4,2024-01-01,estimate,x,y", "row 2: has more fields"),
        (
            "2023,0.4,2024-01-01,estimate,x\n2024Q1,0.4,2024-05-01,estimate,x",
            "row 3: `period` '2024Q1' mixes years and quarters",
        ),
        (
            "2023,0.4,2024-01-01,estimate,a\n\n2023,0.5,2024-01-01,estimate,b",
            r"row 4: duplicate vintage \(`period` 2023, `usable_from` 2024-01-01\)",
        ),
    ],
)
def test_bad_rows_name_file_row_and_field(tmp_path: Path, body: str, match: str) -> None:
    path = tmp_path / "sig.csv"
    path.write_text(_HEADER + body + "\n")
    with pytest.raises(ConfigError, match=f"sig.csv: {match}"):
        load_signal(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("period,share,usable_from,kind\n2023,0.4,2024-01-01,estimate\n", "columns must be"),
        ("", "columns must be"),
        (_HEADER, "has no rows"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "sig.csv"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_signal(str(path))


def test_unknown_name_and_missing_file() -> None:
    with pytest.raises(ConfigError, match="unknown signal series `defualt`; known: broad_def"):
        load_signal("defualt")
    with pytest.raises(ConfigError, match=r"signal file `nowhere/sig\.csv` does not exist"):
        load_signal("nowhere/sig.csv")


def test_a_user_csv_replaces_the_packaged_series(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    # columns in another order, a BOM and spaces are accepted
    path.write_text(
        "\ufeffsource,period,share,usable_from,kind\n"
        'my desk, 2022 , 0.9 ,2022-03-01,estimate\n"Desk, revised",2022,0.7,2023-03-01,estimate\n'
    )
    signal = load_signal(str(path))
    assert signal.name == str(path)
    assert signal.share_at(["2022-02-28", "2022-03-01", "2023-03-01"]).tolist()[1:] == [0.9, 0.7]
    assert signal.sha256 != load_signal("default").sha256


# --- the run reads the signal at t_d; a user CSV replaces the packaged series -----------------


def _demo_run(series: str) -> tuple[pd.Series, str]:
    """Share per event (index = effective dates) and the manifest's signal hash of a demo run."""
    from backtest.config import parse_config
    from backtest.pipeline.runner import run

    config = parse_config(
        {
            "run": {"start": "2023-10-02", "end": "2024-04-30"},
            "signal": {"series": series},
            "strategies": [{"name": "p", "kind": "proportional", "edge_fraction": 0.25}],
        }
    )
    result = run(config)
    assert result.universe.name == "compute_layer"
    assert result.manifest["look_ahead"] is False
    return result.share, str(result.manifest["signal_sha256"])


def test_the_default_run_reads_the_default_series_at_t_d() -> None:
    share, _ = _demo_run("default")
    # monthly events on the first business day, t_d one business day before: the 2023 estimate
    # (usable 2024-02-21) first shows at the 2024-03-01 event (t_d 2024-02-29)
    assert share.loc["2024-02-01"] == 0.48
    assert share.loc["2024-03-01"] == 0.40
    assert share.loc["2024-04-01"] == 0.40


def test_a_user_csv_drives_the_run(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "mine.csv"
    path.write_text(
        _HEADER + "2023,0.9,2023-01-01,estimate,desk\n2024,0.1,2024-01-31,estimate,desk\n"
    )
    share, sha256 = _demo_run(str(path))
    assert share.loc[:"2024-01-02"].eq(0.9).all()  # t_d 2023-12-29 and before
    assert share.loc["2024-02-01":].eq(0.1).all()  # t_d 2024-01-31: usable that day
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_hindsight_run_is_flagged_and_warns() -> None:
    from backtest.config import parse_config
    from backtest.pipeline.runner import run

    config = parse_config(
        {
            "run": {"start": "2024-04-01", "end": "2024-09-30"},
            "signal": {"mode": "hindsight"},
            "strategies": [{"name": "p", "kind": "proportional", "edge_fraction": 0.25}],
        }
    )
    with pytest.warns(UserWarning, match="look-ahead"):
        result = run(config)
    assert result.manifest["look_ahead"] is True
    assert result.share.eq(0.42).all()  # 2024's final vintage from 2024-01-01, before 2024-08-28


# --- backtest signal ---------------------------------------------------------------------------


def _cli(argv: list[str]) -> int:
    from backtest.cli import main

    return main(argv)


def test_cli_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["signal", "list"]) == 0
    rows = {line.split()[0]: line.split()[1] for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows == {
        "broad_definition": "13",
        "constant_50": "13",
        "default": "22",
        "fast_shift": "13",
        "slow_shift": "13",
        "asic_adoption": "9",
        "inference_cost": "7",
        "inference_cost_strict": "7",
    }


def test_cli_show_as_of(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["signal", "show", "--as-of", "2024-02-20"]) == 0
    out = capsys.readouterr().out
    assert "12 of 22 vintages usable" in out
    assert "2024-02-21" not in out.split("\n\n")[1]  # the 2023 estimate is not listed yet
    assert "point-in-time 0.480; hindsight 0.420 (contains look-ahead)" in out
    assert _cli(["signal", "show", "--as-of", "2025-12-01", "--horizon", "1"]) == 0
    assert "point-in-time 0.600" in capsys.readouterr().out


def test_cli_show_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "paths.png"
    assert _cli(["signal", "show", "--series", "slow_shift", "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {png}" in capsys.readouterr().out
    before = png.read_bytes()
    assert _cli(["signal", "show", "--plot", str(png)]) == 2  # never overwritten silently
    assert "exists; pass --force" in capsys.readouterr().err
    assert png.read_bytes() == before
    assert _cli(["signal", "show", "--plot", str(png), "--force"]) == 0
    assert list(tmp_path.iterdir()) == [png]  # no temporary file left behind


def test_plot_paths_are_the_two_modes(tmp_path: Path) -> None:
    from backtest.cli.signal import plot_paths

    paths = plot_paths(load_signal("default"), tmp_path / "p.png")
    assert paths.loc["2016-06-01"].tolist() == [0.30, 0.277]
    assert paths.loc["2024-02-20"].tolist() == [0.48, 0.42]  # hindsight: 2024 final
    assert paths.index[0] == pd.Timestamp("2015-01-01")
    assert paths.index[-1] == pd.Timestamp("2027-12-31")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--series", "nope"], "unknown signal series `nope`"),
        (["--as-of", "yesterday"], "`--as-of` must be a date (YYYY-MM-DD), got 'yesterday'"),
        (["--plot", "out.jpg"], "`--plot` must name a .png file"),
        (["--horizon", "-1"], "`horizon` must be an integer >= 0, got -1"),
    ],
)
def test_cli_show_bad_input(
    argv: list[str], match: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(["signal", "show", *argv]) == 2
    assert match in capsys.readouterr().err


# --- thesis monitors: `value` series, packaged, as named signals ---


def _monitor_reference(name: str) -> pd.DataFrame:
    from tests.conftest import REPO

    path = REPO.parent / "shared" / "reference" / "thesis_monitors" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return pd.read_csv(path)


def test_asic_adoption_is_broadcom_ai_over_nvidia_dc_usable_the_day_after_the_later_release() -> (
    None
):
    from backtest.inputs.signal import known_monitors

    assert {"asic_adoption", "inference_cost", "inference_cost_strict"} <= set(known_monitors())
    series = load_signal("asic_adoption")
    assert series.column == "value"
    avgo = _monitor_reference("avgo_ai_revenue.csv")
    nvda = _monitor_reference("nvda_dc_revenue.csv")
    avgo = avgo[avgo["series_id"] == "AVGO_AI_REV"].reset_index(drop=True)
    nvda = nvda[nvda["series_id"] == "NVDA_DC_REV"]
    nvda = nvda[nvda["period"].between("FY2024Q4", "FY2026Q4")].reset_index(drop=True)
    vintages = series.vintages
    # the post-break quarter (NVIDIA's new segments from FY2027 Q1) is left out
    assert len(vintages) == 9 == len(nvda) == len(avgo) - 1
    for row, (_, a), (_, n) in zip(
        vintages.itertuples(), avgo.iterrows(), nvda.iterrows(), strict=False
    ):
        assert row.value == pytest.approx(a["value"] / n["value"], abs=5e-7)
        later = max(pd.Timestamp(a["usable_from"]), pd.Timestamp(n["usable_from"]))
        assert row.usable_from == later + pd.offsets.BDay(1)  # none of them before a holiday
    assert vintages["usable_from"].iloc[0] == pd.Timestamp("2024-03-08")


def test_inference_cost_is_log10_of_the_cheapest_price_with_a_strict_twin() -> None:
    epoch = _monitor_reference("llm_price_threshold_epoch.csv")
    rows = epoch[epoch["series_id"] == "LLM_PRICE_MMLU_GE_64.8_GPT35"].reset_index(drop=True)
    release, strict = load_signal("inference_cost").vintages, load_signal("inference_cost_strict")
    np.testing.assert_allclose(10 ** release["value"].to_numpy(), rows["value"], rtol=1e-11)
    assert (release["usable_from"] > pd.to_datetime(rows["usable_from"])).all()
    assert (strict.vintages["usable_from"] == pd.Timestamp("2025-03-13")).all()
    assert np.isnan(strict.share_at(["2025-03-12"]).iloc[0])
    assert strict.share_at(["2025-03-13"]).iloc[0] == pytest.approx(np.log10(0.07))


def test_a_value_column_takes_any_finite_number_and_names_its_column_in_errors() -> None:
    good = b"period,value,usable_from,kind,source\n2024Q1,-1.5,2024-05-01,actual,x\n"
    assert parse_signal(good, label="v.csv").share_at(["2024-06-01"]).iloc[0] == -1.5
    bad = good.replace(b"-1.5", b"inf")
    with pytest.raises(ConfigError, match=r"v\.csv: row 2: `value` must be a finite number"):
        parse_signal(bad, label="v.csv")


def test_named_signals_in_a_config_and_the_share_table_refusing_a_value_series() -> None:
    from backtest.config import parse_config
    from backtest.pipeline.prepare import config_signal

    with pytest.raises(ConfigError, match=r"`signal.series` must be an inference-share series"):
        config_signal(parse_config({"signal": {"series": "asic_adoption"}}))
    with pytest.raises(ConfigError, match=r"`signals.x.series` is required"):
        parse_config({"signals": {"x": {"mode": "hindsight"}}})
    with pytest.raises(ConfigError, match=r"not `inference_share`"):
        parse_config({"signals": {"inference_share": {"series": "default"}}})
    with pytest.raises(ConfigError, match=r"`signals.a.horizon` must be >= 0"):
        parse_config({"signals": {"a": {"series": "asic_adoption", "horizon": -1}}})
