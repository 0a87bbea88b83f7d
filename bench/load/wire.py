"""The load harness's HTTP client: one aiohttp session with a pool of keep-alive connections,
shared by every simulated annotator in one asyncio loop.

The harness shares two cores with the server and its database, so the clients must cost little:
httpx spends about a millisecond of CPU per request in its own layers; aiohttp, whose HTTP parser
is written in C, a small fraction of that. ``run.py`` prints what the clients took.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiohttp
import orjson


class TransportError(Exception):
    """No answer came back: the connection failed, or the answer did not arrive in time."""


@dataclass
class Reply:
    status_code: int
    content: bytes
    queued_ms: float = 0.0  # waiting in this pool for a free connection: client time, not server time

    def json(self) -> Any:
        return orjson.loads(self.content) if self.content else None

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class Pool:
    """Up to ``size`` connections to ``host:port``; a request waits for a free one.

    Idle connections are dropped after ``idle_s``, below gunicorn's 2 s keep-alive, so the server
    does not close one under a request.
    """

    def __init__(self, host: str, port: int, size: int, timeout_s: float = 30.0, idle_s: float = 1.0) -> None:
        self.base = f"http://{host}:{port}"
        self.size, self.timeout_s, self.idle_s = size, timeout_s, idle_s
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop that every request of the pool then shares.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.size, keepalive_timeout=self.idle_s)
            trace = aiohttp.TraceConfig()
            trace.on_connection_queued_start.append(_queued_start)
            trace.on_connection_queued_end.append(_queued_end)
            self._session = aiohttp.ClientSession(
                self.base, connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                headers={"Accept": "application/json"}, skip_auto_headers=("User-Agent",),
                trace_configs=[trace])
        return self._session

    async def request(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> Reply:
        """``headers``: extra headers (the authorization, say)."""
        data = None if body is None else orjson.dumps(body)
        if data is not None:
            headers = {**headers, "Content-Type": "application/json"}
        queued = {"ms": 0.0}
        try:
            async with self._client().request(method, path, data=data, headers=headers,
                                              trace_request_ctx=queued) as answer:
                return Reply(answer.status, await answer.read(), queued["ms"])
        except TimeoutError:
            raise TransportError(f"no answer within {self.timeout_s:.0f} s") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


# A request that finds every connection of the pool busy waits between these two hooks.
async def _queued_start(_: aiohttp.ClientSession, ctx: SimpleNamespace, __: Any) -> None:
    ctx.queued_at = time.perf_counter()


async def _queued_end(_: aiohttp.ClientSession, ctx: SimpleNamespace, __: Any) -> None:
    ctx.trace_request_ctx["ms"] += (time.perf_counter() - ctx.queued_at) * 1000
