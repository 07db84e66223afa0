"""Benchmark: weights of 10,000 `LinearTilt` variants at once (`linear_tilt_batch`).

The grid is 25 strengths x 25 neutral shares x 16 caps = 10,000 variants on the demo market's
default universe (18 tickers, ~140 monthly events, 2015-2026), so it needs neither network nor
../shared. Reported in one run, best of several repeats (the minimum is the run least disturbed
by other processes on a shared machine):

* the batch, cold (first call in the process) and warm (wall and CPU seconds), and its cost
  per variant;
* the floor: allocating and writing the (K, n_events, n_tickers) float64 output once;
* the dataclass path (`Capped(LinearTilt(...))` per variant) on a sample, per variant, and the
  speed-up of the batch over looping it.

Target (issue 5): well under 1 s for the 10,000 variants.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from backtest.config import load_config
from backtest.context import Context
from backtest.pipeline.prepare import prepare
from strategies import Capped, LinearTilt, linear_tilt_batch

REPEATS = 5
LOOP_SAMPLE = 40
TARGET_SECONDS = 1.0


def demo_context() -> Context:
    """The strategy context of the demo run (default universe, signal and schedule)."""
    return prepare(
        load_config(Path(__file__).resolve().parents[1] / "configs" / "demo.toml")
    ).context


def grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """25 strengths x 25 neutral shares x 16 caps (the last uncapped) = 10,000 variants."""
    caps = np.append(np.linspace(0.15, 0.5, 15), np.inf)
    strength, share0, cap = np.meshgrid(
        np.linspace(0.0, 3.0, 25), np.linspace(0.3, 0.6, 25), caps, indexing="ij"
    )
    return strength.ravel(), share0.ravel(), cap.ravel()


def _best(work: Callable[[], object]) -> float:
    return _best_with_cpu(work)[0]


def _best_with_cpu(work: Callable[[], object]) -> tuple[float, float]:
    """Best wall-clock seconds and the CPU seconds of that same run."""
    best, cpu = float("inf"), float("inf")
    for _ in range(REPEATS):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        work()
        wall = time.perf_counter() - begin
        if wall < best:
            best, cpu = wall, time.process_time() - begin_cpu
    return best, cpu


def main() -> None:
    """Print the batch timings, the floor and the looped dataclass cost."""
    context = demo_context()
    strength, share0, cap = grid()
    k = strength.size

    def batch() -> np.ndarray:
        return linear_tilt_batch(
            context, strength=strength, neutral_share=share0, max_weight=cap, infeasible="nan"
        )

    begin = time.perf_counter()
    weights = batch()
    cold = time.perf_counter() - begin
    warm, warm_cpu = _best_with_cpu(batch)
    shape = weights.shape
    floor = _best(lambda: np.full(shape, 0.5))
    infeasible = int(np.isnan(weights).any(axis=(1, 2)).sum())
    sample = np.linspace(0, k - 1, LOOP_SAMPLE).astype(int)

    def loop() -> None:
        for i in sample:
            tilt = LinearTilt(strength=float(strength[i]), neutral_share=float(share0[i]))
            strategy = tilt if not np.isfinite(cap[i]) else Capped(inner=tilt, max_weight=cap[i])
            with contextlib.suppress(ValueError):  # an infeasible cap: the batch gives NaN
                strategy.weights(context)

    looped = _best(loop) / LOOP_SAMPLE
    print(f"variants x events x tickers   {shape[0]:,} x {shape[1]} x {shape[2]}")
    print(f"infeasible caps (NaN)         {infeasible:,} variants")
    print(f"batch cold                    {cold:8.3f} s")
    status = "ok" if warm < TARGET_SECONDS else "MISSED"
    print(
        f"batch warm (best of {REPEATS})       {warm:8.3f} s   "
        f"target < {TARGET_SECONDS} s: {status}"
    )
    print(f"batch warm, CPU seconds       {warm_cpu:8.3f} s   (wall > CPU: other processes)")
    print(f"batch per variant             {warm / k * 1e6:8.1f} us")
    print(f"floor: write the output once  {floor:8.3f} s   batch / floor = {warm / floor:.1f}x")
    print(f"dataclass loop per variant    {looped * 1e6:8.1f} us   (sample of {LOOP_SAMPLE})")
    print(f"batch speed-up over the loop  {looped * k / warm:8.0f}x")


if __name__ == "__main__":
    main()
