"""A stub HTTP session that replays recorded Yahoo chart-API answers (no socket is opened).

`StubYahoo` is a ``requests.Session`` (a session type yfinance accepts) whose transport adapter
answers every request from a routing table instead of the network:

* ``/v8/finance/chart/{SYMBOL}``: the queued answers for that symbol, in order; the last one
  repeats. An answer is ``(status, body)`` with ``body`` a fixture file name, raw ``bytes``,
  ``None`` for an empty body, or ``"TIMEOUT"`` to raise ``requests.exceptions.ReadTimeout``.
* Yahoo's cookie and crumb endpoints (``fc.yahoo.com``, ``/v1/test/getcrumb``): a plain crumb.
* anything else: HTTP 404 with a small HTML page.

Every request is recorded (``calls``) so tests can assert what yfinance asked for.
"""

from __future__ import annotations

import urllib.parse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

FIXTURES = Path(__file__).resolve().parent / "fixtures"

Answer = tuple[int, "str | bytes | None"]


@dataclass(frozen=True)
class Call:
    """One request the stub served."""

    url: str
    symbol: str | None
    params: dict[str, str]
    status: int


class _ReplayAdapter(BaseAdapter):
    def __init__(self, owner: StubYahoo) -> None:
        super().__init__()
        self.owner = owner

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        return self.owner.answer(request)

    def close(self) -> None:
        pass


class StubYahoo(requests.Session):
    """Session replaying queued chart answers per symbol."""

    def __init__(self, answers: dict[str, list[Answer]]) -> None:
        super().__init__()
        self.queues: dict[str, list[Answer]] = {k.upper(): list(v) for k, v in answers.items()}
        self.served: dict[str, int] = defaultdict(int)
        self.calls: list[Call] = []
        adapter = _ReplayAdapter(self)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def chart_calls(self, symbol: str) -> list[Call]:
        """Chart requests made for ``symbol`` (including yfinance's timezone probe)."""
        return [c for c in self.calls if c.symbol == symbol.upper()]

    def answer(self, request: requests.PreparedRequest) -> requests.Response:
        url = urllib.parse.urlsplit(str(request.url))
        params = dict(urllib.parse.parse_qsl(url.query))
        symbol: str | None = None
        if url.path.startswith("/v8/finance/chart/"):
            symbol = urllib.parse.unquote(url.path.rsplit("/", 1)[1]).upper()
            queue = self.queues.get(symbol, [(404, "chart_unknown.json")])
            index = min(self.served[symbol], len(queue) - 1)
            self.served[symbol] += 1
            status, body = queue[index]
            if body == "TIMEOUT":
                self.calls.append(
                    Call(url=str(request.url), symbol=symbol, params=params, status=0)
                )
                raise requests.exceptions.ReadTimeout(f"stub: read timed out for {symbol}")
        elif url.path.endswith("/v1/test/getcrumb"):
            status, body = 200, b"stub-crumb"
        elif url.netloc == "fc.yahoo.com":
            status, body = 200, b""
        else:
            status, body = 404, b"<html><body>not found</body></html>"
        self.calls.append(Call(url=str(request.url), symbol=symbol, params=params, status=status))
        return _response(request, status, body)


def _response(request: requests.PreparedRequest, status: int, body: str | bytes | None) -> Any:
    response = requests.Response()
    response.status_code = status
    response.url = str(request.url)
    response.request = request
    if body is None:
        content = b""
    elif isinstance(body, bytes):
        content = body
    else:
        content = (FIXTURES / body).read_bytes()
    response._content = content
    response.headers["Content-Type"] = "application/json" if content else "text/plain"
    response.encoding = "utf-8"
    return response
