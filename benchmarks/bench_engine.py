"""Benchmark: a default-like run (8 strategies + baseline, 18 tickers, 2015-2026, monthly).

Measures, in one invocation so the ratios compare like with like on a shared machine:

* warm in-process ``backtest.run`` (best of ``REPEATS``; target < 1 s),
* the engine alone, rust vs numba kernels (``simulate(engine=...)``, warm),
* the report: charts + ``report.html`` + every file (``write_run``; target < 3 s),
* cold CLI: ``backtest run`` in a fresh process, caches warm (target < 6 s; rust kernel),
* a fresh process up to its first (tiny) simulation with each kernel: the cold-start cost of
  the kernel choice (numba compiles, or loads its on-disk cache; rust does not),
* peak RSS of the cold CLI process (``resource.getrusage`` of the children).

Prices: the shared files (``../shared/data/prices``) when present, else the demo market. The
8 strategies are listed below (kinds from the registry), so the benchmark does not depend on
what a config file happens to hold.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "prices"
REPEATS = 5
TARGETS = {"warm run": 1.0, "report": 3.0, "cold CLI": 6.0}

STRATEGIES_TOML = """
[[strategies]]
name = "equal_weight"
kind = "equal_weight"

[[strategies]]
name = "static_60_30_10"
kind = "static"

[[strategies]]
name = "proportional"
kind = "proportional"
edge_fraction = 0.25

[[strategies]]
name = "proportional_invvol"
kind = "proportional"
within = "inverse_volatility"

[[strategies]]
name = "proportional_edge"
kind = "proportional"
edge_fraction = 0.5

[[strategies]]
name = "linear_tilt"
kind = "linear_tilt"

[[strategies]]
name = "linear_tilt_strong"
kind = "linear_tilt"
strength = 2.0

[[strategies]]
name = "proportional_capped"
kind = "proportional"
constraints = [{ kind = "capped", max_weight = 0.15 }]
"""


def _config_text() -> tuple[str, str]:
    """A config file text (8 strategies) and the price source it uses."""
    if (SHARED / "NVDA.csv").is_file():
        data = f'[data]\nsource = "files"\ndir = "{SHARED}"\n'
        source = f"shared files ({SHARED})"
    else:
        data = '[data]\nsource = "demo"\n'
        source = "demo market (synthetic; ../shared is absent)"
    head = (
        'universe = "compute_layer"\nbaseline = "NVDA"\n\n[run]\nname = "bench"\n'
        "start = 2015-01-02\nend = 2026-07-31\ninitial_cash = 1_000_000.0\n\n"
        f'{data}\n[schedule]\nfrequency = "monthly"\n\n'
        "[costs]\nfees_bps = 10.0\nslippage_bps = 5.0\n"
    )
    return head + STRATEGIES_TOML, source


def _best(work: Any, repeats: int = REPEATS) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) over ``repeats`` runs of ``work``."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def _cold(config: Path, out: Path) -> tuple[float, float, float]:
    """``backtest run`` in a fresh interpreter: wall seconds, CPU seconds (user + system) and
    the children's peak RSS (MB). CPU time is what an idle machine would take as wall time."""
    env = dict(os.environ)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "backtest", "run", str(config), "--out", str(out), "--force"],
        check=True, capture_output=True, env=env, cwd=REPO,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, after.ru_maxrss / 1024.0


_FIRST_SIMULATION = (
    "import time, numpy as np; t = time.perf_counter(); "
    "import backtest.engine.simulation as e, pandas as pd; "
    "p = pd.DataFrame(np.ones((3, 2)), index=pd.bdate_range('2024-01-01', periods=3), "
    "columns=['A', 'B']); w = pd.DataFrame([[0.5, 0.5]], index=p.index[:1], columns=p.columns); "
    "e.simulate(p, {{'s': w}}, initial_cash=1.0, fees_bps=0, slippage_bps=0, engine='{engine}'); "
    "print(time.perf_counter() - t, time.process_time())"
)


