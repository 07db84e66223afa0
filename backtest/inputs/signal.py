"""Point-in-time signals: vintages of a series (inference share, thesis monitor), read as known.

A signal file has one row per vintage: ``period`` (a year ``2023`` or a quarter ``2023Q4``), the
figure, ``usable_from`` (the date it became public), ``kind`` (actual / estimate / forecast /
prior) and ``source``. The figure's column is ``share`` for the inference share (a fraction of AI
compute, in [0, 1]) or ``value`` for any other series (any finite number: a revenue ratio, the
log10 of a price); a file has exactly one of the two. The training-to-inference ratio
``(1 - share) / share`` is derived (`training_to_inference`), never stored. The inference-share
series ship in ``signals/``, the thesis monitors (``value`` series) in ``monitors/``.

Evaluation at date ``d`` with ``horizon`` h (in periods); ``P = period(d) + h``:

* ``point_in_time`` (default): only rows with ``usable_from <= d`` and ``period <= P`` count; of
  each period the latest usable vintage (largest ``usable_from``) wins. ``step`` returns that
  vintage for the latest such period. So with h = 0 a forecast for a future period is ignored
  until its period starts; with h >= 1 it counts from its ``usable_from``. ``linear``
  interpolates between the period midpoints of those latest vintages, at ``d`` shifted by h
  periods, flat beyond the end points: it never leans toward a value not yet published.
* ``hindsight``: ``usable_from`` is ignored and the final vintage of every period counts from the
  period's start. Outputs of such a run carry ``look_ahead = true``.

A date with no usable row gets NaN. The point-in-time ``step`` path is a step function of ``d``
that can change only on a ``usable_from`` date or on a period start (the latter only when a row
for the new period was usable before the period began, i.e. a forecast or a prior).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import pandas as pd

from backtest.config import Interpolation, SignalMode
from backtest.constants import MAX_SIGNAL_HORIZON
from backtest.errors import ConfigError
from backtest.parsing import is_path_like, parse_date

__all__ = [
    "InferenceSignal",
    "SignalKind",
    "known_monitors",
    "known_series",
    "load_signal",
    "parse_signal",
    "training_to_inference",
]

SignalKind = Literal["actual", "estimate", "forecast", "prior"]
ValueColumn = Literal["share", "value"]
_COLUMNS = ("period", "share", "usable_from", "kind", "source")
_FOLDERS = ("signals", "monitors")
_PERIOD = re.compile(r"^(\d{4})(?:[Qq]([1-4]))?$")


def training_to_inference(share: float | np.ndarray) -> float | np.ndarray:
    """Return the training-to-inference ratio ``(1 - share) / share`` (inf at share 0)."""
    share_arr = np.asarray(share, dtype=float)
    with np.errstate(divide="ignore"):
        ratio = (1.0 - share_arr) / share_arr
    return float(ratio) if ratio.ndim == 0 else ratio


@dataclass(frozen=True, kw_only=True)
class InferenceSignal:
    """A validated table of vintages (the inference share, or any other point-in-time series).

    Attributes
    ----------
    name : str
        Series name (packaged name or file path).
    vintages : DataFrame, shape (n_rows, 5)
        Columns ``period`` (``pd.Period``, all of one frequency), ``share`` (or ``value``, see
        ``column``), ``usable_from`` (``Timestamp``), ``kind``, ``source``; sorted by period
        then ``usable_from``; unique ``(period, usable_from)``.
    sha256 : str
        Hash of the file's bytes, recorded in run manifests.
    column : {"share", "value"}
        The figure's column: ``share`` (in [0, 1]) for the inference share, ``value`` otherwise.
    """

    name: str
    vintages: pd.DataFrame
    sha256: str
    column: ValueColumn = "share"

    @property
    def frequency(self) -> str:
        """Period frequency of the series (``Y`` or ``Q``)."""
        return str(self.vintages["period"].iloc[0].freqstr)[0]

    def share_at(
        self,
        dates: Iterable[dt.date | pd.Timestamp | str],
        *,
        mode: SignalMode = "point_in_time",
        interpolation: Interpolation = "step",
        horizon: int = 0,
    ) -> pd.Series:
        """Return the figure known at each date (see the module docstring for the rules).

        Parameters
        ----------
        dates : iterable of dates, length n
            Any order; times of day are ignored (a vintage is usable for the whole day).
        mode : {"point_in_time", "hindsight"}
        interpolation : {"step", "linear"}
        horizon : int
            Periods ahead, >= 0.

        Returns
        -------
        Series, length n, indexed by the dates as Timestamps; NaN where nothing is usable.
        """
        _check_options(mode, interpolation, horizon)
        index = pd.DatetimeIndex([pd.Timestamp(d) for d in dates])
        if index.hasnans:
            raise ConfigError("`dates` must not contain missing dates (NaT)")
        days = index.normalize()
        freq = self.vintages["period"].iloc[0].freq
        targets = days.to_period(freq).asi8 + horizon
        ordinals = np.array([p.ordinal for p in self.vintages["period"]], dtype=np.int64)
        usable = self.vintages["usable_from"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        shares = self.vintages[self.column].to_numpy(dtype=float)
        mids = np.array([_midpoint(p).value for p in self.vintages["period"]], dtype=np.float64)
        shift = horizon * _period_offset(freq)
        values = np.full(len(index), np.nan)
        for i, (day, target) in enumerate(zip(days, targets, strict=True)):
            mask = ordinals <= target
            if mode == "point_in_time":
                mask &= usable <= day.value
            rows = np.flatnonzero(mask)
            if rows.size == 0:
                continue
            # rows are sorted by (period, usable_from): the last row of each period is its
            # latest vintage among those counted
            last = rows[np.r_[ordinals[rows][1:] != ordinals[rows][:-1], True]]
            if interpolation == "step":
                values[i] = shares[last[-1]]
            else:
                when = float((day + shift).value)
                values[i] = np.interp(when, mids[last], shares[last])
        return pd.Series(values, index=index, name=self.column, dtype=float)

    def as_known_at(
        self, date: dt.date | pd.Timestamp | str, *, latest_only: bool = False
    ) -> pd.DataFrame:
        """Return the vintage rows usable at ``date`` (``usable_from <= date``).

        With ``latest_only`` keep only the latest vintage of each period, i.e. the table a
        point-in-time evaluation at ``date`` reads from.
        """
        day = pd.Timestamp(date).normalize()
        known = self.vintages[self.vintages["usable_from"] <= day]
        if latest_only:
            known = known.groupby("period", sort=True).tail(1)
        return known.reset_index(drop=True)

    def final_vintages(self) -> pd.DataFrame:
        """Return the final (latest) vintage of each period: what hindsight mode reads."""
        return self.vintages.groupby("period", sort=True).tail(1).reset_index(drop=True)


def _check_options(mode: object, interpolation: object, horizon: object) -> None:
    if mode not in get_args(SignalMode):
        raise ConfigError(f"`mode` must be one of {', '.join(get_args(SignalMode))}, got {mode!r}")
    if interpolation not in get_args(Interpolation):
        raise ConfigError(
            f"`interpolation` must be one of {', '.join(get_args(Interpolation))}, "
            f"got {interpolation!r}"
        )
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 0:
        raise ConfigError(f"`horizon` must be an integer >= 0, got {horizon!r}")
    if horizon > MAX_SIGNAL_HORIZON:
        raise ConfigError(f"`horizon` must be <= {MAX_SIGNAL_HORIZON} periods ahead, got {horizon}")


def _midpoint(period: pd.Period) -> pd.Timestamp:
    start, end = period.start_time, period.end_time
    return start + (end - start) / 2


def _period_offset(freq: object) -> pd.DateOffset:
    return pd.DateOffset(months=3) if str(freq).startswith("Q") else pd.DateOffset(years=1)


def _packaged(folder: str) -> list[str]:
    root = resources.files("backtest.inputs").joinpath(folder)
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".csv"))


def known_series() -> list[str]:
    """Names of the packaged inference-share series (``share`` column, ``signals/``)."""
    return _packaged("signals")


def known_monitors() -> list[str]:
    """Names of the packaged thesis-monitor series (``value`` column, ``monitors/``)."""
    return _packaged("monitors")


def load_signal(name_or_path: str | Path) -> InferenceSignal:
    """Load and validate a packaged series by name, or a user CSV by path.

    A `Path`, or a string that ends in ``.csv`` or contains a path separator, is a file; any
    other string is the name of a packaged series (an inference-share series or a thesis
    monitor). A user file in the same shape replaces the packaged series entirely.

    Raises
    ------
    ConfigError
        For an unknown name, a missing file, or naming the file, the row (line number) and the
        field of the first bad value.
    """
    text = str(name_or_path)
    if is_path_like(name_or_path, ".csv"):
        path = Path(text)
        if not path.is_file():
            raise ConfigError(f"signal file `{path}` does not exist")
        return parse_signal(path.read_bytes(), label=str(path))
    for folder in _FOLDERS:
        if text in _packaged(folder):
            raw = resources.files("backtest.inputs").joinpath(folder, f"{text}.csv").read_bytes()
            return parse_signal(raw, label=text)
    known = [*known_series(), *known_monitors()]
    raise ConfigError(
        f"unknown signal series `{text}`; known: {', '.join(known)} "
        f"(or the path of a CSV file ending in .csv)"
    )


def parse_signal(raw: bytes, *, label: str) -> InferenceSignal:
    """Validate the bytes of a signal CSV into an `InferenceSignal` named ``label``.

    Columns (any order, header required): ``period, share, usable_from, kind, source``, or the
    same with ``value`` (any finite number) in place of ``share`` (in [0, 1]).

    Raises
    ------
    ConfigError
        ``"<label>: row <line>: `<field>` must be ..., got ..."`` for the first bad row.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{label}: signal file must be UTF-8 text ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or ())]
    column: ValueColumn = "value" if "value" in header and "share" not in header else "share"
    expected = tuple(column if c == "share" else c for c in _COLUMNS)
    if sorted(header) != sorted(expected) or len(header) != len(expected):
        raise ConfigError(
            f"{label}: signal columns must be {', '.join(_COLUMNS)}, got {', '.join(header)}"
        )
    reader.fieldnames = header
    rows: list[dict[str, object]] = []
    freq: str | None = None
    seen: set[tuple[str, pd.Timestamp]] = set()
    for row in reader:
        where = f"{label}: row {reader.line_num}"
        if None in row:
            raise ConfigError(f"{where}: has more fields than the {len(_COLUMNS)} columns")
        period, row_freq = _parse_period(row["period"], where)
        if freq is None:
            freq = row_freq
        elif row_freq != freq:
            raise ConfigError(
                f"{where}: `period` {row['period']!r} mixes years and quarters; "
                f"one file uses one frequency"
            )
        share = _parse_share(row[column], where, column)
        usable_from = _parse_date(row["usable_from"], where)
        kind = (row["kind"] or "").strip()
        if kind not in get_args(SignalKind):
            raise ConfigError(
                f"{where}: `kind` must be one of {', '.join(get_args(SignalKind))}, got {kind!r}"
            )
        source = (row["source"] or "").strip()
        if not source:
            raise ConfigError(
                f"{where}: `source` must not be empty (cite where the figure is from)"
            )
        key = (str(period), usable_from)
        if key in seen:
            raise ConfigError(
                f"{where}: duplicate vintage (`period` {period}, `usable_from` "
                f"{usable_from.date()}); each (period, usable_from) pair must be unique"
            )
        seen.add(key)
        rows.append(
            {
                "period": period,
                column: share,
                "usable_from": usable_from,
                "kind": kind,
                "source": source,
            }
        )
    if not rows:
        raise ConfigError(f"{label}: signal file has no rows")
    vintages = pd.DataFrame(rows, columns=list(expected))
    vintages = vintages.sort_values(["period", "usable_from"], kind="stable").reset_index(drop=True)
    return InferenceSignal(
        name=label, vintages=vintages, sha256=hashlib.sha256(raw).hexdigest(), column=column
    )


