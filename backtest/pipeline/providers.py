"""Pick the `PriceProvider` a config names, resolving its paths against the config's folder."""

from __future__ import annotations

from pathlib import Path

from backtest.config import Config, resolve_path
from backtest.data.providers import PriceProvider
from backtest.errors import ConfigError

__all__ = ["make_provider"]

_SOURCES = ("demo", "files", "snapshot", "yahoo")


def make_provider(config: Config) -> PriceProvider:
    """Return the price provider named by ``config.data.source``."""
    data = config.data
    source = data.source
    if source == "demo":
        from backtest.data.demo import DemoProvider

        return DemoProvider()
    if source == "files":
        from backtest.data.files import FilesProvider

        folder = _required_path(config, "dir")
        return FilesProvider(
            path=resolve_path(folder, config.path),
            allow_missing=data.allow_missing,
            origin=_origin("dir", folder, config.path),
        )
    if source == "snapshot":
        from backtest.data.snapshot import SnapshotProvider

        return SnapshotProvider(
            path=resolve_path(_required_path(config, "snapshot"), config.path),
            sha256=data.sha256,
            allow_missing=data.allow_missing,
        )
    if source == "yahoo":
        return _yahoo_provider(config)
    raise ConfigError(f"`data.source` {source!r} is unknown; available: {', '.join(_SOURCES)}")


def _required_path(config: Config, key: str) -> str:
    """Return the path ``[data] key`` as written; the config's source cannot do without it."""
    value: str | None = getattr(config.data, key)
    if not value:
        raise ConfigError(
            f'{config.path}: `data.{key}` is required when `data.source` is "{config.data.source}"'
        )
    return value


def _origin(key: str, value: str, config_path: str) -> str | None:
    """Say what a relative path in ``[data]`` was resolved against (None when absolute)."""
    if Path(value).expanduser().is_absolute():
        return None
    if config_path == "<inline>":
        return f'`{key} = "{value}"` was resolved against the working directory `{Path.cwd()}`'
    folder = Path(config_path).resolve().parent
    return (
        f'`{key} = "{value}"` in `{config_path}` was resolved against the config file\'s '
        f"folder `{folder}`"
    )


def _yahoo_provider(config: Config) -> PriceProvider:
    from backtest.data.cache import PriceCache, default_cache_dir
    from backtest.data.cached import CachedProvider
    from backtest.data.yahoo import YahooFetcher, yfinance_version

    data = config.data
    explicit = resolve_path(data.cache_dir, config.path) if data.cache_dir else None
    root = default_cache_dir(explicit)
    return CachedProvider(
        cache=PriceCache(root=root),
        fetcher=YahooFetcher(yfinance_cache_dir=root / "yfinance"),
        offline=data.offline,
        allow_missing=data.allow_missing,
        versions={"yfinance": yfinance_version()},
        name="yahoo",
    )
