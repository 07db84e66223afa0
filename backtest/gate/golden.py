"""Golden files of the CI gate: what a run produced, pinned with the config and data it came from.

A golden file (``results/golden/NAME.json``) holds every metric of every strategy and the
baseline, every target weight of every event, the resolved config and its sha256, and the data
sha256 of the aligned price panel together with that panel's tickers and window (so the data can
be re-read when a methodology change alters the panel), and, to explain a drift, the run's
linked attribution (``attribution``: the rows of ``attribution_summary.csv``) and its turnover by
rule (``turnover_causes``: the rows of ``turnover_causes_summary.csv``); a golden written before
those existed reads with them as None. One event (or row) per line keeps ``git diff`` readable.
Floats are written with ``repr`` and read back bit for bit.

`verify_data` is the "made on other data" rule: a golden whose prices differ from what the
current source returns for the same panel is refused with a `GoldenDataError` (exit 2).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.atomic import atomic_write_bytes
from backtest.config import Config
from backtest.errors import ConfigError, DataError

__all__ = [
    "FORMAT",
    "Golden",
    "GoldenDataError",
    "golden_from_result",
    "read_golden",
    "verify_data",
    "write_golden",
]

FORMAT = "inference-shift golden v1"


class GoldenDataError(DataError):
    """The golden file was made on other price data than the run it is compared with."""


@dataclass(frozen=True, kw_only=True)
class Golden:
    """A golden file in memory.

    Attributes
    ----------
    metrics : DataFrame, shape (n_strategies + 1, n_metrics)
        Index ``strategy`` (the baseline last), as `backtest.metrics.metrics_table`.
    weights : DataFrame (long)
        ``strategy, determination_date, effective_date, ticker, weight``.
    manifest : dict
        ``config`` (resolved), ``config_sha256``, ``data_sha256``, ``panel`` (``tickers``,
        ``start``, ``end``, ``baseline``, ``max_fill_days``), ``universe_members`` (ticker ->
        bucket, exposure, membership window), ``label``, ``versions``, ...
    """

    metrics: pd.DataFrame
    weights: pd.DataFrame
    manifest: dict[str, Any]
    attribution_summary: pd.DataFrame | None = None
    turnover_causes_summary: pd.DataFrame | None = None


_SECTIONS = {"attribution": "attribution_summary", "turnover_causes": "turnover_causes_summary"}
"""Golden key -> the `Result` frame it pins (explanations; the gate does not fail on them)."""


def golden_from_result(result: Any) -> Golden:
    """Build a `Golden` from a `backtest.pipeline.result.Result`."""
    config: Config = result.config
    manifest = {
        key: result.manifest.get(key)
        for key in (
            "config_sha256",
            "data_sha256",
            "signal_sha256",
            "data_source",
            "label",
            "synthetic",
            "look_ahead",
            "versions",
            "config",
        )
    }
    for key in ("signals_sha256", "strategy_code", "python_strategies"):
        if result.manifest.get(key):  # only when present, so older goldens keep their shape
            manifest[key] = result.manifest[key]
    manifest["name"] = config.run.name
    manifest["created_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest["panel"] = panel_of(result.prices, config)
    manifest["universe_members"] = result.universe.plain_members()
    return Golden(
        metrics=result.metrics,
        weights=result.weights,
        manifest=manifest,
        attribution_summary=result.attribution_summary,
        turnover_causes_summary=result.turnover_causes_summary,
    )


def panel_of(prices: pd.DataFrame, config: Config) -> dict[str, Any]:
    """Return what identifies the price panel of a run: tickers, window, baseline, fill rule.

    ``start`` is the panel's first day, the warm-up before ``run.start`` included.
    """
    first = pd.Timestamp(prices.index[0]).date() if len(prices) else config.run.start
    return {
        "tickers": [str(t) for t in prices.columns],
        "start": first.isoformat(),
        "end": config.run.end.isoformat(),
        "baseline": config.baseline,
        "max_fill_days": config.data.max_fill_days,
    }


def _weights_payload(weights: pd.DataFrame) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for strategy, frame in weights.groupby("strategy", sort=False):
        wide = frame.pivot(
            index=["determination_date", "effective_date"], columns="ticker", values="weight"
        ).sort_index(level="effective_date")
        wide = wide.fillna(0.0)
        payload[str(strategy)] = {
            "tickers": [str(t) for t in wide.columns],
            "events": [
                [f"{t_d:%Y-%m-%d}", f"{t_e:%Y-%m-%d}", *map(float, row)]
                for (t_d, t_e), row in zip(wide.index, wide.to_numpy(), strict=True)
            ],
        }
    return payload


def _dumps(golden: Golden) -> str:
    metrics = {
        str(name): {str(k): (None if pd.isna(v) else float(v)) for k, v in row.items()}
        for name, row in golden.metrics.to_dict(orient="index").items()
    }
    head = {"format": FORMAT, **golden.manifest, "metrics": metrics}
    text = json.dumps(head, indent=2)[:-2]  # drop the closing brace to append the weights
    parts = [text + ',\n  "weights": {']
    weights = _weights_payload(golden.weights)
    for i, (strategy, block) in enumerate(weights.items()):
        events = ",\n".join(f"      {json.dumps(e)}" for e in block["events"])
        parts.append(
            f'\n    {json.dumps(strategy)}: {{\n      "tickers": {json.dumps(block["tickers"])},'
            f'\n      "events": [\n{events}\n      ]\n    }}{"," if i < len(weights) - 1 else ""}'
        )
    parts.append("\n  }")
    for key, attribute in _SECTIONS.items():
        frame = getattr(golden, attribute)
        if frame is None:
            continue
        rows = ",\n".join(
            f"      {json.dumps(_plain_row(r))}" for r in frame.itertuples(index=False)
        )
        parts.append(
            f',\n  "{key}": {{\n    "columns": {json.dumps([str(c) for c in frame.columns])},'
            f'\n    "rows": [\n{rows}\n    ]\n  }}'
        )
    parts.append("\n}\n")
    return "".join(parts)


def _plain_row(row: tuple[Any, ...]) -> list[Any]:
    """Return a frame row as JSON values: dates as ISO strings, NaN and NaT as null."""
    out: list[Any] = []
    for value in row:
        if isinstance(value, pd.Timestamp):
            out.append(f"{value:%Y-%m-%d}")
        elif value is None or (not isinstance(value, str) and pd.isna(value)):
            out.append(None)
        elif hasattr(value, "item"):  # a numpy scalar
            out.append(value.item())
        else:
            out.append(value)
    return out


def _section(raw: Mapping[str, Any], key: str) -> pd.DataFrame | None:
    block = raw.get(key)
    if block is None:
        return None
    frame = pd.DataFrame(block["rows"], columns=block["columns"])
    for col in ("span_start", "span_end"):
        if col in frame.columns:
            frame[col] = pd.to_datetime(frame[col])
    return frame


def write_golden(golden: Golden, path: str | Path) -> Path:
    """Write ``golden`` to ``path`` atomically (temporary file in the same folder, renamed)."""
    target = Path(path)
    atomic_write_bytes(target, _dumps(golden).encode("utf-8"))
    return target


def read_golden(path: str | Path) -> Golden:
    """Read a golden file written by `write_golden`.

    Raises
    ------
    ConfigError
        The file is missing, not JSON, or not a golden file of this format.
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError(
            f"golden file `{source}` does not exist; create it with `backtest check CONFIG "
            f"--golden {source} --update`"
        )
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"golden file `{source}` is not valid JSON: {exc}") from exc
    if not isinstance(raw, Mapping) or raw.get("format") != FORMAT:
        got = raw.get("format") if isinstance(raw, Mapping) else type(raw).__name__
        raise ConfigError(f"`{source}`: `format` must be {FORMAT!r}, got {got!r}")
    try:
        metrics = pd.DataFrame.from_dict(raw["metrics"], orient="index").astype(float)
        metrics.index.name = "strategy"
        rows = []
        for strategy, block in raw["weights"].items():
            tickers = block["tickers"]
            for event in block["events"]:
                t_d, t_e = pd.Timestamp(event[0]), pd.Timestamp(event[1])
                rows += [
                    (strategy, t_d, t_e, t, float(w))
                    for t, w in zip(tickers, event[2:], strict=True)
                ]
        manifest = {
            k: v for k, v in raw.items() if k not in ("format", "metrics", "weights", *_SECTIONS)
        }
        sections = {attr: _section(raw, key) for key, attr in _SECTIONS.items()}
        for key in ("config_sha256", "data_sha256", "panel", "config"):
            if key not in manifest:
                raise KeyError(key)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"`{source}`: malformed golden file ({exc!r})") from exc
    weights = pd.DataFrame(
        rows, columns=["strategy", "determination_date", "effective_date", "ticker", "weight"]
    )
    return Golden(metrics=metrics, weights=weights, manifest=manifest, **sections)


