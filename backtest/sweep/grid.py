"""The ``[sweep]`` table of a config: parameter grids and random samples expanded to K variants.

A sweep varies one strategy ``kind`` (a registry name) and the schedule and cost settings::

    [sweep]
    kind = "linear_tilt"          # strategy registry kind, or "module:Class" (your own)
    samples = 1                   # random draws per grid point (needs [sweep.random])
    seed = 7                      # seeds the random draws
    chunk_size = 500              # variants per executor task
    metric = "sharpe_ratio"       # ranking metric (top-N, out-of-sample pick)

    [sweep.fixed]                 # strategy parameters held fixed
    within = "equal"

    [sweep.grid]                  # cartesian product of these axes
    strength = { start = 0.0, stop = 2.0, num = 11 }    # inclusive linspace
    neutral_share = [0.3, 0.4, 0.5]
    lag_days = [1, 2]             # schedule: frequency, anchor, lag_days, rebalance_band
    fees_bps = { start = 0, stop = 20, step = 5 }       # inclusive; costs: fees/slippage_bps

    [sweep.random]                # drawn ``samples`` times per grid point
    max_weight = { low = 0.15, high = 0.5 }             # uniform; integers if both are ints
    frequency = { choices = ["monthly", "quarterly"] }

    [sweep.sensitivity]           # costs re-run per variant, outside the search
    fees_bps = [5.0, 20.0, 30.0]  # and/or slippage_bps

Variant order is the grid's row-major product (first axis slowest), then the draws.

**Costs are a sensitivity, not a search axis.** A cost in ``[sweep.grid]`` makes the search
prefer the cheapest assumption and counts each cost level as a trial. ``[sweep.sensitivity]``
instead re-runs every variant at each listed ``fees_bps`` (the other cost at the config's value)
and each listed ``slippage_bps``: the ranking, the selection and the trial count stay at the
config's ``[costs]``, and the metrics at the other levels are reported per variant.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.config import resolve_path
from backtest.errors import ConfigError
from backtest.metrics import METRIC_NAMES
from backtest.parsing import read_toml

__all__ = [
    "COST_PARAMS",
    "SCHEDULE_PARAMS",
    "SweepSpec",
    "expand_variants",
    "load_sweep",
    "parse_sweep",
]

SCHEDULE_PARAMS: tuple[str, ...] = ("frequency", "anchor", "lag_days", "rebalance_band")
"""Parameters that belong to `backtest.inputs.schedule.Schedule`."""
COST_PARAMS: tuple[str, ...] = ("fees_bps", "slippage_bps")
"""Parameters that belong to the ``[costs]`` table."""
WRAPPER_PARAMS: tuple[str, ...] = ("max_weight",)
"""Strategy-level parameters applied as a constraint wrapper (per-name cap)."""

_SWEEP_KEYS = (
    "kind",
    "samples",
    "seed",
    "chunk_size",
    "metric",
    "fixed",
    "grid",
    "random",
    "sensitivity",
)


@dataclass(frozen=True, kw_only=True)
class SweepSpec:
    """A parsed ``[sweep]`` table (see the module docstring).

    Attributes
    ----------
    kind : str
        Strategy registry kind.
    fixed : Mapping[str, Any]
        Strategy parameters held fixed.
    grid : Mapping[str, tuple]
        Axis name -> values (cartesian product).
    random : Mapping[str, Mapping]
        Axis name -> ``{low, high}`` or ``{choices}``.
    samples, seed, chunk_size : int
    metric : str
        Ranking metric, one of `METRIC_NAMES`.
    sensitivity : Mapping[str, tuple[float, ...]]
        Cost parameter -> the levels every variant is also run at (outside the search).
    """

    kind: str
    fixed: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    random: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    samples: int = 1
    seed: int = 0
    chunk_size: int = 500
    metric: str = "sharpe_ratio"
    sensitivity: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Names of the varied parameters, grid axes first."""
        return (*self.grid, *self.random)

    @property
    def scenarios(self) -> tuple[tuple[str, float], ...]:
        """The sensitivity runs, ``(cost parameter, bps)`` each, in table order."""
        return tuple((name, level) for name, levels in self.sensitivity.items() for level in levels)

    @property
    def n_variants(self) -> int:
        """K, the number of variants the spec expands to."""
        return math.prod(len(v) for v in self.grid.values()) * self.samples


