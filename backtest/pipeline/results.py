"""Run outputs on disk: atomic writer and loader of ``results/<run>/`` (DESIGN section 9).

Folder layout (all tables long unless stated; dates ISO ``YYYY-MM-DD``; floats written at full
precision so `load` returns exactly the frames of the `backtest.pipeline.runner.Result`):

================================  ===============================================================
``manifest.json``                 config, hashes, versions, git commit, flags (``look_ahead``,
                                  ``synthetic``), reference tickers used, buckets
``config.json``                   the resolved config alone (defaults filled in)
``equity.csv``                    wide: ``date``, one column per strategy, ``baseline``
``weights.csv``                   ``strategy,determination_date,effective_date,ticker,weight``
                                  (targets)
``metrics.csv`` / ``.json``       ``strategy`` + one column per metric; strategies, ``baseline``,
                                  then ``ref_<TICKER>`` reference rows
``holdings.parquet``              ``strategy,date,ticker,weight``: drifted end-of-day weights
``orders.csv``                    ``strategy,date,ticker,side,size,price,notional,fees``
``turnover.csv``                  ``strategy,effective_date,turnover,fees,skipped`` per event
``skipped_events.csv``            ``strategy,effective_date`` (rebalance band)
``reference_equity.csv``          wide: ``date``, one column per reference (``ref_SPY`` ...)
``events.csv``                    ``determination_date,effective_date,share``
``summary.md``, ``report.html``   Markdown table; self-contained HTML report
``charts/*.png``                  the report's charts, for the README and CI artifacts
================================  ===============================================================
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from backtest.atomic import staged_folder
from backtest.errors import BacktestError, ConfigError
from backtest.report.tables import summary_markdown

if TYPE_CHECKING:
    from backtest.pipeline.runner import Result
    from backtest.report.html import ReportInputs

__all__ = ["LoadedRun", "check_writable", "load", "report_inputs", "write_run"]

_REQUIRED = ("manifest.json", "equity.csv", "weights.csv", "metrics.csv")
"""The skeleton's files: every run folder has them."""
_EVENTS = ["determination_date", "effective_date", "share"]
_TURNOVER = ["strategy", "effective_date", "turnover", "fees", "skipped"]
_ORDERS = ["strategy", "date", "ticker", "side", "size", "price", "notional", "fees"]
_DATE = "%Y-%m-%d"


def check_writable(out_dir: str | os.PathLike[str], *, force: bool) -> Path:
    """Refuse to overwrite an existing run unless ``force``; return the path."""
    path = Path(out_dir)
    if path.exists() and not force:
        raise ConfigError(
            f"results folder `{path}` already exists; pass --force to replace it or --name to "
            "write elsewhere"
        )
    return path


def write_run(result: Result, out_dir: str | os.PathLike[str], *, force: bool) -> Path:
    """Write every output file of ``result`` into ``out_dir`` atomically.

    Files go to a temporary sibling folder that is renamed into place, so a reader never sees a
    half-written run. An existing folder is replaced only with ``force``.
    """
    path = check_writable(out_dir, force=force)
    with staged_folder(path) as tmp:
        _write_files(result, tmp)
    return path


def _json_value(value: Any) -> Any:
    return None if pd.isna(value) else float(value)


def _write_files(result: Result, folder: Path) -> None:
    from backtest.report.html import render_charts, render_html

    result.equity.rename_axis(index="date").to_csv(folder / "equity.csv", date_format=_DATE)
    result.weights.to_csv(folder / "weights.csv", index=False, date_format=_DATE)
    result.metrics.to_csv(folder / "metrics.csv")
    metrics_json = {
        str(name): {str(k): _json_value(v) for k, v in row.items()}
        for name, row in result.metrics.to_dict(orient="index").items()
    }
    (folder / "metrics.json").write_text(json.dumps(metrics_json, indent=2) + "\n")
    (folder / "manifest.json").write_text(json.dumps(result.manifest, indent=2) + "\n")
    (folder / "config.json").write_text(json.dumps(result.manifest["config"], indent=2) + "\n")
    result.holdings.to_parquet(folder / "holdings.parquet", index=False)
    result.orders.to_csv(folder / "orders.csv", index=False, date_format=_DATE)
    result.turnover.to_csv(folder / "turnover.csv", index=False, date_format=_DATE)
    result.skipped_events.to_csv(folder / "skipped_events.csv", index=False, date_format=_DATE)
    result.reference_equity.rename_axis(index="date").to_csv(
        folder / "reference_equity.csv", date_format=_DATE
    )
    events = result.events[["determination_date", "effective_date"]].assign(
        share=result.share.to_numpy()
    )
    events.to_csv(folder / "events.csv", index=False, date_format=_DATE)
    (folder / "summary.md").write_text(
        summary_markdown(
            result.metrics,
            title=f"Backtest `{result.config.run.name}`",
            label=str(result.manifest["label"]),
        )
    )
    inputs = report_inputs(result)
    pngs = render_charts(inputs)
    (folder / "charts").mkdir()
    for name, png in pngs.items():
        (folder / "charts" / f"{name}.png").write_bytes(png)
    (folder / "report.html").write_text(render_html(inputs, pngs), encoding="utf-8")


