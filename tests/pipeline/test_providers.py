"""Provider choice from a config, path resolution, and an offline Yahoo run from a filled cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from backtest.config import parse_config, resolve_path
from backtest.data.cache import CACHE_ENV_VAR, PriceCache
from backtest.data.cached import CachedProvider
from backtest.data.demo import DemoProvider
from backtest.data.files import FilesProvider
from backtest.data.providers import PriceProvider
from backtest.data.snapshot import SnapshotProvider
from backtest.errors import DataError
from backtest.pipeline.providers import make_provider
from backtest.pipeline.runner import run
from tests.data.helpers import d


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    config_path = str(tmp_path / "configs" / "x.toml")
    assert resolve_path("../prices", config_path) == (tmp_path / "prices").resolve()
    assert resolve_path("/abs/p", config_path) == Path("/abs/p")
    assert resolve_path("p", "<inline>") == (Path.cwd() / "p").resolve()


def test_each_source_builds_its_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = str(tmp_path / "cfg" / "run.toml")
    files = make_provider(parse_config({"data": {"source": "files", "dir": "../px"}}, where))
    assert isinstance(files, FilesProvider) and files.path == (tmp_path / "px").resolve()
    snap = make_provider(
        parse_config({"data": {"source": "snapshot", "snapshot": "s.parquet"}}, where)
    )
    assert isinstance(snap, SnapshotProvider) and snap.path == tmp_path / "cfg" / "s.parquet"
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "env-cache"))
    yahoo = make_provider(parse_config({"data": {"source": "yahoo", "offline": True}}, where))
    assert isinstance(yahoo, CachedProvider) and yahoo.offline
    assert yahoo.cache.root == tmp_path / "env-cache"
    pinned = make_provider(
        parse_config({"data": {"source": "yahoo", "cache_dir": "c"}}, where)
    )  # the config wins over the environment
    assert isinstance(pinned, CachedProvider) and pinned.cache.root == tmp_path / "cfg" / "c"
    for provider in (files, snap, yahoo, DemoProvider()):
        assert isinstance(provider, PriceProvider)


@pytest.mark.slow
def test_offline_yahoo_run_from_a_filled_cache(shared_prices_dir: Path, tmp_path: Path) -> None:
    """A config run with ``source = "yahoo"``, ``offline = true`` never touches the network."""
    from universes import load_universe

    tickers = load_universe("compute_layer").tickers
    panel = (
        FilesProvider(path=shared_prices_dir).load(tickers, d("2015-01-02"), d("2026-07-31")).prices
    )
    cache = PriceCache(root=tmp_path / "cache")
    for ticker in tickers:
        cache.write(
            ticker, panel[ticker], start=d("2015-01-02"), covered_until=d("2026-07-31"),
            source="yahoo", fetched_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC),
            adjustment="adj_close", versions={"yfinance": "test"},
        )  # fmt: skip
    raw = {
        "run": {"start": "2024-01-02", "end": "2026-07-31"},
        "data": {"source": "yahoo", "offline": True, "cache_dir": str(tmp_path / "cache")},
        "strategies": [{"name": "proportional", "kind": "proportional"}],
    }
    result = run(parse_config(raw))
    provenance = result.manifest["data_provenance"]
    assert provenance["offline"] is True
    assert provenance["from_cache"] == sorted(tickers)
    assert result.prices.index[-1].date() == d("2026-07-31")
    cache.remove("NVDA")
    with pytest.raises(DataError, match=r"offline mode: .* NVDA \(not cached\)"):
        run(parse_config(raw))