def _parse_period(value: str | None, where: str) -> tuple[pd.Period, str]:
    text = (value or "").strip()
    match = _PERIOD.match(text)
    if match is None:
        raise ConfigError(
            f"{where}: `period` must be a year (2023) or a quarter (2023Q4), got {value!r}"
        )
    if match.group(2) is None:
        return pd.Period(year=int(match.group(1)), freq="Y"), "Y"
    return pd.Period(year=int(match.group(1)), quarter=int(match.group(2)), freq="Q"), "Q"


def _parse_share(value: str | None, where: str, column: ValueColumn = "share") -> float:
    rule = "a number in [0, 1]" if column == "share" else "a finite number"
    try:
        share = float((value or "").strip())
    except ValueError as exc:
        raise ConfigError(f"{where}: `{column}` must be {rule}, got {value!r}") from exc
    if column == "value":
        if not math.isfinite(share):
            raise ConfigError(f"{where}: `value` must be a finite number, got {share!r}")
        return share
    if not math.isfinite(share) or not 0.0 <= share <= 1.0:
        raise ConfigError(f"{where}: `share` must be in [0, 1], got {share!r}")
    return share


def _parse_date(value: str | None, where: str) -> pd.Timestamp:
    return pd.Timestamp(parse_date(value or "", f"{where}: `usable_from`"))
