"""Yahoo Finance fetcher: the only module that imports ``yfinance``.

`YahooFetcher.fetch` calls ``yf.download`` for many tickers at once with every argument explicit
(``auto_adjust=True`` so ``Close`` is the split- and dividend-adjusted close, ``actions=False``,
``threads=False``, ``repair=False``, ``progress=False``, tz-naive daily dates) and returns one
adjusted-close series per ticker plus the reason each missing ticker failed.

``yf.download`` never raises for a single ticker: it logs the error and returns an empty column.
The fetcher therefore listens to yfinance's logger during the call to learn *why* a ticker is
empty. Rate limits (HTTP 429, ``YFRateLimitError``) and timeouts/connection errors are transient:
those tickers alone are fetched again after an exponential backoff with jitter (`RetryPolicy`),
bounded in attempts and in total waiting time, then a `DataError` names them. Any other failure
(unknown symbol, empty answer) is permanent and reported to the caller by ticker.

The sleep function, the jitter seed and the HTTP session are parameters, so tests replay recorded
Yahoo chart-API answers through a stub session and never wait or touch the network.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import random
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from backtest.data.validate import as_dates
from backtest.errors import DataError

__all__ = ["FetchResult", "RetryPolicy", "YahooFetcher", "yfinance_version"]

_TRANSIENT = re.compile(
    r"RateLimit|Too Many Requests|\b429\b|Timeout|timed out|ConnectionError|Connection reset|"
    r"curl: \((?:6|7|28|35|52|56)\)",
    re.IGNORECASE,
)
_ERROR_LINE = re.compile(r"^\[(?P<tickers>[^\]]*)\]: (?P<message>.*)$", re.DOTALL)
_TICKER_LINE = re.compile(
    r"^(?:\$(?P<a>[^:\s]+): |Failed to get ticker '(?P<b>[^']+)' reason: )(?P<message>.*)$",
    re.DOTALL,
)

_DOWNLOAD_OPTIONS: Mapping[str, Any] = {
    "actions": False,
    "threads": False,
    "ignore_tz": True,
    "group_by": "column",
    "auto_adjust": True,
    "back_adjust": False,
    "repair": False,
    "keepna": False,
    "progress": False,
    "interval": "1d",
    "prepost": False,
    "rounding": False,
    "multi_level_index": True,
}
"""Every other argument of ``yf.download``, spelled out (yfinance's defaults are never relied
on): `_close_frame` reads the (Price, Ticker) columns and adjusted closes these values give."""


def yfinance_version() -> str:
    """Return the installed yfinance version (recorded in cache metadata)."""
    import yfinance as yf

    return str(yf.__version__)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter for transient Yahoo failures.

    The wait after failed attempt ``k`` (1-based) is
    ``min(max_delay_seconds, base_delay_seconds * 2**(k - 1)) * (1 - jitter * u)`` with ``u``
    uniform in [0, 1). At most ``max_attempts`` downloads are made and at most
    ``max_total_seconds`` are spent waiting; whichever bound is hit first ends the retries.
    """

    max_attempts: int = 5
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 30.0
    max_total_seconds: float = 90.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        """Validate the policy; a bad value is a `DataError`."""
        if self.max_attempts < 1:
            raise DataError(f"`max_attempts` must be >= 1, got {self.max_attempts}")
        if self.base_delay_seconds < 0 or self.max_delay_seconds < self.base_delay_seconds:
            raise DataError(
                "`base_delay_seconds` must be >= 0 and <= `max_delay_seconds`, got "
                f"{self.base_delay_seconds} and {self.max_delay_seconds}"
            )
        if not 0.0 <= self.jitter <= 1.0:
            raise DataError(f"`jitter` must be in [0, 1], got {self.jitter}")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * 2.0 ** (attempt - 1))
        return ceiling * (1.0 - self.jitter * rng.random())


@dataclass(frozen=True, kw_only=True)
class FetchResult:
    """Adjusted closes per ticker that came back, and why the others did not.

    Attributes
    ----------
    prices : dict of str to Series
        Non-empty adjusted-close series, indexed by tz-naive dates (ascending, unique).
    missing : dict of str to str
        Ticker -> reason, for tickers that came back empty (permanent failures).
    attempts : int
        Downloads made (1 when nothing had to be retried).
    """

    prices: dict[str, pd.Series]
    missing: dict[str, str]
    attempts: int = 1


