"""Sweep speed and memory: the fast path, the floor and vectorbt's engine, in one run.

For K = 1, 100, 1,000, 10,000 random weight variants on the demo market's panel (its
``compute_layer`` tickers plus NVDA, 2015-2026, monthly events), each measurement runs in a
fresh process: *cold* is the first call (numba loads its on-disk cache, vectorbt-rust needs no
JIT), *warm* the second, *peak RSS* the process's maximum resident memory. Paths:

* ``fast``: `backtest.sweep.kernel.simulate_batch`, all K at once (equity K x n_days);
* ``floor``: `benchmarks.floor_kernel.floor_batch`, the minimal numba code of the accounting;
* ``sweep``: the sweep's chunk path (kernel plus every metric, 1,000 variants per chunk);
* ``vectorbt``: `backtest.engine.simulation.simulate` (K <= 1,000; extrapolated linearly above).

Then the cold CLI: ``backtest sweep configs/sweep.toml`` (10,000 variants, strategy weights
included) in a fresh process, with and without the statistics.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = (1, 100, 1_000, 10_000)
VECTORBT_MAX = 1_000
FEES, SLIPPAGE, CASH = 10e-4, 5e-4, 1e6
REPO = Path(__file__).resolve().parents[1]


def _write_panel(path: Path) -> None:
    from backtest.config import Schedule, load_config
    from backtest.sweep.market import load_market, schedule_context

    market = load_market(load_config(REPO / "configs" / "demo.toml"))
    events = schedule_context(market, Schedule()).events
    start = int(events["effective_row"].iloc[0])
    prices = market.prices.iloc[start:]
    np.savez(
        path,
        close=prices.to_numpy(dtype=float),
        rows=events["effective_row"].to_numpy() - start,
        dates=prices.index.to_numpy(dtype="datetime64[ns]"),
        tickers=np.array(prices.columns, dtype=str),
    )


def _weights(close: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    listed = ~np.isnan(close[rows])
    raw = rng.random((k, len(rows), close.shape[1])) * listed
    raw /= raw.sum(axis=2, keepdims=True)
    return raw


def _child(path_name: str, k: int, panel: Path) -> dict[str, float]:
    data = np.load(panel)
    close, rows = data["close"], data["rows"]
    weights = _weights(close, rows, k)

    def fast() -> object:
        from backtest.sweep.kernel import simulate_batch

        return simulate_batch(
            close,
            rows,
            weights,
            weight_index=np.arange(k),
            fees=np.full(k, FEES),
            slippage=np.full(k, SLIPPAGE),
            band=np.zeros(k),
            initial_cash=CASH,
        )

    def floor() -> object:
        from benchmarks.floor_kernel import floor_batch

        return floor_batch(close, rows, weights, FEES, SLIPPAGE, CASH)

    def sweep() -> object:
        from backtest.sweep.executor import ChunkTask, SharedInputs, evaluate_chunk

        shared = SharedInputs(
            close=close,
            baseline_returns=np.zeros(len(close)),
            dates=data["dates"],
            initial_cash=CASH,
        )
        for lo in range(0, k, 1_000):
            ids = np.arange(lo, min(k, lo + 1_000))
            evaluate_chunk(
                shared,
                ChunkTask(
                    key=str(lo),
                    variants=ids,
                    event_rows=rows,
                    weights=weights[ids],
                    weight_index=np.arange(len(ids)),
                    fees=np.full(len(ids), FEES),
                    slippage=np.full(len(ids), SLIPPAGE),
                    band=np.zeros(len(ids)),
                ),
            )
        return None

    def vectorbt() -> object:
        import pandas as pd

        from backtest.engine.simulation import simulate

        index = pd.DatetimeIndex(data["dates"])
        prices = pd.DataFrame(close, index=index, columns=data["tickers"])
        targets = {
            f"v{i}": pd.DataFrame(weights[i], index=index[rows], columns=prices.columns)
            for i in range(k)
        }
        return simulate(
            prices, targets, initial_cash=CASH, fees_bps=FEES * 1e4, slippage_bps=SLIPPAGE * 1e4
        )

    run = {"fast": fast, "floor": floor, "sweep": sweep, "vectorbt": vectorbt}[path_name]
    started = time.perf_counter()
    first = run()
    cold = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    run()
    warm = time.perf_counter() - started
    warm_cpu = time.process_time() - cpu_started
    check = float("nan")
    if path_name == "floor":  # the floor computes the same numbers as the fast path
        (equity, _, _) = fast()  # type: ignore[misc]
        check = float(np.max(np.abs(np.asarray(first) / equity - 1.0)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "cold": cold,
        "warm": warm,
        "warm_cpu": warm_cpu,
        "rss_mb": rss,
        "max_rel_diff_vs_fast": check,
    }


def _spawn(args: list[str]) -> tuple[str, float, float]:
    """Run ``args``; return (stdout, wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout, wall, cpu


def main() -> None:
    """Print the benchmark table (Markdown) and the cold CLI timings."""
    with tempfile.TemporaryDirectory() as tmp:
        panel = Path(tmp) / "panel.npz"
        _write_panel(panel)
        shape = np.load(panel)["close"].shape
        print(
            f"panel: {shape[1]} tickers x {shape[0]} days, monthly events; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start",
            flush=True,
        )
        print("| K | path | cold s | warm s | warm CPU s | backtests/s (warm) | peak RSS MB |")
        print("|---|---|---|---|---|---|---|")
        rates: dict[tuple[str, int], float] = {}
        cpu_rates: dict[tuple[str, int], float] = {}
        for k in SIZES:
            for name in ("fast", "floor", "sweep", "vectorbt"):
                if name == "vectorbt" and k > VECTORBT_MAX:
                    rate = rates[("vectorbt", VECTORBT_MAX)]
                    print(
                        f"| {k:,} | vectorbt (extrapolated) | - | {k / rate:.1f} | "
                        f"{k / cpu_rates[('vectorbt', VECTORBT_MAX)]:.1f} | {rate:.0f} | - |"
                    )
                    continue
                out, _, _ = _spawn(
                    [sys.executable, "-m", "benchmarks.bench_sweep", name, str(k), str(panel)]
                )
                row = json.loads(out)
                rates[(name, k)] = k / row["warm"]
                cpu_rates[(name, k)] = k / row["warm_cpu"]
                extra = ""
                if np.isfinite(row["max_rel_diff_vs_fast"]):
                    extra = f" (max rel diff vs fast {row['max_rel_diff_vs_fast']:.1e})"
                print(
                    f"| {k:,} | {name}{extra} | {row['cold']:.2f} | {row['warm']:.3f} | "
                    f"{row['warm_cpu']:.3f} | "
                    f"{k / row['warm']:,.0f} | {row['rss_mb']:.0f} |",
                    flush=True,
                )
        for k in SIZES:
            fast, floor = rates[("fast", k)], rates[("floor", k)]
            line = f"K={k:,}: fast/floor time ratio {floor / fast:.2f} wall"
            line += f", {cpu_rates[('floor', k)] / cpu_rates[('fast', k)]:.2f} CPU"
            if ("vectorbt", k) in rates:
                line += f"; fast is {fast / rates[('vectorbt', k)]:,.0f}x vectorbt wall"
                line += f", {cpu_rates[('fast', k)] / cpu_rates[('vectorbt', k)]:,.0f}x CPU"
            print(line)
        for flags in ([], ["--no-stats"]):
            out_dir = Path(tmp) / ("cli" + "".join(flags))
            _, wall, cpu = _spawn(
                [
                    str(Path(sys.executable).with_name("backtest")),
                    "sweep",
                    "configs/sweep.toml",
                    "--out",
                    str(out_dir),
                    "--json",
                    *flags,
                ]
            )
            label = "without statistics" if flags else "with DSR, PBO, SPA"
            print(
                f"cold `backtest sweep configs/sweep.toml` (10,000 variants, {label}): "
                f"{wall:.1f} s wall, {cpu:.1f} s CPU, load average {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    if len(sys.argv) == 4:
        print(json.dumps(_child(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main()
