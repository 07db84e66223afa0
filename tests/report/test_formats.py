"""The one number formatter (`backtest.report.formats`): display and gate precision."""

from __future__ import annotations

from backtest.report.formats import (
    DETAIL,
    DISPLAY,
    format_config_value,
    format_delta,
    format_value,
)


def test_formatting_of_values_and_deltas() -> None:
    assert format_value("cagr", 0.123456, DETAIL) == "12.3456%"
    assert format_value("sharpe_ratio", 1.5, DETAIL) == "1.500000"
    assert format_value("fees_paid", 1234.5, DETAIL) == "1,234.50"
    assert format_value("cagr", float("nan"), DETAIL) == "n/a"
    assert format_delta("cagr", -0.0012) == "-0.1200 pp"
    assert format_delta("cagr", 1e-12) == "+1.00e-10 pp"
    assert format_delta("fees_paid", 12.345) == "+12.35"
    assert format_delta("beta", 0.0) == "0"


def test_display_precision_is_for_reading() -> None:
    assert format_value("cagr", 12.3456) == "1,234.6%"
    assert format_value("weight", 0.25, DISPLAY) == "25.0%"
    assert format_value("sharpe_ratio", 1.234) == "1.23"
    assert format_value("fees_paid", 12345.6) == "12,346"
    assert format_value("beta", None) == "n/a"


def test_config_values_are_short_and_name_a_strategy_by_its_kind() -> None:
    assert format_config_value(None) == "unset"
    assert format_config_value({"kind": "linear_tilt", "strength": 2}) == (
        "a strategy of kind `linear_tilt`"
    )
    assert format_config_value("x" * 100) == f"`{'x' * 77}...`"
