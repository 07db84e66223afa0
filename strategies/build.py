"""Build strategy objects from config entries (``kind``, parameters and ``constraints``).

A ``[[strategies]]`` entry names a `REGISTRY` kind and that class's parameters. Constraints are
an optional ordered list of tables, each a `CONSTRAINTS` kind and its parameters::

    [[strategies]]
    name = "linear_tilt_cap25"
    kind = "linear_tilt"
    strength = 3.0
    constraints = [{ kind = "capped", max_weight = 0.25 }]

The first constraint wraps the scheme, the next wraps that, and so on (so the last one listed
has the final word). Unknown kinds or parameters are a `ConfigError` listing what is allowed.

A ``kind`` of the form ``"package.module:ClassName"`` is a strategy written outside this
package: the module is imported explicitly (from the config's ``strategy_paths`` folders first,
then wherever Python finds it: installed, or on ``PYTHONPATH``), the class is instantiated with
the entry's other keys (read from its dataclass fields, else from ``inspect.signature``) and
wrapped in the entry's ``constraints`` like any packaged kind. Nothing is scanned or registered:
the config names the class. Every failure (no such module, an import error, no such class, a
parameter that does not match) is a one-line `ConfigError` naming the class and the parameter.
`strategy_code` records the source file and sha256 of such classes for the run's manifest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from backtest.config import Config, StrategySpec, resolve_path
from backtest.context import Strategy
from backtest.errors import BacktestError, ConfigError

__all__ = [
    "build_strategies",
    "build_strategy",
    "class_name",
    "parameter_defaults",
    "parameters_of",
    "strategy_class",
    "strategy_code",
]

_USER_KIND = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_OURS = ("backtest", "strategies", "universes")
"""Top-level packages of this distribution: their classes are pinned by the package version."""


def class_name(cls: type[Any]) -> str:
    """Return ``module:qualname`` of ``cls`` (the ``kind`` that names it in a config)."""
    return f"{cls.__module__}:{cls.__qualname__}"


def _signature(cls: type[Any]) -> tuple[list[inspect.Parameter], bool]:
    """Return the named parameters of ``cls(...)`` and whether it takes ``**kwargs``."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the parameters of `{class_name(cls)}` ({exc}); give the class an "
            "`__init__` with named parameters, or make it a dataclass"
        ) from exc
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    named = [p for p in signature.parameters.values() if p.kind in kinds and p.name != "inner"]
    anything = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    return named, anything


def parameters_of(cls: type[Any]) -> list[str]:
    """Return the parameter names of a strategy or wrapper class (``inner`` excluded).

    For a dataclass, the class's own parameters come first, then those it inherits (a bucket
    scheme's ``within``, ``lookback_days``, ``empty_bucket``), each group in declaration order.
    Any other class: the named parameters of its signature (`inspect.signature`), in order.

    Raises
    ------
    ConfigError
        When the parameters cannot be read (the message names the class).
    """
    if dataclasses.is_dataclass(cls):
        own = set(vars(cls).get("__annotations__", {}))
        names = [f.name for f in dataclasses.fields(cls) if f.name != "inner" and f.init]
        return sorted(names, key=lambda name: name not in own)
    return [p.name for p in _signature(cls)[0]]


