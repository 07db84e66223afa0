"""Universe definitions (TOML package data) and their validating loader."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.constants import BUCKETS, Bucket
from backtest.errors import ConfigError
from backtest.parsing import is_path_like, parse_date, parse_toml, read_toml

__all__ = ["Member", "Universe", "known_universes", "load_universe"]

_TOP_KEYS = {"name", "description", "baseline", "members"}
_MEMBER_KEYS = {
    "ticker",
    "name",
    "bucket",
    "currency",
    "exposure",
    "member_from",
    "member_until",
    "note",
}
_REQUIRED_MEMBER_KEYS = ("ticker", "name", "bucket", "currency", "note")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, kw_only=True)
class Member:
    """One company of a universe.

    Attributes
    ----------
    ticker, name : str
        Listing symbol and company name.
    bucket : str
        One of ``gpu``, ``asic``, ``edge``.
    currency : str
        ISO code of the listing currency (runs are in USD).
    exposure : float
        Share of the company that is AI silicon, in (0, 1]; used by exposure weighting.
    member_from, member_until : datetime.date or None
        Point-in-time membership window (inclusive); ``None`` means unbounded.
    note : str
        One-line rationale for bucket and exposure.
    """

    ticker: str
    name: str
    bucket: Bucket
    currency: str
    exposure: float = 1.0
    member_from: dt.date | None = None
    member_until: dt.date | None = None
    note: str = ""

    def is_member_on(self, date: dt.date) -> bool:
        """Return whether ``date`` lies inside the membership window."""
        if self.member_from is not None and date < self.member_from:
            return False
        return not (self.member_until is not None and date > self.member_until)


@dataclass(frozen=True, kw_only=True)
class Universe:
    """A named set of members in buckets, with the baseline ticker of its runs."""

    name: str
    description: str
    baseline: str
    members: tuple[Member, ...]
    source: str = ""

    @property
    def tickers(self) -> list[str]:
        """Member tickers in sorted order (the column order of every frame)."""
        return sorted(m.ticker for m in self.members)

    @property
    def buckets(self) -> dict[str, str]:
        """Map ticker -> bucket."""
        return {m.ticker: m.bucket for m in self.members}

    @property
    def exposures(self) -> dict[str, float]:
        """Map ticker -> exposure score."""
        return {m.ticker: m.exposure for m in self.members}

    @property
    def currencies(self) -> dict[str, str]:
        """Map ticker -> listing currency."""
        return {m.ticker: m.currency for m in self.members}

    def by_bucket(self) -> dict[str, list[Member]]:
        """Members per bucket, buckets in reporting order (gpu, asic, edge), tickers sorted."""
        return {
            b: sorted((m for m in self.members if m.bucket == b), key=lambda m: m.ticker)
            for b in BUCKETS
        }

    def membership(self) -> dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]]:
        """Map ticker -> (member_from, member_until) as Timestamps, ``None`` for an open end.

        The shape `backtest.context.eligibility` takes.
        """
        return {
            m.ticker: (
                pd.Timestamp(m.member_from) if m.member_from is not None else None,
                pd.Timestamp(m.member_until) if m.member_until is not None else None,
            )
            for m in self.members
        }

    def plain_members(self) -> dict[str, dict[str, Any]]:
        """Return the membership as plain data: ticker -> bucket, exposure, window (ISO dates).

        What a golden file records, so the gate can say when a universe file changed.
        """
        return {
            m.ticker: {
                "bucket": m.bucket,
                "exposure": m.exposure,
                "member_from": m.member_from.isoformat() if m.member_from else None,
                "member_until": m.member_until.isoformat() if m.member_until else None,
            }
            for m in self.members
        }

    def in_window(self, start: dt.date, end: dt.date) -> Universe:
        """Return the universe without the members whose membership window misses ``[start, end]``.

        Such a member (e.g. one whose ``member_from`` is its listing date, after the run ends)
        can never be eligible in the run, and it has no price to load or validate.

        Raises
        ------
        ConfigError
            When no member is left.
        """
        kept = tuple(
            m
            for m in self.members
            if (m.member_from is None or m.member_from <= end)
            and (m.member_until is None or m.member_until >= start)
        )
        if not kept:
            raise ConfigError(
                f"universe `{self.name}` has no member between {start} and {end} "
                "(every `member_from` / `member_until` window misses the run)"
            )
        return dataclasses.replace(self, members=kept)

    def member(self, ticker: str) -> Member:
        """Return the member with ``ticker``."""
        for m in self.members:
            if m.ticker == ticker:
                return m
        raise ConfigError(f"`ticker` {ticker!r} is not a member of universe `{self.name}`")


def known_universes() -> list[str]:
    """Names of the universes shipped with the package."""
    root = resources.files(__name__)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_universe(name_or_path: str | Path) -> Universe:
    """Load and validate a universe by packaged name or by file path.

    A `Path`, or a string that ends in ``.toml`` or contains a path separator, is a file; any
    other string is the name of a packaged universe (`known_universes`).

    Raises
    ------
    ConfigError
        Naming the file, the member and the field, for unknown keys, duplicate tickers, a bad
        bucket, an exposure outside (0, 1] or a membership window that ends before it starts.
    """
    if is_path_like(name_or_path, ".toml"):
        path = Path(name_or_path)
        raw = read_toml(path, what="universe file")
        label = str(path)
    else:
        name = str(name_or_path)
        known = known_universes()
        if name not in known:
            raise ConfigError(
                f"unknown universe `{name}`; known: {', '.join(known)} "
                f"(or the path of a .toml file)"
            )
        label = f"{name}.toml"
        raw = parse_toml(resources.files(__name__).joinpath(label).read_bytes(), label)
    return _parse_universe(raw, label)


def _parse_universe(raw: dict[str, Any], label: str) -> Universe:
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            f"{label}: unknown key `{unknown[0]}`; allowed: {', '.join(sorted(_TOP_KEYS))}"
        )
    for key in ("name", "description", "baseline"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ConfigError(f"{label}: `{key}` must be a non-empty string, got {raw.get(key)!r}")
    members_raw = raw.get("members")
    if not isinstance(members_raw, list) or not members_raw:
        raise ConfigError(f"{label}: `members` must be a non-empty array of tables")
    members: list[Member] = []
    seen: set[str] = set()
    for i, item in enumerate(members_raw):
        member = _parse_member(item, f"{label}: member {i + 1}")
        if member.ticker in seen:
            raise ConfigError(f"{label}: member {i + 1}: duplicate `ticker` {member.ticker!r}")
        seen.add(member.ticker)
        members.append(member)
    return Universe(
        name=raw["name"],
        description=raw["description"],
        baseline=raw["baseline"],
        members=tuple(members),
        source=label,
    )


def _parse_member(item: Any, where: str) -> Member:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: must be a table, got {item!r}")
    if isinstance(item.get("ticker"), str) and item["ticker"].strip():
        where = f"{where} ({item['ticker']})"
    unknown = sorted(set(item) - _MEMBER_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key `{unknown[0]}`; allowed: {', '.join(sorted(_MEMBER_KEYS))}"
        )
    for key in _REQUIRED_MEMBER_KEYS:
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ConfigError(f"{where}: `{key}` must be a non-empty string, got {item.get(key)!r}")
    ticker = item["ticker"]
    if item["bucket"] not in BUCKETS:
        raise ConfigError(
            f"{where}: `bucket` must be one of {', '.join(BUCKETS)}, got {item['bucket']!r}"
        )
    if not _CURRENCY.match(item["currency"]):
        raise ConfigError(
            f"{where}: `currency` must be an ISO 4217 code of three capital letters (USD, TWD), "
            f"got {item['currency']!r}"
        )
    exposure = item.get("exposure", 1.0)
    if isinstance(exposure, bool) or not isinstance(exposure, int | float):
        raise ConfigError(f"{where}: `exposure` must be a number in (0, 1], got {exposure!r}")
    if not 0.0 < float(exposure) <= 1.0:
        raise ConfigError(f"{where}: `exposure` must be in (0, 1], got {exposure!r}")
    member_from = _parse_date(item.get("member_from"), f"{where}: `member_from`")
    member_until = _parse_date(item.get("member_until"), f"{where}: `member_until`")
    if member_from is not None and member_until is not None and member_until < member_from:
        raise ConfigError(
            f"{where}: `member_until` ({member_until}) must not be before "
            f"`member_from` ({member_from})"
        )
    return Member(
        ticker=ticker,
        name=item["name"],
        bucket=item["bucket"],
        currency=item["currency"],
        exposure=float(exposure),
        member_from=member_from,
        member_until=member_until,
        note=item["note"],
    )


def _parse_date(value: Any, where: str) -> dt.date | None:
    return None if value is None else parse_date(value, where)
