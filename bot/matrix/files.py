"""An uploaded Matrix file as the command layer's Attachment.

`info.size` and `info.mimetype` come with the `m.file` event; the bytes are
fetched only when a handler reads them, through the authenticated media API
(`/_matrix/client/v1/media/download`), streamed and cut off at the size limit.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mautrix.api import HTTPAPI

from bot.core.errors import InvalidInput

CHUNK = 64 * 1024


class MatrixAttachment:
    def __init__(
        self,
        api: HTTPAPI,
        content: dict[str, Any],
        *,
        max_bytes: int,
        timeout: float,
    ) -> None:
        info = content.get("info") if isinstance(content.get("info"), dict) else {}
        assert isinstance(info, dict)
        self._api = api
        self._url = str(content.get("url", ""))
        # MSC2530: with a caption, `body` is the caption and `filename` the file's name.
        self._filename = str(content.get("filename") or content.get("body") or "upload")
        size = info.get("size")
        self._size = size if isinstance(size, int) and size >= 0 else 0
        mimetype = info.get("mimetype")
        self._content_type = mimetype if isinstance(mimetype, str) else None
        self._max_bytes = max_bytes
        self._timeout = timeout

    @property
    def filename(self) -> str:
        return self._filename

    @property
    def size(self) -> int:
        return self._size

    @property
    def content_type(self) -> str | None:
        return self._content_type

    async def read(self) -> bytes:
        if not self._url.startswith("mxc://"):
            raise InvalidInput("That file is encrypted or has no address; upload it again.")
        server, media_id = self._url[len("mxc://") :].split("/", 1)
        url = self._api.base_url.with_path(
            f"/_matrix/client/v1/media/download/{server}/{media_id}", encoded=False
        )
        headers = {"Authorization": f"Bearer {self._api.token}"}
        try:
            async with asyncio.timeout(self._timeout):
                async with self._api.session.get(
                    url, headers=headers, params={"allow_redirect": "true"}
                ) as response:
                    if response.status != 200:
                        raise InvalidInput(
                            "The homeserver would not hand over that file "
                            f"(HTTP {response.status})."
                        )
                    data = bytearray()
                    async for chunk in response.content.iter_chunked(CHUNK):
                        data += chunk
                        if len(data) > self._max_bytes:
                            raise InvalidInput(
                                f"That file is larger than {self._max_bytes // (1024 * 1024)} MiB."
                            )
                    return bytes(data)
        except TimeoutError:
            raise InvalidInput("Downloading that file took too long; try again.") from None
