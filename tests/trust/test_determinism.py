"""Determinism: the same config gives the same bytes, whatever can vary without meaning to.

* two ``backtest run``s of one config: byte-identical ``equity.csv``, ``weights.csv``,
  ``metrics.csv``; the manifests differ only in ``created_at``;
* the universe file's member order (a shuffled copy of ``compute_layer.toml``): same bytes;
* thread count (a ``python -m backtest`` process with every thread pool at 1): same bytes;
* vectorbt's engine (rust vs numba): equity, holdings, fees and turnover within 1e-12;
* the sweep: chunk size and numba thread count change no metric and no return, bit for bit.

The report's charts and HTML are replaced by stubs in these runs (rendering them takes ~20 s
on this machine and they are not the files under test); every CSV is written by the real
`backtest.pipeline.result.write_run`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
import pytest

from backtest.cli import main
from backtest.engine.simulation import simulate
from backtest.pipeline.runner import run
from backtest.sweep.grid import parse_sweep
from backtest.sweep.market import load_market
from backtest.sweep.run import run_sweep
from tests.trust.helpers import REPO, demo_config

FILES = ("equity.csv", "weights.csv", "metrics.csv")
STUB_REPORT = """
import backtest.report.html as report_html
report_html.render_charts = lambda inputs: {}
report_html.render_html = lambda inputs, pngs: "<html>stub</html>"
"""

CONFIG = """\
universe = "{universe}"
baseline = "NVDA"

[run]
name = "det"
start = 2021-01-04
end = 2025-06-30

[data]
source = "demo"

[schedule]
frequency = "monthly"
lag_days = 2
rebalance_band = 0.02

[[strategies]]
name = "tilt_capped"
kind = "linear_tilt"
strength = 3.0
within = "inverse_volatility"
constraints = [{{ kind = "capped", max_weight = 0.15 }}]

[[strategies]]
name = "proportional"
kind = "proportional"
within = "exposure"
constraints = [{{ kind = "diversified_2550" }}]

[[strategies]]
name = "equal"
kind = "equal_weight"
"""


@pytest.fixture
def stub_report(monkeypatch: pytest.MonkeyPatch) -> None:
    import backtest.report.html as report_html

    monkeypatch.setattr(report_html, "render_charts", lambda inputs: {})
    monkeypatch.setattr(report_html, "render_html", lambda inputs, pngs: "<html>stub</html>")


def _write_config(folder: Path, universe: str = "compute_layer") -> Path:
    path = folder / "det.toml"
    path.write_text(CONFIG.format(universe=universe), encoding="utf-8")
    return path


def _cli_run(config: Path, out: Path) -> Path:
    assert main(["run", str(config), "--out", str(out)]) == 0
    return out / "det"


def _shuffled_universe(folder: Path) -> Path:
    """``compute_layer.toml`` with its members in a seeded random order (same content)."""
    raw = resources.files("universes").joinpath("compute_layer.toml").read_text("utf-8")
    head, *members = raw.split("[[members]]")
    order = list(range(len(members)))
    random.Random(4).shuffle(order)
    assert order != sorted(order)
    shuffled = head + "".join("[[members]]" + members[i].rstrip("\n") + "\n\n" for i in order)
    path = folder / "shuffled.toml"
    path.write_text(shuffled, encoding="utf-8")
    tickers = [m["ticker"] for m in tomllib.loads(shuffled)["members"]]
    assert sorted(tickers) == sorted(m["ticker"] for m in tomllib.loads(raw)["members"])
    assert tickers != [m["ticker"] for m in tomllib.loads(raw)["members"]]
    return path


def _manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    return manifest


def test_two_runs_member_order_and_thread_count_give_the_same_bytes(
    tmp_path: Path, stub_report: None
) -> None:
    config = _write_config(tmp_path)
    first = _cli_run(config, tmp_path / "a")
    second = _cli_run(config, tmp_path / "b")
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    one, two = _manifest(first), _manifest(second)
    assert one.pop("created_at") and two.pop("created_at")
    assert one == two

    shuffled_dir = tmp_path / "shuffled"
    shuffled_dir.mkdir()
    shuffled_config = _write_config(shuffled_dir, universe=str(_shuffled_universe(shuffled_dir)))
    shuffled = _cli_run(shuffled_config, tmp_path / "c")
    for name in FILES:
        assert (first / name).read_bytes() == (shuffled / name).read_bytes(), name

    threads = dict.fromkeys(
        ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1"
    )
    script = STUB_REPORT + "import sys\nfrom backtest.cli import main\nsys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", script, "run", str(config), "--out", str(tmp_path / "d")],
        env={**os.environ, **threads, "RAYON_NUM_THREADS": "1", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for name in FILES:
        assert (first / name).read_bytes() == (tmp_path / "d" / "det" / name).read_bytes(), name


def test_rust_and_numba_engines_agree_to_1e_12() -> None:
    config = demo_config(schedule={"rebalance_band": 0.03, "lag_days": 2})
    result = run(config)
    common: dict[str, Any] = {
        "initial_cash": 1e6,
        "fees_bps": 10.0,
        "slippage_bps": 5.0,
        "rebalance_band": 0.03,
    }
    targets = result.target_frames()
    rust = simulate(result.prices, targets, engine="rust", **common)
    numba_sim = simulate(result.prices, targets, engine="numba", **common)
    np.testing.assert_allclose(numba_sim.equity, rust.equity, rtol=1e-12, atol=0)
    for name in targets:
        np.testing.assert_allclose(
            numba_sim.holdings[name].to_numpy(), rust.holdings[name].to_numpy(), rtol=0, atol=1e-12
        )
        assert list(numba_sim.skipped_events[name]) == list(rust.skipped_events[name])
    np.testing.assert_allclose(numba_sim.fees, rust.fees, rtol=1e-12, atol=0)
    np.testing.assert_allclose(numba_sim.turnover, rust.turnover, rtol=1e-12, atol=1e-15)
    pd.testing.assert_index_equal(numba_sim.equity.columns, rust.equity.columns)


def test_a_sweep_does_not_depend_on_chunking_or_threads() -> None:
    config = demo_config(start="2022-01-03", end="2025-06-30", strategies=())
    market = load_market(config)
    raw = {
        "kind": "linear_tilt",
        "grid": {
            "strength": [0.0, 1.0, 2.5],
            "neutral_share": [0.3, 0.5],
            "rebalance_band": [0.0, 0.05],
            "lag_days": [1, 3],
        },
        "chunk_size": 24,
    }
    spec = parse_sweep(raw)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = run_sweep(config, spec, market=market)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = run_sweep(config, dataclasses.replace(spec, chunk_size=5), market=market)
    finally:
        numba.set_num_threads(before)
    assert len(single.table) == 24
    pd.testing.assert_frame_equal(single.table, many.table, check_exact=True)
    for name in ("metrics", "moments", "hashes", "blocks", "trials"):  # every reduction
        assert getattr(single.trials, name).tobytes() == getattr(many.trials, name).tobytes()
    everyone = np.arange(24)
    assert single.returns_of(everyone).tobytes() == many.returns_of(everyone).tobytes()
