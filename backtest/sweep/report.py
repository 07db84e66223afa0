"""Sweep outputs: ``results/<run>/sweep.parquet``, charts and the Markdown sweep report.

The folder is written to a temporary sibling and renamed into place; an existing folder is
replaced only with ``force``. Files: ``sweep.parquet`` (one row per variant: its parameters and
every metric of DESIGN section 8), ``report.md``, ``heatmap.png`` (median of a metric over two
parameters, the median taken over every other parameter), ``excess_cagr.png`` (distribution of
excess CAGR over NVDA), ``statistics.json``, ``top.csv`` and, when asked for, ``oos.csv``,
``walk_forward.csv`` and ``detail/``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backtest.atomic import staged_folder
from backtest.errors import ConfigError
from backtest.report.charts import png_bytes
from backtest.report.formats import PERCENT_METRICS
from backtest.report.sweep_charts import excess_histogram_chart, heatmap_chart
from backtest.sweep.oos import OosSplit, WalkForward, rank_order
from backtest.sweep.run import SweepResult
from backtest.sweep.summary import SweepStatistics

__all__ = ["default_heatmap_axes", "top_table", "write_sweep"]


def default_heatmap_axes(result: SweepResult) -> tuple[str, str] | None:
    """Return the first two varied parameters with more than one numeric value, if any."""
    axes = [
        p
        for p in result.spec.parameters
        if result.table[p].nunique() > 1 and pd.api.types.is_numeric_dtype(result.table[p])
    ]
    return (axes[0], axes[1]) if len(axes) >= 2 else None


def top_table(result: SweepResult, n: int) -> pd.DataFrame:
    """Return the ``n`` best variants by the sweep metric: parameters and key metrics."""
    metric = result.spec.metric
    order = rank_order(result.table[metric].to_numpy(dtype=float), metric)[:n]
    keep = [*result.spec.parameters]
    for name in (metric, "cagr", "excess_cagr", "sharpe_ratio", "max_drawdown", "annual_turnover"):
        if name not in keep:
            keep.append(name)
    return result.table.iloc[order][keep]


def _fmt(name: str, value: Any) -> str:
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return "n/a"
        return f"{100 * value:.2f}%" if name in PERCENT_METRICS else f"{value:.4g}"
    return str(value)


def _markdown_table(frame: pd.DataFrame) -> str:
    header = "| variant | " + " | ".join(frame.columns) + " |"
    rule = "|---" * (len(frame.columns) + 1) + "|"
    rows = [
        f"| {idx} | " + " | ".join(_fmt(c, row[c]) for c in frame.columns) + " |"
        for idx, row in frame.iterrows()
    ]
    return "\n".join([header, rule, *rows])


def _heatmap(result: SweepResult, axes: tuple[str, str], metric: str, path: Path) -> None:
    x, y = axes
    grid = result.table.pivot_table(index=y, columns=x, values=metric, aggfunc="median")
    path.write_bytes(png_bytes(heatmap_chart(grid, x=x, y=y, metric=metric)))


def _excess_histogram(result: SweepResult, label: str, path: Path) -> None:
    excess = result.table["excess_cagr"].to_numpy(dtype=float)
    path.write_bytes(png_bytes(excess_histogram_chart(excess, label=label)))


def _report_markdown(
    result: SweepResult,
    statistics: SweepStatistics | None,
    *,
    top_n: int,
    axes: tuple[str, str] | None,
    oos: OosSplit | None,
    walk: WalkForward | None,
    detail: pd.DataFrame | None,
) -> str:
    manifest = result.manifest
    sweep = manifest["sweep"]
    label = str(manifest.get("label", ""))
    lines = [
        f"# Sweep `{result.market.config.run.name}` ({label})",
        "",
        f"{sweep['n_variants']} variants of `{sweep['kind']}` over "
        f"{', '.join(f'`{p}`' for p in sweep['parameters']) or 'nothing'}; window "
        f"{sweep['window'][0]} .. {sweep['window'][1]}; ranked by `{result.spec.metric}`.",
    ]
    if manifest.get("look_ahead"):
        lines += ["", "**Hindsight signal: these results contain look-ahead.**"]
    base = result.baseline_metrics
    lines += [
        "",
        f"NVDA buy-and-hold: CAGR {_fmt('cagr', base['cagr'])}, Sharpe "
        f"{_fmt('sharpe_ratio', base['sharpe_ratio'])}, max drawdown "
        f"{_fmt('max_drawdown', base['max_drawdown'])}.",
        "",
        "## What the statistics say",
        "",
    ]
    if statistics is None:
        lines.append("Statistics were not computed (`--no-stats`).")
    else:
        lines += [f"- {sentence}" for sentence in statistics.reading]
    lines += ["", f"## Top {top_n} by `{result.spec.metric}`", ""]
    lines += [_markdown_table(top_table(result, top_n)), ""]
    if oos is not None:
        t = oos.table
        rank_test = int(t["rank_test"].to_numpy()[oos.picked])
        rank_full = int(t["rank_full"].to_numpy()[oos.picked])
        lines += [
            f"## Out of sample: train until {oos.train_until}, judged on the rest",
            "",
            f"Picked on the training span: variant #{oos.picked} (train {oos.metric} "
            f"{_fmt(oos.metric, t.loc[oos.picked, 'train'])}); on the test span it scores "
            f"{_fmt(oos.metric, t.loc[oos.picked, 'test'])}, rank "
            f"{rank_test} of {len(t)} (in-sample rank over the whole "
            f"window: {rank_full}). The best variant on the test span in "
            f"hindsight was #{oos.best_test} "
            f"({_fmt(oos.metric, t.loc[oos.best_test, 'test'])}).",
            "",
            _markdown_table(t.sort_values("rank_full").head(top_n)),
            "",
        ]
    if walk is not None:
        m = walk.metrics
        lines += [
            f"## Walk-forward: re-pick every {walk.every_months} months by `{walk.metric}`",
            "",
            f"{len(walk.picks)} picks, {walk.picks['variant'].nunique()} distinct variants. "
            f"Walk-forward CAGR {_fmt('cagr', m['cagr'])} against NVDA "
            f"{_fmt('cagr', m['cagr'] - m['excess_cagr'])} over the same days (excess "
            f"{_fmt('excess_cagr', m['excess_cagr'])}); switching is assumed free.",
            "",
        ]
    if axes is not None:
        lines += ["## Charts", "", "![heatmap](heatmap.png)", ""]
    lines += ["![excess CAGR](excess_cagr.png)", ""]
    if detail is not None:
        lines += [
            "## Detail: top variants re-run through the vectorbt engine",
            "",
            "Largest relative difference of daily equity between the sweep kernel and the "
            f"vectorbt engine: {float(detail['max_rel_diff'].max()):.2e} (contract: 1e-9).",
            "",
        ]
    return "\n".join(lines) + "\n"


def write_sweep(
    result: SweepResult,
    out_dir: str | Path,
    *,
    statistics: SweepStatistics | None,
    force: bool,
    top_n: int = 20,
    heatmap: tuple[str, str] | None = None,
    heatmap_metric: str | None = None,
    oos: OosSplit | None = None,
    walk: WalkForward | None = None,
    detail: Callable[[Path], pd.DataFrame] | None = None,
) -> Path:
    """Write the sweep's files into ``out_dir`` atomically; return the folder.

    Parameters
    ----------
    detail : callable(folder) -> DataFrame, optional
        Writes the vectorbt re-runs into ``folder/detail`` and returns a per-variant check with a
        ``max_rel_diff`` column.
    """
    path = Path(out_dir)
    if path.exists() and not force:
        raise ConfigError(
            f"results folder `{path}` already exists; pass --force to replace it or --name to "
            "write elsewhere"
        )
    axes = heatmap or default_heatmap_axes(result)
    if axes is not None:
        for name in axes:
            if name not in result.spec.parameters:
                raise ConfigError(
                    f"`--heatmap` parameter `{name}` is not varied; varied: "
                    f"{', '.join(result.spec.parameters)}"
                )
    with staged_folder(path) as tmp:
        result.table.reset_index().to_parquet(tmp / "sweep.parquet", index=False)
        top_table(result, top_n).to_csv(tmp / "top.csv", float_format="%.10g")
        if axes is not None:
            _heatmap(result, axes, heatmap_metric or result.spec.metric, tmp / "heatmap.png")
        _excess_histogram(result, str(result.manifest.get("label", "")), tmp / "excess_cagr.png")
        payload = {
            "baseline": result.baseline_metrics,
            "statistics": None if statistics is None else statistics.as_dict(),
        }
        if oos is not None:
            oos.table.to_csv(tmp / "oos.csv", float_format="%.10g")
            payload["oos"] = {"train_until": str(oos.train_until), "picked": oos.picked}
        if walk is not None:
            walk.picks.to_csv(tmp / "walk_forward.csv", index=False, date_format="%Y-%m-%d")
            payload["walk_forward"] = walk.metrics
        checked = detail(tmp) if detail is not None else None
        (tmp / "statistics.json").write_text(json.dumps(_clean(payload), indent=2) + "\n")
        (tmp / "manifest.json").write_text(json.dumps(_clean(result.manifest), indent=2) + "\n")
        (tmp / "report.md").write_text(
            _report_markdown(
                result,
                statistics,
                top_n=top_n,
                axes=axes,
                oos=oos,
                walk=walk,
                detail=checked,
            )
        )
    return path


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple | Sequence) and not isinstance(value, str):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
