"""Applying ``[data.quality]``: accepted events set aside, refused kinds raised, the rest warned.

`screen` splits the findings of `backtest.data.quality` into those that count and those a
config accepts as genuine events; `enforce` raises `DataQualityError` (one line) for the first
finding of a kind the policy refuses, else warns once per finding (`UserWarning`: the command
line prints each as a ``warning:`` line on stderr).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backtest.config import QualityConfig
from backtest.data.quality import Finding
from backtest.errors import DataError

__all__ = ["DataQualityError", "QualityReport", "enforce", "screen"]


class DataQualityError(DataError):
    """A run refused its prices because of a quality finding (`enforce`)."""


@dataclass(frozen=True, kw_only=True)
class QualityReport:
    """The findings of one panel, split into those that count and those accepted."""

    findings: tuple[Finding, ...] = ()
    accepted: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, list[dict[str, str | None]]]:
        """Return ``{"findings": [...], "accepted": [...]}`` (the manifest's ``quality``)."""
        return {
            "findings": [f.to_dict() for f in self.findings],
            "accepted": [f.to_dict() for f in self.accepted],
        }


def screen(findings: Sequence[Finding], accept: Mapping[str, Sequence[dt.date]]) -> QualityReport:
    """Set aside the findings on accepted days (ticker -> dates of genuine events)."""
    return QualityReport(
        findings=tuple(f for f in findings if not f.accepted_by(accept)),
        accepted=tuple(f for f in findings if f.accepted_by(accept)),
    )


def enforce(report: QualityReport, policy: QualityConfig) -> None:
    """Apply ``policy``: raise for a refused kind, else warn once per finding.

    Raises
    ------
    DataQualityError
        One line: the first refused finding, how to accept it or relax the kind, and how many
        more findings there are.
    """
    refused = [f for f in report.findings if getattr(policy, f.kind) == "refuse"]
    if refused:
        first = refused[0]
        more = len(report.findings) - 1
        raise DataQualityError(
            f"data quality: {first.line()}; if it is a genuine event accept it with "
            f'`[data.quality.accept] {first.ticker} = ["{first.date}"]`, or set '
            f'`data.quality.{first.kind} = "warn"`'
            + (f" ({more} more finding(s): `backtest data check` lists them)" if more else "")
        )
    for finding in report.findings:
        warnings.warn(f"data quality: {finding.line()}", UserWarning, stacklevel=3)
