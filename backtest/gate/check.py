"""The CI methodology gate: compare a run with its golden file under per-metric tolerances.

A value passes when ``|now - golden| <= max(abs, rel * |golden|)``; NaN equals NaN; a strategy,
metric or event present on one side only is drift. Target weights are compared per event and
ticker the same way (a ticker absent from an event has weight 0); an event whose determination
date moved fails even with equal weights (status ``timing``): the no-look-ahead timing is part
of the methodology. The tolerances and their resolution: `backtest.gate.tolerances`.

The code of every strategy that does not come from this package is pinned too: the golden's
``strategy_code`` (class, source file, sha256 per strategy) is compared with the run's, and a
strategy whose class source changed is a failing row (status ``code changed``), drift with
exit 1, even when its numbers happen not to move: the golden no longer describes that code.

To explain a drift the report also carries the traded windows of both sides, the linked
attribution and the turnover by rule against the golden's (`backtest.gate.explain`; never a
reason to fail), and each note on what else changed since the golden (universe file, signal
series, package versions) says whether it affects the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from backtest.gate.compare import config_diff, metric_changes, weight_changes
from backtest.gate.explain import Window, attribution_changes, cause_changes, window_of
from backtest.gate.golden import Golden
from backtest.gate.tolerances import Tolerances

__all__ = [
    "FAILING",
    "CheckReport",
    "check_against_golden",
    "code_changes",
    "event_summary",
]


def _status(golden: float, now: float, allowed: float) -> str:
    if math.isnan(golden) and math.isnan(now):
        return "ok"
    if golden == now:
        return "ok"
    if math.isnan(now):
        return "removed"
    if math.isnan(golden):
        return "added"
    return "within" if abs(now - golden) <= allowed else "drift"


FAILING = frozenset({"drift", "added", "removed", "timing", "code changed"})
"""Statuses that fail the gate (``timing``: equal weights, but the determination date moved;
``code changed``: the source of a strategy class from outside this package changed)."""

_CODE_COLUMNS = ["strategy", "class", "golden_sha256", "now_sha256", "file", "status"]


def code_changes(then: Mapping[str, Any], now: Mapping[str, Any]) -> pd.DataFrame:
    """Rows for the strategies whose outside-package class code differs between two manifests.

    ``then`` and ``now`` are ``strategy_code`` mappings (strategy -> list of ``{class, file,
    sha256}``). A strategy on one side only is not listed here (its rows are ``added`` or
    ``removed`` already). Each class of a changed strategy's chain whose sha256 differs gives a
    row with status ``code changed``.
    """
    rows = []
    for strategy in [s for s in now if s in then]:
        before = {c["class"]: c.get("sha256") for c in then[strategy]}
        for record in now[strategy]:
            old = before.get(record["class"])
            if old != record.get("sha256"):
                rows.append(
                    {
                        "strategy": strategy,
                        "class": record["class"],
                        "golden_sha256": old,
                        "now_sha256": record.get("sha256"),
                        "file": record.get("file"),
                        "status": "code changed",
                    }
                )
    return pd.DataFrame(rows, columns=_CODE_COLUMNS)


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """The outcome of `check_against_golden`.

    Attributes
    ----------
    metrics : DataFrame
        ``strategy, metric, golden, now, delta, abs_tol, rel_tol, allowed, status`` for every
        metric of every strategy (status ``ok``, ``within``, ``drift``, ``added``, ``removed``;
        weights also ``timing``).
    weights : DataFrame
        ``strategy, determination_date, effective_date, ticker, golden, now, delta, allowed,
        status`` for every ticker of every event.
    config_changes : list of (key path, golden value, current value)
    data_note : str
    code : DataFrame
        ``strategy, class, golden_sha256, now_sha256, file, status`` for every strategy whose
        class code (outside this package) differs from the golden's (status ``code changed``).
    windows : (Window, Window) or None
        What the golden and the run traded over (first trade, last day, schedule).
    attribution, causes : DataFrame or None
        `backtest.gate.explain.attribution_changes` / `cause_changes`, golden as side ``a``
        (None when the golden predates them).
    """

    name: str
    golden_path: str
    metrics: pd.DataFrame
    weights: pd.DataFrame
    config_changes: list[tuple[str, Any, Any]]
    config_sha256: tuple[str, str]
    data_note: str
    label: str
    notes: list[str] = field(default_factory=list)
    code: pd.DataFrame = field(default_factory=lambda: code_changes({}, {}))
    windows: tuple[Window, Window] | None = None
    attribution: pd.DataFrame | None = None
    causes: pd.DataFrame | None = None

    @property
    def passed(self) -> bool:
        """Whether every metric and weight is within tolerance and no strategy code changed."""
        return not (
            self.metrics["status"].isin(FAILING).any()
            or self.weights["status"].isin(FAILING).any()
            or self.code["status"].isin(FAILING).any()
        )

    @property
    def exit_code(self) -> int:
        """0 when `passed`, else 1."""
        return 0 if self.passed else 1


def check_against_golden(
    result: Any,
    golden: Golden,
    *,
    tolerances: Tolerances | None = None,
    golden_path: str = "",
    data_note: str = "data not verified",
) -> CheckReport:
    """Compare a `backtest.pipeline.result.Result` with a golden file.

    The caller verifies the data first (`backtest.gate.golden.verify_data`); this function compares
    numbers only and never raises on drift.
    """
    tolerances = tolerances or Tolerances()
    metrics = metric_changes(golden.metrics, result.metrics)
    tolerances.check_names(metrics["strategy"], metrics["metric"])
    tols = [
        tolerances.for_metric(s, m)
        for s, m in zip(metrics["strategy"], metrics["metric"], strict=True)
    ]
    metrics = metrics.rename(columns={"a": "golden", "b": "now"})
    metrics["abs_tol"] = [t.abs_tol for t in tols]
    metrics["rel_tol"] = [t.rel_tol for t in tols]
    metrics["allowed"] = [t.allowed(g) for t, g in zip(tols, metrics["golden"], strict=True)]
    metrics["status"] = [
        _status(g, n, a)
        for g, n, a in zip(metrics["golden"], metrics["now"], metrics["allowed"], strict=True)
    ]
    weights = weight_changes(golden.weights, result.weights).rename(
        columns={"a": "golden", "b": "now"}
    )
    weight_tols = {s: tolerances.for_weights(s) for s in weights["strategy"].unique()}
    weights["allowed"] = [
        weight_tols[s].allowed(g)
        for s, g in zip(weights["strategy"], weights["golden"], strict=True)
    ]
    weights["status"] = [
        "timing" if moved_td and status in ("ok", "within") else status
        for status, moved_td in zip(
            (
                _status(g, n, a)
                for g, n, a in zip(
                    weights["golden"], weights["now"], weights["allowed"], strict=True
                )
            ),
            weights["timing_changed"],
            strict=True,
        )
    ]
    return CheckReport(
        name=str(result.config.run.name),
        golden_path=golden_path,
        metrics=metrics,
        weights=weights,
        config_changes=config_diff(golden.manifest.get("config", {}), result.manifest["config"]),
        config_sha256=(
            str(golden.manifest["config_sha256"]),
            str(result.manifest["config_sha256"]),
        ),
        data_note=data_note,
        label=str(result.manifest.get("label", "")),
        notes=_input_notes(golden.manifest, result, metrics, weights),
        windows=(window_of(golden), window_of(result)),
        attribution=attribution_changes(golden, result),
        causes=cause_changes(golden, result),
        code=code_changes(
            golden.manifest.get("strategy_code") or {}, result.manifest.get("strategy_code") or {}
        ),
    )


def _input_notes(
    then: Mapping[str, Any], result: Any, metrics: pd.DataFrame, weights: pd.DataFrame
) -> list[str]:
    """Return what else changed since the golden, each with whether it affects the numbers.

    The universe file, the signal series and the package versions (`_impact` says whether).
    """
    notes = []
    members_then = then.get("universe_members")
    universe = getattr(result, "universe", None)
    if members_then is not None and universe is not None:
        moved = config_diff(members_then, universe.plain_members())
        if moved:
            tickers = list(dict.fromkeys(k.split(".")[0].split("[")[0] for k, _, _ in moved))
            notes.append(
                f"universe `{universe.name}` changed since the golden: "
                + "; ".join(
                    f"`{k}` {'absent' if a is None else a} → {'absent' if b is None else b}"
                    for k, a, b in moved
                )
                + _impact(metrics, weights, tickers)
            )
    signal_then, signal_now = then.get("signal_sha256"), result.manifest.get("signal_sha256")
    if signal_then and signal_now and signal_then != signal_now:
        notes.append(
            f"signal series file changed since the golden (sha256 `{str(signal_then)[:12]}` → "
            f"`{str(signal_now)[:12]}`)" + _impact(metrics, weights)
        )
    named_then = then.get("signals_sha256") or {}
    named_now = result.manifest.get("signals_sha256") or {}
    for name in sorted(set(named_then) & set(named_now)):
        if named_then[name] != named_now[name]:
            notes.append(
                f"signal `{name}` changed since the golden (sha256 `{named_then[name][:12]}` → "
                f"`{named_now[name][:12]}`)"
            )
    versions_then = then.get("versions") or {}
    versions_now = result.manifest.get("versions") or {}
    changed = [k for k in versions_now if versions_then.get(k) not in (None, versions_now[k])]
    if changed:
        notes.append(
            "package versions differ from the golden's: "
            + ", ".join(f"{k} {versions_then[k]} → {versions_now[k]}" for k in changed)
            + _impact(metrics, weights)
        )
    return notes


def _impact(metrics: pd.DataFrame, weights: pd.DataFrame, tickers: list[str] | None = None) -> str:
    """Say whether a change since the golden shows in the numbers.

    Nothing moved at all: it does not affect them. Otherwise, for a change about ``tickers``
    (universe members), whether their target weights moved; for anything else, that it may be
    among the causes of what moved.
    """
    moved_m = metrics["status"] != "ok"
    moved_w = weights["status"] != "ok"
    if not moved_m.any() and not moved_w.any():
        return (
            ": it does not affect the numbers (every metric and target weight is identical to "
            "the golden)"
        )
    if tickers:
        mine = weights[weights["ticker"].isin(tickers)]
        events = mine.loc[mine["status"] != "ok", "effective_date"].nunique()
        names = ", ".join(f"`{t}`" for t in tickers)
        if events == 0:
            return (
                f": the target weights of {names} are identical at every event, so it does not "
                "explain what moved"
            )
        return f": the target weights of {names} moved at {events} events (it is a cause)"
    return f": {int(moved_m.sum())} metrics moved; it may be among the causes"


def event_summary(report: CheckReport) -> pd.DataFrame:
    """Per strategy: events compared, events beyond tolerance, largest ``|delta|`` and where."""
    rows = []
    for strategy, frame in report.weights.groupby("strategy", sort=False):
        failing = frame[frame["status"].isin(FAILING)]
        deltas = frame["delta"].abs().fillna(np.inf).to_numpy()
        worst = frame.iloc[int(np.argmax(deltas))] if len(frame) else None
        rows.append(
            {
                "strategy": strategy,
                "events": frame["effective_date"].nunique(),
                "events_beyond": failing["effective_date"].nunique(),
                "max_abs_delta": float(deltas.max()) if len(frame) else 0.0,
                "worst_ticker": None if worst is None else worst["ticker"],
                "worst_date": None if worst is None else worst["effective_date"],
            }
        )
    return pd.DataFrame(rows)