@dataclass(frozen=True, kw_only=True)
class LoadedRun:
    """A run read back from disk: the same frames as `backtest.pipeline.runner.Result` exposes.

    Attributes
    ----------
    path : Path
    equity, returns : DataFrame, shape (n_days, n_strategies + 1), index ``date``
    weights, holdings, orders, turnover, skipped_events : DataFrame (long)
    reference_equity : DataFrame, shape (n_days, n_references)
    events : DataFrame ``determination_date, effective_date, share``
    share : Series, the inference share per effective date
    metrics : DataFrame, index ``strategy``
    manifest : dict
    """

    path: Path
    equity: pd.DataFrame
    returns: pd.DataFrame
    weights: pd.DataFrame
    holdings: pd.DataFrame
    orders: pd.DataFrame
    turnover: pd.DataFrame
    skipped_events: pd.DataFrame
    reference_equity: pd.DataFrame
    events: pd.DataFrame
    share: pd.Series
    metrics: pd.DataFrame
    manifest: dict[str, Any]


def _returns(equity: pd.DataFrame, initial_cash: float) -> pd.DataFrame:
    previous = equity.shift(1)
    if len(previous):
        previous.iloc[0] = initial_cash
    return equity / previous - 1.0


def _table(folder: Path, name: str, columns: list[str], dates: list[str]) -> pd.DataFrame:
    """Return a long table of the run, or an empty one with its columns when the file is absent."""
    path = folder / name
    if not path.is_file():
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return empty.astype(dict.fromkeys(dates, "datetime64[us]"))
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    table = pd.read_csv(path, parse_dates=dates)
    return table.astype({d: "datetime64[us]" for d in dates if table[d].dtype == object})


def load(path: str | os.PathLike[str]) -> LoadedRun:
    """Read a results folder written by `write_run` (the frames of its `Result`, exactly).

    A folder written before a file existed (e.g. without ``holdings.parquet``) loads with that
    table empty; ``manifest.json``, ``equity.csv``, ``weights.csv`` and ``metrics.csv`` are
    required.

    Raises
    ------
    BacktestError
        When a required file is missing (the message lists them).
    """
    folder = Path(path)
    missing = [name for name in _REQUIRED if not (folder / name).is_file()]
    if missing:
        raise BacktestError(
            f"`{folder}` is not a complete run folder; missing {', '.join(missing)}"
        )
    manifest = json.loads((folder / "manifest.json").read_text())
    equity = pd.read_csv(folder / "equity.csv", index_col="date", parse_dates=["date"])
    if (folder / "reference_equity.csv").is_file():
        reference_equity = pd.read_csv(
            folder / "reference_equity.csv", index_col="date", parse_dates=["date"]
        ).astype(float)
    else:
        reference_equity = pd.DataFrame(index=equity.index)
    events = _table(folder, "events.csv", _EVENTS, ["determination_date", "effective_date"])
    turnover = _table(folder, "turnover.csv", _TURNOVER, ["effective_date"])
    skipped = _table(folder, "skipped_events.csv", ["strategy", "effective_date"], [])
    skipped = skipped.astype(  # an empty file parses as object columns
        {"strategy": turnover["strategy"].dtype, "effective_date": turnover["effective_date"].dtype}
    )
    return LoadedRun(
        path=folder,
        equity=equity,
        returns=_returns(equity, float(manifest["config"]["run"]["initial_cash"])),
        weights=pd.read_csv(
            folder / "weights.csv", parse_dates=["determination_date", "effective_date"]
        ),
        holdings=_table(folder, "holdings.parquet", ["strategy", "date", "ticker", "weight"], []),
        orders=_table(folder, "orders.csv", _ORDERS, ["date"]),
        turnover=turnover,
        skipped_events=skipped,
        reference_equity=reference_equity,
        events=events,
        share=pd.Series(
            events["share"].to_numpy(dtype=float),
            index=pd.DatetimeIndex(events["effective_date"], name="effective_date"),
            name="share",
        ),
        metrics=pd.read_csv(folder / "metrics.csv", index_col="strategy"),
        manifest=manifest,
    )


def report_inputs(run: Result | LoadedRun) -> ReportInputs:
    """Return the frames the HTML report draws, from a `Result` or a `LoadedRun`."""
    from backtest.report.html import ReportInputs

    return ReportInputs(
        equity=run.equity,
        returns=run.returns,
        reference_equity=run.reference_equity,
        holdings=run.holdings,
        turnover=run.turnover,
        share=run.share,
        metrics=run.metrics,
        manifest=run.manifest,
    )
