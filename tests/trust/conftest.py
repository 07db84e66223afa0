"""Fixtures of the trust suite; closes the curl_cffi path to the internet as tests/data does.

yfinance's default HTTP client is curl_cffi, whose libcurl opens sockets in C where the root
conftest's socket guard cannot see them; every curl transfer here raises instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("network access is forbidden in tests (curl_cffi session)")


@pytest.fixture(autouse=True)
def _no_curl_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make every libcurl transfer raise (curl_cffi bypasses the socket guard)."""
    from curl_cffi.curl import Curl

    monkeypatch.setattr(Curl, "perform", _refuse)
    yield