class _ErrorCollector(logging.Handler):
    """Collects yfinance's error log lines per ticker (in the order they were logged).

    yfinance 1.7 logs three shapes: ``['AMD', 'NVDA']: <error>`` (download summary),
    ``$AMD: <error>`` (history) and ``Failed to get ticker 'AMD' reason: <error>`` (timezone
    probe, which may be the only place a timeout shows up).
    """

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: dict[str, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().strip()
        found: list[tuple[str, str]] = []
        if (match := _ERROR_LINE.match(text)) is not None:
            try:
                tickers = ast.literal_eval(f"[{match['tickers']}]")
            except (ValueError, SyntaxError):
                tickers = []
            found = [(str(t), match["message"]) for t in tickers]
        elif (match := _TICKER_LINE.match(text)) is not None:
            found = [(match["a"] or match["b"], match["message"])]
        for ticker, message in found:
            self.messages.setdefault(ticker.upper(), []).append(message.strip())

    @property
    def errors(self) -> dict[str, str]:
        """Ticker -> its distinct messages joined with `` | ``."""
        return {t: " | ".join(dict.fromkeys(m)) for t, m in self.messages.items()}


@contextmanager
def _collect_errors() -> Iterator[_ErrorCollector]:
    logger = logging.getLogger("yfinance")
    collector = _ErrorCollector()
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


@contextmanager
def _errors_visible(yf: Any) -> Iterator[None]:
    """Let yfinance raise (and so log by ticker) instead of hiding request errors.

    With yfinance's default ``config.debug.hide_exceptions = True`` a timeout on the chart request
    is swallowed and reported as "possibly delisted; no price data found", indistinguishable
    from an unknown symbol. ``yf.download`` still catches per ticker, so nothing escapes.
    """
    debug = yf.config.debug
    before = debug.hide_exceptions
    debug.hide_exceptions = False
    try:
        yield
    finally:
        debug.hide_exceptions = before


def _close_frame(frame: pd.DataFrame | None, tickers: Sequence[str]) -> pd.DataFrame:
    """Return the ``Close`` columns, one per ticker, from either column shape of yf.download.

    yfinance returns a (Price, Ticker) MultiIndex with ``group_by="column"``, a (Ticker, Price)
    one with ``group_by="ticker"``, and flat ``Open ... Close`` columns for a single ticker when
    ``multi_level_index=False``.
    """
    if frame is None or frame.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        levels = [i for i in range(columns.nlevels) if "Close" in columns.get_level_values(i)]
        if not levels:
            raise DataError(f"Yahoo answer has no `Close` column; got {list(columns)[:6]}")
        close = pd.DataFrame(frame.xs("Close", axis=1, level=levels[0]))
        close.columns = [str(c).upper() for c in close.columns]
    elif "Close" in columns:
        if len(tickers) != 1:
            raise DataError(f"Yahoo answer has flat columns for {len(tickers)} tickers")
        close = frame[["Close"]].set_axis([tickers[0].upper()], axis=1)
    else:
        raise DataError(f"Yahoo answer has no `Close` column; got {list(columns)[:6]}")
    close.index = as_dates(as_dates(close.index).normalize())
    return pd.DataFrame(close.astype(float))


@dataclass(frozen=True, kw_only=True)
class YahooFetcher:
    """Download adjusted closes from Yahoo through ``yf.download``.

    Parameters
    ----------
    retry : RetryPolicy
        Backoff for rate limits and timeouts.
    timeout_seconds : float
        Per-request timeout handed to yfinance.
    session_factory : callable or None
        Returns the HTTP session (curl_cffi or requests) for each download; ``None`` lets
        yfinance create its own. Tests pass a stub session that replays recorded answers.
    sleep : callable
        Waits between attempts (``time.sleep``; tests record the delays instead).
    seed : int or None
        Seed of the jitter generator (``None``: fresh entropy).
    yfinance_cache_dir : Path or None
        Where yfinance keeps its timezone/cookie databases (inside our cache, not the user's
        global one); ``None`` leaves yfinance's default.
    """

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 20.0
    session_factory: Callable[[], Any] | None = None
    sleep: Callable[[float], None] = time.sleep
    seed: int | None = None
    yfinance_cache_dir: Path | None = None

    def fetch(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> FetchResult:
        """Fetch ``tickers`` between ``start`` and ``end`` inclusive; retry transient failures.

        Raises
        ------
        DataError
            When transient failures persist past the retry bounds, naming the tickers.
        """
        rng = random.Random(self.seed)
        pending = sorted({t.upper() for t in tickers})
        prices: dict[str, pd.Series] = {}
        missing: dict[str, str] = {}
        waited = 0.0
        attempt = 0
        while pending:
            attempt += 1
            closes, errors = self._download(pending, start, end)
            transient: dict[str, str] = {}
            for ticker in pending:
                series = closes[ticker].dropna() if ticker in closes.columns else pd.Series()
                series = series.loc[pd.Timestamp(start) : pd.Timestamp(end)]
                if len(series):
                    prices[ticker] = series.rename(ticker)
                    continue
                reason = errors.get(ticker, "Yahoo returned no rows")[:300]
                if _TRANSIENT.search(reason):
                    transient[ticker] = reason
                else:
                    missing[ticker] = reason
            pending = sorted(transient)
            if not pending:
                break
            delay = self.retry.delay(attempt, rng)
            if attempt >= self.retry.max_attempts or waited + delay > self.retry.max_total_seconds:
                detail = "; ".join(f"{t}: {transient[t]}" for t in pending)
                raise DataError(
                    f"Yahoo kept failing for {', '.join(pending)} after {attempt} attempts and "
                    f"{waited:.1f} s of backoff ({detail}); try again later or run with "
                    "`--offline` on the cache"
                )
            self.sleep(delay)
            waited += delay
        return FetchResult(prices=prices, missing=missing, attempts=attempt)

    def _download(
        self, tickers: Sequence[str], start: dt.date, end: dt.date
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        import yfinance as yf
        from yfinance.data import YfData

        if self.yfinance_cache_dir is not None:
            self.yfinance_cache_dir.mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(self.yfinance_cache_dir))
        # yfinance memoises chart answers in-process; a retry must see the server's new answer
        YfData.cache_get.cache_clear()
        session = self.session_factory() if self.session_factory is not None else None
        with _collect_errors() as collector, _errors_visible(yf), warnings.catch_warnings():
            # yfinance 1.7 still calls pandas APIs that pandas 3 deprecates; not our concern
            for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
                warnings.filterwarnings("ignore", category=category, module=r"yfinance")
            try:
                frame = yf.download(
                    list(tickers),
                    start=start.isoformat(),
                    end=(end + dt.timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
                    timeout=self.timeout_seconds,
                    session=session,
                    **_DOWNLOAD_OPTIONS,
                )
            except Exception as exc:  # translate yfinance's own errors at the boundary
                message = f"{type(exc).__name__}: {exc}"
                if _TRANSIENT.search(message):
                    return pd.DataFrame(), dict.fromkeys(tickers, message)
                raise DataError(f"Yahoo download failed: {message}") from exc
        return _close_frame(frame, tickers), collector.errors
