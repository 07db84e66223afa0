"""Builders shared by the trust suite: strategy specs, canary providers and signal files.

`CANARY_SPECS` is one ``[[strategies]]`` entry per example of the strategy contract suite
(`tests.strategies.test_contract.EXAMPLES`, same parameters; ``nvda_only`` keeps its default
ticker because the canary runs on the real universe). `PerturbedProvider` wraps the demo market
and changes every price strictly after a date, so a run on it must agree with a run on the
plain market in everything decided up to that date.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from backtest.config import Config, StrategySpec, parse_config
from backtest.data.demo import DemoProvider
from backtest.data.providers import LoadedPrices

REPO = Path(__file__).resolve().parents[2]

CANARY_SPECS: tuple[StrategySpec, ...] = (
    StrategySpec(name="equal_weight", kind="equal_weight"),
    StrategySpec(name="static", kind="static", params={"gpu": 0.5, "asic": 0.3, "edge": 0.2}),
    StrategySpec(
        name="static_inverse_volatility",
        kind="static",
        params={"within": "inverse_volatility", "lookback_days": 42},
    ),
    StrategySpec(name="proportional", kind="proportional", params={"edge_fraction": 0.3}),
    StrategySpec(name="proportional_exposure", kind="proportional", params={"within": "exposure"}),
    StrategySpec(name="linear_tilt", kind="linear_tilt", params={"strength": 3.0}),
    StrategySpec(
        name="linear_tilt_bounded",
        kind="linear_tilt",
        params={
            "strength": 4.0,
            "bounds": {"gpu": [0.2, 0.7], "edge": [0.05, 0.3]},
            "within": "inverse_volatility",
        },
    ),
    StrategySpec(name="nvda_only", kind="nvda_only"),
    StrategySpec(
        name="signal_blend",
        kind="signal_blend",
        params={
            "signals": {"inference_share": 1.0, "asic_adoption": 1.0, "inference_cost": -1.0},
            "strength": 0.15,
            "min_events": 3,
        },
    ),
    StrategySpec(
        name="linear_tilt_on_cost",
        kind="linear_tilt",
        params={"signal": "inference_cost", "neutral_share": 0.0, "strength": -0.1},
    ),
    StrategySpec(
        name="capped",
        kind="linear_tilt",
        params={"strength": 3.0, "constraints": [{"kind": "capped", "max_weight": 0.1}]},
    ),
    StrategySpec(
        name="bucket_bounds",
        kind="proportional",
        params={"constraints": [{"kind": "bucket_bounds", "bounds": {"gpu": [0.5, 0.55]}}]},
    ),
    StrategySpec(
        name="diversified_2550",
        kind="proportional",
        params={"within": "exposure", "constraints": [{"kind": "diversified_2550"}]},
    ),
    StrategySpec(
        name="min_weight",
        kind="proportional",
        params={"within": "exposure", "constraints": [{"kind": "min_weight", "threshold": 0.02}]},
    ),
)
"""One spec per contract-suite example; the name starts with the kind it exercises."""


def spec_kinds(spec: StrategySpec) -> set[str]:
    """The registry kind and every constraint kind ``spec`` uses."""
    constraints = spec.params.get("constraints", [])
    return {spec.kind, *(c["kind"] for c in constraints)}


def demo_config(
    *,
    start: str = "2021-01-04",
    end: str = "2024-06-28",
    strategies: Sequence[StrategySpec] = CANARY_SPECS,
    schedule: dict[str, Any] | None = None,
    signal: dict[str, Any] | None = None,
    universe: str = "compute_layer",
    name: str = "trust",
    signals: dict[str, Any] | None = None,
) -> Config:
    """A demo-market config over ``[start, end]`` running ``strategies``.

    ``signals`` are its ``[signals.NAME]`` tables (default: the packaged `NAMED_SIGNALS`).
    """
    raw: dict[str, Any] = {
        "universe": universe,
        "run": {"name": name, "start": start, "end": end},
        "data": {"source": "demo"},
        "schedule": schedule or {},
        "signal": signal or {},
        "signals": NAMED_SIGNALS if signals is None else signals,
    }
    config = parse_config(raw)
    return dataclasses.replace(config, strategies=tuple(strategies))


NAMED_SIGNALS: dict[str, Any] = {
    "asic_adoption": {"series": "asic_adoption"},
    "inference_cost": {"series": "inference_cost"},
}
"""The named signals of the trust configs: the two packaged thesis monitors."""

Perturbation = Literal["noise", "crash", "spike"]


@dataclass(frozen=True, kw_only=True)
class PerturbedProvider:
    """The demo market with every price strictly after ``after`` changed.

    ``noise`` multiplies each later price by an independent factor in [0.5, 2); ``crash``
    multiplies them all by 0.05; ``spike`` multiplies the first later day by 10 (prices return
    to normal the day after).
    """

    after: pd.Timestamp
    how: Perturbation
    seed: int = 0
    inner: DemoProvider = dataclasses.field(default_factory=DemoProvider)
    name: str = "demo"
    synthetic: bool = True

    def load(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> LoadedPrices:
        """The inner provider's panel, perturbed after ``after``."""
        panel = self.inner.load(tickers, start, end).prices.copy()
        later = np.asarray(panel.index > self.after)
        if self.how == "noise":
            rng = np.random.default_rng(self.seed)
            factors = rng.uniform(0.5, 2.0, size=(int(later.sum()), panel.shape[1]))
            panel.loc[later] = panel.loc[later].to_numpy() * factors
        elif self.how == "crash":
            panel.loc[later] = panel.loc[later].to_numpy() * 0.05
        else:
            first = np.flatnonzero(later)[:1]
            panel.iloc[first] = panel.iloc[first].to_numpy() * 10.0
        return LoadedPrices(prices=panel)


def default_signal_rows(folder: str = "signals", name: str = "default") -> list[dict[str, str]]:
    """Rows of a packaged signal series (the inference share's ``default`` unless named)."""
    raw = resources.files("backtest.inputs").joinpath(folder, f"{name}.csv").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(raw)))


def write_signal(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """Write a signal CSV with the standard columns (``value`` in place of ``share`` if so)."""
    out = io.StringIO()
    figure = "value" if rows and "value" in rows[0] else "share"
    writer = csv.DictWriter(
        out, fieldnames=["period", figure, "usable_from", "kind", "source"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def rewritten_after(rows: Sequence[dict[str, str]], after: dt.date) -> list[dict[str, str]]:
    """Every vintage published after ``after`` changed, plus late revisions of old periods.

    Later vintages move by 0.04 (up below 0.5, down from 0.5); each period whose year is at most
    ``after``'s gets an extra revision (its first value + 0.03) published the day after
    ``after``: a late restatement a point-in-time run must not see before it is published.
    Moves stay small so every strategy's constraints remain feasible.
    """
    column = "value" if rows and "value" in rows[0] else "share"
    changed = []
    first: dict[str, float] = {}
    for row in rows:
        share = float(row[column])
        first.setdefault(row["period"], share)
        if dt.date.fromisoformat(row["usable_from"]) > after:
            row = {**row, column: f"{share + (0.04 if share < 0.5 else -0.04):.6f}"}
        changed.append(row)
    published = (after + dt.timedelta(days=1)).isoformat()
    taken = {(r["period"], r["usable_from"]) for r in rows}
    for period, share in first.items():
        if int(period[:4]) <= after.year and (period, published) not in taken:
            changed.append(
                {
                    "period": period,
                    column: f"{share + 0.03:.6f}",
                    "usable_from": published,
                    "kind": "estimate",
                    "source": "canary: late restatement",
                }
            )
    return changed
