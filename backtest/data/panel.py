"""The one price-loading pipeline: provider -> USD conversion -> alignment -> quality checks.

`load_panel` is what a run (`backtest.pipeline.prepare.prepare`), the gate's re-read of a
golden panel (`backtest.gate.golden.verify_data`), ``backtest data snapshot`` and ``backtest
universes show`` call, so every one of them sees the same prices for the same inputs. With a
``quality`` policy, the checks of `backtest.data.quality` run on the raw panel in USD, on the
FX series and on the cells alignment filled, after validation and before any strategy sees
the prices; a synthetic provider (the demo market, a seeded model, not a source that can be
wrong) is not checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from backtest.config import QualityConfig
from backtest.data.fx import Listing, load_usd
from backtest.data.providers import PriceProvider
from backtest.data.quality import check_prices, missing_value_findings
from backtest.data.quality_policy import QualityReport, enforce, screen
from backtest.data.validate import AlignmentReport, align_prices

__all__ = ["Panel", "load_panel"]


@dataclass(frozen=True, kw_only=True)
class Panel:
    """A validated price panel on the baseline's calendar and what produced it.

    Attributes
    ----------
    prices : DataFrame, shape (n_days, n_tickers)
        Adjusted closes in USD, columns in the order the tickers were asked for; NaN only
        before a listing (or for a ticker the provider was allowed to miss).
    alignment : AlignmentReport
        Gaps forward-filled and first valid date per ticker.
    provenance : dict
        The provider's account of the load (`backtest.data.providers.LoadedPrices`), plus
        ``quality`` (`QualityReport.to_dict`: findings warned about, findings accepted) when
        the panel was checked: the manifest's ``data_provenance``.
    quality : QualityReport or None
        The checks' findings; None when the panel was not checked.
    """

    prices: pd.DataFrame
    alignment: AlignmentReport = field(default_factory=AlignmentReport)
    provenance: dict[str, Any] = field(default_factory=dict)
    quality: QualityReport | None = None


def load_panel(
    provider: PriceProvider,
    *,
    tickers: Sequence[str],
    members: Sequence[Listing],
    fx: Mapping[str, str] | str | None,
    start: dt.date,
    end: dt.date,
    baseline: str,
    max_fill_days: int,
    quality: QualityConfig | None,
    warmup_days: int = 0,
) -> Panel:
    """Load ``tickers`` from ``provider``, convert them to USD and align them to ``baseline``.

    Parameters
    ----------
    provider : PriceProvider
    tickers : sequence of str
        Every ticker of the panel, the baseline included.
    members : sequence of Listing
        Universe members (``ticker`` and ``currency``): a non-USD member is converted with the FX
        series ``fx`` names for its currency (`backtest.data.fx`); tickers that are not
        members are taken to be USD.
    fx : mapping or str or None
        ``data.fx`` of a config (currency -> ticker of its USD rate).
    start, end : datetime.date
        Inclusive window.
    baseline : str
        Ticker whose trading days are the calendar.
    max_fill_days : int
        Longest missing run inside a listing that is forward-filled.
    quality : QualityConfig or None
        The ``[data.quality]`` policy: a refused finding raises, the others warn (one
        `UserWarning` each). None: no checks (a display, or a re-read of prices a run
        already checked).
    warmup_days : int
        Trading days of the baseline before ``start`` the panel also holds (the warm-up a
        run's first decisions read); fewer when the data starts later.

    Returns
    -------
    Panel

    Raises
    ------
    DataError
        What the provider, the conversion or the alignment refuses (`align_prices`).
    DataQualityError
        A finding of a kind ``quality`` refuses, on a day it does not accept.
    ConfigError
        A non-USD member without an FX series.
    """
    # calendar days enough for ``warmup_days`` trading days, with slack for holidays
    load_start = start - dt.timedelta(days=warmup_days * 7 // 5 + 15) if warmup_days else start
    usd = load_usd(
        provider, tickers=tickers, members=members, fx_spec=fx, start=load_start, end=end
    )
    loaded = usd.loaded
    prices, alignment = align_prices(
        loaded.prices,
        baseline=baseline,
        start=_warmup_start(loaded.prices, baseline, start, warmup_days),
        end=end,
        max_fill_days=max_fill_days,
        allow_missing=loaded.provenance.get("missing_tickers", ()),
    )
    provenance = dict(loaded.provenance)
    report = None
    if quality is not None and not provider.synthetic:
        findings = [
            *check_prices(usd.rates),
            *check_prices(loaded.prices, close=loaded.close),
            *missing_value_findings(loaded.missing_values, prices, alignment.filled_gaps),
        ]
        report = screen(findings, quality.accept)
        provenance["quality"] = report.to_dict()
        enforce(report, quality)
    return Panel(
        prices=prices[list(dict.fromkeys(tickers))],
        alignment=alignment,
        provenance=provenance,
        quality=report,
    )


def _warmup_start(raw: pd.DataFrame, baseline: str, start: dt.date, rows: int) -> dt.date:
    """Return the first day of the warm-up: ``rows`` baseline days before ``start`` (or fewer)."""
    if not rows or baseline not in raw.columns or not raw.index.is_monotonic_increasing:
        return start  # align_prices names the missing baseline or the bad dates
    before = raw.index[(raw.index < pd.Timestamp(start)) & raw[baseline].notna()]
    if not len(before):
        return start
    first: dt.date = pd.Timestamp(before[-rows] if len(before) >= rows else before[0]).date()
    return first
