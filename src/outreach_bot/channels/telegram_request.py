"""The bot's calls to the Bot API over aiohttp, through PTB's networking interface.

PTB sends through httpx unless given another :class:`~telegram.request.BaseRequest`; the
interface exists so an application can bring the HTTP library it already runs. Ours is
aiohttp (the server, the SMS and WhatsApp providers' clients). Measured on the 2-core
machine, one ``send_message`` cost the process 2.5 ms of CPU through httpx and 1.1 ms
through this class (PTB's own work, its rate limiter included, is the rest): under a burst
every Telegram reply pays it, on the one core that also answers everyone else
(docs/contributing/benchmarks.md, "Delivery").

Only the bot's own calls go through here. Long polling (``getUpdates``) keeps PTB's default
request, whose long read timeout it is built around.
"""

from __future__ import annotations

from typing import Final

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

READ_TIMEOUT: Final = 5.0
CONNECT_TIMEOUT: Final = 5.0
POOL_TIMEOUT: Final = 1.0
MEDIA_TIMEOUT: Final = 20.0
"""Sending a file may take longer than a text (PTB's default for media, too)."""


class AiohttpRequest(BaseRequest):
    """A :class:`~telegram.request.BaseRequest` on one :class:`aiohttp.ClientSession`.

    Timeouts follow PTB's meaning: ``read`` for the answer, ``connect`` for opening a
    connection, ``pool`` for waiting for a free one (aiohttp counts that wait in its
    ``connect`` timeout, so the two add up). A timeout becomes :class:`~telegram.error.TimedOut`
    and any other transport failure :class:`~telegram.error.NetworkError`, as with PTB's own
    request: the outbox retries both. HTTP error statuses are left to PTB, which turns them
    into its exceptions (``Forbidden``, ``RetryAfter``…).
    """

    __slots__ = ("_connections", "_session")

    def __init__(self, *, connections: int = 256) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The read timeout used when a call does not give one."""
        return READ_TIMEOUT

    async def initialize(self) -> None:
        """Open the session (PTB calls this when the bot starts)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(  # noqa: PLR0917 - PTB's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP call; the status and the body, whatever the status."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        read = _given(read_timeout, MEDIA_TIMEOUT if files else READ_TIMEOUT)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        pool = _given(pool_timeout, POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _given(value: object, default: float) -> float | None:
    """A timeout the call gave (None: no limit), or ``default`` when it gave none."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value if value is None or isinstance(value, float | int) else default


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The call's parameters as a form (what the Bot API takes), multipart with files."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, *rest = part
        form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
    return form
