"""Run every registered benchmark module: ``python -m benchmarks [NAME ...]``.

Each module has ``main() -> None`` that prints its table. Modules are listed by hand.
"""

from __future__ import annotations

import importlib
import sys

MODULES: tuple[str, ...] = ("bench_data", "bench_strategies", "bench_sweep", "bench_engine")
"""Benchmark modules under ``benchmarks/``, run in this order."""


def main(argv: list[str]) -> int:
    """Run the named benchmark modules, or all of them."""
    chosen = argv or list(MODULES)
    unknown = sorted(set(chosen) - set(MODULES))
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; known: {', '.join(MODULES)}", file=sys.stderr)
        return 2
    for name in chosen:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
