"""The inference signal: vintages of the inference share and its point-in-time evaluation.

A signal file has one row per vintage: ``period`` (a year ``2023`` or a quarter ``2023Q4``),
``share`` (inference share of AI compute, in [0, 1]), ``usable_from`` (the date the figure became
public), ``kind`` (actual / estimate / forecast / prior) and ``source``. The training-to-inference
ratio ``(1 - share) / share`` is derived (`training_to_inference`), never stored.

Evaluation at date ``d`` with ``horizon`` h (in periods); ``P = period(d) + h``:

* ``point_in_time`` (default): only rows with ``usable_from <= d`` and ``period <= P`` count; of
  each period the latest usable vintage wins. ``step`` takes the latest such period;
  ``linear`` interpolates between period midpoints of those rows at ``d`` shifted by h periods
  (flat beyond the end points), so it never leans toward a value not yet published.
* ``hindsight``: the final vintage of every period counts from the period's start. Outputs of
  such a run carry ``look_ahead = true``.

A date with no usable row gets NaN.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import pandas as pd

from backtest.errors import ConfigError

__all__ = [
    "InferenceSignal",
    "Interpolation",
    "SignalMode",
    "known_series",
    "load_signal",
    "training_to_inference",
]

SignalMode = Literal["point_in_time", "hindsight"]
Interpolation = Literal["step", "linear"]
SignalKind = Literal["actual", "estimate", "forecast", "prior"]
_COLUMNS = ("period", "share", "usable_from", "kind", "source")


def training_to_inference(share: float | np.ndarray) -> float | np.ndarray:
    """Return the training-to-inference ratio ``(1 - share) / share`` (inf at share 0)."""
    share_arr = np.asarray(share, dtype=float)
    with np.errstate(divide="ignore"):
        ratio = (1.0 - share_arr) / share_arr
    return float(ratio) if ratio.ndim == 0 else ratio


@dataclass(frozen=True, kw_only=True)
class InferenceSignal:
    """A validated table of vintages.

    Attributes
    ----------
    name : str
        Series name (packaged name or file path).
    vintages : DataFrame
        Columns ``period`` (``pd.Period``), ``share``, ``usable_from`` (``Timestamp``), ``kind``,
        ``source``; sorted by period then ``usable_from``.
    sha256 : str
        Hash of the file's bytes, recorded in run manifests.
    """

    name: str
    vintages: pd.DataFrame
    sha256: str

    @property
    def frequency(self) -> str:
        """Period frequency of the series (``Y`` or ``Q``)."""
        return str(self.vintages["period"].iloc[0].freqstr)[0]

    def share_at(
        self,
        dates: Iterable[dt.date | pd.Timestamp],
        *,
        mode: SignalMode = "point_in_time",
        interpolation: Interpolation = "step",
        horizon: int = 0,
    ) -> pd.Series:
        """Return the share known at each date (see the module docstring for the rules).

        Parameters
        ----------
        dates : iterable of dates, length n
        mode, interpolation, horizon : see module docstring; ``horizon >= 0`` periods.

        Returns
        -------
        Series, length n, indexed by the dates as Timestamps; NaN where nothing is usable.
        """
        if mode not in get_args(SignalMode):
            raise ConfigError(
                f"`mode` must be one of {', '.join(get_args(SignalMode))}, got {mode!r}"
            )
        if interpolation not in get_args(Interpolation):
            raise ConfigError(
                f"`interpolation` must be one of {', '.join(get_args(Interpolation))}, "
                f"got {interpolation!r}"
            )
        if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 0:
            raise ConfigError(f"`horizon` must be an integer >= 0, got {horizon!r}")
        index = pd.DatetimeIndex([pd.Timestamp(d) for d in dates])
        values = np.array([self._share_on(d, mode, interpolation, horizon) for d in index])
        return pd.Series(values, index=index, name="share", dtype=float)

    def _share_on(
        self, date: pd.Timestamp, mode: SignalMode, interpolation: Interpolation, horizon: int
    ) -> float:
        vintages = self.vintages
        periods = vintages["period"]
        freq = periods.iloc[0].freq
        target = pd.Period(date, freq=freq) + horizon
        if mode == "point_in_time":
            known = vintages[(vintages["usable_from"] <= date) & (periods <= target)]
        else:
            known = vintages[periods <= target]
        if known.empty:
            return float("nan")
        latest = known.groupby("period", sort=True).tail(1).sort_values("period")
        if interpolation == "step":
            return float(latest["share"].iloc[-1])
        midpoints = np.array([_midpoint(p).value for p in latest["period"]], dtype=np.float64)
        when = (date + horizon * _period_offset(freq)).value
        return float(np.interp(float(when), midpoints, latest["share"].to_numpy(dtype=float)))

    def as_known_at(self, date: dt.date | pd.Timestamp) -> pd.DataFrame:
        """Return the vintage table restricted to rows usable at ``date``."""
        return self.vintages[self.vintages["usable_from"] <= pd.Timestamp(date)].copy()


def _midpoint(period: pd.Period) -> pd.Timestamp:
    start, end = period.start_time, period.end_time
    return start + (end - start) / 2


def _period_offset(freq: object) -> pd.DateOffset:
    return pd.DateOffset(months=3) if str(freq).startswith("Q") else pd.DateOffset(years=1)


def known_series() -> list[str]:
    """Names of the packaged signal series."""
    root = resources.files("backtest").joinpath("signals")
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".csv"))


def load_signal(name_or_path: str | Path) -> InferenceSignal:
    """Load and validate a packaged series by name, or a user CSV by path.

    Raises
    ------
    ConfigError
        Naming the file, the row (1-based line number) and the field of the first bad value.
    """
    text = str(name_or_path)
    if text.endswith(".csv") or Path(text).exists():
        path = Path(text)
        if not path.is_file():
            raise ConfigError(f"signal file `{path}` does not exist")
        raw = path.read_bytes()
        label = str(path)
    else:
        known = known_series()
        if text not in known:
            raise ConfigError(f"unknown signal series `{text}`; known: {', '.join(known)}")
        raw = resources.files("backtest").joinpath("signals", f"{text}.csv").read_bytes()
        label = text
    return _parse_signal(raw, label)


def _parse_signal(raw: bytes, label: str) -> InferenceSignal:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{label}: signal file must be UTF-8 text ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != _COLUMNS:
        raise ConfigError(
            f"{label}: signal columns must be {', '.join(_COLUMNS)}, got {', '.join(header)}"
        )
    rows: list[dict[str, object]] = []
    freq: str | None = None
    seen: set[tuple[str, pd.Timestamp]] = set()
    for line, row in enumerate(reader, start=2):
        where = f"{label}: row {line}"
        period_text = (row["period"] or "").strip()
        row_freq = "Q" if "Q" in period_text.upper() else "Y"
        try:
            period = pd.Period(period_text, freq=row_freq)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{where}: `period` must be a year (2023) or quarter (2023Q4), got {period_text!r}"
            ) from exc
        if freq is None:
            freq = row_freq
        elif row_freq != freq:
            raise ConfigError(f"{where}: `period` {period_text!r} mixes years and quarters")
        try:
            share = float(row["share"] or "")
        except ValueError as exc:
            raise ConfigError(f"{where}: `share` must be a number, got {row['share']!r}") from exc
        if not 0.0 <= share <= 1.0:
            raise ConfigError(f"{where}: `share` must be in [0, 1], got {share!r}")
        try:
            usable_from = pd.Timestamp(dt.date.fromisoformat((row["usable_from"] or "").strip()))
        except ValueError as exc:
            raise ConfigError(
                f"{where}: `usable_from` must be an ISO date (YYYY-MM-DD), "
                f"got {row['usable_from']!r}"
            ) from exc
        kind = (row["kind"] or "").strip()
        if kind not in get_args(SignalKind):
            raise ConfigError(
                f"{where}: `kind` must be one of {', '.join(get_args(SignalKind))}, got {kind!r}"
            )
        source = (row["source"] or "").strip()
        if not source:
            raise ConfigError(f"{where}: `source` must not be empty")
        key = (str(period), usable_from)
        if key in seen:
            raise ConfigError(
                f"{where}: duplicate vintage (`period` {period}, `usable_from` "
                f"{usable_from.date()})"
            )
        seen.add(key)
        rows.append(
            {
                "period": period,
                "share": share,
                "usable_from": usable_from,
                "kind": kind,
                "source": source,
            }
        )
    if not rows:
        raise ConfigError(f"{label}: signal file has no rows")
    vintages = pd.DataFrame(rows, columns=list(_COLUMNS))
    vintages = vintages.sort_values(["period", "usable_from"], kind="stable").reset_index(drop=True)
    return InferenceSignal(name=label, vintages=vintages, sha256=hashlib.sha256(raw).hexdigest())