def verify_data(golden: Golden, result: Any, *, label: str) -> str:
    """Check that ``result`` ran on the same prices as ``golden``; return a one-line note.

    Equal data hashes pass. When the panel differs (a universe member, the window or the
    baseline changed), the golden's panel is re-read from the current source the way
    `backtest.pipeline.runner.run` reads it (`backtest.data.panel.load_panel`) and hashed.

    Raises
    ------
    GoldenDataError
        The prices differ: the golden was made on other data.
    """
    from backtest.data.panel import load_panel
    from backtest.pipeline.manifest import prices_sha256
    from backtest.pipeline.providers import make_provider

    want = str(golden.manifest["data_sha256"])
    now = str(result.manifest["data_sha256"])
    if want == now:
        return f"same prices as the golden (data sha256 `{now[:12]}`)"
    panel = golden.manifest["panel"]
    advice = (
        f"if the data change is intended, regenerate the golden with `--update` and review the "
        f"diff (golden data sha256 {want[:12]}, now {now[:12]}, golden source "
        f"{golden.manifest.get('data_source')}, now {result.manifest.get('data_source')})"
    )
    if panel == panel_of(result.prices, result.config):
        raise GoldenDataError(f"golden `{label}` was made on other price data; {advice}")
    try:
        tickers = [str(t) for t in panel["tickers"]]
        start, end = dt.date.fromisoformat(panel["start"]), dt.date.fromisoformat(panel["end"])
        provider = make_provider(result.config)
        members = [m for m in result.universe.members if m.ticker in tickers]
        again = prices_sha256(
            load_panel(
                provider,
                tickers=tickers,
                members=members,
                fx=result.config.data.fx,
                start=start,
                end=end,
                baseline=panel["baseline"],
                max_fill_days=int(panel["max_fill_days"]),
                quality=None,  # the run itself checked its prices; this only compares hashes
            ).prices
        )
    except (DataError, ConfigError, KeyError) as exc:
        raise GoldenDataError(
            f"golden `{label}`: its price panel cannot be re-read from the current source "
            f"({' '.join(str(exc).split())}); {advice}"
        ) from exc
    if again != want:
        raise GoldenDataError(f"golden `{label}` was made on other price data; {advice}")
    return (
        f"same prices as the golden (its panel re-read from the current source matches data "
        f"sha256 `{want[:12]}`; the panel itself changed)"
    )
