"""Benchmark: load 18 tickers x 11 years from the price cache and from a snapshot; check them.

Each load is compared with a bare ``pandas.read_parquet`` of the same bytes (the per-ticker
files concatenated, or the one snapshot file). Target: every ratio within 2x. The quality
checks a run applies to a loaded panel (`backtest.data.quality`: moves against the universe,
stale runs, missing cells, the accepted-events screen) are timed against the cache load of the
same panel. Target: under 10 % of it. Timings are the best of several runs in one process,
alternated so both sides see the same load on a shared machine; the panel is the demo market's
default universe (2015-01-02 .. 2026-07-31), so the benchmark needs neither network nor
../shared.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from backtest.data.cache import PriceCache
from backtest.data.cached import CachedProvider
from backtest.data.demo import DEMO_END, DEMO_START, demo_prices
from backtest.data.quality import check_prices, missing_value_findings
from backtest.data.quality_policy import QualityReport, screen
from backtest.data.snapshot import SnapshotProvider, write_snapshot
from backtest.data.yahoo import FetchResult

REPEATS = 15
TARGET_RATIO = 2.0
CHECK_TARGET = 0.10


class _NoFetch:
    def fetch(self, tickers: object, start: dt.date, end: dt.date) -> FetchResult:
        raise RuntimeError("the benchmark must be served from the cache")


def _compare(ours: Callable[[], object], bare: Callable[[], object]) -> tuple[float, float]:
    """Best of `REPEATS` runs of each, alternated so both see the same load on a shared machine
    (timeit's advice: the minimum is the run least disturbed by other processes)."""
    ours(), bare()  # warm-up: imports, file system cache
    best = [float("inf"), float("inf")]
    for _ in range(REPEATS):
        for i, work in enumerate((ours, bare)):
            begin = time.perf_counter()
            work()
            best[i] = min(best[i], time.perf_counter() - begin)
    return best[0], best[1]


def _checks(prices: pd.DataFrame) -> QualityReport:
    """What `backtest.data.panel.load_panel` runs on a loaded panel (without FX series)."""
    findings = check_prices(prices) + missing_value_findings({}, prices, ())
    return screen(findings, {})


def main() -> None:
    """Print seconds and ratios for the cache and snapshot loads and the quality checks."""
    from universes import load_universe

    tickers = load_universe("compute_layer").tickers
    prices = demo_prices()[tickers]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        cache = PriceCache(root=root / "cache")
        now = dt.datetime.now(dt.UTC)
        for ticker in tickers:
            cache.write(
                ticker, prices[ticker], start=DEMO_START, covered_until=DEMO_END,
                source="bench", fetched_at=now, adjustment="adj_close", versions={},
            )  # fmt: skip
        provider = CachedProvider(
            cache=cache, fetcher=_NoFetch(), offline=True, last_complete_day=lambda: DEMO_END
        )
        files = [cache.paths(t)[0] for t in tickers]
        snapshot = root / "panel.parquet"
        write_snapshot(prices, snapshot, provenance={"source": "bench"})
        snap_provider = SnapshotProvider(path=snapshot)

        rows = [
            (
                "cache (18 parquet + sha256)",
                *_compare(
                    lambda: provider.load(tickers, DEMO_START, DEMO_END),
                    lambda: pd.concat([pd.read_parquet(f) for f in files], axis=1, sort=True),
                ),
            ),
            (
                "snapshot (1 parquet + sha256)",
                *_compare(
                    lambda: snap_provider.load(tickers, DEMO_START, DEMO_END),
                    lambda: pd.read_parquet(snapshot),
                ),
            ),
        ]
        panel = provider.load(tickers, DEMO_START, DEMO_END).prices
        findings = len(_checks(panel).findings)
        check, load = _compare(
            lambda: _checks(panel), lambda: provider.load(tickers, DEMO_START, DEMO_END)
        )
    print(f"{len(tickers)} tickers x {len(prices)} days, best of {REPEATS} runs")
    print(f"{'load':<32}{'seconds':>10}{'read_parquet':>14}{'ratio':>8}  target <= {TARGET_RATIO}x")
    for name, ours, bare in rows:
        flag = "ok" if ours / bare <= TARGET_RATIO else "SLOW"
        print(f"{name:<32}{ours:>10.4f}{bare:>14.4f}{ours / bare:>8.2f}  {flag}")
    flag = "ok" if check / load <= CHECK_TARGET else "SLOW"
    print(
        f"{'quality checks (' + str(findings) + ' findings)':<32}{check:>10.4f}"
        f"{'cache load':>14}{load:>8.4f}  ratio {check / load:.3f}, target <= {CHECK_TARGET}  "
        f"{flag}"
    )


if __name__ == "__main__":
    main()
