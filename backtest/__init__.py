"""inference-shift: backtest AI-chip portfolios tilted by the inference share against NVDA.

The Python API for notebooks (imported lazily, so ``import backtest`` stays cheap)::

    import backtest
    result = backtest.run("configs/demo.toml")   # or a `backtest.config.Config`
    result.metrics                               # also equity, returns, weights, holdings, ...
    result.report("results/my-run")              # the run folder with report.html
    again = backtest.load("results/my-run")      # the same frames, read back
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backtest.config import Config, load_config
    from backtest.pipeline.result import LoadedRun, load
    from backtest.pipeline.runner import Result, run

__all__ = ["Config", "LoadedRun", "Result", "load", "load_config", "run"]

_LAZY = {
    "Config": "backtest.config",
    "load_config": "backtest.config",
    "LoadedRun": "backtest.pipeline.result",
    "load": "backtest.pipeline.result",
    "Result": "backtest.pipeline.runner",
    "run": "backtest.pipeline.runner",
}


def __getattr__(name: str) -> Any:
    """Import the public API on first use (the engine pulls in vectorbt, which is slow)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'backtest' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
