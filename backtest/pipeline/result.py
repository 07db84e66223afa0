"""The result of a run and its folder: `Result` in memory, `LoadedRun` read back, one writer.

Folder layout (DESIGN section 9; all tables long unless stated; dates ISO ``YYYY-MM-DD``; floats
at full precision, so `load` returns exactly the frames of the `Result` that was written):

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
``yearly.csv``                    ``strategy,year,first_date,last_date,partial,return,excess``
``monthly.csv``                   ``strategy,year,Jan..Dec,total`` (month x year returns)
``drawdowns.csv``                 ``strategy,rank,peak_date,trough_date,recovery_date,depth,
                                  days_to_trough,days_to_recover`` (worst five per series)
``rolling.csv``                   ``date,strategy,volatility,beta,tracking_error,
                                  information_ratio`` (trailing ``analysis.rolling_days``)
``periods.csv``                   ``period,strategy,first_date,last_date,n_days`` + metrics
``uncertainty.csv``               ``strategy,metric,estimate,low,high,p_positive,confidence,
                                  block_length,reps,seed`` (stationary bootstrap)
``attribution.csv``               ``strategy,reference,period,period_start,period_end,segment,
                                  weight,reference_weight,return,reference_return,allocation,
                                  selection,interaction,cost,total``: Brinson-Fachler by bucket
                                  (`backtest.pipeline.attribution`)
``attribution_summary.csv``       the effects linked (Carino) per strategy, year / ``all`` and
                                  segment / ``total``, with the compounded returns
``turnover_causes.csv``           ``strategy,effective_date,cause,turnover,fees``: each event's
                                  turnover and fees by rule (`backtest.pipeline.turnover_causes`)
``turnover_causes_summary.csv``   ``strategy,year,cause,turnover,fees,per_year`` per calendar
                                  year and ``all``
``summary.md``, ``report.html``   Markdown table; self-contained HTML report
``charts/*.png``                  the report's charts, for the README and CI artifacts
================================  ===============================================================

`RunFrames` is the one definition of the frames a run has; `Result` adds what only the run in
memory knows (the config object, the universe, the aligned prices), `LoadedRun` the folder it
was read from. Two kinds of frame, one rule:

* **stored** (dataclass fields, read back from their files by `load`): what the run computed
  from inputs the frames do not hold: the simulation's frames, the attribution and the turnover
  by rule (they need the prices and the strategies' constraint trail), and the measurements
  that need the risk-free rate or a seeded resample (``metrics``, ``periods``,
  ``uncertainty``);
* **derived** (cached properties, computed once on first use from the stored frames and the
  manifest's config, written to their files for readers but never read back): ``returns``,
  ``skipped_events``, ``share``, ``yearly``, ``monthly``, ``drawdowns``, ``rolling``,
  ``attribution_summary``, ``turnover_causes_summary``. A loaded
  run derives them again, to the same values.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.atomic import staged_folder
from backtest.config import Config
from backtest.data.validate import AlignmentReport
from backtest.errors import BacktestError, ConfigError
from backtest.metrics import daily_returns
from backtest.pipeline.attribution import ATTRIBUTION_COLUMNS, linked_attribution
from backtest.pipeline.turnover_causes import CAUSE_COLUMNS, summarise_causes
from backtest.pipeline.uncertainty import bootstrap_json
from backtest.report import html as report_html
from backtest.report.calendar import monthly_table, yearly_table
from backtest.report.risk import drawdown_periods, rolling_risk
from backtest.report.tables import summary_markdown
from universes import Universe

__all__ = [
    "DEFAULT_ROLLING_DAYS",
    "LoadedRun",
    "Result",
    "RunFrames",
    "check_writable",
    "load",
    "write_run",
]

_REQUIRED = ("manifest.json", "equity.csv", "weights.csv", "metrics.csv")
"""The skeleton's files: every run folder has them."""
_EVENTS = ["determination_date", "effective_date", "share"]
_TURNOVER = ["strategy", "effective_date", "turnover", "fees", "skipped"]
_ORDERS = ["strategy", "date", "ticker", "side", "size", "price", "notional", "fees"]
_PERIODS = ["period", "strategy", "first_date", "last_date", "n_days"]
_UNCERTAINTY = ["strategy", "metric", "estimate", "low", "high", "p_positive"]
DEFAULT_ROLLING_DAYS = 252
"""Rolling window of a run folder written before ``analysis.rolling_days`` existed."""
_DATE = "%Y-%m-%d"


