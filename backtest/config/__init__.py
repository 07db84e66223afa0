"""Run configuration: a TOML file parsed into frozen dataclasses with strict validation.

The public names are imported from here (``from backtest.config import Config``) and listed
once, in this package's ``__all__``; the modules behind it hold them by concern:

* `backtest.config.sections`: one dataclass per table (``[run]``, ``[data]`` with
  ``[data.quality]``, ``[signal]``, ``[schedule]``, ``[costs]``, ``[analysis]``,
  ``[attribution]``), each validating its ranges and cross-field rules in ``__post_init__``,
  so `dataclasses.replace` (CLI overrides, sweeps) validates too; the closed sets of values.
* `backtest.config.loading`: the whole `Config`, its ``[[strategies]]`` and ``[signals.NAME]``
  entries, and `load_config` / `parse_config`, driven by the sections' type hints (a field with
  a default added to a section is a valid, type-checked key listed by ``backtest config show``).
* `backtest.config.resolved`: `resolved_config` (the mapping a run records in its manifest),
  `config_hash` (the sha256 of its canonical JSON) and `resolve_path` (a config's paths are
  kept as written, so the hash does not depend on where the checkout lives, and are relative
  to the config file's folder).

Every error names the file, the key path and the value, and unknown keys or values get a
"did you mean" suggestion.
"""

from __future__ import annotations

from backtest.config.loading import (
    Config,
    StrategySpec,
    check_attribution_reference,
    load_config,
    parse_config,
)
from backtest.config.resolved import config_hash, resolve_path, resolved_config
from backtest.config.sections import (
    AnalysisConfig,
    Anchor,
    AttributionConfig,
    CostsConfig,
    DataConfig,
    DataSource,
    Frequency,
    Interpolation,
    QualityAction,
    QualityConfig,
    RunConfig,
    Schedule,
    SignalConfig,
    SignalMode,
)

__all__ = [
    "AnalysisConfig",
    "Anchor",
    "AttributionConfig",
    "Config",
    "CostsConfig",
    "DataConfig",
    "DataSource",
    "Frequency",
    "Interpolation",
    "QualityAction",
    "QualityConfig",
    "RunConfig",
    "Schedule",
    "SignalConfig",
    "SignalMode",
    "StrategySpec",
    "check_attribution_reference",
    "config_hash",
    "load_config",
    "parse_config",
    "resolve_path",
    "resolved_config",
]
