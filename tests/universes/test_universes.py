"""Universe files: packaged membership, the validating loader and ``backtest universes``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from backtest.cli import universes as universes_cli
from backtest.errors import ConfigError
from universes import Member, known_universes, load_universe

# The default membership of issue 4, written out by hand.
_DEFAULT = {
    "gpu": {"NVDA", "AMD", "INTC"},
    "asic": {"AVGO", "MRVL", "ALAB", "GOOGL", "AMZN", "META", "MSFT"},
    "edge": {"QCOM", "AAPL", "ARM", "NXPI", "AMBA", "LSCC", "SYNA", "CEVA"},
}


def test_packaged_universes() -> None:
    assert known_universes() == ["asic", "compute_layer", "compute_layer_global", "edge", "gpu"]


def test_compute_layer_is_the_default_membership() -> None:
    universe = load_universe("compute_layer")
    assert {b: {m.ticker for m in ms} for b, ms in universe.by_bucket().items()} == _DEFAULT
    assert universe.baseline == "NVDA"
    assert all(m.currency == "USD" for m in universe.members)
    windows = {m.ticker: (m.member_from, m.member_until) for m in universe.members}
    # point-in-time membership: the two late listings are members from their listing dates
    assert windows.pop("ALAB") == (dt.date(2024, 3, 20), None)
    assert windows.pop("ARM") == (dt.date(2023, 9, 14), None)
    assert set(windows.values()) == {(None, None)}


@pytest.mark.parametrize("bucket", ["gpu", "asic", "edge"])
def test_bucket_files_repeat_the_compute_layer_members_exactly(bucket: str) -> None:
    single = load_universe(bucket)
    layer = load_universe("compute_layer")
    assert single.baseline == "NVDA"
    assert {m.bucket for m in single.members} == {bucket}
    assert single.by_bucket()[bucket] == layer.by_bucket()[bucket]


def test_global_variant_adds_mediatek_in_twd() -> None:
    layer = load_universe("compute_layer")
    wide = load_universe("compute_layer_global")
    extra = set(wide.members) - set(layer.members)
    assert set(layer.members) <= set(wide.members)
    (mediatek,) = extra
    assert (mediatek.ticker, mediatek.bucket, mediatek.currency) == ("2454.TW", "edge", "TWD")


@pytest.mark.parametrize("name", ["asic", "compute_layer", "compute_layer_global", "edge", "gpu"])
def test_every_member_has_a_note_and_an_exposure(name: str) -> None:
    universe = load_universe(name)
    assert universe.description.strip()
    for member in universe.members:
        assert len(member.note.strip()) > 20, member.ticker
        assert 0.0 < member.exposure <= 1.0, member.ticker


def test_default_members_have_real_prices(shared_prices_dir: Path) -> None:
    for ticker in load_universe("compute_layer_global").tickers:
        assert (shared_prices_dir / f"{ticker}.csv").is_file(), ticker


def test_listing_dates_are_the_real_first_prices(shared_prices_dir: Path) -> None:
    universe = load_universe("compute_layer")
    for ticker, listed in (("ARM", "2023-09-14"), ("ALAB", "2024-03-20")):
        first = pd.read_csv(shared_prices_dir / f"{ticker}.csv", usecols=["date"])["date"].iloc[0]
        assert first == listed
        member = universe.member(ticker)
        assert f"listing on {listed}" in member.note
        assert member.member_from == dt.date.fromisoformat(listed)


def test_membership_window_is_inclusive() -> None:
    member = Member(
        ticker="X",
        name="X",
        bucket="gpu",
        currency="USD",
        member_from=dt.date(2020, 1, 1),
        member_until=dt.date(2020, 12, 31),
        note="n",
    )
    assert not member.is_member_on(dt.date(2019, 12, 31))
    assert member.is_member_on(dt.date(2020, 1, 1)) and member.is_member_on(dt.date(2020, 12, 31))
    assert not member.is_member_on(dt.date(2021, 1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        member.ticker = "Y"  # type: ignore[misc]


_GOOD = """name = "mine"
description = "test universe"
baseline = "NVDA"

[[members]]
ticker = "NVDA"
name = "NVIDIA"
bucket = "gpu"
currency = "USD"
exposure = 0.9
note = "GPUs"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    return path


