"""Sweep outputs: ``results/<run>/sweep.parquet``, charts and the Markdown sweep report.

The folder is written to a temporary sibling and renamed into place; an existing folder is
replaced only with ``force``. Files: ``sweep.parquet`` (one row per variant: its parameters,
every metric of DESIGN section 8 and the cost-sensitivity columns), ``report.md``,
``heatmap.png`` (median of a metric over two parameters, the median taken over every other
parameter), ``excess_cagr.png`` (distribution of excess CAGR over NVDA), ``statistics.json``,
``top.csv`` and, when asked for, ``oos.csv``, ``walk_forward.csv`` and ``detail/``. Every table
that names a variant shows its parameters; the charts are drawn by
`backtest.report.sweep_charts`.
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
from backtest.metrics import METRIC_NAMES
from backtest.report.charts import png_bytes
from backtest.report.formats import COMPACT, format_value
from backtest.report.markup import Block, Bullets, Heading, Paragraph, Table, to_markdown
from backtest.report.sweep_charts import excess_cagr_chart, heatmap_chart
from backtest.sweep.oos import OosSplit, WalkForward
from backtest.sweep.ranking import rank_order
from backtest.sweep.run import SweepResult
from backtest.sweep.summary import SweepStatistics, context_lines

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
    """Return the ``n`` best variants by the sweep metric: parameters, key metrics, costs."""
    metric = result.spec.metric
    order = rank_order(result.table[metric].to_numpy(dtype=float), metric)[:n]
    keep = [*result.spec.parameters]
    for name in (metric, "cagr", "excess_cagr", "sharpe_ratio", "information_ratio"):
        if name not in keep:
            keep.append(name)
    keep += [f"{metric}@{c}={v:g}" for c, v in result.plan.scenarios]
    keep += ["max_drawdown", "annual_turnover"]
    return result.table.iloc[order][keep]


def _fmt(name: str, value: Any) -> str:
    """Return a cell: a metric (``cagr``, ``cagr@fees_bps=20``) in its unit, else as written."""
    base = name.split("@")[0]
    if isinstance(value, float | np.floating):
        if base in METRIC_NAMES:
            return format_value(base, float(value), COMPACT)
        return f"{value:g}" if math.isfinite(value) else "n/a"
    return str(value)


def _table(frame: pd.DataFrame, index: str = "variant") -> Table:
    columns = [str(c) for c in frame.columns]
    rows = tuple(
        (str(idx), *(_fmt(c, row[c]) for c in columns)) for idx, row in zip(
            frame.index, frame.to_dict(orient="records"), strict=True
        )
    )  # fmt: skip
    numeric = frozenset(
        i + 1 for i, c in enumerate(frame.columns) if pd.api.types.is_numeric_dtype(frame[c])
    )
    return Table(header=(index, *columns), rows=rows, numeric=numeric)


def _params(result: SweepResult, variants: pd.Index | Sequence[int]) -> pd.DataFrame:
    return result.table.loc[list(variants), list(result.spec.parameters)]


def _oos_blocks(result: SweepResult, oos: OosSplit, top_n: int) -> list[Block]:
    t = oos.table
    picked, best = oos.picked, oos.best_test
    shown = t.sort_values("rank_full").head(top_n)
    rank_test = int(t["rank_test"].to_numpy()[picked])
    rank_full = int(t["rank_full"].to_numpy()[picked])
    return [
        Heading(text=f"Out of sample: train until {oos.train_until}, judged on the rest"),
        Paragraph(
            text=f"Picked on the training span: {result.describe(picked)} (train {oos.metric} "
            f"{_fmt(oos.metric, t.loc[picked, 'train'])}); on the test span it scores "
            f"{_fmt(oos.metric, t.at[picked, 'test'])}, rank {rank_test} of {len(t)} (in-sample "
            f"rank over the whole window: {rank_full}). The best variant on the test span in "
            f"hindsight was {result.describe(best)} ({_fmt(oos.metric, t.loc[best, 'test'])})."
        ),
        Paragraph(text=f"The top {len(shown)} by the whole window, with their spans:"),
        _table(pd.concat([_params(result, shown.index), shown], axis=1)),
    ]


def _walk_blocks(result: SweepResult, walk: WalkForward) -> list[Block]:
    m = walk.metrics
    picks = walk.picks.set_index("variant")
    frame = pd.concat([picks[["date"]].astype(str), _params(result, picks.index)], axis=1)
    frame[f"{walk.metric} before"] = picks["train_value"].to_numpy()
    return [
        Heading(text=f"Walk-forward: re-pick every {walk.every_months} months by `{walk.metric}`"),
        Paragraph(
            text=f"{len(walk.picks)} picks, {walk.picks['variant'].nunique()} distinct variants. "
            f"Walk-forward CAGR {_fmt('cagr', m['cagr'])} against NVDA "
            f"{_fmt('cagr', m['cagr'] - m['excess_cagr'])} over the same days (excess "
            f"{_fmt('excess_cagr', m['excess_cagr'])}); switching is assumed free."
        ),
        _table(frame),
    ]


def _report(
    result: SweepResult,
    statistics: SweepStatistics | None,
    *,
    top_n: int,
    axes: tuple[str, str] | None,
    oos: OosSplit | None,
    walk: WalkForward | None,
    detail: pd.DataFrame | None,
) -> str:
    sweep = result.manifest["sweep"]
    label = str(result.manifest.get("label", ""))
    searched = ", ".join(f"`{p}`" for p in sweep["parameters"]) or "nothing"
    blocks: list[Block] = [
        Heading(text=f"Sweep `{result.market.config.run.name}` ({label})", level=1),
        Paragraph(
            text=f"{sweep['n_variants']} variants of `{sweep['kind']}` over {searched}; window "
            f"{sweep['window'][0]} .. {sweep['window'][1]}; ranked by `{result.spec.metric}`."
        ),
    ]
    if result.manifest.get("look_ahead"):
        blocks.append(Paragraph(text="**Hindsight signal: these results contain look-ahead.**"))
    base = result.baseline_metrics
    blocks += [
        Paragraph(
            text=f"NVDA buy-and-hold: CAGR {_fmt('cagr', base['cagr'])}, Sharpe "
            f"{_fmt('sharpe_ratio', base['sharpe_ratio'])}, max drawdown "
            f"{_fmt('max_drawdown', base['max_drawdown'])}."
        ),
        Heading(text="What the statistics say"),
    ]
    if statistics is None:
        lines = ["Statistics were not computed (`--no-stats`)."]
        best = int(
            rank_order(result.table[result.spec.metric].to_numpy(float), result.spec.metric)[0]
        )
        blocks.append(Bullets(items=(*lines, *context_lines(result, best))))
    else:
        blocks.append(Bullets(items=tuple(statistics.reading)))
    blocks += [
        Heading(text=f"Top {top_n} by `{result.spec.metric}`"),
        _table(top_table(result, top_n)),
    ]
    if oos is not None:
        blocks += _oos_blocks(result, oos, top_n)
    if walk is not None:
        blocks += _walk_blocks(result, walk)
    blocks.append(Heading(text="Charts"))
    if axes is not None:
        blocks.append(Paragraph(text="![heatmap](heatmap.png)"))
    blocks.append(Paragraph(text="![excess CAGR](excess_cagr.png)"))
    if detail is not None:
        blocks += [
            Heading(text="Detail: top variants re-run through the vectorbt engine"),
            Paragraph(
                text="Largest relative difference of daily equity between the sweep kernel and "
                f"the vectorbt engine: {float(detail['max_rel_diff'].max()):.2e} (contract: 1e-9)."
            ),
            _table(pd.concat([_params(result, detail.index), detail], axis=1)),
        ]
    return to_markdown(blocks)


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
    label = str(result.manifest.get("label", ""))
    with staged_folder(path) as tmp:
        result.table.reset_index().to_parquet(tmp / "sweep.parquet", index=False)
        top_table(result, top_n).to_csv(tmp / "top.csv", float_format="%.10g")
        if axes is not None:
            x, y = axes
            metric = heatmap_metric or result.spec.metric
            grid = result.table.pivot_table(index=y, columns=x, values=metric, aggfunc="median")
            chart = heatmap_chart(grid, x=x, y=y, metric=metric)
            (tmp / "heatmap.png").write_bytes(png_bytes(chart))
        excess = result.table["excess_cagr"].to_numpy(dtype=float)
        (tmp / "excess_cagr.png").write_bytes(png_bytes(excess_cagr_chart(excess, label=label)))
        payload: dict[str, Any] = {
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
            _report(result, statistics, top_n=top_n, axes=axes, oos=oos, walk=walk, detail=checked)
        )
    return path


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, list | tuple | Sequence) and not isinstance(value, str):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
