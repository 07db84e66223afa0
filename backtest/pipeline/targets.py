"""A run's strategies and their checked target weights, with errors that name strategy and file.

`run_strategies` builds the config's ``[[strategies]]`` and adds those given from Python
(``backtest.run(config, strategies={...})``); `target_weights` asks one strategy for its weights
and checks them (`backtest.context.check_weights`). Both the runner and ``backtest config
validate --data`` (every strategy's weights on the real context, no simulation) use them, so an
infeasible constraint is reported the same way, and as early, by both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from backtest.config import Config
from backtest.constants import BASELINE_COLUMN
from backtest.context import Context, Strategy, check_weights, trading_dates
from backtest.data.providers import PriceProvider
from backtest.errors import BacktestError, ConfigError, StrategyError
from backtest.inputs.references import REFERENCE_PREFIX
from strategies.build import build_strategies, class_name, strategy_code

__all__ = ["check_strategies", "run_strategies", "strategy_code_of", "target_weights"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _prefix(config: Config) -> str:
    return "" if config.path == "<inline>" else f"{config.path}: "


def run_strategies(config: Config, extra: Mapping[str, Any] | None = None) -> dict[str, Strategy]:
    """Return the config's strategies (name -> object) followed by ``extra``, checked.

    ``extra`` holds strategies given from Python: any object with ``weights(context)``; its
    names must be new, valid folder-like names, not ``baseline`` nor ``ref_*``.

    Raises
    ------
    ConfigError
        Prefixed with the config file: a strategy that cannot be built, or a bad ``extra``.
    """
    try:
        built = build_strategies(config)
    except BacktestError as exc:
        raise ConfigError(f"{_prefix(config)}{exc}") from exc
    for name, strategy in (extra or {}).items():
        where = f"`strategies[{name!r}]` given to `run`"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}: the name must be letters, digits, `.`, `_`, `-`")
        if name == BASELINE_COLUMN or name.startswith(REFERENCE_PREFIX):
            raise ConfigError(f"{where}: `{name}` is reserved for the baseline and references")
        if name in built:
            raise ConfigError(f"{where}: the config already has a strategy `{name}`")
        if not isinstance(strategy, Strategy):
            raise ConfigError(
                f"{where} must have a method `weights(context) -> DataFrame`, got "
                f"{type(strategy).__name__}"
            )
        built[name] = strategy
    return built


def strategy_code_of(strategies: Mapping[str, Strategy]) -> dict[str, list[dict[str, Any]]]:
    """Name -> `strategies.build.strategy_code` for every strategy that has code outside us."""
    code = {name: strategy_code(s) for name, s in strategies.items()}
    return {name: records for name, records in code.items() if records}


def target_weights(
    strategy: Strategy, context: Context, *, name: str, config: Config
) -> pd.DataFrame:
    """Return ``strategy``'s checked target weights on ``context``.

    Raises
    ------
    BacktestError
        Of the class the strategy raised (a non-package exception becomes a `StrategyError`),
        with the config file and ``strategy `name```, so the line says which entry of which
        file cannot be run (for example a cap that cannot be met on some event).
    """
    where = f"{_prefix(config)}strategy `{name}`"
    try:
        weights = strategy.weights(context)
        check_weights(
            weights, columns=context.tickers, index=trading_dates(strategy, context), name=name
        )
    except BacktestError as exc:
        raise type(exc)(f"{where}: {exc}") from exc
    except Exception as exc:  # a user strategy's own failure: one line naming it
        message = " ".join(str(exc).split())
        raise StrategyError(
            f"{where} ({class_name(type(strategy))}) failed: {type(exc).__name__}: {message}"
        ) from exc
    return weights


def check_strategies(config: Config, *, provider: PriceProvider | None = None) -> dict[str, int]:
    """Build the context of ``config`` and every strategy's checked weights; nothing simulated.

    What ``backtest config validate --data`` runs: the data are read and aligned, the context
    built, and each strategy asked for its weights on it, so a constraint that cannot be met on
    some event (a cap on too few eligible names) is found before a full run, with the same
    message the run would give.

    Returns
    -------
    dict
        Strategy name -> number of events it was checked on.
    """
    from backtest.pipeline.prepare import prepare

    built = run_strategies(config)
    context = prepare(config, provider=provider, references=False).context
    return {
        name: len(target_weights(strategy, context, name=name, config=config))
        for name, strategy in built.items()
    }
