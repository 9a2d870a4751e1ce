"""Photos and voice notes from the web chat: ``POST /webhooks/rest/media?sender=ID``.

Telegram, WhatsApp and MMS hand the core a link to download; the web chat's browser sends the
bytes itself, as ``multipart/form-data`` with one part named ``file``. The sender and the
message id are in the query string, as for the poll endpoint, so the rate limiter counts the
sender without touching a body that may weigh megabytes.

The adapter refuses with an HTTP status what it can tell at the door, and the page says why
with the bot's own words: a body over ``OUTREACH_MEDIA_MAX_BYTES`` (413, from its declared
length before a byte is read, else as soon as the count passes the limit), an empty file or a
broken form (400), a file whose first bytes are not of an allowed type (415; what the browser
calls it is ignored). A file that passes goes to ``ConversationService.handle_media`` like any
channel's: stored encrypted, held until the consent question is answered, and answered with
the bot's usual thanks, in the REST channel's JSON shape.
"""

from __future__ import annotations

import logging
from typing import Final

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from outreach_bot.channels.rest import (
    CHANNEL,
    MAX_MESSAGE_ID_LENGTH,
    MAX_SENDER_LENGTH,
    render_result,
)
from outreach_bot.core.channel import Attachment, InboundMessage
from outreach_bot.core.media import Problem
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.web.errors import json_error
from outreach_bot.web.keys import services_key

logger = logging.getLogger(__name__)

MEDIA_ENDPOINT: Final = "/webhooks/rest/media"
"""The same address as ``web.landing.MEDIA_ENDPOINT``, which the page gives its script."""
FILE_FIELD: Final = "file"
FORM_OVERHEAD: Final = 16 * 1024
"""Bytes a browser adds around the file (boundaries, the part's headers, a long file name):
a body declared longer than the limit plus this cannot hold an acceptable file."""
CHUNK: Final = 64 * 1024
KINDS: Final = {"image": "photo", "audio": "voice"}
"""The kind the core answers by, from the type read in the bytes: a recording made with the
phone's own recorder is a voice note; anything else allowed (a PDF) is a document."""
_BROKEN_FORM: Final = (
    ValueError,  # a bad boundary, a part without a closing boundary
    LookupError,
    RuntimeError,
    TypeError,
    AssertionError,  # aiohttp's multipart reader asserts on some truncated bodies
    HttpProcessingError,
    Warning,  # aiohttp warns on a bad Content-Disposition; tests turn warnings into errors
)


async def _read_file(request: web.Request, limit: int) -> tuple[bytes, str | None] | Problem:
    """The bytes and name of the ``file`` part, or ``Problem.TOO_BIG`` once past ``limit``
    (the rest is never read).

    Raises:
        InvalidInputError: the body is not a form whose first part is ``file``.
    """
    try:
        return await _read_part(request, limit)
    except _BROKEN_FORM as error:
        # The error's text may quote the body: the class name is enough to diagnose.
        logger.info("unreadable web chat upload refused (%s)", type(error).__name__)
        raise InvalidInputError("body: not a readable multipart/form-data form") from None


async def _read_part(request: web.Request, limit: int) -> tuple[bytes, str | None] | Problem:
    reader = await request.multipart()
    part = await reader.next()
    if not isinstance(part, BodyPartReader) or part.name != FILE_FIELD:
        raise InvalidInputError("body: must be a form with one part named 'file'")
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(CHUNK):
        size += len(chunk)
        if size > limit:
            return Problem.TOO_BIG
        chunks.append(chunk)
    return b"".join(chunks), part.filename


async def on_media(request: web.Request) -> web.Response:
    """Check the file at the door, hand it to the core, answer like the REST webhook."""
    sender = request.query.get("sender", "").strip()
    if not sender or len(sender) > MAX_SENDER_LENGTH:
        return json_error(400, "sender: must be 1 to 128 characters")
    message_id = request.query.get("message_id")
    if message_id is not None and not 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH:
        return json_error(400, "message_id: must be 1 to 100 characters")
    services = request.app[services_key]
    policy = services.conversations.media_policy
    too_big = json_error(413, f"file: larger than {policy.max_bytes} bytes")
    if request.content_length is not None and request.content_length > (
        policy.max_bytes + FORM_OVERHEAD
    ):
        return too_big  # not a byte of it read
    if request.content_type != "multipart/form-data":
        return json_error(400, "body: must be multipart/form-data with a part named 'file'")
    read = await _read_file(request, policy.max_bytes)
    if isinstance(read, Problem):
        return too_big
    data, filename = read
    if not data:
        return json_error(400, "file: is empty")
    content_type = policy.content_type(data)
    if content_type is Problem.TOO_BIG:
        return too_big
    if isinstance(content_type, Problem):
        return json_error(415, "file: not a photo, a voice note or a PDF")

    async def fetch(limit: int) -> bytes:
        return data

    result = await services.conversations.handle_media(
        InboundMessage(channel=CHANNEL, sender_id=sender, text="", message_id=message_id),
        Attachment(
            kind=KINDS.get(content_type.split("/", 1)[0], "document"),
            fetch=fetch,
            declared_type=content_type,
            declared_size=len(data),
            filename=filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if filename else None,
        ),
    )
    return web.json_response(render_result(services.content, sender, result))


def add_routes(app: web.Application) -> None:
    """Mount the upload endpoint next to the REST channel."""
    app.router.add_post(MEDIA_ENDPOINT, on_media)
