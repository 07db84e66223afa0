"""Sweep speed: the kernel against the shared floor, the streamed chunk path, vectorbt, the CLI.

1. **Kernel / floor.** `backtest.sweep.kernel.simulate_batch` beside the shared yardstick
   ``../shared/bench/floor.py`` (imported from there; skipped, with the reason printed, when it
   is absent), in this one process on the same inputs: a synthetic panel of 20 tickers x 2,520
   days, monthly events, Dirichlet weights with 1-10 % cash, 10 bp fees, every variant its own
   weights. Warm times are the best of interleaved repeats (the machine is shared, so only the
   ratio of two timings taken side by side means anything); the two outputs agree to ~1e-14.
2. **Chunk path.** `backtest.sweep.executor.evaluate_chunk` (weights from the grid, kernel,
   every metric, the statistics' reductions) on the demo market, variants per second.
3. **vectorbt.** `backtest.engine.simulation.simulate` on 32 of those variants.
4. **CLI.** Cold ``/usr/bin/time -v backtest sweep configs/sweep.toml`` (10,000 variants).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FLOOR_DIR = REPO.parent / "shared" / "bench"
SIZES = (100, 1_000, 10_000)
FEES, CASH = 10e-4, 1e6


def floor_inputs(k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The yardstick's inputs: closes (2520, 20), monthly mask, Dirichlet weights (k, 120, 20)."""
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (2_520, 20)), axis=0))
    mask = np.zeros(len(close), dtype=bool)
    mask[::21] = True
    weights = rng.dirichlet(np.ones(20), size=(k, int(mask.sum())))
    weights *= 1.0 - rng.uniform(0.01, 0.10, (k, int(mask.sum()), 1))
    return close, mask, weights


def _best(runs: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """Best wall time of each callable over ``repeats`` interleaved rounds (after one warm-up)."""
    for run in runs.values():
        run()
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def kernel_vs_floor() -> None:
    """Print the kernel / floor table (section 1)."""
    if not (FLOOR_DIR / "floor.py").is_file():
        print(f"kernel / floor: skipped, {FLOOR_DIR / 'floor.py'} is absent")
        return
    sys.path.insert(0, str(FLOOR_DIR))
    floor = importlib.import_module("floor")
    from backtest.sweep.kernel import simulate_batch

    print("| K | kernel warm s | floor warm s | kernel / floor | max rel diff |")
    print("|---|---|---|---|---|")
    for k in SIZES:
        close, mask, weights = floor_inputs(k)
        rows = np.flatnonzero(mask)
        kw = {
            "weight_index": np.arange(k),
            "fees": np.full(k, FEES),
            "slippage": np.zeros(k),
            "band": np.zeros(k),
            "initial_cash": CASH,
        }
        runs = {
            "kernel": lambda c=close, r=rows, w=weights, a=kw: simulate_batch(c, r, w, **a),
            "floor": lambda c=close, m=mask, w=weights: floor.run(c, m, w, FEES, CASH),
        }
        best = _best(runs, repeats=max(3, min(15, 30_000 // k)))
        diff = np.max(np.abs(runs["kernel"]()[0] / runs["floor"]() - 1.0))
        print(
            f"| {k:,} | {best['kernel']:.4f} | {best['floor']:.4f} | "
            f"{best['kernel'] / best['floor']:.2f} | {diff:.1e} |",
            flush=True,
        )


def chunk_path() -> None:
    """Print the chunk path's rate on the demo market (section 2) and vectorbt's (section 3)."""
    import dataclasses

    import pandas as pd

    from backtest.config import load_config
    from backtest.engine.simulation import simulate
    from backtest.sweep.executor import evaluate_chunk
    from backtest.sweep.grid import load_sweep
    from backtest.sweep.run import _task, run_sweep
    from backtest.sweep.weights import variant_weights

    config = load_config(REPO / "configs" / "sweep.toml")
    spec = dataclasses.replace(load_sweep(REPO / "configs" / "sweep.toml"), sensitivity={})
    result = run_sweep(config, spec)  # the default sweep without its cost sensitivity
    group = np.flatnonzero(
        (result.settings[["frequency", "anchor"]] == ("monthly", "first")).all(1)
    )
    ids = group[: spec.chunk_size]
    task = _task("bench", 0, ids, result.table, result.settings, result.spec)
    best = _best({"chunk": lambda: evaluate_chunk(result.shared, task)}, repeats=3)["chunk"]
    print(
        f"chunk path (weights from the grid, kernel, every metric, the statistics' reductions): "
        f"{len(ids):,} demo variants x {len(result.dates):,} days in {best:.3f} s warm, "
        f"{len(ids) / best:,.0f} variants/s",
        flush=True,
    )
    band = result.settings["rebalance_band"].to_numpy()
    sample = ids[band[ids] == 0.0][:32]  # no band: one vectorbt simulation per chunk of 32
    context = result.shared.groups[0].context
    columns = list(result.market.prices.columns)
    params = result.table.loc[sample, ["strength", "neutral_share"]]
    sets, index = variant_weights(context, spec.kind, spec.fixed, params, columns=columns)
    targets = {
        f"v{v}": pd.DataFrame(sets[i], index=context.effective_dates, columns=columns)
        for v, i in zip(sample, index, strict=True)
    }
    started = time.perf_counter()
    simulate(result.market.prices, targets, initial_cash=CASH, fees_bps=10.0, slippage_bps=5.0)
    engine = time.perf_counter() - started
    print(
        f"vectorbt engine, {len(sample)} of those variants: {engine:.2f} s, "
        f"{len(sample) / engine:,.0f} variants/s (the chunk path is "
        f"{len(ids) / best / (len(sample) / engine):,.0f}x faster, metrics and statistics included)"
    )


def cold_cli() -> None:
    """Print the cold CLI's wall time and peak RSS, as ``/usr/bin/time -v`` reports them."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["/usr/bin/time", "-v", str(Path(sys.executable).with_name("backtest")), "sweep"]
        args += ["configs/sweep.toml", "--out", tmp, "--json"]
        if not Path(args[0]).is_file():
            print("cold CLI: skipped, /usr/bin/time is absent")
            return
        done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
        report = dict(
            line.strip().rsplit(": ", 1) for line in done.stderr.splitlines() if ": " in line
        )
        print(
            f"cold `backtest sweep configs/sweep.toml` (10,000 variants, 3 cost levels, "
            f"statistics): {report['Elapsed (wall clock) time (h:mm:ss or m:ss)']} wall, "
            f"{report['User time (seconds)']} s user CPU, peak RSS "
            f"{int(report['Maximum resident set size (kbytes)']) / 1024:,.0f} MB, load average "
            f"{os.getloadavg()[0]:.1f}"
        )


def main() -> None:
    """Print every section."""
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    kernel_vs_floor()
    chunk_path()
    cold_cli()


if __name__ == "__main__":
    main()
