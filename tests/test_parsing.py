"""The one reader of what users write: TOML files, dates, path-or-name, "did you mean"."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backtest.errors import ConfigError
from backtest.parsing import is_path_like, parse_date, parse_toml, read_toml, suggest


def test_suggest_names_the_closest_allowed_value_or_nothing() -> None:
    assert suggest("fees_bsp", ["fees_bps", "slippage_bps"]) == " (did you mean `fees_bps`?)"
    assert suggest("zzz", ["fees_bps"]) == ""


def test_read_toml_says_what_is_missing_and_what_is_not_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^tolerance file `.*nope\.toml` does not exist$"):
        read_toml(tmp_path / "nope.toml", what="tolerance file")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[x\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid UTF-8 TOML: "):
        read_toml(bad, what="config file")
    with pytest.raises(ConfigError, match=r"^lbl: not valid UTF-8 TOML: "):
        parse_toml(b"\xff", "lbl")
    good = tmp_path / "good.toml"
    good.write_text('a = 1\n[b]\nc = "d"\n')
    assert read_toml(good, what="config file") == {"a": 1, "b": {"c": "d"}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2024-02-29", dt.date(2024, 2, 29)), (" 2024-02-29 ", dt.date(2024, 2, 29))],
)
def test_parse_date_accepts_iso_strings(value: str, expected: dt.date) -> None:
    assert parse_date(value, "`x`") == expected
    assert parse_date(expected, "`x`") == expected


@pytest.mark.parametrize(
    "value", ["2023-02-29", "03/01/2022", "", 20240101, dt.datetime(2024, 1, 2)]
)
def test_parse_date_refuses_anything_else_with_the_field_and_the_value(value: object) -> None:
    with pytest.raises(ConfigError, match=r"^`run\.start` must be a date \(YYYY-MM-DD\), got "):
        parse_date(value, "`run.start`")


@pytest.mark.parametrize(
    ("value", "is_path"),
    [("compute_layer", False), ("mine.toml", True), ("dir/mine", True), (r"a\b", True)],
)
def test_is_path_like_tells_a_file_from_a_packaged_name(value: str, is_path: bool) -> None:
    assert is_path_like(value, ".toml") is is_path
    assert is_path_like(Path("compute_layer"), ".toml") is True
