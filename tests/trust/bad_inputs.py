"""The bad-input matrix: one row per bad input, run through ``backtest.cli.main``.

Each `BadInput` edits one thing in a fresh `Workspace` (a valid demo config, a valid files
config over a 3-name universe with its price folder, a signal copy, a filled Yahoo cache) and
returns the command line. `tests/trust/test_bad_inputs.py` runs every row and checks the
contract: exit code 2, exactly one line on stderr that matches ``match`` (which names the file,
field or value and what is allowed), no traceback, nothing under ``results/``, the cache
untouched. The same table renders ``docs/bad-inputs.md``::

    .venv/bin/python -m tests.trust.bad_inputs          # rewrite docs/bad-inputs.md

and a test fails when the document and the table disagree.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "bad-inputs.md"
SMALL = ("AVGO", "NVDA", "QCOM")
PRICE_START, PRICE_END = "2023-06-01", "2025-06-30"

BASE_TOML = """\
universe = "compute_layer"
baseline = "NVDA"

[run]
name = "bad"
start = 2024-01-02
end = 2025-06-30
initial_cash = 1000000.0

[data]
source = "demo"

[signal]
series = "default"

[schedule]
frequency = "monthly"
lag_days = 1

[costs]
fees_bps = 10.0
slippage_bps = 5.0

[[strategies]]
name = "tilt"
kind = "linear_tilt"
strength = 1.0
"""

SMALL_UNIVERSE = """\
name = "small"
description = "three names, one per bucket"
baseline = "NVDA"

[[members]]
ticker = "NVDA"
name = "NVIDIA"
bucket = "gpu"
currency = "USD"
exposure = 0.9
note = "gpu"

[[members]]
ticker = "AVGO"
name = "Broadcom"
bucket = "asic"
currency = "USD"
exposure = 0.5
note = "asic"

