"""Pro-forma weights: the targets of the next rebalance as decided with the data known at a date.

`proforma(config, as_of=DATE)` reads the config's prices only up to ``DATE`` (the run's end is
set to it) and its signal vintages as known at each determination date (point-in-time mode
only: hindsight would use figures published later), and picks **the latest determination date
on or before DATE** that has a price. Its event's effective date comes from the trading
calendar when it is on or before the last price; after it, the calendar is continued with
weekdays (exchange holidays are not known in advance), and the date is marked estimated. Each
strategy of the config is evaluated on the events up to that one (`strategies.trail`): the
scheme's weights, then the weights after each constraint in order, with bucket totals, and the
inference share used. Nothing after DATE is read; a test perturbs every price and vintage after
it and gets the same output to the bit, and on a date inside a run the targets equal those the
run traded at the following effective date.

Written by `write_proforma` to ``<out>/<name>-proforma-<DATE>/``: ``proforma.csv`` (long:
``strategy, determination_date, effective_date, effective_estimated, step, layer, kind, ticker,
bucket, weight``; step 0 is the scheme, the last step of a strategy its targets; ``ticker``
``cash`` is 1 minus the invested weight), ``proforma.json`` (the same, nested, with the
signals) and ``proforma.md`` (what the command prints).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.atomic import staged_folder
from backtest.config import Config
from backtest.constants import BUCKETS
from backtest.context import check_weights, trading_dates
from backtest.data.providers import PriceProvider
from backtest.errors import ConfigError
from backtest.inputs.context import schedule_context
from backtest.inputs.schedule import rebalance_events
from backtest.pipeline.manifest import prices_sha256
from backtest.pipeline.prepare import prepare
from backtest.pipeline.result import check_writable
from backtest.report.formats import DISPLAY, format_value
from backtest.report.markup import Block, Bullets, Heading, Paragraph, Table, to_markdown
from strategies.build import build_strategies
from strategies.trail import strategy_trail

__all__ = ["PROFORMA_COLUMNS", "ProForma", "proforma", "proforma_blocks", "write_proforma"]

PROFORMA_COLUMNS = (
    "strategy", "determination_date", "effective_date", "effective_estimated", "step", "layer",
    "kind", "ticker", "bucket", "weight",
)  # fmt: skip
"""Columns of ``proforma.csv`` (and of `ProForma.trail`)."""

_HORIZON_DAYS = 400
"""Calendar days of weekdays appended after the last price to place the next effective date."""


@dataclass(frozen=True, kw_only=True)
class ProForma:
    """The next rebalance as decided at ``as_of`` (see the module docstring).

    Attributes
    ----------
    trail : DataFrame (long)
        `PROFORMA_COLUMNS`: every layer's weight of every ticker (and ``cash``) per strategy.
    signals : dict[str, float]
        The signals used at the determination date (``inference_share`` and every named one).
    data_until : date
        The last price read (on or before ``as_of``).
    """

    name: str
    as_of: dt.date
    data_until: dt.date
    determination_date: dt.date
    effective_date: dt.date
    effective_estimated: bool
    signals: dict[str, float]
    trail: pd.DataFrame
    label: str
    data_sha256: str

    def targets(self) -> pd.DataFrame:
        """Return the targets (each strategy's last step) as strategies x tickers (cash last)."""
        last = self.trail.groupby("strategy", sort=False)["step"].transform("max")
        final = self.trail[self.trail["step"] == last]
        wide = final.pivot(index="strategy", columns="ticker", values="weight")
        order = list(dict.fromkeys(final["ticker"]))
        return wide.loc[list(dict.fromkeys(final["strategy"])), order]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able data: the dates, signals and per strategy every layer's weights."""
        strategies: dict[str, Any] = {}
        for name, frame in self.trail.groupby("strategy", sort=False):
            layers = []
            for key, rows in frame.groupby(["step", "layer", "kind"], sort=True):
                step, layer, kind = (str(k) for k in key)
                names = rows[rows["ticker"] != "cash"]
                layers.append(
                    {
                        "step": int(step),
                        "layer": str(layer),
                        "kind": str(kind),
                        "weights": dict(
                            zip(names["ticker"], map(float, names["weight"]), strict=True)
                        ),
                        "buckets": _bucket_totals(rows),
                    }
                )
            strategies[str(name)] = {"layers": layers, "targets": layers[-1]["weights"]}
        return {
            "name": self.name,
            "as_of": self.as_of.isoformat(),
            "data_until": self.data_until.isoformat(),
            "determination_date": self.determination_date.isoformat(),
            "effective_date": self.effective_date.isoformat(),
            "effective_estimated": self.effective_estimated,
            "signals": {k: (None if math.isnan(v) else v) for k, v in self.signals.items()},
            "label": self.label,
            "data_sha256": self.data_sha256,
            "strategies": strategies,
        }


def _bucket_totals(rows: pd.DataFrame) -> dict[str, float]:
    totals = rows.groupby("bucket", sort=False)["weight"].sum()
    return {str(b): float(w) for b, w in totals.items()}


def _weekdays_after(calendar: pd.DatetimeIndex) -> pd.DatetimeIndex:
    last = calendar[-1]
    future = pd.bdate_range(last + pd.Timedelta(days=1), last + pd.Timedelta(days=_HORIZON_DAYS))
    return pd.DatetimeIndex(calendar.append(future.rename(calendar.name)))


def proforma(config: Config, *, as_of: dt.date, provider: PriceProvider | None = None) -> ProForma:
    """Return the pro-forma targets of ``config``'s strategies as decided at ``as_of``.

    Raises
    ------
    ConfigError
        In hindsight signal mode, for a date not after the run's start, or when no event is
        determined on or before ``as_of``.
    """
    modes = {"signal": config.signal.mode} | {
        f"signals.{name}": s.mode for name, s in config.signals.items()
    }
    for where, mode in modes.items():
        if mode != "point_in_time":
            raise ConfigError(
                f"{config.path}: `{where}.mode` must be point_in_time for a pro-forma, got "
                f"{mode!r} (it would use figures published after `--as-of`)"
            )
    if not as_of > config.run.start:
        raise ConfigError(f"`--as-of` must be after `run.start` ({config.run.start}), got {as_of}")
    known = dataclasses.replace(config, run=dataclasses.replace(config.run, end=as_of))
    prepared = prepare(known, provider=provider, references=False)
    prices = prepared.prices
    real = pd.DatetimeIndex(prices.index)
    calendar = _weekdays_after(real)
    events = rebalance_events(calendar, config.schedule, warmup_days=config.data.min_history_days)
    decided = events[events["determination_date"] <= real[-1]]
    if decided.empty:  # pragma: no cover - prepare already needs one event on the calendar
        raise ConfigError(f"no rebalance event is determined on or before {as_of}")
    event = decided.iloc[-1]
    t_d, t_e = pd.Timestamp(event["determination_date"]), pd.Timestamp(event["effective_date"])
    calendar = calendar[calendar <= max(t_e, real[-1])]
    context = schedule_context(
        config=known,
        universe=prepared.universe,
        signal=prepared.signal,
        prices=prices.reindex(calendar),
        schedule=config.schedule,
        signals=prepared.signals,
    )
    keep = (context.events["determination_date"] <= t_d).to_numpy()
    context = dataclasses.replace(
        context,
        events=context.events[keep].reset_index(drop=True),
        eligible=context.eligible[keep],
        share=context.share[keep],
        signals={name: series[keep] for name, series in context.signals.items()},
    )
    if context.effective_dates[-1] != t_e:  # pragma: no cover - same schedule, same calendar
        raise ConfigError(f"the pro-forma event of {t_d.date()} could not be placed")
    frames = []
    for name, strategy in build_strategies(config).items():
        trail = strategy_trail(strategy, context)
        check_weights(
            trail[-1].weights,
            columns=context.tickers,
            index=trading_dates(strategy, context),
            name=name,
        )
        for step, layer in enumerate(trail):
            if layer.weights.index[-1] != t_e:
                continue  # a buy-and-hold decides nothing after its first event
            row = layer.weights.iloc[-1]
            frames.append(
                pd.DataFrame(
                    {
                        "strategy": name,
                        "step": step,
                        "layer": layer.name,
                        "kind": layer.kind,
                        "ticker": [*map(str, row.index), "cash"],
                        "bucket": [*(context.buckets.get(str(t), "other") for t in row.index),
                                   "cash"],
                        "weight": [*row.to_numpy(dtype=float), 1.0 - float(row.sum())],
                    }
                )
            )  # fmt: skip
    columns = list(PROFORMA_COLUMNS)
    trail_frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    )
    trail_frame["determination_date"] = t_d
    trail_frame["effective_date"] = t_e
    trail_frame["effective_estimated"] = bool(t_e > real[-1])
    return ProForma(
        name=config.run.name,
        as_of=as_of,
        data_until=real[-1].date(),
        determination_date=t_d.date(),
        effective_date=t_e.date(),
        effective_estimated=bool(t_e > real[-1]),
        signals={
            "inference_share": float(context.share.iloc[-1]),
            **{name: float(series.iloc[-1]) for name, series in context.signals.items()},
        },
        trail=trail_frame[columns],
        label=str(prepared.manifest["label"]),
        data_sha256=prices_sha256(prices),
    )