def _first_simulation(engine: str, cache_dir: str | None = None) -> tuple[float, float]:
    """Wall and CPU seconds from a fresh interpreter to the end of its first (tiny) simulation
    (imports included; numba compiles or loads its on-disk cache, rust needs neither).
    ``cache_dir``: an empty ``NUMBA_CACHE_DIR``, i.e. numba's first run on a fresh machine."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_SIMULATION.format(engine=engine)],
        check=True, capture_output=True, text=True, cwd=REPO, env=env,
    )  # fmt: skip
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def main() -> None:
    """Print the benchmark table."""
    from backtest.config import load_config
    from backtest.engine.simulation import simulate
    from backtest.pipeline.result import write_run
    from backtest.pipeline.runner import run

    text, source = _config_text()
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        config_path = Path(tmp) / "bench.toml"
        config_path.write_text(text)
        config = load_config(config_path)
        result = run(config)  # warm-up: imports, kernels, file caches
        n_strategies = len(result.equity.columns) - 1
        warm = _best(lambda: run(config))
        costs: dict[str, Any] = {"initial_cash": 1e6, "fees_bps": 10.0, "slippage_bps": 5.0}
        engine_times = {}
        targets = result.target_frames()
        for engine in ("rust", "numba"):
            simulate(result.prices, targets, engine=engine, **costs)  # compile / warm
            engine_times[engine] = _best(
                lambda engine=engine: simulate(result.prices, targets, engine=engine, **costs)
            )[0]
        counter = iter(range(100))
        report = _best(
            lambda: write_run(result, Path(tmp) / f"r{next(counter)}", force=False), repeats=3
        )
        cold, cold_cpu, peak_mb = _cold(config_path, Path(tmp) / "cli")
        first: dict[str, tuple[float, float]] = {}
        for _ in range(2):  # alternate, keep the best of two of each
            for engine in ("rust", "numba"):
                wall, cpu = _first_simulation(engine)
                best_wall, best_cpu = first.get(engine, (float("inf"), float("inf")))
                first[engine] = (min(wall, best_wall), min(cpu, best_cpu))
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as empty:
            numba_fresh = _first_simulation("numba", cache_dir=empty)
            rust_fresh = _first_simulation("rust", cache_dir=empty)
    rows = [
        ("warm run (in process)", *warm, TARGETS["warm run"]),
        ("report (charts, html, files)", *report, TARGETS["report"]),
        ("cold CLI (fresh process)", cold, cold_cpu, TARGETS["cold CLI"]),
    ]
    print(f"prices: {source}")
    print(
        f"run: {n_strategies} strategies + baseline + {len(result.reference_equity.columns)} "
        f"references, {result.prices.shape[1]} tickers, {len(result.equity)} days, "
        f"{len(result.events)} monthly events; best of {REPEATS} (report: 3). CPU time is the "
        "wall time an idle machine would see; wall time here includes waiting for other users."
    )
    print(f"{'measure':<32}{'wall s':>9}{'CPU s':>9}{'target':>9}  wall ok / CPU ok")
    for name, seconds, cpu, target in rows:
        verdict = f"{'yes' if seconds < target else 'NO'} / {'yes' if cpu < target else 'NO'}"
        print(f"{name:<32}{seconds:>9.3f}{cpu:>9.3f}{target:>9.1f}  {verdict}")
    print(f"{'peak RSS of the cold CLI (MB)':<34}{peak_mb:>9.0f}")
    print(f"load average (1 min) during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"engine only, warm: rust {engine_times['rust']:.3f} s, numba {engine_times['numba']:.3f}"
        f" s (numba / rust = {engine_times['numba'] / engine_times['rust']:.2f})"
    )
    (rust_wall, rust_cpu), (numba_wall, numba_cpu) = first["rust"], first["numba"]
    print(
        f"fresh process to first simulation (best of 2): rust {rust_wall:.2f} s wall / "
        f"{rust_cpu:.2f} s CPU, numba {numba_wall:.2f} s wall / {numba_cpu:.2f} s CPU "
        f"(numba / rust CPU = {numba_cpu / rust_cpu:.2f}); runs use rust"
    )
    print(
        f"same with an empty numba cache (a fresh machine): rust {rust_fresh[1]:.2f} s CPU, "
        f"numba {numba_fresh[1]:.2f} s CPU (numba / rust = {numba_fresh[1] / rust_fresh[1]:.1f})"
    )
    print(
        f"wall ratios: warm run / report = {warm[0] / report[0]:.2f}, "
        f"cold CLI / warm run = {cold / warm[0]:.1f}"
    )


if __name__ == "__main__":
    main()
