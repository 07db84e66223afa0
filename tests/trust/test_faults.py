"""Faults: Yahoo failing, a torn cache, a full disk, and signals during a run or a sweep.

Each fault must end with one clear line and exit code 2 (130 after a signal), leave no results
folder (not even a hidden temporary one), leave every cache entry readable (its sha256 matching
its sidecar), and let the next run complete; an interrupted sweep resumes without redoing its
finished chunks and gives the numbers of an uninterrupted one.

Yahoo is replayed through `tests.data.yahoo_stub.StubYahoo` (yfinance's own request and parsing
code, no socket); answers are built with the fixture builder's `chart` over 65 business days,
enough for a real run. Signals are sent to a real ``python -c`` process that runs
`backtest.cli.main`, with a hook that writes a marker file and pauses at the point under test
(while the run folder is being written; after the third sweep chunk is saved).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import backtest.data.yahoo as yahoo_module
from backtest.cli import main
from backtest.config import load_config
from backtest.data.cache import PriceCache
from backtest.sweep.grid import load_sweep
from backtest.sweep.run import run_sweep
from tests.data.fixtures.build_fixtures import chart
from tests.data.yahoo_stub import StubYahoo
from tests.trust.bad_inputs import BASE_TOML
from tests.trust.helpers import REPO

DAYS = [d.date() for d in pd.bdate_range("2024-04-01", "2024-06-28")]
TICKERS = ("AMD", "MSFT", "NVDA")

UNIVERSE = """\
name = "yahoo_small"
description = "three names with recorded-shape Yahoo answers"
baseline = "NVDA"
{members}
"""
MEMBER = """
[[members]]
ticker = "{ticker}"
name = "{ticker}"
bucket = "{bucket}"
currency = "USD"
exposure = 0.5
note = "test"
"""

YAHOO_CONFIG = """\
universe = "{universe}"
baseline = "NVDA"

[run]
name = "y"
start = 2024-04-01
end = 2024-06-28

[data]
source = "yahoo"
cache_dir = "cache"
{offline}
[[strategies]]
name = "equal"
kind = "equal_weight"
"""


def _answer(ticker: str) -> bytes:
    """A chart-API answer for ``ticker`` over `DAYS` (smooth, distinct per ticker)."""
    rng = np.random.default_rng(sum(map(ord, ticker)))
    closes = [round(float(x), 4) for x in 100.0 * np.exp(np.cumsum(rng.normal(0, 0.02, len(DAYS))))]
    return json.dumps(chart(ticker, closes, closes, days=DAYS)).encode()


GOOD = {t: [(200, _answer(t))] for t in TICKERS}


@dataclasses.dataclass
class YahooRig:
    """The patched Yahoo fetcher: the stub answering, the waits it asked for, the files."""

    root: Path
    stub: StubYahoo
    sleeps: list[float]

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def config(self, *, offline: bool = False) -> Path:
        members = "".join(
            MEMBER.format(ticker=t, bucket="asic" if t == "MSFT" else "gpu") for t in TICKERS
        )
        universe = self.root / "yahoo_small.toml"
        universe.write_text(UNIVERSE.format(members=members), encoding="utf-8")
        path = self.root / "y.toml"
        path.write_text(
            YAHOO_CONFIG.format(universe=universe, offline="offline = true\n" if offline else ""),
            encoding="utf-8",
        )
        return path

    def answer(self, answers: dict[str, list[Any]]) -> None:
        self.stub = StubYahoo(answers)


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> YahooRig:
    made = YahooRig(root=tmp_path, stub=StubYahoo(GOOD), sleeps=[])
    monkeypatch.setattr(
        yahoo_module,
        "YahooFetcher",
        functools.partial(
            yahoo_module.YahooFetcher,
            session_factory=lambda: made.stub,
            sleep=made.sleeps.append,
            seed=1,
        ),
    )
    monkeypatch.chdir(tmp_path)
    return made


@pytest.fixture
def stub_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts and HTML replaced by stubs (~20 s here; they are not under test)."""
    import backtest.report.html as report_html

    monkeypatch.setattr(report_html, "render_charts", lambda inputs: {})
    monkeypatch.setattr(report_html, "render_html", lambda inputs, pngs: "<html>stub</html>")


def assert_cache_valid(cache: Path) -> list[str]:
    """Every entry in ``cache`` reads back with a matching sha256; return the tickers."""
    tickers = sorted(p.stem for p in cache.glob("*.parquet")) if cache.exists() else []
    store = PriceCache(root=cache)
    for ticker in tickers:
        assert store.read(ticker) is not None
    leftovers = [p.name for p in cache.glob(".*")] if cache.exists() else []
    assert leftovers == [], f"temporary files left in the cache: {leftovers}"
    return tickers


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