def _positive_int(value: Any, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where} must be an integer >= {minimum}, got {value!r}")
    return value


def _axis_values(name: str, value: Any, where: str) -> tuple[Any, ...]:
    if isinstance(value, list):
        if not value:
            raise ConfigError(f"{where}: `sweep.grid.{name}` must not be empty")
        return tuple(value)
    if isinstance(value, Mapping):
        keys = set(value)
        if keys == {"start", "stop", "num"}:
            num = _positive_int(value["num"], f"{where}: `sweep.grid.{name}.num`")
            return tuple(float(x) for x in np.linspace(value["start"], value["stop"], num))
        if keys == {"start", "stop", "step"}:
            start, stop, step = (value[k] for k in ("start", "stop", "step"))
            if not isinstance(step, int | float) or isinstance(step, bool) or step <= 0:
                raise ConfigError(f"{where}: `sweep.grid.{name}.step` must be > 0, got {step!r}")
            count = math.floor((stop - start) / step + 1e-9) + 1
            if count < 1:
                raise ConfigError(
                    f"{where}: `sweep.grid.{name}` has `stop` ({stop}) before `start` ({start})"
                )
            values = [start + i * step for i in range(count)]
            if all(isinstance(x, int) for x in (start, stop, step)):
                return tuple(int(v) for v in values)
            return tuple(float(round(v, 12)) for v in values)
    raise ConfigError(
        f"{where}: `sweep.grid.{name}` must be a list or a table {{start, stop, num}} or "
        f"{{start, stop, step}}, got {value!r}"
    )


def _random_axis(name: str, value: Any, where: str) -> Mapping[str, Any]:
    if isinstance(value, Mapping) and set(value) == {"low", "high"}:
        low, high = value["low"], value["high"]
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (low, high)):
            raise ConfigError(f"{where}: `sweep.random.{name}` bounds must be numbers")
        if not low < high:
            raise ConfigError(
                f"{where}: `sweep.random.{name}` needs `low` < `high`, got {low} and {high}"
            )
        return {"low": low, "high": high}
    if isinstance(value, Mapping) and set(value) == {"choices"} and value["choices"]:
        return {"choices": tuple(value["choices"])}
    raise ConfigError(
        f"{where}: `sweep.random.{name}` must be a table {{low, high}} or {{choices = [...]}}, "
        f"got {value!r}"
    )


