# %% [markdown]
# # inference-shift from Python
#
# The same pipeline as the CLI, as plain function calls: run a config, change one rule, see
# which numbers and weights moved, and check a run against its golden file. Open it as a
# notebook with jupytext (`# %%` cells), or run it as a script from the repository root:
# `python examples/notebook.py`.

# %%
from __future__ import annotations

import dataclasses

from backtest.config import load_config
from backtest.gate.check import check_against_golden
from backtest.gate.check_view import check_blocks
from backtest.gate.compare import compare_runs
from backtest.gate.compare_view import comparison_blocks
from backtest.gate.golden import read_golden, verify_data
from backtest.pipeline.runner import run
from backtest.report.markup import to_markdown
from backtest.report.tables import terminal_table

# %% [markdown]
# ## Run a config
# `run` returns a `Result`: `equity`, `returns`, `weights` (long), `metrics` and `manifest`.

# %%
config = load_config("configs/demo.toml")
result = run(config)
print(terminal_table(result.metrics, label=str(result.manifest["label"])))

# %% [markdown]
# ## Change one rule and compare
# Configs are frozen dataclasses: `dataclasses.replace` makes the variant (and validates it).

# %%
costlier = dataclasses.replace(config, costs=dataclasses.replace(config.costs, fees_bps=25.0))
comparison = compare_runs(result, run(costlier), labels=("10 bps", "25 bps"))
print(comparison.status)
print(to_markdown(comparison_blocks(comparison, top=5)))

# %% [markdown]
# ## The CI gate
# The golden file pins every metric and weight, plus the config and data hashes it came from.

# %%
golden = read_golden("results/golden/demo.json")
note = verify_data(golden, result, label="results/golden/demo.json")  # raises on other data
report = check_against_golden(
    result, golden, golden_path="results/golden/demo.json", data_note=note
)
print("passed" if report.passed else "drift")
print(to_markdown(check_blocks(report)))
