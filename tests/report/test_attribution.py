"""The report's "why": one sentence per strategy from the linked effects, and the tables."""

from __future__ import annotations

import pandas as pd

from backtest.report.attribution import attribution_sentence, explanation_blocks
from backtest.report.markup import Table, to_markdown


def _summary() -> pd.DataFrame:
    rows = []
    segments = {
        # segment: (allocation, selection, interaction, cost)
        "gpu": (0.0, 0.10, -0.02, -0.01),
        "asic": (-0.30, 0.05, 0.0, -0.005),
        "edge": (-0.50, 0.0, 0.0, -0.005),
        "cash": (0.0, 0.0, 0.0, 0.0),
    }
    total = tuple(sum(v[i] for v in segments.values()) for i in range(4))
    for segment, effects in [*segments.items(), ("total", total)]:
        rows.append(
            {
                "strategy": "tilt", "reference": "baseline", "year": "all", "segment": segment,
                "strategy_return": 2.0, "reference_return": 2.69, "active_return": -0.69,
                **dict(zip(("allocation", "selection", "interaction", "cost"), effects,
                           strict=True)),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def _attribution() -> pd.DataFrame:
    # two periods: edge 30 % and 10 % against the baseline's 0: 20.0 pp overweight on average
    return pd.DataFrame(
        {
            "strategy": "tilt",
            "period": [0, 1, 2],
            "segment": "edge",
            "weight": [0.0, 0.3, 0.1],
            "reference_weight": [0.0, 0.0, 0.0],
        }
    )


def test_the_sentence_names_the_largest_effect_its_segment_and_the_tilt() -> None:
    assert attribution_sentence("tilt", _summary(), _attribution()) == (
        "`tilt` trailed `baseline` by 69.0 pp over the run (200.0% vs 269.0% compounded): "
        "allocation -80.0 pp (mostly `edge`: -50.0 pp, 20.0 pp overweight on average), "
        "selection +15.0 pp, interaction -2.0 pp, trading costs -2.0 pp."
    )


def test_the_section_has_a_sentence_per_strategy_and_turnover_by_rule_in_order() -> None:
    causes = pd.DataFrame(
        [
            ("tilt", "all", "membership", 0.01, 1.0, 0.004),
            ("tilt", "all", "capped", -0.02, -1.0, -0.008),
            ("tilt", "all", "drift", 1.0, 10.0, 0.4),
            ("tilt", "all", "initial", 0.5, 5.0, 0.2),
        ],
        columns=["strategy", "year", "cause", "turnover", "fees", "per_year"],
    )
    blocks = explanation_blocks(_summary(), _attribution(), causes)
    tables = [b for b in blocks if isinstance(b, Table)]
    assert tables[1].header == ("strategy", "annual turnover", "initial", "drift", "capped",
                                "membership")  # fmt: skip
    assert tables[1].rows == (("tilt", "59.6%", "20.0%", "40.0%", "-0.8%", "0.4%"),)
    markdown = to_markdown(blocks)
    assert markdown.count("`tilt` trailed `baseline`") == 1