def parse_sweep(
    raw: Mapping[str, Any], path: str = "<inline>", *, search: Sequence[Path] = ()
) -> SweepSpec:
    """Validate a ``[sweep]`` mapping (as read from TOML) into a `SweepSpec`.

    ``kind`` is a registry name or ``"module:Class"`` (`strategies.build.strategy_class`; its
    module is looked for in ``search`` first, the config's ``strategy_paths``).
    """
    for key in raw:
        if key not in _SWEEP_KEYS:
            raise ConfigError(
                f"{path}: [sweep]: unknown key `{key}`; allowed: {', '.join(sorted(_SWEEP_KEYS))}"
            )
    kind = raw.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ConfigError(f"{path}: `sweep.kind` must be a strategy kind, got {kind!r}")
    from strategies.build import parameters_of, strategy_class

    try:
        strategy_fields = set(parameters_of(strategy_class(kind, search=search)))
    except ConfigError as exc:
        raise ConfigError(f"{path}: `sweep.kind`: {exc}") from exc
    allowed = strategy_fields | set(SCHEDULE_PARAMS) | set(COST_PARAMS) | set(WRAPPER_PARAMS)
    tables: dict[str, Mapping[str, Any]] = {}
    for name in ("fixed", "grid", "random"):
        table = raw.get(name, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: `sweep.{name}` must be a table, got {table!r}")
        for key in table:
            ok = key in (strategy_fields | set(WRAPPER_PARAMS) if name == "fixed" else allowed)
            if not ok:
                raise ConfigError(
                    f"{path}: `sweep.{name}.{key}` is not a parameter of `{kind}`, the schedule "
                    f"or the costs; allowed: {', '.join(sorted(allowed))}"
                )
        tables[name] = table
    both = sorted(
        set(tables["grid"]) & set(tables["random"])
        | set(tables["fixed"]) & (set(tables["grid"]) | set(tables["random"]))
    )
    if both:
        raise ConfigError(f"{path}: `{both[0]}` appears in more than one of fixed, grid, random")
    grid = {k: _axis_values(k, v, path) for k, v in tables["grid"].items()}
    random = {k: _random_axis(k, v, path) for k, v in tables["random"].items()}
    samples = _positive_int(raw.get("samples", 1), f"{path}: `sweep.samples`")
    if samples > 1 and not random:
        raise ConfigError(f"{path}: `sweep.samples` > 1 needs a [sweep.random] table")
    sensitivity = _sensitivity(raw.get("sensitivity", {}), tables, path)
    metric = raw.get("metric", "sharpe_ratio")
    if metric not in METRIC_NAMES:
        raise ConfigError(
            f"{path}: `sweep.metric` must be one of {', '.join(METRIC_NAMES)}, got {metric!r}"
        )
    return SweepSpec(
        kind=kind,
        fixed=dict(tables["fixed"]),
        grid=grid,
        random=random,
        samples=samples,
        seed=_positive_int(raw.get("seed", 0), f"{path}: `sweep.seed`", minimum=0),
        chunk_size=_positive_int(raw.get("chunk_size", 500), f"{path}: `sweep.chunk_size`"),
        metric=metric,
        sensitivity=sensitivity,
    )


def _sensitivity(
    table: Any, axes: Mapping[str, Mapping[str, Any]], path: str
) -> dict[str, tuple[float, ...]]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: `sweep.sensitivity` must be a table, got {table!r}")
    out: dict[str, tuple[float, ...]] = {}
    for name, levels in table.items():
        if name not in COST_PARAMS:
            raise ConfigError(
                f"{path}: `sweep.sensitivity.{name}` must be a cost; allowed: "
                f"{', '.join(COST_PARAMS)}"
            )
        if name in axes["grid"] or name in axes["random"]:
            raise ConfigError(
                f"{path}: `{name}` must be either a search axis or a sensitivity, not both"
            )
        ok = isinstance(levels, list) and len(levels) > 0
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in levels)
        if not ok or not all(0 <= v < 10_000 for v in levels):
            raise ConfigError(
                f"{path}: `sweep.sensitivity.{name}` must be a non-empty list of bps in "
                f"[0, 10000), got {levels!r}"
            )
        out[name] = tuple(float(v) for v in levels)
    return out


def load_sweep(path: str | Path) -> SweepSpec:
    """Read the ``[sweep]`` table of a TOML config file."""
    path = Path(path)
    raw = read_toml(path, what="config file")
    table = raw.get("sweep")
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: a sweep needs a [sweep] table")
    folders = raw.get("strategy_paths", [])
    search = [
        resolve_path(f, str(path))
        for f in (folders if isinstance(folders, list) else [])
        if isinstance(f, str)
    ]
    return parse_sweep(table, str(path), search=search)


def expand_variants(spec: SweepSpec) -> pd.DataFrame:
    """Expand ``spec`` into one row per variant.

    Returns
    -------
    DataFrame, shape (K, n_parameters)
        Index ``variant`` = 0 .. K-1; one column per varied parameter (`SweepSpec.parameters`).
    """
    names = list(spec.grid)
    rows = list(itertools.product(*spec.grid.values())) if names else [()]
    rng = np.random.default_rng(spec.seed)
    columns: dict[str, list[Any]] = {name: [] for name in spec.parameters}
    for point in rows:
        for _ in range(spec.samples):
            for name, value in zip(names, point, strict=True):
                columns[name].append(value)
            for name, axis in spec.random.items():
                columns[name].append(_draw(rng, axis))
    return pd.DataFrame(columns, index=pd.RangeIndex(spec.n_variants, name="variant"))


def _draw(rng: np.random.Generator, axis: Mapping[str, Any]) -> Any:
    if "choices" in axis:
        choices = axis["choices"]
        return choices[int(rng.integers(len(choices)))]
    low, high = axis["low"], axis["high"]
    if isinstance(low, int) and isinstance(high, int):
        return int(rng.integers(low, high + 1))
    return float(rng.uniform(low, high))
