"""The same user strategy from Python: run it beside a config's strategies, and test it.

    python examples/user_strategy/run.py

`backtest.run(config, strategies={...})` takes any object with ``weights(context)``;
`backtest.context_for(config)` is the context a run gives its strategies, and
`backtest.testing.check_strategy` holds a strategy to the project's contract (shapes, sums,
determinism, no mutation, the look-ahead canary), raising an `AssertionError` that names the rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # or install the module, or put the folder on PYTHONPATH

from momentum import TopMomentum  # noqa: E402

import backtest  # noqa: E402

config = backtest.load_config(HERE / "config.toml")
context = backtest.context_for(config)
# allow_cash: it holds cash while the first `lookback_days` of history accumulate
backtest.testing.check_strategy(TopMomentum(lookback_days=63, top=3), context, allow_cash=True)

result = backtest.run(config, strategies={"momentum_fast": TopMomentum(lookback_days=63, top=3)})
print(result.metrics[["cagr", "sharpe_ratio", "max_drawdown", "excess_cagr"]].round(3))
print({name: code[0]["class"] for name, code in result.manifest["strategy_code"].items()})
