"""inference-shift: backtest AI-chip portfolios tilted by the inference share against NVDA.

The public API, for notebooks and scripts (imported lazily, so ``import backtest`` stays
cheap: vectorbt loads on the first run)::

    import backtest
    result = backtest.run("configs/demo.toml")      # or a `backtest.Config`
    result.metrics                                  # also equity, returns, weights, holdings, ...
    result.report("results/my-run")                 # the run folder with report.html
    again = backtest.load("results/my-run")         # the same frames, read back
    print(backtest.markdown(backtest.check("configs/demo.toml", "results/golden/demo.json")))
    print(backtest.markdown(backtest.compare("configs/demo.toml", "results/my-run")))
    mine = backtest.run("configs/demo.toml", strategies={"mine": MyStrategy()})  # your own
    context = backtest.context_for("configs/demo.toml")  # what the strategies see
    backtest.testing.check_strategy(MyStrategy(), context)  # the contract, as an assert

Everything listed in ``__all__`` is importable from here; the modules behind it are the
pipeline's stages (see the README's architecture section). The names resolve on first use
(`__getattr__`), never at import time, so this package imports none of its stages: no stage
importing ``backtest.*`` can close a cycle through it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "BacktestError",
    "CheckReport",
    "Comparison",
    "Config",
    "ConfigError",
    "Context",
    "DataError",
    "LoadedRun",
    "Result",
    "Strategy",
    "StrategyError",
    "check",
    "check_weights",
    "compare",
    "context_for",
    "load",
    "load_config",
    "markdown",
    "proforma",
    "run",
    "testing",
]

_LAZY = {
    "BacktestError": "backtest.errors",
    "ConfigError": "backtest.errors",
    "DataError": "backtest.errors",
    "StrategyError": "backtest.errors",
    "Config": "backtest.config",
    "load_config": "backtest.config",
    "Context": "backtest.context",
    "Strategy": "backtest.context",
    "check_weights": "backtest.context",
    "CheckReport": "backtest.gate.check",
    "Comparison": "backtest.gate.compare",
    "check": "backtest.gate.api",
    "compare": "backtest.gate.api",
    "markdown": "backtest.gate.api",
    "LoadedRun": "backtest.pipeline.result",
    "Result": "backtest.pipeline.result",
    "load": "backtest.pipeline.result",
    "proforma": "backtest.pipeline.proforma",
    "run": "backtest.pipeline.runner",
    "context_for": "backtest.pipeline.prepare",
}
"""Public name -> the module that defines it."""

_SUBMODULES = ("testing",)
"""Public submodules, imported on first use like the names above."""


def __getattr__(name: str) -> Any:
    """Import the public API on first use (the engine pulls in vectorbt, which is slow)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'backtest' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    """List the public API beside the module's own names."""
    return sorted([*globals(), *__all__])
