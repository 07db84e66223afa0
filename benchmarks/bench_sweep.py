"""Sweep speed: the kernel against the shared floor, the streamed chunk path, vectorbt, the CLI.

1. **Kernel / floor.** `backtest.sweep.kernel.simulate_batch` beside the shared yardstick
   ``../shared/bench/floor.py`` (imported from there; skipped, with the reason printed, when it
   is absent), in this one process on the same inputs: a synthetic panel of 20 tickers x 2,520
   days, monthly events, Dirichlet weights with 1-10 % cash, 10 bp fees, every variant its own
   weights. Warm times are the best of interleaved repeats (the machine is shared, so only the
   ratio of two timings taken side by side means anything); the two outputs agree to ~1e-14.
2. **Chunk path.** `backtest.sweep.executor.evaluate_chunk` (weights from the grid, kernel,
   every metric, the statistics' reductions) on the demo market, variants per second.
3. **vectorbt.** `backtest.engine.simulation.simulate` on the same panel (K <= 100).
4. **CLI.** Cold ``backtest sweep configs/sweep.toml`` (10,000 variants) in a fresh process.
"""

from __future__ import annotations

import importlib
import os
import resource
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

    from backtest.config import load_config
    from backtest.sweep.executor import evaluate_chunk
    from backtest.sweep.grid import load_sweep
    from backtest.sweep.run import _task, run_sweep

    config = load_config(REPO / "configs" / "sweep.toml")
    spec = dataclasses.replace(load_sweep(REPO / "configs" / "sweep.toml"), sensitivity={})
    small = dataclasses.replace(spec, grid={**spec.grid, "strength": spec.grid["strength"][:2]})
    result = run_sweep(config, small)
    ids = np.flatnonzero(
        result.settings["frequency"].eq("monthly") & result.settings["anchor"].eq("first")
    )
    task = _task("bench", 0, ids, result.table, result.settings, result.spec)
    best = _best({"chunk": lambda: evaluate_chunk(result.shared, task)}, repeats=3)["chunk"]
    print(
        f"chunk path (weights + kernel + metrics + statistics' reductions), {len(ids)} demo "
        f"variants x {len(result.dates):,} days: {best:.3f} s warm, {len(ids) / best:,.0f} "
        "variants/s",
        flush=True,
    )
    import pandas as pd

    from backtest.engine.simulation import simulate

    market = result.market
    equity = result.equity_of(ids[:20])
    assert equity.shape[0] == 20
    context = result.shared.groups[0].context
    weights = np.zeros((20, len(context.effective_dates), len(market.prices.columns)))
    targets = {}
    from backtest.sweep.weights import variant_weights

    sets, index = variant_weights(
        context, spec.kind, spec.fixed, result.table.loc[ids[:20], ["strength", "neutral_share"]],
        columns=list(market.prices.columns),
    )  # fmt: skip
    weights = sets[index]
    for i in range(20):
        frame = pd.DataFrame(
            weights[i], index=context.effective_dates, columns=market.prices.columns
        )
        targets[f"v{i}"] = frame
    band = float(result.settings.loc[ids[0], "rebalance_band"])
    started = time.perf_counter()
    simulate(market.prices, targets, initial_cash=CASH, fees_bps=10.0, slippage_bps=5.0,
             rebalance_band=band)  # fmt: skip
    engine = time.perf_counter() - started
    print(f"vectorbt engine, 20 of those variants: {engine:.2f} s, {20 / engine:,.0f} variants/s")


def cold_cli() -> None:
    """Print the cold CLI's wall time and peak RSS (section 4)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [
            str(Path(sys.executable).with_name("backtest")),
            "sweep",
            "configs/sweep.toml",
            "--out",
            tmp,
            "--json",
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        print(
            f"cold `backtest sweep configs/sweep.toml` (10,000 variants, 3 cost levels, "
            f"statistics): {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS "
            f"{after.ru_maxrss / 1024:,.0f} MB, load average {os.getloadavg()[0]:.1f}"
        )


def main() -> None:
    """Print every section."""
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    kernel_vs_floor()
    chunk_path()
    cold_cli()


if __name__ == "__main__":
    main()