def proforma_blocks(pro: ProForma) -> list[Block]:
    """Lay out a `ProForma`: the dates and signals, then per strategy its trail, names by bucket."""
    estimated = (
        " (estimated: weekdays after the last price)"
        if pro.effective_estimated
        else f" (already in effect: the next event is determined after {pro.as_of})"
        if pro.effective_date <= pro.as_of
        else ""
    )
    blocks: list[Block] = [
        Heading(text=f"Pro-forma `{pro.name}` as of {pro.as_of}", level=2),
        Bullets(
            items=(
                f"prices: {pro.label}, read up to {pro.data_until} (sha256 "
                f"`{pro.data_sha256[:12]}`)",
                f"determination date {pro.determination_date} (the latest on or before "
                f"{pro.as_of}); effective date {pro.effective_date}{estimated}",
                *(
                    f"`{k}` used: " + ("n/a (not published yet)" if math.isnan(v) else f"{v:.4f}")
                    for k, v in pro.signals.items()
                ),
            )
        ),
    ]
    for name, frame in pro.trail.groupby("strategy", sort=False):
        steps = list(dict.fromkeys(frame["layer"]))
        wide = frame.pivot(index=["bucket", "ticker"], columns="layer", values="weight")[steps]
        order = list(dict.fromkeys(zip(frame["bucket"], frame["ticker"], strict=True)))
        wide = wide.loc[order]
        totals = frame.groupby(["bucket", "layer"], sort=False)["weight"].sum().unstack()[steps]
        present = set(frame["bucket"])
        rows: list[tuple[str, ...]] = []
        for bucket in [*(b for b in (*BUCKETS, "other") if b in present), "cash"]:
            if bucket != "cash":
                rows.append((f"**{bucket}**", *(_weight(totals.at[bucket, s]) for s in steps)))
            for (b, ticker), values in zip(order, wide.to_numpy(dtype=float), strict=True):
                if (b == bucket and (values != 0.0).any()) or b == bucket == "cash":
                    rows.append((f"`{ticker}`", *(_weight(v) for v in values)))
        blocks += [
            Heading(text=f"`{name}`", level=3),
            Table(
                header=("ticker", *steps),
                rows=tuple(rows),
                numeric=frozenset(range(1, len(steps) + 1)),
            ),
        ]
    if pro.trail.empty:
        blocks.append(Paragraph(text="The config has no strategy to decide."))
    blocks.append(
        Paragraph(
            text="Columns: the scheme's weights, then after each constraint in order (the last "
            "column is the target). Names with weight 0 in every column are left out."
        )
    )
    return blocks


def _weight(value: Any) -> str:
    return format_value("weight", float(value), DISPLAY)


def write_proforma(pro: ProForma, out_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write ``proforma.csv``, ``proforma.json`` and ``proforma.md`` into ``out_dir`` atomically."""
    path = check_writable(out_dir, force=force)
    with staged_folder(path) as tmp:
        pro.trail.to_csv(tmp / "proforma.csv", index=False, date_format="%Y-%m-%d")
        (tmp / "proforma.json").write_text(json.dumps(pro.to_json(), indent=2) + "\n")
        (tmp / "proforma.md").write_text(to_markdown(proforma_blocks(pro)))
    return path