TOO_MANY = (429, b"Too Many Requests")
YAHOO_FAULTS: dict[str, tuple[dict[str, list[Any]], str]] = {
    "timeout": (
        {**GOOD, "AMD": [(0, "TIMEOUT")]},
        r"^error: Yahoo kept failing for AMD after 5 attempts .*timed out.*try again later",
    ),
    "rate-limit-429": (
        {**GOOD, "MSFT": [TOO_MANY]},
        r"^error: Yahoo kept failing for MSFT after 5 attempts .*(Too Many Requests|429|Rate)",
    ),
    "malformed-json": (
        {**GOOD, "AMD": [(200, b'{"chart": {"result": [{"meta": {"currency": "US')]},
        r"^error: Yahoo returned no prices for AMD \(AMD: JSONDecodeError",
    ),
    "partial-answer": (
        {**GOOD, "MSFT": [(200, None)]},
        r"^error: Yahoo returned no prices for MSFT \(MSFT: .*`data\.allow_missing = true`",
    ),
}


@pytest.mark.parametrize("fault", list(YAHOO_FAULTS))
def test_a_yahoo_fault_is_one_line_no_results_and_a_valid_cache(
    fault: str, rig: YahooRig, capsys: pytest.CaptureFixture[str]
) -> None:
    answers, pattern = YAHOO_FAULTS[fault]
    rig.answer(answers)
    assert main(["run", str(rig.config())]) == 2
    assert re.search(pattern, _one_error_line(capsys))
    assert not (rig.root / "results").exists()
    assert_cache_valid(rig.cache)
    assert sum(rig.sleeps) <= 90.0  # bounded backoff (recorded, never slept)


def test_after_a_partial_answer_the_next_run_completes_and_reuses_the_cache(
    rig: YahooRig, capsys: pytest.CaptureFixture[str], stub_report: None
) -> None:
    rig.answer({**GOOD, "MSFT": [(200, None)]})
    assert main(["run", str(rig.config())]) == 2
    cached = assert_cache_valid(rig.cache)
    assert cached == ["AMD", "NVDA"]  # the names that did come back were stored
    capsys.readouterr()
    rig.answer(GOOD)
    assert main(["run", str(rig.config())]) == 0
    assert (rig.root / "results" / "y" / "equity.csv").is_file()
    assert assert_cache_valid(rig.cache) == sorted(TICKERS)
    for ticker in cached:  # what the failed run had stored is served, not fetched again
        assert rig.stub.chart_calls(ticker) == [], ticker
    assert rig.stub.chart_calls("MSFT")


