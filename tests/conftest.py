"""Shared fixtures; also makes network access impossible during tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_PRICES = REPO.parent / "shared" / "data" / "prices"

_real_connect = socket.socket.connect
_real_create_connection = socket.create_connection


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (
        host.startswith(("127.", "/")) or host in ("localhost", "::1")
    )


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family == socket.AF_UNIX or _is_loopback(address):
        return _real_connect(self, address)
    raise RuntimeError(f"network access is forbidden in tests (tried {address!r})")


def _refuse_curl(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("network access is forbidden in tests (curl_cffi session)")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Block every non-loopback connection: tests never touch the internet.

    Python sockets go through the guard above. yfinance's default HTTP client is curl_cffi,
    whose libcurl opens sockets in C where that guard cannot see them, so every libcurl transfer
    is made to raise as well; Yahoo tests replay recorded answers through a stub session.
    """
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    from curl_cffi.curl import Curl

    monkeypatch.setattr(Curl, "perform", _refuse_curl)
    yield


@pytest.fixture
def shared_prices_dir() -> Path:
    """The real price folder beside the checkout; skips the test when it is absent."""
    if not (SHARED_PRICES / "NVDA.csv").is_file():
        pytest.skip(f"real price data not found at {SHARED_PRICES} (../shared is absent)")
    return SHARED_PRICES


@pytest.fixture
def tiny_prices() -> pd.DataFrame:
    """3 tickers x 10 days, hand-checkable numbers; C lists on day 3."""
    dates = pd.bdate_range("2024-01-01", periods=10, name="date")
    return pd.DataFrame(
        {
            "A": [10.0, 11.0, 12.0, 12.0, 10.0, 10.0, 11.0, 12.0, 13.0, 12.0],
            "B": [20.0, 20.0, 21.0, 22.0, 24.0, 25.0, 24.0, 23.0, 22.0, 22.0],
            "C": [np.nan, np.nan, 5.0, 5.0, 6.0, 5.0, 5.0, 4.0, 5.0, 6.0],
        },
        index=dates,
    )


@pytest.fixture
def synthetic_panel() -> pd.DataFrame:
    """A seeded random panel: 8 tickers x 300 days, two listing late."""
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2020-01-01", periods=300, name="date")
    returns = rng.normal(0.0005, 0.02, size=(300, 8))
    prices = 50.0 * np.exp(np.cumsum(returns, axis=0))
    prices[:40, 5] = np.nan
    prices[:120, 7] = np.nan
    return pd.DataFrame(prices, index=dates, columns=[f"T{i}" for i in range(8)])
