"""The CI methodology gate: compare a run with its golden file under per-metric tolerances.

A value passes when ``|now - golden| <= max(abs, rel * |golden|)``; NaN equals NaN; a strategy,
metric or event present on one side only is drift. Target weights are compared per event and
ticker the same way (a ticker absent from an event has weight 0); an event whose determination
date moved fails even with equal weights (status ``timing``): the no-look-ahead timing is part
of the methodology.

Tolerances resolve from the most specific entry down: ``[strategies.NAME.metrics] METRIC`` ->
``[metrics] METRIC`` -> ``[default]`` of the tolerance file -> the built-in default of the
metric (`DEFAULT_TOLERANCES`) -> `BUILTIN_DEFAULT`; a partial entry (``abs`` only) inherits the
other key from the next level. Weights: ``[strategies.NAME.weights]`` -> ``[weights]`` ->
`WEIGHT_TOLERANCE`. The built-in defaults accept floating-point noise only, so any real
methodology change fails until the golden is regenerated on purpose (``--update``) or the
tolerance file allows it.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.errors import ConfigError
from backtest.gate.compare import config_diff, metric_changes, weight_changes
from backtest.gate.golden import Golden

__all__ = [
    "BUILTIN_DEFAULT",
    "DEFAULT_TOLERANCES",
    "WEIGHT_TOLERANCE",
    "CheckReport",
    "Tolerance",
    "Tolerances",
    "check_against_golden",
    "event_summary",
    "load_tolerances",
    "universe_members",
]


@dataclass(frozen=True, kw_only=True)
class Tolerance:
    """Allowed difference: ``|now - golden| <= max(abs_tol, rel_tol * |golden|)``."""

    abs_tol: float
    rel_tol: float

    def allowed(self, golden: float) -> float:
        """Return the largest allowed ``|now - golden|`` (NaN golden: 0)."""
        base = 0.0 if math.isnan(golden) else abs(golden)
        return max(self.abs_tol, self.rel_tol * base)

    def __str__(self) -> str:
        """Return the tolerance as text."""
        return f"abs {self.abs_tol:g}, rel {self.rel_tol:g}"


BUILTIN_DEFAULT = Tolerance(abs_tol=1e-10, rel_tol=1e-8)
DEFAULT_TOLERANCES: Mapping[str, Tolerance] = {
    # currency: one millionth of a unit, whatever the size of the book
    "fees_paid": Tolerance(abs_tol=1e-6, rel_tol=1e-8),
}
WEIGHT_TOLERANCE = Tolerance(abs_tol=1e-10, rel_tol=0.0)


@dataclass(frozen=True, kw_only=True)
class Tolerances:
    """Tolerance overrides read from a TOML file (`load_tolerances`); empty = built-ins."""

    default: Mapping[str, float] = field(default_factory=dict)
    metrics: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    strategies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str = "<built-in>"

    def for_metric(self, strategy: str, metric: str) -> Tolerance:
        """Return the tolerance of ``metric`` for ``strategy``."""
        builtin = DEFAULT_TOLERANCES.get(metric, BUILTIN_DEFAULT)
        merged = {"abs": builtin.abs_tol, "rel": builtin.rel_tol}
        merged.update(self.default)
        merged.update(self.metrics.get(metric, {}))
        merged.update(self.strategies.get(strategy, {}).get("metrics", {}).get(metric, {}))
        return Tolerance(abs_tol=merged["abs"], rel_tol=merged["rel"])

    def for_weights(self, strategy: str) -> Tolerance:
        """Return the tolerance of the target weights of ``strategy``."""
        merged = {"abs": WEIGHT_TOLERANCE.abs_tol, "rel": WEIGHT_TOLERANCE.rel_tol}
        merged.update(self.weights)
        merged.update(self.strategies.get(strategy, {}).get("weights", {}))
        return Tolerance(abs_tol=merged["abs"], rel_tol=merged["rel"])

    def check_names(self, strategies: Iterable[str], metrics: Iterable[str]) -> None:
        """Refuse strategy or metric names that the compared runs do not have."""
        known_s, known_m = sorted(set(strategies)), sorted(set(metrics))
        named = [(f"metrics.{m}", m, known_m) for m in self.metrics]
        for name, entry in self.strategies.items():
            named.append((f"strategies.{name}", name, known_s))
            named += [
                (f"strategies.{name}.metrics.{m}", m, known_m) for m in entry.get("metrics", {})
            ]
        for where, name, known in named:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                raise ConfigError(
                    f"{self.path}: `{where}`: unknown name {name!r}{hint}; "
                    f"known: {', '.join(known)}"
                )


def _pair(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table with `abs` and/or `rel`, got {value!r}")
    out: dict[str, float] = {}
    for key, number in value.items():
        if key not in ("abs", "rel"):
            close = difflib.get_close_matches(key, ["abs", "rel"], n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(f"{where}: unknown key `{key}`{hint}; allowed: abs, rel")
        if isinstance(number, bool) or not isinstance(number, int | float) or not number >= 0:
            raise ConfigError(f"{where}.{key} must be a number >= 0 (inf allowed), got {number!r}")
        out[key] = float(number)
    return out


def load_tolerances(path: str | Path | None) -> Tolerances:
    """Read a tolerance file (TOML: ``default``, ``metrics``, ``weights``, ``strategies``)."""
    if path is None:
        return Tolerances()
    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"tolerance file `{source}` does not exist")
    try:
        raw = tomllib.loads(source.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{source}: not valid UTF-8 TOML: {exc}") from exc
    top = ("default", "metrics", "weights", "strategies")
    for key in raw:
        if key not in top:
            close = difflib.get_close_matches(key, top, n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(f"{source}: unknown key `{key}`{hint}; allowed: {', '.join(top)}")

    def table(value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{source}: `{where}` must be a table, got {value!r}")
        return value

    metrics = {
        m: _pair(v, f"{source}: `metrics.{m}`")
        for m, v in table(raw.get("metrics", {}), "metrics").items()
    }
    strategies: dict[str, Any] = {}
    for name, entry in table(raw.get("strategies", {}), "strategies").items():
        entry = table(entry, f"strategies.{name}")
        for key in entry:
            if key not in ("metrics", "weights"):
                raise ConfigError(
                    f"{source}: unknown key `strategies.{name}.{key}`; allowed: metrics, weights"
                )
        strategies[name] = {
            "metrics": {
                m: _pair(v, f"{source}: `strategies.{name}.metrics.{m}`")
                for m, v in table(entry.get("metrics", {}), f"strategies.{name}.metrics").items()
            },
            "weights": _pair(entry.get("weights", {}), f"{source}: `strategies.{name}.weights`"),
        }
    return Tolerances(
        default=_pair(raw.get("default", {}), f"{source}: `default`"),
        metrics=metrics,
        weights=_pair(raw.get("weights", {}), f"{source}: `weights`"),
        strategies=strategies,
        path=str(source),
    )


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


FAILING = frozenset({"drift", "added", "removed", "timing"})
"""Statuses that fail the gate (``timing``: equal weights, but the determination date moved)."""


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

    @property
    def passed(self) -> bool:
        """Whether every metric and weight is within tolerance."""
        return not (
            self.metrics["status"].isin(FAILING).any() or self.weights["status"].isin(FAILING).any()
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
    """Compare a `backtest.pipeline.runner.Result` with a golden file.

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
        notes=_input_notes(golden.manifest, result),
    )