def test_a_user_file_by_path(tmp_path: Path) -> None:
    extra = '\n[[members]]\nticker = "AVGO"\nname = "Broadcom"\nbucket = "asic"\n'
    extra += 'currency = "USD"\nmember_from = 2020-01-01\nmember_until = "2022-06-30"\nnote = "x"\n'
    universe = load_universe(_write(tmp_path, _GOOD + extra))
    assert universe.name == "mine" and universe.tickers == ["AVGO", "NVDA"]
    avgo = universe.member("AVGO")
    assert (avgo.exposure, avgo.member_from, avgo.member_until) == (
        1.0,
        dt.date(2020, 1, 1),
        dt.date(2022, 6, 30),
    )
    assert universe.membership()["AVGO"] == (pd.Timestamp("2020-01-01"), pd.Timestamp("2022-06-30"))
    assert load_universe(str(tmp_path / "mine.toml")).members == universe.members


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ('baseline = "NVDA"', 'baseline = "NVDA"\nbenchmark = "SPY"', "unknown key `benchmark`"),
        (
            'note = "GPUs"',
            'note = "GPUs"\nweight = 0.5',
            r"\(NVDA\): unknown key `weight`",
        ),
        ('bucket = "gpu"', 'bucket = "cpu"', r"member 1 \(NVDA\): `bucket` must be one of gpu, as"),
        ("exposure = 0.9", "exposure = 0", r"\(NVDA\): `exposure` must be in \(0, 1\], got 0"),
        ("exposure = 0.9", "exposure = 1.5", r"\(NVDA\): `exposure` must be in \(0, 1\], got 1.5"),
        ("exposure = 0.9", 'exposure = "high"', r"\(NVDA\): `exposure` must be a number"),
        ('currency = "USD"', 'currency = "usd"', r"\(NVDA\): `currency` must be an ISO 4217"),
        ('note = "GPUs"', 'note = "  "', r"member 1 \(NVDA\): `note` must be a non-empty string"),
        ('note = "GPUs"', "", r"member 1 \(NVDA\): `note` must be a non-empty string"),
        ('description = "test universe"', "", "`description` must be a non-empty string"),
        (
            'note = "GPUs"',
            'note = "GPUs"\nmember_from = 2021-01-01\nmember_until = 2020-01-01',
            r"\(NVDA\): `member_until` \(2020-01-01\) must not be before `member_from`",
        ),
        (
            'note = "GPUs"',
            'note = "GPUs"\nmember_from = "January 2020"',
            r"\(NVDA\): `member_from` must be a date",
        ),
        ("[[members]]", "[[members]\n", "not valid UTF-8 TOML"),
    ],
)
def test_bad_universe_files_name_file_member_and_field(
    tmp_path: Path, old: str, new: str, match: str
) -> None:
    assert old in _GOOD
    path = _write(tmp_path, _GOOD.replace(old, new))
    with pytest.raises(ConfigError, match=f"mine.toml: .*{match}"):
        load_universe(path)


def test_duplicate_ticker(tmp_path: Path) -> None:
    path = _write(tmp_path, _GOOD + _GOOD[_GOOD.index("[[members]]") :])
    with pytest.raises(ConfigError, match=r"mine.toml: member 2: duplicate `ticker` 'NVDA'"):
        load_universe(path)


def test_unknown_name_and_missing_file() -> None:
    with pytest.raises(ConfigError, match="unknown universe `gpus`; known: asic, compute_layer"):
        load_universe("gpus")
    with pytest.raises(ConfigError, match=r"universe file `nowhere\.toml` does not exist"):
        load_universe("nowhere.toml")


# --- backtest universes ------------------------------------------------------------------------


def _cli(argv: list[str]) -> int:
    from backtest.cli import main

    return main(argv)


def test_cli_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["universes", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:4] for line in lines[1:]}
    assert rows["compute_layer"] == ["3", "7", "8"]
    assert rows["compute_layer_global"] == ["3", "7", "9"]
    assert rows["gpu"] == ["3", "0", "0"]


def _eligible_column(out: str) -> dict[str, str]:
    status = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) > 6 and parts[2] == "USD" and parts[5] in ("yes", "no"):
            status[parts[0]] = parts[5]
    return status


def test_cli_show_as_of_on_the_demo_market(capsys: pytest.CaptureFixture[str]) -> None:
    # ARM lists 2023-09-14 in the demo market (business days): its 21st price is on 2023-10-12
    assert _cli(["universes", "show", "compute_layer", "--as-of", "2023-10-11"]) == 0
    out = capsys.readouterr().out
    assert "embedded demo market" in out
    status = _eligible_column(out)
    assert status["ARM"] == "no" and "no (20 days)" in out
    assert status["ALAB"] == "no" and status["NVDA"] == "yes"
    assert _cli(["universes", "show", "compute_layer", "--as-of", "2023-10-12"]) == 0
    assert _eligible_column(capsys.readouterr().out)["ARM"] == "yes"


def test_cli_show_with_real_prices(
    shared_prices_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _cli(
        ["universes", "show", "edge", "--as-of", "2024-01-02", "--data-dir", str(shared_prices_dir)]
    )
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"files in {shared_prices_dir.resolve()}" in out
    arm = next(line for line in out.splitlines() if line.split()[:1] == ["ARM"])
    assert "2023-09-14" in arm and " yes " in arm


def test_cli_show_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["universes", "show", "gpus"]) == 2
    assert "unknown universe `gpus`" in capsys.readouterr().err
    assert _cli(["universes", "show", "gpu", "--as-of", "2023-02-30"]) == 2
    assert "`--as-of` must be a date (YYYY-MM-DD), got '2023-02-30'" in capsys.readouterr().err
    assert _cli(["universes", "show", "gpu", "--as-of", "2014-06-30"]) == 2
    assert "before the demo market starts" in capsys.readouterr().err


def test_price_view_marks_tickers_the_source_lacks() -> None:
    view = universes_cli.load_price_view(
        load_universe("compute_layer_global"), data_dir=None, end=dt.date(2016, 1, 4)
    )
    assert view.missing == ("2454.TW",)
    assert "ARM" in view.prices.columns and view.prices["ARM"].isna().all()
    assert view.prices.index[-1] == pd.Timestamp("2016-01-04")