def parameter_defaults(cls: type[Any]) -> dict[str, Any]:
    """Return each parameter of ``cls`` that has a default, with that default (``config show``)."""
    if dataclasses.is_dataclass(cls):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        out: dict[str, Any] = {}
        for name in parameters_of(cls):
            f = fields[name]
            if f.default is not dataclasses.MISSING:
                out[name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                out[name] = f.default_factory()
        return out
    return {
        p.name: p.default for p in _signature(cls)[0] if p.default is not inspect.Parameter.empty
    }


def _required(cls: type[Any]) -> list[str]:
    if dataclasses.is_dataclass(cls):
        return [
            f.name
            for f in dataclasses.fields(cls)
            if f.init
            and f.name != "inner"
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
    return [p.name for p in _signature(cls)[0] if p.default is inspect.Parameter.empty]


def _accepts_any(cls: type[Any]) -> bool:
    return not dataclasses.is_dataclass(cls) and _signature(cls)[1]


def _import_module(module: str, kind: str, search: Sequence[Path]) -> Any:
    """Import ``module``, looking in ``search`` before the Python path; no other magic."""
    folders = [str(p) for p in search]
    added = [f for f in folders if f not in sys.path]
    sys.path[:0] = added
    try:
        importlib.invalidate_caches()
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == module or module.startswith(missing + "."):
            where = (
                f"the config's strategy_paths ({', '.join(folders)}) and the Python path"
                if folders
                else "the Python path"
            )
            raise ConfigError(
                f"cannot import module `{module}` for kind `{kind}`: no such module in {where} "
                "(install it, put its folder on PYTHONPATH, or list the folder in "
                "`strategy_paths`)"
            ) from exc
        raise ConfigError(f"importing module `{module}` for kind `{kind}` failed: {exc}") from exc
    except Exception as exc:  # a plugin's import error of any kind: one line, no traceback
        message = " ".join(str(exc).split())
        raise ConfigError(
            f"importing module `{module}` for kind `{kind}` failed: {type(exc).__name__}: {message}"
        ) from exc
    finally:
        for folder in added:
            if folder in sys.path:
                sys.path.remove(folder)


def strategy_class(kind: str, *, search: Sequence[Path] = ()) -> type[Any]:
    """Return the class a config ``kind`` names: a `REGISTRY` name or ``"module:Class"``.

    Parameters
    ----------
    kind : str
    search : sequence of Path
        Folders searched before the Python path for a ``module:Class`` kind's module.

    Raises
    ------
    ConfigError
        An unknown registry name, a module that cannot be imported, a missing attribute, or an
        attribute that is not a class with a ``weights`` method.
    """
    from strategies import REGISTRY

    if ":" not in kind:
        cls = REGISTRY.get(kind)
        if cls is None:
            raise ConfigError(
                f"unknown `kind` {kind!r}; known: {', '.join(sorted(REGISTRY))} "
                "(or `module:Class` for a strategy of your own)"
            )
        return cls
    if not _USER_KIND.match(kind):
        raise ConfigError(
            f"`kind` {kind!r} must be a registry name or `module:Class` "
            "(dotted module path, a colon, the class name)"
        )
    module_name, _, qualname = kind.partition(":")
    target: Any = _import_module(module_name, kind, search)
    for part in qualname.split("."):
        if not hasattr(target, part):
            where = getattr(sys.modules.get(module_name), "__file__", None) or module_name
            raise ConfigError(f"module `{module_name}` ({where}) has no class `{qualname}`")
        target = getattr(target, part)
    if not inspect.isclass(target):
        raise ConfigError(f"`{kind}` must be a class, got {type(target).__name__} {target!r}")
    if not callable(getattr(target, "weights", None)):
        raise ConfigError(f"`{kind}` must have a method `weights(context) -> DataFrame`")
    return target


def _instantiate(cls: type[Any], params: Mapping[str, Any], where: str, **extra: Any) -> Any:
    try:
        allowed = parameters_of(cls)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    unknown = sorted(set(params) - set(allowed))
    if unknown and not _accepts_any(cls):
        listed = ", ".join(allowed) if allowed else "none"
        raise ConfigError(f"{where}: unknown parameter `{unknown[0]}`; allowed: {listed}")
    missing = [name for name in _required(cls) if name not in params]
    if missing:
        raise ConfigError(
            f"{where}: parameter `{missing[0]}` of `{class_name(cls)}` is required (no default)"
        )
    try:
        return cls(**extra, **params)
    except BacktestError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    except Exception as exc:  # a user class's own check: one line naming the class
        message = " ".join(str(exc).split())
        raise ConfigError(
            f"{where}: `{class_name(cls)}` refused its parameters: {type(exc).__name__}: {message}"
        ) from exc


def build_strategy(spec: StrategySpec, *, search: Sequence[Path] = ()) -> Strategy:
    """Instantiate ``spec.kind`` with ``spec.params``, wrapped by its ``constraints`` in order.

    ``search`` lists folders searched first for the module of a ``module:Class`` kind
    (`build_strategies` passes the config's ``strategy_paths``).
    """
    from strategies import CONSTRAINTS

    try:
        cls = strategy_class(spec.kind, search=search)
    except ConfigError as exc:
        raise ConfigError(f"strategy `{spec.name}`: {exc}") from exc
    where = f"strategy `{spec.name}` ({spec.kind})"
    params = dict(spec.params)
    constraints = params.pop("constraints", [])
    if not isinstance(constraints, list | tuple):
        raise ConfigError(f"{where}: `constraints` must be an array of tables, got {constraints!r}")
    if "inner" in params:
        raise ConfigError(
            f"{where}: unknown parameter `inner`; allowed: "
            f"{', '.join([*parameters_of(cls), 'constraints'])}"
        )
    strategy: Strategy = _instantiate(cls, params, where)
    for i, item in enumerate(constraints, start=1):
        at = f"{where}: constraints[{i}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{at} must be a table with a `kind`, got {item!r}")
        kind = item.get("kind")
        wrapper = CONSTRAINTS.get(kind) if isinstance(kind, str) else None
        if wrapper is None:
            raise ConfigError(
                f"{at}: unknown `kind` {kind!r}; known: {', '.join(sorted(CONSTRAINTS))}"
            )
        options = {k: v for k, v in item.items() if k != "kind"}
        strategy = _instantiate(wrapper, options, f"{at} ({kind})", inner=strategy)
    return strategy


def search_paths(config: Config) -> list[Path]:
    """Return the config's ``strategy_paths``, resolved against the config file's folder."""
    return [resolve_path(folder, config.path) for folder in config.strategy_paths]


def build_strategies(config: Config) -> dict[str, Strategy]:
    """Build every ``[[strategies]]`` entry of ``config`` (name -> strategy), in order."""
    search = search_paths(config)
    return {spec.name: build_strategy(spec, search=search) for spec in config.strategies}


def _chain(strategy: object) -> list[object]:
    """``strategy`` and every ``inner`` it wraps, outermost first."""
    chain = [strategy]
    while hasattr(chain[-1], "inner") and len(chain) < 100:
        chain.append(chain[-1].inner)
    return chain


def strategy_code(strategy: object) -> list[dict[str, Any]]:
    """Return the classes of ``strategy``'s chain from outside this package, with source hashes.

    Walks the strategy and each wrapper's ``inner``; for every class whose module is not part
    of this distribution (``backtest``, ``strategies``, ``universes``): ``{"class":
    "module:qualname", "file": the module's source file (None when it has none), "sha256":
    sha256 of that file's bytes}``. A class without a source file (defined interactively) is
    hashed by its own source text when Python can find it, else its sha256 is None.

    Returns
    -------
    list of dict, empty when every class comes from this package.
    """
    records: list[dict[str, Any]] = []
    for obj in _chain(strategy):
        cls = type(obj)
        if cls.__module__.split(".")[0] in _OURS:
            continue
        module = sys.modules.get(cls.__module__)
        file = None
        digest = None
        try:
            source = inspect.getsourcefile(module) if module is not None else None
        except TypeError:  # a built-in module or one without a file
            source = None
        if source and Path(source).is_file():
            file = str(Path(source).resolve())
            digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()
        else:
            try:
                digest = hashlib.sha256(inspect.getsource(cls).encode()).hexdigest()
            except (OSError, TypeError):
                digest = None
        records.append({"class": class_name(cls), "file": file, "sha256": digest})
    return records