def test_a_cache_file_torn_mid_write_is_refetched_with_a_warning(
    rig: YahooRig, capsys: pytest.CaptureFixture[str], stub_report: None
) -> None:
    assert main(["run", str(rig.config()), "--name", "first"]) == 0
    parquet = rig.cache / "AMD.parquet"
    whole = parquet.read_bytes()
    parquet.write_bytes(whole[: len(whole) // 2])  # as if the machine died mid-write
    capsys.readouterr()
    rig.answer(GOOD)
    assert main(["run", str(rig.config(offline=True)), "--name", "offline"]) == 2
    assert re.search(r"AMD\.parquet` has sha256 .* it is not used", _one_error_line(capsys))
    assert main(["run", str(rig.config()), "--name", "second"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"warning: .*AMD", err), err
    assert_cache_valid(rig.cache)
    first = pd.read_csv(rig.root / "results" / "first" / "equity.csv")
    second = pd.read_csv(rig.root / "results" / "second" / "equity.csv")
    pd.testing.assert_frame_equal(first, second)


def test_an_interrupted_cache_write_keeps_the_old_entry(
    rig: YahooRig, monkeypatch: pytest.MonkeyPatch, stub_report: None
) -> None:
    """Ctrl-C between writing a cache file's bytes and renaming it: old entry intact."""
    from backtest import atomic

    assert main(["run", str(rig.config()), "--name", "first"]) == 0
    before = {p.name: p.read_bytes() for p in rig.cache.iterdir() if p.is_file()}
    real_fsync = os.fsync

    def interrupted(fd: int) -> None:
        real_fsync(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    parquet = rig.cache / "NVDA.parquet"
    store = PriceCache(root=rig.cache)
    entry = store.read("NVDA")
    assert entry is not None
    with pytest.raises(KeyboardInterrupt):
        store.write(
            "NVDA",
            entry.prices * 2.0,
            start=entry.start,
            covered_until=entry.covered_until,
            source="yahoo",
            fetched_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC),
            adjustment="adj_close",
            versions={"yfinance": "test"},
        )
    assert parquet.read_bytes() == before["NVDA.parquet"]
    assert {p.name: p.read_bytes() for p in rig.cache.iterdir() if p.is_file()} == before
    assert_cache_valid(rig.cache)


# --- disk full while writing results ---


def _disk_full_on(name: str) -> Callable[..., Any]:
    real = pd.DataFrame.to_csv

    def to_csv(self: pd.DataFrame, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        if path is not None and Path(str(path)).name == name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, path, *args, **kwargs)

    return to_csv


def test_disk_full_while_writing_results_leaves_nothing_and_keeps_the_old_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stub_report: None,
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "demo.toml"
    config.write_text(BASE_TOML, encoding="utf-8")
    monkeypatch.setattr(pd.DataFrame, "to_csv", _disk_full_on("weights.csv"))
    assert main(["run", str(config)]) == 2
    line = _one_error_line(capsys)
    assert re.search(r"^error: \[Errno 28\] No space left on device: .*weights\.csv", line), line
    assert not (tmp_path / "results").exists() or list((tmp_path / "results").iterdir()) == []

    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    import backtest.report.html as report_html

    monkeypatch.setattr(report_html, "render_charts", lambda inputs: {})
    monkeypatch.setattr(report_html, "render_html", lambda inputs, pngs: "<html>stub</html>")
    assert main(["run", str(config)]) == 0
    old = {p.name: p.read_bytes() for p in (tmp_path / "results" / "bad").iterdir() if p.is_file()}
    monkeypatch.setattr(pd.DataFrame, "to_csv", _disk_full_on("metrics.csv"))
    capsys.readouterr()
    assert main(["run", str(config), "--force"]) == 2
    assert "No space left on device" in _one_error_line(capsys)
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["bad"]
    now = {p.name: p.read_bytes() for p in (tmp_path / "results" / "bad").iterdir() if p.is_file()}
    assert now == old  # --force never destroys the old run before the new one is complete


# --- signals ---

HOOK_RUN = """
import os, sys, time, pathlib
import backtest.report.html as report_html
report_html.render_charts = lambda inputs: {{}}
report_html.render_html = lambda inputs, pngs: "<html>stub</html>"
import backtest.pipeline.result as results
real = results._write_files
def paused(result, folder):
    real(result, folder)
    pathlib.Path({marker!r}).write_text(str(folder))
    time.sleep(300)
results._write_files = paused
from backtest.cli import main
sys.exit(main(sys.argv[1:]))
"""

HOOK_SWEEP = """
import sys, time, pathlib
import backtest.sweep.executor as executor
real = executor.ChunkStore.save
count = [0]
def paused(self, result):
    real(self, result)
    count[0] += 1
    if count[0] == 3:
        pathlib.Path({marker!r}).write_text("3")
        time.sleep(300)
executor.ChunkStore.save = paused
from backtest.cli import main
sys.exit(main(sys.argv[1:]))
"""

SWEEP_TOML = """\
universe = "compute_layer"
baseline = "NVDA"

[run]
name = "sw"
start = 2024-01-02
end = 2025-06-30

[data]
source = "demo"

[sweep]
kind = "linear_tilt"
chunk_size = 4

[sweep.grid]
strength = [0.0, 1.0, 2.0, 3.0]
neutral_share = [0.3, 0.4, 0.5, 0.6]
fees_bps = [5.0, 20.0]
"""


def _interrupt(
    hook: str, argv: list[str], root: Path, sig: int
) -> subprocess.CompletedProcess[str]:
    marker = root / "paused.marker"
    process = subprocess.Popen(
        [sys.executable, "-c", hook.format(marker=str(marker)), *argv],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"the process never reached the hook: {err}")
        time.sleep(0.2)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_writing_a_run_leaves_no_partial_folder(sig: int, tmp_path: Path) -> None:
    config = tmp_path / "demo.toml"
    config.write_text(BASE_TOML, encoding="utf-8")
    done = _interrupt(HOOK_RUN, ["run", str(config)], tmp_path, sig)
    assert done.returncode == 128 + sig, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines()[-1] == "error: interrupted", done.stderr
    assert "Traceback" not in done.stderr
    results = tmp_path / "results"
    assert not results.exists() or list(results.iterdir()) == [], list(results.iterdir())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_sweep_resumes_without_redoing_chunks(
    sig: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backtest.report.html as report_html
    import backtest.sweep.executor as executor

    config = tmp_path / "sweep.toml"
    config.write_text(SWEEP_TOML, encoding="utf-8")
    argv = ["sweep", str(config), "--no-stats"]
    done = _interrupt(HOOK_SWEEP, argv, tmp_path, sig)
    assert done.returncode == 128 + sig, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines()[-1] == "error: interrupted", done.stderr
    results = tmp_path / "results"
    assert not (results / "sw").exists()
    chunks = results / ".sw.chunks"
    assert len(list(chunks.glob("*.npz"))) == 3
    assert [p.name for p in chunks.iterdir() if p.name.startswith(".")] == []

    evaluated: list[str] = []
    real = executor.evaluate_chunk

    def counting(shared: Any, task: Any) -> Any:
        evaluated.append(task.key)
        return real(shared, task)

    monkeypatch.setattr(executor, "evaluate_chunk", counting)
    monkeypatch.setattr(report_html, "render_charts", lambda inputs: {}, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--resume"]) == 0
    assert len(evaluated) == 32 // 4 - 3  # only the unfinished chunks ran
    assert not chunks.exists()
    resumed = pd.read_parquet(results / "sw" / "sweep.parquet")
    clean = run_sweep(load_config(config), load_sweep(config)).table
    metrics = [c for c in clean.columns if c in resumed.columns and clean[c].dtype == float]
    assert len(metrics) >= 10
    np.testing.assert_array_equal(
        resumed[metrics].to_numpy(dtype=float), clean[metrics].to_numpy(dtype=float)
    )
