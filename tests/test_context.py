"""The weights contract (`backtest.context.check_weights`): every rule, with event and ticker."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backtest.context import check_weight_values, check_weights
from backtest.errors import StrategyError


def _weights(rows: list[list[float]]) -> pd.DataFrame:
    index = pd.DatetimeIndex(["2024-01-02", "2024-02-01"][: len(rows)], name="effective_date")
    return pd.DataFrame(rows, index=index, columns=["A", "B"])


def test_check_weights_returns_the_values_of_a_valid_frame() -> None:
    frame = _weights([[0.5, 0.5], [0.25, 0.0]])
    values = check_weights(frame, columns=["A", "B"], name="s", index=frame.index)
    assert values.tolist() == [[0.5, 0.5], [0.25, 0.0]]


@pytest.mark.parametrize(
    ("frame", "columns", "index", "message"),
    [
        (_weights([[0.5, 0.5]]), ["B", "A"], None, r"`s` must have columns \['B', 'A'\]"),
        (
            _weights([[0.5, 0.5]]),
            ["A", "B"],
            pd.DatetimeIndex(["2024-01-02", "2024-02-01"]),
            "indexed by the 2 effective dates of the context, got 1 rows starting 2024-01-02",
        ),
        (_weights([]), ["A", "B"], None, "must have at least one event"),
        (_weights([[0.5, 0.5], [0.5, 0.5]]).iloc[::-1], ["A", "B"], None, "unique and ascending"),
        (
            _weights([[0.5, np.nan]]),
            ["A", "B"],
            None,
            "finite and >= 0, got nan for B on 2024-01-02",
        ),
        (
            _weights([[0.5, 0.5], [-0.1, 0.5]]),
            ["A", "B"],
            None,
            "finite and >= 0, got -0.1 for A on 2024-02-01",
        ),
        (
            _weights([[0.5, 0.5], [0.6, 0.5]]),
            ["A", "B"],
            None,
            "sum to at most 1 per event, got 1.1 on 2024-02-01",
        ),
    ],
)
def test_check_weights_names_the_rule_the_event_and_the_ticker(
    frame: pd.DataFrame, columns: list[str], index: pd.DatetimeIndex | None, message: str
) -> None:
    with pytest.raises(StrategyError, match=message):
        check_weights(frame, columns=columns, name="s", index=index)


def test_check_weight_values_checks_a_stack_of_variants() -> None:
    stack = np.zeros((3, 2, 2))
    stack[2, 1] = [0.7, 0.7]
    dates = pd.DatetimeIndex(["2024-01-02", "2024-02-01"])
    with pytest.raises(StrategyError, match=r"sum to at most 1 per event, got 1.4 on 2024-02-01"):
        check_weight_values(stack, name="v", dates=dates, columns=["A", "B"])
