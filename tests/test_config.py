"""Config parsing: defaults, strict validation messages, overrides, hashing, show round trip."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from backtest.cli.config import to_toml, validate_references
from backtest.config import (
    Config,
    CostsConfig,
    RunConfig,
    config_hash,
    load_config,
    parse_config,
    resolved_config,
)
from backtest.errors import ConfigError
from backtest.parsing import coerce
from tests.conftest import REPO

F = "cfg.toml"


def _parse(raw: dict[str, Any]) -> Config:
    return parse_config(raw, F)


def test_empty_config_is_all_defaults() -> None:
    config = _parse({})
    assert config.run == RunConfig()
    assert config.costs == CostsConfig(fees_bps=10.0, slippage_bps=5.0)
    assert config.universe == "compute_layer" and config.baseline == "NVDA"
    assert config.strategies == () and dict(config.sweep) == {}
    assert config.schedule.lag_days == 1 and config.data.source == "demo"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"cost": {}}, r"cfg\.toml: unknown key `cost` \(did you mean `costs`\?\)"),
        (
            {"costs": {"fees_bsp": 5}},
            r"cfg\.toml: unknown key `costs\.fees_bsp` \(did you mean `fees_bps`\?\)",
        ),
        (
            {"schedule": {"lagdays": 2}},
            r"unknown key `schedule\.lagdays` \(did you mean `lag_days`\?\); allowed in "
            r"\[schedule\]: anchor, frequency, lag_days, rebalance_band",
        ),
        (
            {"signal": {"mode": "point-in-time"}},
            r"cfg\.toml: `signal\.mode` must be one of point_in_time, hindsight, got "
            r"'point-in-time' \(did you mean `point_in_time`\?\)",
        ),
        (
            {"run": {"initial_cash": "lots"}},
            r"cfg\.toml: `run\.initial_cash` must be a number, got 'lots'",
        ),
        ({"run": {"initial_cash": float("nan")}}, r"`run\.initial_cash` must be a finite number"),
        ({"schedule": {"lag_days": True}}, r"`schedule\.lag_days` must be an integer, got True"),
        ({"schedule": {"lag_days": 1.5}}, r"`schedule\.lag_days` must be an integer, got 1\.5"),
        ({"schedule": {"lag_days": 0}}, r"cfg\.toml: `schedule\.lag_days` must be >= 1, got 0"),
        (
            {"schedule": {"rebalance_band": 1.5}},
            r"`schedule\.rebalance_band` must be .*in \[0, 1\), got 1\.5",
        ),
        (
            {"costs": {"fees_bps": -5}},
            r"cfg\.toml: `costs\.fees_bps` must be in \[0, 10000\), got -5",
        ),
        (
            {"run": {"start": "2020-13-01"}},
            r"`run\.start` must be a date \(YYYY-MM-DD\), got '2020-13-01'",
        ),
        (
            {"run": {"start": dt.date(2020, 1, 1), "end": dt.date(2019, 1, 1)}},
            r"`run\.end` \(2019-01-01\) must be after `run\.start` \(2020-01-01\)",
        ),
        ({"run": {"initial_cash": 0}}, r"`run\.initial_cash` must be > 0, got 0"),
        ({"run": {"name": "../up"}}, r"`run\.name` must be a folder name .* got '\.\./up'"),
        ({"signal": {"horizon": -1}}, r"`signal\.horizon` must be >= 0, got -1"),
        ({"signal": {"horizon": 240}}, r"`signal\.horizon` must be <= 20 periods ahead, got 240"),
        ({"data": {"max_fill_days": -1}}, r"`data\.max_fill_days` must be >= 0, got -1"),
        ({"data": {"offline": "yes"}}, r"`data\.offline` must be true or false, got 'yes'"),
        ({"data": {"source": "files"}}, r'`data\.dir` is required when `data\.source` is "files"'),
        ({"data": {"sha256": "abc"}}, r"`data\.sha256` must be 64 lowercase hex digits, got 'abc'"),
        ({"data": {"dir": 5}}, r"`data\.dir` must be a string, got 5"),
        ({"run": []}, r"cfg\.toml: `run` must be a table \(\[run\]\), got \[\]"),
        ({"universe": 3}, r"cfg\.toml: `universe` must be a string, got 3"),
        ({"baseline": "NV DA"}, r"cfg\.toml: `baseline` must be a ticker, got 'NV DA'"),
        ({"sweep": 1}, r"cfg\.toml: `sweep` must be a table \(\[sweep\]\), got 1"),
        ({"strategies": {"kind": "x"}}, r"`strategies` must be an array of tables"),
        (
            {"strategies": [{"name": "a"}]},
            r"`strategies\[1\]`\.kind must be a non-empty string, got None",
        ),
        (
            {"strategies": [{"kind": "static"}, {"kind": "static"}]},
            r"`strategies\[2\]`\.name 'static' is already used \(give each entry its own `name`\)",
        ),
        ({"strategies": [{"name": "baseline", "kind": "x"}]}, r"`baseline` is reserved"),
    ],
)
def test_invalid_values_name_file_key_and_value(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _parse(raw)


def test_strategy_name_defaults_to_kind_and_params_stay_raw() -> None:
    config = _parse(
        {"strategies": [{"kind": "static", "weights": {"gpu": 1.0}}, {"name": "b", "kind": "x"}]}
    )
    first, second = config.strategies
    assert (first.name, first.kind, dict(first.params)) == (
        "static",
        "static",
        {"weights": {"gpu": 1.0}},
    )
    assert (second.name, dict(second.params)) == ("b", {})


def test_sweep_table_is_exposed_raw() -> None:
    raw = {"sweep": {"grid": {"strength": [1.0, 2.0]}, "seed": 3}}
    assert dict(_parse(raw).sweep) == raw["sweep"]


def test_iso_string_dates_are_accepted() -> None:
    assert _parse({"run": {"start": "2020-02-03"}}).run.start == dt.date(2020, 2, 3)


def test_replace_validates_like_the_parser() -> None:
    run = RunConfig(start=dt.date(2020, 1, 1), end=dt.date(2021, 1, 1))
    with pytest.raises(ConfigError, match=r"`run\.end` \(2019-01-01\) must be after"):
        dataclasses.replace(run, end=dt.date(2019, 1, 1))


def test_coerce_supports_the_field_types_other_sections_add() -> None:
    assert coerce(["A", "B"], tuple[str, ...], "w") == ("A", "B")
    assert coerce({"TSM": "TWD"}, dict[str, str], "w") == {"TSM": "TWD"}
    assert coerce(None, str | None, "w") is None
    assert coerce(3, float, "w") == 3.0 and isinstance(coerce(3, float, "w"), float)
    with pytest.raises(ConfigError, match=r"^f\.toml: `data\.x`\[2\] must be a string, got 2$"):
        coerce(["A", 2], tuple[str, ...], "f.toml: `data.x`")


def test_resolved_config_has_every_default_and_no_path() -> None:
    resolved = resolved_config(_parse({}))
    assert "path" not in resolved
    assert resolved["run"] == {
        "name": "run",
        "start": "2015-01-02",
        "end": "2026-07-31",
        "initial_cash": 1_000_000.0,
    }
    assert resolved["costs"] == {"fees_bps": 10.0, "slippage_bps": 5.0}
    assert resolved["strategies"] == [] and resolved["sweep"] == {}


def test_config_hash_is_sha256_of_canonical_json_and_ignores_path_and_order() -> None:
    a = parse_config({"costs": {"slippage_bps": 1, "fees_bps": 2}}, "one/a.toml")
    b = parse_config({"costs": {"fees_bps": 2, "slippage_bps": 1}}, "two/b.toml")
    canonical = json.dumps(resolved_config(a), sort_keys=True, separators=(",", ":"))
    assert config_hash(a) == hashlib.sha256(canonical.encode()).hexdigest() == config_hash(b)
    assert config_hash(a) != config_hash(parse_config({"costs": {"fees_bps": 3}}))


def test_show_toml_parses_back_to_the_same_config() -> None:
    raw = {
        "universe": "compute_layer",
        "run": {"name": "x", "start": dt.date(2020, 1, 2)},
        "data": {"source": "files", "dir": "../prices", "offline": True},
        "schedule": {"frequency": "quarterly", "rebalance_band": 0.05},
        "strategies": [
            {
                "name": "capped tilt".replace(" ", "_"),
                "kind": "linear_tilt",
                "strength": 2.0,
                "constraints": [{"kind": "capped", "max_weight": 0.25}],
                "note": 'quotes " and unicode é',
            }
        ],
        "sweep": {"grid": {"strength": [1.0, 2.5]}, "label": "s"},
    }
    config = parse_config(raw, "a.toml")
    text = to_toml(config)
    again = parse_config(tomllib.loads(text), "b.toml")
    assert config_hash(again) == config_hash(config)
    assert "# snapshot is not set" in text and "max_fill_days = 5" in text


def test_load_config_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file `.*nope\.toml` does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[run\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid UTF-8 TOML"):
        load_config(bad)


@pytest.mark.parametrize("name", ["default", "demo", "shared-files", "sweep"])
def test_shipped_configs_validate_with_their_references(name: str) -> None:
    config = load_config(REPO / "configs" / f"{name}.toml")
    summary = validate_references(config)
    assert summary["valid"] is True and (summary["strategies"] or summary["sweep"])
    assert (summary["sweep"] is not None) == bool(config.sweep)


def test_validate_references_prefixes_the_file(tmp_path: Path) -> None:
    config = parse_config({"strategies": [{"kind": "no_such_kind"}]}, "x.toml")
    with pytest.raises(ConfigError, match=r"^x\.toml: .*unknown `kind` 'no_such_kind'"):
        validate_references(config)
    config = parse_config({"universe": "gpus"}, "x.toml")
    with pytest.raises(ConfigError, match=r"^x\.toml: unknown universe `gpus`"):
        validate_references(config)
    config = parse_config({"sweep": {"kind": "linear_tilt", "gird": {}}}, "x.toml")
    with pytest.raises(ConfigError, match=r"^x\.toml: \[sweep\]: unknown key `gird`"):
        validate_references(config)