@dataclass(frozen=True, kw_only=True)
class RunFrames:
    """The frames of a run: exactly what ``results/<run>/`` holds.

    Attributes
    ----------
    equity : DataFrame, shape (n_days, n_strategies + 1)
        Portfolio value per strategy and ``baseline`` (last column), index ``date``.
    weights : DataFrame (long)
        ``strategy, determination_date, effective_date, ticker, weight`` (targets).
    holdings : DataFrame (long)
        ``strategy, date, ticker, weight``: end-of-day drifted weights (cash = 1 - sum).
    orders : DataFrame (long)
        ``strategy, date, ticker, side, size, price, notional, fees``, one row per fill.
    turnover : DataFrame (long)
        ``strategy, effective_date, turnover, fees, skipped``: one-way turnover and fees per event.
    reference_equity : DataFrame, shape (n_days, n_references)
        Buy-and-hold value of each reference ETF (``ref_SPY`` ...); not strategies.
    events : DataFrame
        ``determination_date, effective_date, share`` (the inference share used at each event).
    metrics : DataFrame
        One row per strategy, ``baseline``, then each reference (index ``strategy``).
    periods : DataFrame (long)
        Metrics per sub-period of ``analysis.periods`` and series
        (`backtest.report.calendar.period_table`); empty without periods.
    uncertainty : DataFrame (long)
        Bootstrap intervals of each strategy's excess CAGR and information ratio
        (`backtest.pipeline.uncertainty.bootstrap_table`); empty with ``bootstrap_reps = 0``.
    manifest : dict
    attribution : DataFrame (long)
        Per strategy, period and segment, the Brinson-Fachler effects against the config's
        ``attribution.reference`` (`backtest.pipeline.attribution.ATTRIBUTION_COLUMNS`).
    turnover_causes : DataFrame (long)
        ``strategy, effective_date, cause, turnover, fees``: each event's turnover and fees by
        rule; the parts of an event add up to its row of ``turnover``.
    """

    equity: pd.DataFrame
    weights: pd.DataFrame
    holdings: pd.DataFrame
    orders: pd.DataFrame
    turnover: pd.DataFrame
    reference_equity: pd.DataFrame
    events: pd.DataFrame
    metrics: pd.DataFrame
    periods: pd.DataFrame
    uncertainty: pd.DataFrame
    manifest: dict[str, Any]
    attribution: pd.DataFrame
    turnover_causes: pd.DataFrame

    @cached_property
    def returns(self) -> pd.DataFrame:
        """Daily returns ``V_t / V_{t-1} - 1`` (``V_{-1}`` = initial cash), shape of ``equity``."""
        return daily_returns(self.equity, float(self.manifest["config"]["run"]["initial_cash"]))

    @cached_property
    def skipped_events(self) -> pd.DataFrame:
        """``strategy, effective_date``: the events the rebalance band skipped."""
        turnover = self.turnover
        return turnover.loc[turnover["skipped"].astype(bool), ["strategy", "effective_date"]]\
            .reset_index(drop=True)  # fmt: skip

    @cached_property
    def share(self) -> pd.Series:
        """The inference share known at each event, indexed by effective date."""
        return pd.Series(
            self.events["share"].to_numpy(dtype=float),
            index=pd.DatetimeIndex(self.events["effective_date"], name="effective_date"),
            name="share",
        )

    @cached_property
    def series_returns(self) -> pd.DataFrame:
        """Daily returns of the strategies, the baseline, then the references (``ref_*``)."""
        cash = float(self.manifest["config"]["run"]["initial_cash"])
        return pd.concat([self.returns, daily_returns(self.reference_equity, cash)], axis=1)

    @cached_property
    def yearly(self) -> pd.DataFrame:
        """Calendar-year returns and excess over the baseline of every series (``yearly.csv``)."""
        return yearly_table(self.series_returns)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """Month x year returns of every series, the year's ``total`` last (``monthly.csv``)."""
        return monthly_table(self.series_returns)

    @cached_property
    def drawdowns(self) -> pd.DataFrame:
        """The five deepest drawdown periods of each strategy and the baseline."""
        return drawdown_periods(self.returns, top=5)

    @cached_property
    def rolling(self) -> pd.DataFrame:
        """Rolling volatility, beta, tracking error and IR of each strategy and the baseline."""
        analysis = self.manifest["config"].get("analysis", {})
        window = int(analysis.get("rolling_days", DEFAULT_ROLLING_DAYS))
        return rolling_risk(self.returns, window_days=window)

    @cached_property
    def attribution_summary(self) -> pd.DataFrame:
        """The attribution linked per calendar year and over the run (`linked_attribution`)."""
        return linked_attribution(
            self.attribution,
            self.equity,
            initial_cash=float(self.manifest["config"]["run"]["initial_cash"]),
        )

    @cached_property
    def turnover_causes_summary(self) -> pd.DataFrame:
        """Turnover and fees by rule per calendar year and ``all`` (`summarise_causes`)."""
        return summarise_causes(self.turnover_causes, pd.DatetimeIndex(self.equity.index))

    def target_frames(self) -> dict[str, pd.DataFrame]:
        """Return each strategy's targets as a wide frame (effective dates x tickers)."""
        return {
            str(name): frame.pivot(
                index="effective_date", columns="ticker", values="weight"
            ).rename_axis(columns=None)
            for name, frame in self.weights.groupby("strategy", sort=False)
        }