[[members]]
ticker = "QCOM"
name = "Qualcomm"
bucket = "edge"
currency = "USD"
exposure = 0.3
note = "edge"
"""


@dataclass(frozen=True, kw_only=True)
class Workspace:
    """A folder of valid inputs that one bad input then spoils.

    Attributes
    ----------
    root : Path
        The working directory of the command (``results/`` would be written here).
    demo : Path
        ``demo.toml``: demo market, default universe (`BASE_TOML`).
    files : Path
        ``files.toml``: source ``files`` over ``prices/`` and ``small.toml``.
    prices : Path
        ``prices/<TICKER>.csv`` (``date,adj_close``) from the demo market, for `SMALL`.
    universe : Path
        ``small.toml``.
    signal : Path
        ``signal.csv``, a copy of the packaged default series (not used until a row points a
        config at it).
    cache : Path
        A Yahoo cache holding NVDA (``$INFERENCE_SHIFT_CACHE`` during a row).
    """

    root: Path

    @property
    def demo(self) -> Path:
        return self.root / "demo.toml"

    @property
    def files(self) -> Path:
        return self.root / "files.toml"

    @property
    def prices(self) -> Path:
        return self.root / "prices"

    @property
    def universe(self) -> Path:
        return self.root / "small.toml"

    @property
    def signal(self) -> Path:
        return self.root / "signal.csv"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def results(self) -> Path:
        return self.root / "results"

    def edit(self, path: Path, old: str, new: str) -> Path:
        """Replace ``old`` (which must occur) by ``new`` in ``path``."""
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise AssertionError(f"{old!r} not in {path}")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    def price_lines(self, ticker: str) -> list[str]:
        """Lines of ``prices/<ticker>.csv`` (header first)."""
        return (self.prices / f"{ticker}.csv").read_text(encoding="utf-8").splitlines()

    def write_prices(self, ticker: str, lines: list[str]) -> None:
        (self.prices / f"{ticker}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def with_signal(self, rows: str, config: Path | None = None) -> list[str]:
        """Write ``signal.csv`` (header + ``rows``), point the demo config at it; return argv."""
        header = "period,share,usable_from,kind,source\n"
        self.signal.write_text(header + rows, encoding="utf-8")
        target = config or self.demo
        self.edit(target, 'series = "default"', f'series = "{self.signal}"')
        return ["run", str(target)]

    def with_universe(self, old: str, new: str) -> list[str]:
        """Edit ``small.toml`` and run the demo config on it; return argv."""
        self.edit(self.universe, old, new)
        self.edit(self.demo, 'universe = "compute_layer"', f'universe = "{self.universe}"')
        return ["run", str(self.demo)]


def make_workspace(root: Path) -> Workspace:
    """Write the valid inputs into ``root`` and return the `Workspace`."""
    from backtest.data.cache import PriceCache
    from backtest.data.demo import demo_prices

    ws = Workspace(root=root)
    root.mkdir(parents=True, exist_ok=True)
    ws.demo.write_text(BASE_TOML, encoding="utf-8")
    files_toml = BASE_TOML.replace('universe = "compute_layer"', f'universe = "{ws.universe}"')
    files_toml = files_toml.replace('source = "demo"', 'source = "files"\ndir = "prices"')
    ws.files.write_text(files_toml, encoding="utf-8")
    ws.universe.write_text(SMALL_UNIVERSE, encoding="utf-8")
    panel = demo_prices().loc[PRICE_START:PRICE_END, list(SMALL)]
    ws.prices.mkdir()
    for ticker in SMALL:
        frame = panel[[ticker]].rename(columns={ticker: "adj_close"})
        frame.to_csv(ws.prices / f"{ticker}.csv", index_label="date", date_format="%Y-%m-%d")
    ws.signal.write_text("", encoding="utf-8")
    PriceCache(root=ws.cache).write(
        "NVDA",
        panel["NVDA"],
        start=dt.date.fromisoformat(PRICE_START),
        covered_until=dt.date.fromisoformat(PRICE_END),
        source="yahoo",
        fetched_at=dt.datetime(2023, 7, 1, tzinfo=dt.UTC),
        adjustment="adj_close",
        versions={"yfinance": "test"},
    )
    return ws


@dataclass(frozen=True, kw_only=True)
class BadInput:
    """One row of the matrix.

    Attributes
    ----------
    key : str
        Stable id (test id and doc row).
    area : str
        ``config``, ``universe``, ``signal``, ``prices``, ``cache`` or ``cli``.
    what : str
        The bad input, in words (the doc's first column).
    prepare : callable(Workspace) -> list[str]
        Spoils the workspace and returns the command line (without ``backtest``).
    match : str
        Regex the single stderr line must match (names the field/file/value and the rule).
    """

    key: str
    area: str
    what: str
    prepare: Callable[[Workspace], list[str]]
    match: str


def _config(old: str, new: str, config: str = "demo") -> Callable[[Workspace], list[str]]:
    def prepare(ws: Workspace) -> list[str]:
        path = ws.demo if config == "demo" else ws.files
        ws.edit(path, old, new)
        return ["run", str(path)]

    return prepare


def _analysis(line: str) -> Callable[[Workspace], list[str]]:
    """A demo config with an ``[analysis]`` section holding ``line``."""
    return _config("[costs]", f"[analysis]\n{line}\n\n[costs]")


def _risk_free_file(text: str | None) -> Callable[[Workspace], list[str]]:
    """A demo config whose ``analysis.risk_free`` names ``tbill.csv`` (absent when ``None``)."""

    def prepare(ws: Workspace) -> list[str]:
        if text is not None:
            (ws.root / "tbill.csv").write_text(text, encoding="utf-8")
        ws.edit(ws.demo, "[costs]", '[analysis]\nrisk_free = "tbill.csv"\n\n[costs]')
        return ["run", str(ws.demo)]

    return prepare


def _unlisted_member(ws: Workspace) -> list[str]:
    """The default universe minus ALAB's `member_from`, run over a window before its listing."""
    packaged = resources.files("universes").joinpath("compute_layer.toml").read_text()
    (ws.root / "no_listing_dates.toml").write_text(
        packaged.replace("member_from = 2024-03-20\n", "")
    )
    ws.edit(ws.demo, 'universe = "compute_layer"', 'universe = "no_listing_dates.toml"')
    ws.edit(ws.demo, "start = 2024-01-02\nend = 2025-06-30", "start = 2022-01-03\nend = 2023-06-30")
    return ["run", str(ws.demo)]


def _prices(change: Callable[[Workspace], None]) -> Callable[[Workspace], list[str]]:
    def prepare(ws: Workspace) -> list[str]:
        change(ws)
        return ["run", str(ws.files)]

    return prepare


def _price_row(ticker: str, row: int, value: str) -> Callable[[Workspace], None]:
    def change(ws: Workspace) -> None:
        lines = ws.price_lines(ticker)
        date = lines[row].split(",")[0]
        lines[row] = f"{date},{value}"
        ws.write_prices(ticker, lines)

    return change


def _nan_run(ws: Workspace) -> None:
    lines = ws.price_lines("AVGO")
    for row in range(350, 358):
        lines[row] = lines[row].split(",")[0] + ",nan"
    ws.write_prices("AVGO", lines)


def _duplicate_row(ws: Workspace) -> None:
    lines = ws.price_lines("AVGO")
    ws.write_prices("AVGO", [*lines[:300], lines[300], *lines[300:]])


def _swap_rows(ws: Workspace) -> None:
    lines = ws.price_lines("AVGO")
    lines[300], lines[301] = lines[301], lines[300]
    ws.write_prices("AVGO", lines)


def _long_gap(ws: Workspace) -> None:
    lines = ws.price_lines("QCOM")
    ws.write_prices("QCOM", [*lines[:300], *lines[312:]])


def _only_before_window(ws: Workspace) -> None:
    lines = ws.price_lines("QCOM")
    ws.write_prices("QCOM", lines[:80])  # 2021-06 .. 2021-09, before run.start 2022-01-03


def _non_utf8(ws: Workspace) -> None:
    path = ws.prices / "AVGO.csv"
    path.write_bytes(path.read_bytes().replace(b"adj_close", b"adj_cl\xe9se\xff", 1))


def _huge(ws: Workspace) -> None:
    """Grow ``AVGO.csv`` to 1 GiB as a sparse file (a hole: no disk blocks are written)."""
    with (ws.prices / "AVGO.csv").open("r+b") as handle:
        handle.truncate(2**30)


def _garbage_parquet(ws: Workspace) -> None:
    (ws.prices / "QCOM.csv").unlink()
    (ws.prices / "QCOM.parquet").write_bytes(b"PAR1 this is not parquet \x00\x01\x02")


def _corrupt_cache(ws: Workspace) -> list[str]:
    from backtest.data.cache import PriceCache
    from backtest.data.demo import demo_prices

    other = ws.root / "cache2"
    panel = demo_prices().loc[PRICE_START:PRICE_END, list(SMALL)]
    cache = PriceCache(root=other)
    for ticker in SMALL:
        cache.write(
            ticker,
            panel[ticker],
            start=dt.date.fromisoformat(PRICE_START),
            covered_until=dt.date.fromisoformat(PRICE_END),
            source="yahoo",
            fetched_at=dt.datetime(2023, 7, 1, tzinfo=dt.UTC),
            adjustment="adj_close",
            versions={"yfinance": "test"},
        )
    parquet = other / "AVGO.parquet"
    parquet.write_bytes(parquet.read_bytes()[: len(parquet.read_bytes()) // 2])  # torn write
    ws.edit(
        ws.files,
        'source = "files"\ndir = "prices"',
        'source = "yahoo"\noffline = true\ncache_dir = "cache2"',
    )
    return ["run", str(ws.files)]


def _offline_missing(ws: Workspace) -> list[str]:
    ws.edit(
        ws.files,
        'source = "files"\ndir = "prices"',
        'source = "yahoo"\noffline = true\ncache_dir = "cache"',
    )
    return ["run", str(ws.files)]


def _results_exist(ws: Workspace) -> list[str]:
    (ws.results / "bad").mkdir(parents=True)
    (ws.results / "bad" / "mine.txt").write_text("a user's earlier run\n", encoding="utf-8")
    return ["run", str(ws.demo)]


def _scaled(ticker: str, before_row: int, factor: float) -> Callable[[Workspace], None]:
    """Multiply the prices of the rows before ``before_row`` by ``factor`` (a cliff there)."""

    def change(ws: Workspace) -> None:
        lines = ws.price_lines(ticker)
        for row in range(1, before_row):
            date, value = lines[row].split(",")
            lines[row] = f"{date},{float(value) * factor!r}"
        ws.write_prices(ticker, lines)

    return change


def _bad_print(ws: Workspace) -> None:
    lines = ws.price_lines("AVGO")
    date, value = lines[380].split(",")
    lines[380] = f"{date},{float(value) * 1.8!r}"  # one day x1.8, back the next day
    ws.write_prices("AVGO", lines)


def _with_close(ws: Workspace) -> None:
    """QCOM with a `close` column too; `close` before row 330 is 1.3 times too high."""
    lines = ws.price_lines("QCOM")
    out = ["date,close,adj_close"]
    for row, line in enumerate(lines[1:], start=1):
        date, value = line.split(",")
        close = float(value) * (1.3 if row < 330 else 1.0)
        out.append(f"{date},{close!r},{value}")
    ws.write_prices("QCOM", out)


def _stale_refused(ws: Workspace) -> list[str]:
    lines = ws.price_lines("AVGO")
    held = lines[400].split(",")[1]
    for row in range(400, 412):
        lines[row] = lines[row].split(",")[0] + "," + held
    ws.write_prices("AVGO", lines)
    ws.edit(ws.files, 'dir = "prices"', 'dir = "prices"\n\n[data.quality]\nstale = "refuse"')
    return ["run", str(ws.files)]


def _missing_refused(ws: Workspace) -> list[str]:
    _price_row("AVGO", 420, "n/a")(ws)
    ws.edit(
        ws.files, 'dir = "prices"', 'dir = "prices"\n\n[data.quality]\nmissing_filled = "refuse"'
    )
    return ["run", str(ws.files)]


def _snapshot_cliff(ws: Workspace) -> list[str]:
    from backtest.data.files import FilesProvider
    from backtest.data.snapshot import write_snapshot
    from backtest.data.validate import align_prices

    _scaled("QCOM", 270, 2.0)(ws)
    raw = FilesProvider(path=ws.prices).load(list(SMALL), dt.date(2023, 6, 1), dt.date(2025, 6, 30))
    aligned, _ = align_prices(
        raw.prices, baseline="NVDA", start=dt.date(2023, 6, 1), end=dt.date(2025, 6, 30)
    )
    write_snapshot(aligned, ws.root / "snap.parquet", provenance={"source": "files"})
    ws.edit(
        ws.files,
        'source = "files"\ndir = "prices"',
        'source = "snapshot"\nsnapshot = "snap.parquet"',
    )
    return ["run", str(ws.files)]


def _fx_inverted(ws: Workspace) -> list[str]:
    """QCOM in TWD through `TWDUSD=X`, which holds TWD per USD for 40 rows of 2024."""
    lines = ws.price_lines("NVDA")
    rates = ["date,adj_close"]
    for row, line in enumerate(lines[1:], start=1):
        rate = 0.031 + 0.0001 * (row % 7)
        rates.append(f"{line.split(',')[0]},{1 / rate if 300 <= row < 340 else rate!r}")
    ws.write_prices("TWDUSD=X", rates)
    ws.edit(ws.universe, 'currency = "USD"\nexposure = 0.3', 'currency = "TWD"\nexposure = 0.3')
    ws.edit(ws.files, 'dir = "prices"', 'dir = "prices"\nfx = { TWD = "TWDUSD=X" }')
    return ["run", str(ws.files)]


def _empty_dir(ws: Workspace) -> list[str]:
    (ws.root / "empty").mkdir()
    ws.edit(ws.files, 'dir = "prices"', 'dir = "empty"')
    return ["run", str(ws.files)]


def _cache_cliff(ws: Workspace) -> list[str]:
    from backtest.data.cache import PriceCache
    from backtest.data.demo import demo_prices

    panel = demo_prices().loc[PRICE_START:PRICE_END, list(SMALL)].copy()
    panel.iloc[:290, panel.columns.get_loc("QCOM")] *= 4.0  # an unapplied 4:1 split
    cache = PriceCache(root=ws.root / "cache3")
    for ticker in SMALL:
        cache.write(
            ticker,
            panel[ticker],
            start=dt.date.fromisoformat(PRICE_START),
            covered_until=dt.date.fromisoformat(PRICE_END),
            source="yahoo",
            fetched_at=dt.datetime(2023, 7, 1, tzinfo=dt.UTC),
            adjustment="adj_close",
            versions={"yfinance": "test"},
        )
    ws.edit(
        ws.files,
        'source = "files"\ndir = "prices"',
        'source = "yahoo"\noffline = true\ncache_dir = "cache3"',
    )
    return ["run", str(ws.files)]


def _non_utf8_config(ws: Workspace) -> list[str]:
    ws.demo.write_bytes(ws.demo.read_bytes().replace(b'name = "bad"', b'name = "b\xe4d"'))
    return ["run", str(ws.demo)]


_VINTAGE = '2023,0.40,2024-02-21,estimate,"NVIDIA 10-K"\n'

CASES: tuple[BadInput, ...] = (
    # --- config -------------------------------------------------------------------------------
    BadInput(
        key="config-missing-file",
        area="config",
        what="config path that does not exist",
        prepare=lambda ws: ["run", str(ws.root / "nope.toml")],
        match=r"config file `.*nope\.toml` does not exist",
    ),
    BadInput(
        key="config-not-toml",
        area="config",
        what="config that is not TOML (`[run` unclosed)",
        prepare=_config("[run]", "[run"),
        match=r"demo\.toml: not valid UTF-8 TOML",
    ),
    BadInput(
        key="config-non-utf8",
        area="config",
        what="config with a Latin-1 byte in `run.name`",
        prepare=_non_utf8_config,
        match=r"demo\.toml: not valid UTF-8 TOML",
    ),
    BadInput(
        key="config-typo-top",
        area="config",
        what="top-level key typo `univers`",
        prepare=_config('universe = "compute_layer"', 'univers = "compute_layer"'),
        match=r"unknown key `univers` \(did you mean `universe`\?\); allowed: ",
    ),
    BadInput(
        key="config-typo-section",
        area="config",
        what="`costs.fees_bsp` (typo)",
        prepare=_config("fees_bps = 10.0", "fees_bsp = 10.0"),
        match=r"unknown key `costs\.fees_bsp` \(did you mean `fees_bps`\?\)",
    ),
    BadInput(
        key="config-section-not-table",
        area="config",
        what="`sweep = 5` instead of a table",
        prepare=_config('baseline = "NVDA"', 'baseline = "NVDA"\nsweep = 5'),
        match=r"`sweep` must be a table \(\[sweep\]\), got 5",
    ),
    BadInput(
        key="config-wrong-type-number",
        area="config",
        what='`fees_bps = "ten"`',
        prepare=_config("fees_bps = 10.0", 'fees_bps = "ten"'),
        match=r"`costs\.fees_bps` must be a number, got 'ten'",
    ),
    BadInput(
        key="config-wrong-type-bool-int",
        area="config",
        what="`lag_days = true`",
        prepare=_config("lag_days = 1", "lag_days = true"),
        match=r"`schedule\.lag_days` must be an integer, got True",
    ),
    BadInput(
        key="config-negative-fees",
        area="config",
        what="`fees_bps = -5`",
        prepare=_config("fees_bps = 10.0", "fees_bps = -5"),
        match=r"`costs\.fees_bps` must be in \[0, 10000\), got -5",
    ),
    BadInput(
        key="config-huge-slippage",
        area="config",
        what="`slippage_bps = 10000`",
        prepare=_config("slippage_bps = 5.0", "slippage_bps = 10000"),
        match=r"`costs\.slippage_bps` must be in \[0, 10000\), got 10000",
    ),
    BadInput(
        key="config-start-after-end",
        area="config",
        what="`start` 2025-06-30 after `end` 2024-01-02",
        prepare=_config(
            "start = 2024-01-02\nend = 2025-06-30", "start = 2025-06-30\nend = 2024-01-02"
        ),
        match=r"`run\.end` \(2024-01-02\) must be after `run\.start` \(2025-06-30\)",
    ),
    BadInput(
        key="config-bad-date",
        area="config",
        what='`start = "2022-13-01"`',
        prepare=_config("start = 2024-01-02", 'start = "2022-13-01"'),
        match=r"`run\.start` must be a date \(YYYY-MM-DD\), got '2022-13-01'",
    ),
    BadInput(
        key="config-lag-zero",
        area="config",
        what="`lag_days = 0`",
        prepare=_config("lag_days = 1", "lag_days = 0"),
        match=r"`schedule\.lag_days` must be >= 1, got 0",
    ),
    BadInput(
        key="config-negative-band",
        area="config",
        what="`rebalance_band = -0.1`",
        prepare=_config("lag_days = 1", "lag_days = 1\nrebalance_band = -0.1"),
        match=r"`schedule\.rebalance_band` must be .*got -0\.1",
    ),
    BadInput(
        key="config-frequency",
        area="config",
        what='`frequency = "weekly"`',
        prepare=_config('frequency = "monthly"', 'frequency = "weekly"'),
        match=r"`schedule\.frequency` must be one of monthly, quarterly, semiannual, annual, "
        r"got 'weekly'",
    ),
    BadInput(
        key="config-zero-cash",
        area="config",
        what="`initial_cash = 0`",
        prepare=_config("initial_cash = 1000000.0", "initial_cash = 0"),
        match=r"`run\.initial_cash` must be > 0, got 0",
    ),
    BadInput(
        key="config-inf-cash",
        area="config",
        what="`initial_cash = inf`",
        prepare=_config("initial_cash = 1000000.0", "initial_cash = inf"),
        match=r"`run\.initial_cash` must be a finite number, got inf",
    ),
    BadInput(
        key="config-run-name",
        area="config",
        what='`name = "../escape"`',
        prepare=_config('name = "bad"', 'name = "../escape"'),
        match=r"`run\.name` must be a folder name .*got '\.\./escape'",
    ),
    BadInput(
        key="config-unknown-universe",
        area="config",
        what='`universe = "gpus"`',
        prepare=_config('universe = "compute_layer"', 'universe = "gpus"'),
        match=r"unknown universe `gpus`; known: asic, compute_layer, .*gpu",
    ),
    BadInput(
        key="config-unknown-series",
        area="config",
        what='`series = "optimistic"`',
        prepare=_config('series = "default"', 'series = "optimistic"'),
        match=r"unknown signal series `optimistic`; known: .*default",
    ),
    BadInput(
        key="config-signal-mode",
        area="config",
        what='`mode = "future"`',
        prepare=_config('series = "default"', 'series = "default"\nmode = "future"'),
        match=r"`signal\.mode` must be one of point_in_time, hindsight, got 'future'",
    ),
    BadInput(
        key="config-negative-horizon",
        area="config",
        what="`horizon = -1`",
        prepare=_config('series = "default"', 'series = "default"\nhorizon = -1'),
        match=r"`signal\.horizon` must be >= 0, got -1",
    ),
    BadInput(
        key="config-unknown-source",
        area="config",
        what='`source = "bloomberg"`',
        prepare=_config('source = "demo"', 'source = "bloomberg"'),
        match=r"`data\.source` must be one of demo, files, yahoo, snapshot, got 'bloomberg'",
    ),
    BadInput(
        key="config-files-without-dir",
        area="config",
        what='`source = "files"` without `dir`',
        prepare=_config('source = "demo"', 'source = "files"'),
        match=r"`data\.dir` is required when `data\.source` is \"files\"",
    ),
    BadInput(
        key="config-bad-sha256",
        area="config",
        what='`sha256 = "xyz"`',
        prepare=_config('source = "demo"', 'source = "demo"\nsha256 = "xyz"'),
        match=r"`data\.sha256` must be 64 lowercase hex digits, got 'xyz'",
    ),
    BadInput(
        key="config-min-history",
        area="config",
        what="`min_history_days = 0`",
        prepare=_config('source = "demo"', 'source = "demo"\nmin_history_days = 0'),
        match=r"`data\.min_history_days` must be >= 1, got 0",
    ),
    BadInput(
        key="config-period-form",
        area="config",
        what='`analysis.periods = ["2015-22"]`',
        prepare=_analysis('periods = ["2015-22"]'),
        match=r"`analysis\.periods\[1\]` must be YYYY, YYYY-YYYY or YYYY-MM-DD\.\.YYYY-MM-DD .*"
        r"got '2015-22'",
    ),
    BadInput(
        key="config-period-outside",
        area="config",
        what='`analysis.periods = ["2030"]` outside the run',
        prepare=_analysis('periods = ["2030"]'),
        match=r"`analysis\.periods\[1\]` \(2030\) must overlap the run 2024-01-02 \.\. 2025-06-30",
    ),
    BadInput(
        key="config-risk-free-range",
        area="config",
        what="`analysis.risk_free = 5` (not an annual fraction)",
        prepare=_analysis("risk_free = 5"),
        match=r"`analysis\.risk_free` must be an annual rate in \(-1, 1\), got 5\.0",
    ),
    BadInput(
        key="config-risk-free-missing",
        area="config",
        what="`analysis.risk_free` names a CSV that does not exist",
        prepare=_risk_free_file(None),
        match=r"risk-free file `.*tbill\.csv` does not exist",
    ),
    BadInput(
        key="config-risk-free-columns",
        area="config",
        what="risk-free CSV with columns `day,yield`",
        prepare=_risk_free_file("day,yield\n2024-01-02,0.05\n"),
        match=r"risk-free file `.*tbill\.csv` must have the columns date,rate, got day,yield",
    ),
    BadInput(
        key="config-risk-free-late",
        area="config",
        what="risk-free CSV starting after the run's first day",
        prepare=_risk_free_file("date,rate\n2025-01-02,0.05\n"),
        match=r"risk-free file `.*tbill\.csv` starts 2025-01-02, after the run's first traded "
        r"day 2024-02-01",
    ),
    BadInput(
        key="config-bootstrap-reps",
        area="config",
        what="`analysis.bootstrap_reps = 5`",
        prepare=_analysis("bootstrap_reps = 5"),
        match=r"`analysis\.bootstrap_reps` must be 0 \(off\) or >= 100, got 5",
    ),
    BadInput(
        key="config-rolling-days",
        area="config",
        what="`analysis.rolling_days = 5`",
        prepare=_analysis("rolling_days = 5"),
        match=r"`analysis\.rolling_days` must be >= 20, got 5",
    ),
    BadInput(
        key="config-unknown-strategy",
        area="config",
        what='strategy `kind = "momentum"`',
        prepare=_config('kind = "linear_tilt"', 'kind = "momentum"'),
        match=r"strategy `tilt`: unknown `kind` 'momentum'; known: .*linear_tilt",
    ),
    BadInput(
        key="config-strategy-param-typo",
        area="config",
        what="strategy parameter `strenght`",
        prepare=_config("strength = 1.0", "strenght = 1.0"),
        match=r"strategy `tilt` \(linear_tilt\): unknown parameter `strenght`; allowed: .*strength",
    ),
    BadInput(
        key="config-strategy-param-range",
        area="config",
        what="`edge_fraction = 1.5` (proportional)",
        prepare=_config(
            'kind = "linear_tilt"\nstrength = 1.0', 'kind = "proportional"\nedge_fraction = 1.5'
        ),
        match=r"`edge_fraction` must be a number in \[0, 1\].*1\.5",
    ),
    BadInput(
        key="config-user-strategy-no-module",
        area="config",
        what='strategy `kind = "nosuchmodule:Momentum"` (not importable)',
        prepare=_config('kind = "linear_tilt"\nstrength = 1.0', 'kind = "nosuchmodule:Momentum"'),
        match=r"cannot import module `nosuchmodule` for kind `nosuchmodule:Momentum`: no such",
    ),
    BadInput(
        key="config-user-strategy-bad-param",
        area="config",
        what="a user class given a parameter it does not take",
        prepare=_config(
            'kind = "linear_tilt"\nstrength = 1.0',
            'kind = "strategies.equal_weight:EqualWeight"\nstrength = 1.0',
        ),
        match=r"\(strategies\.equal_weight:EqualWeight\): unknown parameter `strength`; "
        r"allowed: none",
    ),
    BadInput(
        key="config-unknown-constraint",
        area="config",
        what='constraint `kind = "cap"`',
        prepare=_config("strength = 1.0", 'strength = 1.0\nconstraints = [{ kind = "cap" }]'),
        match=r"constraints\[1\]: unknown `kind` 'cap'; known: .*capped",
    ),
    BadInput(
        key="config-reserved-name",
        area="config",
        what='strategy `name = "baseline"`',
        prepare=_config('name = "tilt"', 'name = "baseline"'),
        match=r"`strategies\[1\]`\.name `baseline` is reserved",
    ),
    BadInput(
        key="config-duplicate-strategy",
        area="config",
        what="two strategies named `tilt`",
        prepare=_config(
            "strength = 1.0",
            'strength = 1.0\n\n[[strategies]]\nname = "tilt"\nkind = "equal_weight"',
        ),
        match=r"`strategies\[2\]`\.name 'tilt' is already used",
    ),
    BadInput(
        key="config-attribution-reference",
        area="config",
        what="`[attribution] reference` naming no strategy of the config",
        prepare=_config("[costs]", '[attribution]\nreference = "tlit"\n\n[costs]'),
        match=r"`attribution\.reference` must be `baseline` or a strategy of the config, got "
        r"'tlit' \(did you mean `tilt`\?\); allowed: baseline, tilt",
    ),
    BadInput(
        key="config-baseline-unknown",
        area="config",
        what='`baseline = "ZZZZ"` (not in the demo market)',
        prepare=_config('baseline = "NVDA"', 'baseline = "ZZZZ"'),
        match=r"`tickers` ZZZZ are not in the demo market; available: AAPL, ",
    ),
    BadInput(
        key="config-no-event",
        area="config",
        what="a window too short for one rebalance (universe `gpu`)",
        prepare=_config(
            'universe = "compute_layer"\nbaseline = "NVDA"\n\n[run]\nname = "bad"\n'
            "start = 2024-01-02\nend = 2025-06-30",
            'universe = "gpu"\nbaseline = "NVDA"\n\n[run]\nname = "bad"\n'
            "start = 2024-01-02\nend = 2024-01-19",
        ),
        match=r"no rebalance event between 2024-01-02 and 2024-01-19: the window is shorter than",
    ),
    BadInput(
        key="config-member-never-listed",
        area="config",
        what="2022-2023 with a universe whose ALAB (lists 2024) has no `member_from`",
        prepare=_unlisted_member,
        # the window checked starts with the warm-up loaded before `run.start` (2022-01-03)
        match=r"`ALAB` has no price on the NVDA calendar between 2021-10-05 and 2023-06-30; "
        r"every member needs a price in the run's window \(set its `member_from`",
    ),
    BadInput(
        key="config-universe-path-missing",
        area="config",
        what="`universe` path that does not exist",
        prepare=_config('universe = "compute_layer"', 'universe = "/nonexistent/u.toml"'),
        match=r"universe file `/nonexistent/u\.toml` does not exist",
    ),
    BadInput(
        key="config-signal-path-missing",
        area="config",
        what="`series` path that does not exist",
        prepare=_config('series = "default"', 'series = "/nonexistent/s.csv"'),
        match=r"signal file `/nonexistent/s\.csv` does not exist",
    ),
    BadInput(
        key="config-quality-action",
        area="config",
        what='`[data.quality] split_like = "ignore"`',
        prepare=_config(
            'source = "demo"', 'source = "demo"\n\n[data.quality]\nsplit_like = "ignore"'
        ),
        match=r"`data\.quality\.split_like` must be one of refuse, warn, got 'ignore'",
    ),
    BadInput(
        key="config-quality-typo",
        area="config",
        what="`[data.quality] split_lik` (typo)",
        prepare=_config('source = "demo"', 'source = "demo"\n\n[data.quality]\nsplit_lik = "warn"'),
        match=r"unknown key `data\.quality\.split_lik` \(did you mean `split_like`\?\); "
        r"allowed in \[data\.quality\]: accept, ",
    ),
    BadInput(
        key="config-quality-accept-date",
        area="config",
        what='`[data.quality.accept] AAPL = ["2000-13-01"]`',
        prepare=_config(
            'source = "demo"', 'source = "demo"\n\n[data.quality.accept]\nAAPL = ["2000-13-01"]'
        ),
        match=r"`data\.quality\.accept\.AAPL`\[1\] must be a date \(YYYY-MM-DD\), got '2000-13-01'",
    ),
    # --- universe files -----------------------------------------------------------------------
    BadInput(
        key="universe-bucket",
        area="universe",
        what='member `bucket = "tpu"`',
        prepare=lambda ws: ws.with_universe('bucket = "asic"', 'bucket = "tpu"'),
        match=r"small\.toml: member 2 \(AVGO\): `bucket` must be one of gpu, asic, edge, got 'tpu'",
    ),
    BadInput(
        key="universe-duplicate",
        area="universe",
        what="ticker `AVGO` listed twice",
        prepare=lambda ws: ws.with_universe('ticker = "QCOM"', 'ticker = "AVGO"'),
        match=r"small\.toml: member 3: duplicate `ticker` 'AVGO'",
    ),
    BadInput(
        key="universe-exposure",
        area="universe",
        what="`exposure = 1.5`",
        prepare=lambda ws: ws.with_universe("exposure = 0.5", "exposure = 1.5"),
        match=r"small\.toml.*`exposure`.*\(0, 1\].*1\.5",
    ),
    BadInput(
        key="universe-window",
        area="universe",
        what="`member_until` before `member_from`",
        prepare=lambda ws: ws.with_universe(
            'note = "asic"', 'note = "asic"\nmember_from = 2023-01-02\nmember_until = 2022-01-03'
        ),
        match=r"small\.toml: member 2 \(AVGO\): `member_until` \(2022-01-03\) must not be before ",
    ),
    BadInput(
        key="universe-unknown-key",
        area="universe",
        what="member key `sector`",
        prepare=lambda ws: ws.with_universe('note = "edge"', 'note = "edge"\nsector = "semis"'),
        match=r"small\.toml: member 3 \(QCOM\): unknown key `sector`; allowed: bucket, ",
    ),
    BadInput(
        key="universe-currency",
        area="universe",
        what='`currency = "TWD"` without `[data.fx]`',
        prepare=lambda ws: ws.with_universe(
            'currency = "USD"\nexposure = 0.3', 'currency = "TWD"\nexposure = 0.3'
        ),
        match=r"QCOM \(TWD\) cannot be used without an FX series: add it under `\[data\.fx\]`",
    ),
    BadInput(
        key="universe-not-toml",
        area="universe",
        what="universe file that is not TOML",
        prepare=lambda ws: ws.with_universe("[[members]]", "[[members]"),
        match=r"small\.toml: not valid UTF-8 TOML: Expected",
    ),
    BadInput(
        key="universe-baseline-not-member",
        area="universe",
        what="baseline ticker missing from the files",
        prepare=lambda ws: (ws.prices / "NVDA.csv").unlink() or ["run", str(ws.files)],
        match=r"no prices for NVDA in `.*prices`; add the files or set `data\.allow_missing",
    ),
    # --- signal files -------------------------------------------------------------------------
    BadInput(
        key="signal-share-range",
        area="signal",
        what="`share = 1.2`",
        prepare=lambda ws: ws.with_signal('2023,1.2,2024-02-21,estimate,"x"\n'),
        match=r"signal\.csv: row 2: `share` must be .*\[0, 1\].*1\.2",
    ),
    BadInput(
        key="signal-share-text",
        area="signal",
        what='`share = "abc"`',
        prepare=lambda ws: ws.with_signal('2023,abc,2024-02-21,estimate,"x"\n'),
        match=r"signal\.csv: row 2: `share`.*'abc'",
    ),
    BadInput(
        key="signal-date",
        area="signal",
        what='`usable_from = "yesterday"`',
        prepare=lambda ws: ws.with_signal('2023,0.4,yesterday,estimate,"x"\n'),
        match=r"signal\.csv: row 2: `usable_from`.*'yesterday'",
    ),
    BadInput(
        key="signal-kind",
        area="signal",
        what='`kind = "rumour"`',
        prepare=lambda ws: ws.with_signal('2023,0.4,2024-02-21,rumour,"x"\n'),
        match=r"signal\.csv: row 2: `kind` must be one of actual, estimate, forecast, prior, "
        r"got 'rumour'",
    ),
    BadInput(
        key="signal-source-empty",
        area="signal",
        what="empty `source`",
        prepare=lambda ws: ws.with_signal("2023,0.4,2024-02-21,estimate,\n"),
        match=r"signal\.csv: row 2: `source` must not be empty",
    ),
    BadInput(
        key="signal-period",
        area="signal",
        what='`period = "2023Q5"`',
        prepare=lambda ws: ws.with_signal('2023Q5,0.4,2024-02-21,estimate,"x"\n'),
        match=r"signal\.csv: row 2: `period`.*'2023Q5'",
    ),
    BadInput(
        key="signal-duplicate",
        area="signal",
        what="the same vintage twice",
        prepare=lambda ws: ws.with_signal(_VINTAGE + _VINTAGE),
        match=r"signal\.csv: row 3: duplicate vintage \(`period` 2023, `usable_from` 2024-02-21\)",
    ),
    BadInput(
        key="signal-missing-column",
        area="signal",
        what="no `kind` column",
        prepare=lambda ws: (
            (
                ws.signal.write_text("period,share,usable_from,source\n2023,0.4,2024-02-21,x\n"),
                ws.edit(ws.demo, 'series = "default"', f'series = "{ws.signal}"'),
            )
            and ["run", str(ws.demo)]
        ),
        match=r"signal\.csv: signal columns must be period, share, usable_from, kind, source, got ",
    ),
    BadInput(
        key="signal-empty",
        area="signal",
        what="an empty signal file (0 bytes)",
        prepare=lambda ws: (
            (
                ws.signal.write_bytes(b""),
                ws.edit(ws.demo, 'series = "default"', f'series = "{ws.signal}"'),
            )
            and ["run", str(ws.demo)]
        ),
        match=r"signal\.csv: signal columns must be period, share, usable_from, kind, source",
    ),
    # --- price files --------------------------------------------------------------------------
    BadInput(
        key="prices-duplicate-date",
        area="prices",
        what="a date twice in `AVGO.csv`",
        prepare=_prices(_duplicate_row),
        match=r"AVGO\.csv: dates of `AVGO` must be unique; duplicated: \d{4}-\d\d-\d\d",
    ),
    BadInput(
        key="prices-unsorted",
        area="prices",
        what="two dates swapped in `AVGO.csv`",
        prepare=_prices(_swap_rows),
        match=r"AVGO\.csv: dates of `AVGO` must be ascending; out of order at \d{4}-\d\d-\d\d",
    ),
    BadInput(
        key="prices-zero",
        area="prices",
        what="a price of 0",
        prepare=_prices(_price_row("AVGO", 350, "0")),
        match=r"AVGO\.csv: prices of `AVGO` must be finite and > 0; got 0\.0 on \d{4}-",
    ),
    BadInput(
        key="prices-negative",
        area="prices",
        what="a price of -3.5",
        prepare=_prices(_price_row("AVGO", 350, "-3.5")),
        match=r"AVGO\.csv: prices of `AVGO` must be finite and > 0; got -3\.5 on \d{4}-",
    ),
    BadInput(
        key="prices-inf",
        area="prices",
        what="a price of `inf`",
        prepare=_prices(_price_row("AVGO", 350, "inf")),
        match=r"AVGO\.csv: prices of `AVGO` must be finite and > 0; got inf on \d{4}-",
    ),
    BadInput(
        key="prices-nan-run",
        area="prices",
        what="8 prices written `nan` in a row in `AVGO.csv`",
        prepare=_prices(_nan_run),
        match=r"`AVGO` has no price for 8 trading days from \d{4}-\d\d-\d\d to",
    ),
    BadInput(
        key="prices-text",
        area="prices",
        what="a price written `12.5x`",
        prepare=_prices(_price_row("AVGO", 350, "12.5x")),
        match=r"AVGO\.csv: prices of `AVGO` must be numbers, got '12\.5x'",
    ),
    BadInput(
        key="prices-empty-file",
        area="prices",
        what="`AVGO.csv` of 0 bytes",
        prepare=_prices(lambda ws: (ws.prices / "AVGO.csv").write_bytes(b"")),
        match=r"cannot read price file `.*AVGO\.csv`: No columns to parse",
    ),
    BadInput(
        key="prices-header-only",
        area="prices",
        what="`AVGO.csv` with a header and no rows",
        prepare=_prices(lambda ws: ws.write_prices("AVGO", ["date,adj_close"])),
        match=r"`AVGO` has no price on the NVDA calendar between 2023-10-04 and 2025-06-30; every ",
    ),
    BadInput(
        key="prices-no-date-column",
        area="prices",
        what="`AVGO.csv` without a `date` column",
        prepare=_prices(lambda ws: ws.write_prices("AVGO", ["day,adj_close", "2022-01-03,1.0"])),
        match=r"AVGO\.csv` must have a `date` column and `adj_close` and/or `close`",
    ),
    BadInput(
        key="prices-bad-date",
        area="prices",
        what="a date written `03/01/2022`",
        prepare=_prices(
            lambda ws: ws.write_prices("AVGO", [*ws.price_lines("AVGO")[:5], "03/01/2022,10.0"])
        ),
        match=r"AVGO\.csv: `date` must hold ISO dates \(YYYY-MM-DD\): Time data 03/01/2022 is not "
        r"ISO8601 format$",
    ),
    BadInput(
        key="prices-long-gap",
        area="prices",
        what="12 trading days missing inside `QCOM.csv`",
        prepare=_prices(_long_gap),
        match=r"`QCOM` has no price for 12 trading days from .* at most 5 \(`max_fill_days`\)",
    ),
    BadInput(
        key="prices-never-listed",
        area="prices",
        what="`QCOM.csv` ends before the run starts",
        prepare=_prices(_only_before_window),
        match=r"`QCOM` has no price on the NVDA calendar between 2023-10-04 and 2025-06-30; every ",
    ),
    BadInput(
        key="prices-missing-file",
        area="prices",
        what="no file for member `QCOM`",
        prepare=_prices(lambda ws: (ws.prices / "QCOM.csv").unlink()),
        match=r"no prices for QCOM in `.*prices`; add the files or set "
        r"`data\.allow_missing = true`",
    ),
    BadInput(
        key="prices-non-utf8",
        area="prices",
        what="`AVGO.csv` header with invalid UTF-8 bytes",
        prepare=_prices(_non_utf8),
        match=r"cannot read price file `.*AVGO\.csv`: 'utf-8' codec can't decode",
    ),
    BadInput(
        key="prices-huge-file",
        area="prices",
        what="`AVGO.csv` of 1 GiB (sparse)",
        prepare=_prices(_huge),
        match=r"price file `.*AVGO\.csv` is 1,024 MiB; at most 512 MiB is read",
    ),
    BadInput(
        key="prices-garbage-parquet",
        area="prices",
        what="`QCOM.parquet` that is not Parquet",
        prepare=_prices(_garbage_parquet),
        match=r"cannot read price file `.*QCOM\.parquet`: .*Parquet magic bytes not found",
    ),
    BadInput(
        key="prices-dir-missing",
        area="prices",
        what="`data.dir` that does not exist",
        prepare=lambda ws: ["run", str(ws.files), "--data-dir", str(ws.root / "nowhere")],
        match=r"`data\.dir` `.*nowhere` does not exist",
    ),
    BadInput(
        key="prices-dir-relative-missing",
        area="prices",
        what='`dir = "nowhere"` in the config (relative to its folder)',
        prepare=_config('dir = "prices"', 'dir = "nowhere"', config="files"),
        match=r"`data\.dir` `.*/nowhere` does not exist \(a folder or a file\); "
        r"`dir = \"nowhere\"` in `.*files\.toml` was resolved against the config file's folder `",
    ),
    BadInput(
        key="prices-dir-empty",
        area="prices",
        what="`data.dir` that is an empty folder",
        prepare=_empty_dir,
        match=r"`data\.dir` `.*/empty` is empty: no <TICKER>\.csv or <TICKER>\.parquet price "
        r"file; `dir = \"empty\"` in `.*files\.toml` was resolved against",
    ),
    BadInput(
        key="prices-split-cliff",
        area="prices",
        what="`QCOM.csv` before a day 3 times too high (an unapplied 3:1 split)",
        prepare=_prices(_scaled("QCOM", 320, 3.0)),
        match=r"^error: data quality: `QCOM` \d{4}-\d\d-\d\d split_like: one-day move x0\.3\d\d "
        r".*unapplied 3:1 split .*`\[data\.quality\.accept\] QCOM = ",
    ),
    BadInput(
        key="prices-reverse-split",
        area="prices",
        what="`AVGO.csv` before a day 5 times too low (an unapplied 1:5 reverse split)",
        prepare=_prices(_scaled("AVGO", 260, 0.2)),
        match=r"data quality: `AVGO` \d{4}-\d\d-\d\d split_like: one-day move x4\.\d+ .*"
        r"unapplied 1:5 reverse split",
    ),
    BadInput(
        key="prices-bad-print",
        area="prices",
        what="one `AVGO` price 1.8 times too high for a day",
        prepare=_prices(_bad_print),
        match=r"data quality: `AVGO` \d{4}-\d\d-\d\d implausible_move: one-day move x1\.\d+ .*"
        r"undone the next day",
    ),
    BadInput(
        key="prices-adjustment-jump",
        area="prices",
        what="`QCOM.csv` whose `close` jumps against `adj_close`",
        prepare=_prices(_with_close),
        match=r"data quality: `QCOM` \d{4}-\d\d-\d\d adjustment_jump: adjustment factor "
        r"adj_close/close x1\.3000",
    ),
    BadInput(
        key="prices-stale-refused",
        area="prices",
        what='12 equal `AVGO` prices with `stale = "refuse"`',
        prepare=_stale_refused,
        match=r"data quality: `AVGO` \d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d stale: the same price "
        r"[\d.]+ on 12 trading days",
    ),
    BadInput(
        key="prices-missing-refused",
        area="prices",
        what='an `AVGO` price written `n/a` with `missing_filled = "refuse"`',
        prepare=_missing_refused,
        match=r"data quality: `AVGO` \d{4}-\d\d-\d\d missing_filled: 1 trading day\(s\) "
        r"forward-filled .*cell `n/a` read as missing",
    ),
    BadInput(
        key="prices-snapshot-cliff",
        area="prices",
        what="a snapshot whose `QCOM` halves on a day (an unapplied 2:1 split)",
        prepare=_snapshot_cliff,
        match=r"data quality: `QCOM` \d{4}-\d\d-\d\d split_like: .*unapplied 2:1 split",
    ),
    BadInput(
        key="prices-fx-inverted",
        area="prices",
        what="an FX series `TWDUSD=X` quoted the other way round for 40 days",
        prepare=_fx_inverted,
        match=r"data quality: `TWDUSD=X` \d{4}-\d\d-\d\d implausible_move: one-day move x1\d{3}",
    ),
    # --- cache --------------------------------------------------------------------------------
    BadInput(
        key="cache-offline-missing",
        area="cache",
        what="offline Yahoo run, cache lacks AVGO and QCOM",
        prepare=_offline_missing,
        match=r"AVGO \(not cached\).*QCOM \(not cached\)",
    ),
    BadInput(
        key="cache-torn-offline",
        area="cache",
        what="offline run on a cache file cut mid-write",
        prepare=_corrupt_cache,
        match=r"AVGO\.parquet` has sha256 .*it is not used",
    ),
    BadInput(
        key="cache-split-cliff",
        area="cache",
        what="offline run on a cache whose `QCOM` has an unapplied 4:1 split",
        prepare=_cache_cliff,
        match=r"data quality: `QCOM` \d{4}-\d\d-\d\d split_like: one-day move x0\.2\d\d .*"
        r"unapplied 4:1 split",
    ),
    # --- command line -------------------------------------------------------------------------
    BadInput(
        key="cli-no-command",
        area="cli",
        what="`backtest` with no command",
        prepare=lambda ws: [],
        match=r"^backtest: error: the following arguments are required: COMMAND",
    ),
    BadInput(
        key="cli-unknown-command",
        area="cli",
        what="`backtest rnu`",
        prepare=lambda ws: ["rnu"],
        match=r"^backtest: error: argument COMMAND: invalid choice: 'rnu'",
    ),
    BadInput(
        key="cli-missing-config",
        area="cli",
        what="`backtest run` without CONFIG",
        prepare=lambda ws: ["run"],
        match=r"^backtest run: error: the following arguments are required: config",
    ),
    BadInput(
        key="cli-unknown-flag",
        area="cli",
        what="`--forse`",
        prepare=lambda ws: ["run", str(ws.demo), "--forse"],
        match=r"^backtest: error: unrecognized arguments: --forse",
    ),
    BadInput(
        key="cli-bad-start",
        area="cli",
        what="`--start 2022-02-30`",
        prepare=lambda ws: ["run", str(ws.demo), "--start", "2022-02-30"],
        match=r"`--start` must be a date \(YYYY-MM-DD\), got '2022-02-30'",
    ),
    BadInput(
        key="cli-bad-periods",
        area="cli",
        what="`--periods 2015-2022,23-26`",
        prepare=lambda ws: ["run", str(ws.demo), "--periods", "2015-2022,23-26"],
        match=r"`analysis\.periods\[2\]` must be YYYY, YYYY-YYYY or YYYY-MM-DD\.\.YYYY-MM-DD .*"
        r"got '23-26'",
    ),
    BadInput(
        key="cli-end-before-start",
        area="cli",
        what="`--end 2021-01-04` before the config's start",
        prepare=lambda ws: ["run", str(ws.demo), "--end", "2021-01-04"],
        match=r"with command-line overrides: `run\.end` \(2021-01-04\) must be after "
        r"`run\.start` \(2024-01-02\)",
    ),
    BadInput(
        key="cli-bad-source",
        area="cli",
        what="`--source bloomberg`",
        prepare=lambda ws: ["run", str(ws.demo), "--source", "bloomberg"],
        match=r"argument --source: invalid choice: 'bloomberg'",
    ),
    BadInput(
        key="cli-bad-name",
        area="cli",
        what="`--name ../x`",
        prepare=lambda ws: ["run", str(ws.demo), "--name", "../x"],
        match=r"`run\.name` must be a folder name .*'\.\./x'",
    ),
    BadInput(
        key="cli-results-exist",
        area="cli",
        what="`run` over an existing results folder, no `--force`",
        prepare=_results_exist,
        match=r"results folder `results/bad` already exists; pass --force to replace it",
    ),
    BadInput(
        key="cli-attribution-reference",
        area="cli",
        what="`--attribution-reference static` on a config without `static`",
        prepare=lambda ws: ["run", str(ws.demo), "--attribution-reference", "static"],
        match=r"with command-line overrides: `attribution\.reference` must be `baseline` or a "
        r"strategy of the config, got 'static'; allowed: baseline, tilt",
    ),
    BadInput(
        key="cli-proforma-bad-date",
        area="cli",
        what="`proforma --as-of 2024-13-01`",
        prepare=lambda ws: ["proforma", str(ws.demo), "--as-of", "2024-13-01"],
        match=r"`--as-of` must be a date \(YYYY-MM-DD\), got '2024-13-01'",
    ),
    BadInput(
        key="cli-proforma-before-start",
        area="cli",
        what="`proforma --as-of` before the config's start",
        prepare=lambda ws: ["proforma", str(ws.demo), "--as-of", "2023-06-01"],
        match=r"`--as-of` must be after `run\.start` \(2024-01-02\), got 2023-06-01",
    ),
    BadInput(
        key="cli-proforma-hindsight",
        area="cli",
        what="`proforma` on a config in hindsight signal mode",
        prepare=lambda ws: [
            "proforma",
            str(ws.edit(ws.demo, 'series = "default"', 'series = "default"\nmode = "hindsight"')),
            "--as-of",
            "2024-06-28",
        ],
        match=r"`signal\.mode` must be point_in_time for a pro-forma, got 'hindsight'",
    ),
    BadInput(
        key="cli-sweep-chunk-size",
        area="cli",
        what="`sweep --chunk-size 0`",
        prepare=lambda ws: ["sweep", str(REPO / "configs" / "sweep.toml"), "--chunk-size", "0"],
        match=r"`--chunk-size` must be >= 1, got 0",
    ),
    BadInput(
        key="cli-sweep-no-table",
        area="cli",
        what="`sweep` on a config without `[sweep]`",
        prepare=lambda ws: ["sweep", str(ws.demo)],
        match=r"demo\.toml: a sweep needs a \[sweep\] table",
    ),
)
"""Every bad input, in the order of docs/bad-inputs.md."""


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What one row did: exit code, stdout, stderr (workspace path replaced by ``<ws>``)."""

    code: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(ws: Workspace) -> Iterator[None]:
    before_cwd = Path.cwd()
    before_env = os.environ.get("INFERENCE_SHIFT_CACHE")
    os.chdir(ws.root)
    os.environ["INFERENCE_SHIFT_CACHE"] = str(ws.cache)
    try:
        yield
    finally:
        os.chdir(before_cwd)
        if before_env is None:
            os.environ.pop("INFERENCE_SHIFT_CACHE", None)
        else:
            os.environ["INFERENCE_SHIFT_CACHE"] = before_env


def run_case(case: BadInput, ws: Workspace) -> Outcome:
    """Spoil ``ws`` as ``case`` says and run the command in it, capturing its output."""
    from backtest.cli import main

    argv = case.prepare(ws)
    out, err = io.StringIO(), io.StringIO()
    with _environment(ws), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Outcome(
        code=code,
        stdout=out.getvalue().replace(str(ws.root), "<ws>"),
        stderr=err.getvalue().replace(str(ws.root), "<ws>"),
    )


def render(outcomes: dict[str, Outcome]) -> str:
    """The Markdown of docs/bad-inputs.md for ``outcomes`` (key -> outcome)."""
    lines = [
        "# Bad inputs and what they get",
        "",
        "Every row is a bad input run through the real command line (`backtest.cli.main`) by",
        "`tests/trust/test_bad_inputs.py`, which checks: exit code 2, exactly one line on stderr",
        "that names the file, field or value and what is allowed, no traceback, nothing written",
        "under `results/` and the price cache unchanged. `<ws>` is the test's working folder.",
        "Regenerate with `.venv/bin/python -m tests.trust.bad_inputs` (a test fails when this",
        "file and the table in `tests/trust/bad_inputs.py` disagree).",
        "",
        f"{len(CASES)} bad inputs.",
        "",
        "| # | key | area | input | exit | message |",
        "|---|---|---|---|---|---|",
    ]
    for i, case in enumerate(CASES, start=1):
        outcome = outcomes[case.key]
        message = outcome.stderr.strip().replace("|", "\\|")
        what = case.what.replace("|", "\\|")
        lines.append(f"| {i} | `{case.key}` | {case.area} | {what} | {outcome.code} | {message} |")
    return "\n".join(lines) + "\n"


def doc_rows(text: str) -> list[list[str]]:
    """The table rows of a rendered document, as cells (pipes inside cells unescaped)."""
    rows = []
    for line in text.splitlines():
        if not re.match(r"^\| \d+ \|", line):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows.append(cells)
    return rows


def main() -> int:
    """Run every row in a fresh workspace and rewrite docs/bad-inputs.md."""
    outcomes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            ws = make_workspace(Path(tmp) / case.key)
            outcomes[case.key] = run_case(case, ws)
    DOC.write_text(render(outcomes), encoding="utf-8")
    print(f"wrote {DOC} ({len(CASES)} bad inputs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