def universe_members(universe: Any) -> dict[str, dict[str, Any]]:
    """Return a universe's membership as plain data: ticker -> bucket, exposure, window."""
    return {
        m.ticker: {
            "bucket": m.bucket,
            "exposure": m.exposure,
            "member_from": m.member_from.isoformat() if m.member_from else None,
            "member_until": m.member_until.isoformat() if m.member_until else None,
        }
        for m in universe.members
    }


def _input_notes(then: Mapping[str, Any], result: Any) -> list[str]:
    """Return what else changed since the golden: universe file, signal series, package versions."""
    notes = []
    members_then = then.get("universe_members")
    universe = getattr(result, "universe", None)
    if members_then is not None and universe is not None:
        moved = config_diff(members_then, universe_members(universe))
        if moved:
            notes.append(
                f"universe `{universe.name}` changed since the golden: "
                + "; ".join(
                    f"`{k}` {'absent' if a is None else a} → {'absent' if b is None else b}"
                    for k, a, b in moved
                )
            )
    signal_then, signal_now = then.get("signal_sha256"), result.manifest.get("signal_sha256")
    if signal_then and signal_now and signal_then != signal_now:
        notes.append(
            f"signal series file changed since the golden (sha256 `{str(signal_then)[:12]}` → "
            f"`{str(signal_now)[:12]}`)"
        )
    versions_then = then.get("versions") or {}
    versions_now = result.manifest.get("versions") or {}
    changed = [k for k in versions_now if versions_then.get(k) not in (None, versions_now[k])]
    if changed:
        notes.append(
            "package versions differ from the golden's: "
            + ", ".join(f"{k} {versions_then[k]} → {versions_now[k]}" for k in changed)
        )
    return notes


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