@dataclass(frozen=True, kw_only=True)
class Result(RunFrames):
    """Everything a run produced, in memory; its folder is written by `report`.

    Attributes
    ----------
    config : Config
    universe : Universe
        The members inside the run's window.
    prices : DataFrame, shape (n_days, n_tickers)
        The aligned adjusted closes the strategies saw (members plus the baseline ticker).
    alignment : AlignmentReport
        First valid dates and the gaps filled while aligning.
    """

    config: Config
    universe: Universe
    prices: pd.DataFrame
    alignment: AlignmentReport

    def report(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write the run folder (files, ``report.html``, ``summary.md``, charts) to ``path``.

        An existing folder is replaced only with ``force``; returns the folder.
        """
        return write_run(self, path, force=force)


@dataclass(frozen=True, kw_only=True)
class LoadedRun(RunFrames):
    """A run read back from its folder (`load`): the same frames as the `Result` it came from."""

    path: Path


def check_writable(out_dir: str | os.PathLike[str], *, force: bool) -> Path:
    """Refuse to overwrite an existing run unless ``force``; return the path."""
    path = Path(out_dir)
    if path.exists() and not force:
        raise ConfigError(
            f"results folder `{path}` already exists; pass --force to replace it or --name to "
            "write elsewhere"
        )
    return path


def write_run(result: RunFrames, out_dir: str | os.PathLike[str], *, force: bool) -> Path:
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


def _metrics_json(result: RunFrames) -> dict[str, Any]:
    """``metrics.json``: every metric per row, plus each strategy's ``bootstrap`` intervals."""
    out: dict[str, Any] = {
        str(name): {str(k): _json_value(v) for k, v in row.items()}
        for name, row in result.metrics.to_dict(orient="index").items()
    }
    for name, intervals in bootstrap_json(result.uncertainty).items():
        out[name]["bootstrap"] = intervals
    return out


def _write_files(result: RunFrames, folder: Path) -> None:
    result.equity.rename_axis(index="date").to_csv(folder / "equity.csv", date_format=_DATE)
    result.weights.to_csv(folder / "weights.csv", index=False, date_format=_DATE)
    result.metrics.to_csv(folder / "metrics.csv")
    (folder / "metrics.json").write_text(json.dumps(_metrics_json(result), indent=2) + "\n")
    (folder / "manifest.json").write_text(json.dumps(result.manifest, indent=2) + "\n")
    (folder / "config.json").write_text(json.dumps(result.manifest["config"], indent=2) + "\n")
    result.holdings.to_parquet(folder / "holdings.parquet", index=False)
    result.orders.to_csv(folder / "orders.csv", index=False, date_format=_DATE)
    result.turnover.to_csv(folder / "turnover.csv", index=False, date_format=_DATE)
    result.skipped_events.to_csv(folder / "skipped_events.csv", index=False, date_format=_DATE)
    result.reference_equity.rename_axis(index="date").to_csv(
        folder / "reference_equity.csv", date_format=_DATE
    )
    result.events[_EVENTS].to_csv(folder / "events.csv", index=False, date_format=_DATE)
    for name in (
        "yearly",
        "monthly",
        "drawdowns",
        "rolling",
        "periods",
        "uncertainty",
        "attribution",
        "attribution_summary",
        "turnover_causes",
        "turnover_causes_summary",
    ):
        frame: pd.DataFrame = getattr(result, name)
        frame.to_csv(folder / f"{name}.csv", index=False, date_format=_DATE)
    (folder / "summary.md").write_text(summary_markdown(result))
    pngs = report_html.render_charts(result)
    (folder / "charts").mkdir()
    for name, png in pngs.items():
        (folder / "charts" / f"{name}.png").write_bytes(png)
    (folder / "report.html").write_text(report_html.render_html(result, pngs), encoding="utf-8")


def _table(folder: Path, name: str, columns: list[str], dates: list[str]) -> pd.DataFrame:
    """Return a long table of the run, or an empty one with its columns when it is absent."""
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
    return LoadedRun(
        path=folder,
        equity=equity,
        weights=pd.read_csv(
            folder / "weights.csv", parse_dates=["determination_date", "effective_date"]
        ),
        holdings=_table(folder, "holdings.parquet", ["strategy", "date", "ticker", "weight"], []),
        orders=_table(folder, "orders.csv", _ORDERS, ["date"]),
        turnover=_table(folder, "turnover.csv", _TURNOVER, ["effective_date"]),
        reference_equity=reference_equity,
        events=_table(folder, "events.csv", _EVENTS, ["determination_date", "effective_date"]),
        metrics=pd.read_csv(folder / "metrics.csv", index_col="strategy"),
        periods=_table(folder, "periods.csv", _PERIODS, ["first_date", "last_date"]),
        uncertainty=_table(folder, "uncertainty.csv", _UNCERTAINTY, []),
        manifest=manifest,
        attribution=_table(
            folder, "attribution.csv", list(ATTRIBUTION_COLUMNS), ["period_start", "period_end"]
        ),
        turnover_causes=_table(
            folder, "turnover_causes.csv", list(CAUSE_COLUMNS), ["effective_date"]
        ),
    )
