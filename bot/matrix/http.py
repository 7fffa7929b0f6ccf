"""mautrix's HTTP client, taught to honour the homeserver's 429 `retry_after_ms`.

mautrix turns a 429 into `MLimitExceeded` and drops the body's `retry_after_ms`
(and the `Retry-After` header). Here the wait is read from the response itself,
every request waits out a limit any request has hit (one shared gate, so a
fan-out does not keep knocking), and the request is retried with the same
transaction id, which the homeserver de-duplicates.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from aiohttp import ClientResponse
from mautrix.api import HTTPAPI, Method
from mautrix.errors import MLimitExceeded, make_request_error
from yarl import URL

log = logging.getLogger(__name__)

# Beyond this a single call gives up and lets its caller decide (the outbox
# retries later through the delivery log; a reply is dropped with a log line).
MAX_TOTAL_WAIT = 600.0
DEFAULT_WAIT = 1.0


class RateLimited(MLimitExceeded):
    """A 429 with the wait the homeserver asked for, in seconds."""

    def __init__(self, http_status: int, message: str, retry_after: float) -> None:
        super().__init__(http_status, message)
        self.retry_after = retry_after


def retry_after_of(body: str, header: str | None) -> float:
    """The wait in seconds a 429 asks for: body `retry_after_ms`, else `Retry-After`."""
    try:
        data = json.loads(body)
        millis = data.get("retry_after_ms") if isinstance(data, dict) else None
        if isinstance(millis, int | float) and millis >= 0:
            return float(millis) / 1000
    except ValueError:
        pass
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    return DEFAULT_WAIT


class PacedHTTPAPI(HTTPAPI):
    """HTTPAPI whose requests wait out 429s (shared gate) and then retry."""

    def __init__(self, *args: Any, max_total_wait: float = MAX_TOTAL_WAIT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_total_wait = max_total_wait
        self._resume_at = 0.0
        self.limited = 0  # how many 429s were answered (for logs and benchmarks)

    async def _send(
        self,
        method: Method,
        url: URL,
        content: Any,
        query_params: dict[str, str],
        headers: dict[str, str],
    ) -> tuple[Any, ClientResponse]:
        async with self.session.request(
            str(method), url, data=content, params=query_params, headers=headers
        ) as response:
            if response.status == 429:
                text = await response.text()
                wait = retry_after_of(text, response.headers.get("Retry-After"))
                raise RateLimited(429, "rate limited", wait)
            if 200 <= response.status < 300:
                return await response.json(), response
            text = await response.text()
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            errcode = message = unstable = None
            if isinstance(data, dict):
                errcode, message = data.get("errcode"), data.get("error")
                unstable = data.get("org.matrix.msc3848.unstable.errcode")
            raise make_request_error(
                http_status=response.status,
                text=text,
                errcode=errcode,
                message=message,
                unstable_errcode=unstable,
            )

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        waited = 0.0
        while True:
            pause = self._resume_at - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                return await super().request(*args, **kwargs)
            except RateLimited as exc:
                self.limited += 1
                waited += exc.retry_after
                if waited > self.max_total_wait:
                    raise
                self._resume_at = max(self._resume_at, time.monotonic() + exc.retry_after)
                log.debug("homeserver asked to wait %.2f s", exc.retry_after)
