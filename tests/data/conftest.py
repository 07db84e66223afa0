"""Fixtures of the data-layer tests; also closes the curl_cffi path to the internet.

The root conftest blocks Python sockets, but yfinance's default HTTP client is curl_cffi, whose
libcurl opens sockets in C where that guard cannot see them. Here every curl_cffi session
refuses to send, so a test that forgets the stub session fails loudly instead of going online.
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
