# %% [markdown]
# # inference-shift from Python
#
# The same pipeline as the CLI, as plain function calls: run a config, change one rule, see
# which numbers and weights moved, and check a run against its golden file. Open it as a
# notebook with jupytext (`# %%` cells), or run it as a script from any folder:
# `python examples/notebook.py` (paths below are relative to the repository, found from this
# file, so the working directory does not matter).

# %%
from __future__ import annotations

import dataclasses
from pathlib import Path

import backtest

REPO = Path(__file__).resolve().parents[1] if "__file__" in globals() else Path.cwd()

# %% [markdown]
# ## Run a config
# `run` returns a `Result`: `equity`, `returns`, `weights` (long), `metrics` and `manifest`.

# %%
config = backtest.load_config(REPO / "configs" / "demo.toml")
result = backtest.run(config)
print(result.metrics[["cagr", "sharpe_ratio", "max_drawdown", "excess_cagr"]].round(3))

# %% [markdown]
# ## Change one rule and compare
# Configs are frozen dataclasses: `dataclasses.replace` makes the variant (and validates it).

# %%
costlier = dataclasses.replace(config, costs=dataclasses.replace(config.costs, fees_bps=25.0))
comparison = backtest.compare(result, backtest.run(costlier), labels=("10 bps", "25 bps"))
print(comparison.status)
print(backtest.markdown(comparison, top=5))

# %% [markdown]
# ## The CI gate
# The golden file pins every metric and weight, plus the config and data hashes it came from;
# `check` refuses a golden made on other prices (a `DataError`).

# %%
report = backtest.check(result, REPO / "results" / "golden" / "demo.json")
print("passed" if report.passed else "drift")
print(backtest.markdown(report))
