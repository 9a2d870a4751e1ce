"""WhatsApp Cloud API channel: Meta's webhook in, the Graph API's ``/messages`` out.

Written on aiohttp rather than on pywa (MIT, well kept): pywa brings a second HTTP client
(httpx) beside our aiohttp, builds its Graph API address from a fixed host (a test could not
point it at a local fake without reaching into its internals), and its webhook helpers are
written for Flask and FastAPI. What we need of the Cloud API is small: a signature check, the
notification's JSON shape, and four kinds of outgoing message (docs/channels/whatsapp.md).

How a message travels:

* ``GET /webhooks/whatsapp`` answers Meta's verification: ``hub.challenge`` is echoed when
  ``hub.mode`` is ``subscribe`` and ``hub.verify_token`` matches, 403 otherwise.
* ``POST /webhooks/whatsapp``: the ``X-Hub-Signature-256`` header must be ``sha256=`` and the
  HMAC-SHA256 of the raw body with the app secret, checked before anything is parsed; unsigned
  or forged notifications get 403 and a log line without the body. Then each message is handed
  to the core (stored, deduplicated by Meta's message id, replies queued in the outbox), each
  status is recorded on the outbox row it concerns, and only then does Meta get its 200.
* Replies leave through the persistent outbox and :class:`WhatsAppOutbound`, which renders the
  dialogue's buttons (reply buttons, a list, or numbered lines), keeps to the 24-hour window
  (approved templates outside it, :mod:`outreach_bot.core.delivery.whatsapp`) and paces sends.

A young person is known by their phone number (E.164) when Meta gives it, else by the
business-scoped user id (BSUID, ``FR.1234…``) Meta gives to users who hide their number
behind a username; replies go to whichever the conversation was opened with.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import time
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any, Final
from urllib.parse import quote

import aiohttp
from aiohttp import web

from outreach_bot.channels.sms import SmsRenderer
from outreach_bot.channels.sms_text import numbered_choices
from outreach_bot.content import Content
from outreach_bot.core.channel import (
    Attachment,
    Delivery,
    InboundMessage,
    MediaTooLargeError,
    MediaUnavailableError,
    PermanentFailureError,
    SendCancelledError,
    SendLimits,
    SendResult,
    TemporaryFailureError,
)
from outreach_bot.core.delivery.whatsapp import (
    CHANNEL,
    Template,
    WhatsAppInbox,
    WhatsAppWindow,
    templates_of,
)
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.domain.direction import keep_numbers_whole
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.domain.fields import parse_phone
from outreach_bot.domain.log_text import escape_for_log
from outreach_bot.web.errors import json_error, read_json

logger = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/webhooks/whatsapp"
SIGNATURE_HEADER: Final = "X-Hub-Signature-256"
SIGNATURE_PREFIX: Final = "sha256="
MAX_TEXT: Final = 4096
"""A text message's body, in characters (Cloud API reference, text messages)."""
MAX_INTERACTIVE_BODY: Final = 1024
MAX_BUTTONS: Final = 3
MAX_BUTTON_TITLE: Final = 20
MAX_BUTTON_ID: Final = 256
MAX_ROWS: Final = 10
MAX_ROW_TITLE: Final = 24
MAX_ROW_DESCRIPTION: Final = 72
MAX_ROW_ID: Final = 200
MAX_ID_LENGTH: Final = 256
MESSAGES: Final[dict[str, frozenset[str]]] = {
    "whatsapp_non_text": frozenset(),
    "whatsapp_list_button": frozenset(),
    "whatsapp_choose": frozenset(),
}
"""The ``messages.yml`` keys this adapter says itself, checked when the channel starts."""
FILE_KINDS: Final = {"audio": "audio", "image": "photo", "document": "document", "video": "video"}
"""Cloud API message types handed to the core as files (a voice note is an ``audio`` with
``voice: true``), and the core's name for each. A sticker, a location or a contact card gets
the text-only notice."""
DOWNLOAD_CHUNK: Final = 64 * 1024
SILENT_TYPES: Final = frozenset({"reaction", "system", "request_welcome", "ephemeral"})
"""Nothing to answer: a thumbs-up on our message, a number change, an opened chat."""
BSUID_RE: Final = re.compile(r"^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$")
"""A business-scoped user id: country code, a dot, then letters and digits (``FR.1502…``)."""
HTTP_TOO_MANY: Final = 429
HTTP_SERVER_ERROR: Final = 500
#: Graph API error codes after which waiting helps: throughput, pair rate, spam rate limits,
#: temporary errors (Cloud API error codes reference).
RETRY_CODES: Final = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056})
#: The user cannot get our messages (not on WhatsApp, blocked, unknown recipient).
RECIPIENT_CODES: Final = frozenset({131026, 131021, 131050, 131030})
OUTSIDE_WINDOW_CODE: Final = 131047
PAIR_RATE_WAIT: Final = 6.0
"""Seconds to wait after Meta's pair rate limit (about one message every 6 s to one user)."""
NOTICES_REMEMBERED: Final = 1024


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` is ``sha256=`` + the HMAC-SHA256 of ``body`` keyed with ``secret``."""
    if not secret or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    given = header.removeprefix(SIGNATURE_PREFIX).strip().lower()
    return hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii"))


# --- notifications ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file a message carries: Meta's media id, to fetch it from the Graph API."""

    media_id: str
    kind: str
    mime_type: str | None
    filename: str | None
    caption: str | None = None
    """Words sent with an image, a document or a video; the core answers them too."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message of a notification, reduced to what the core needs."""

    message_id: str
    sender_id: str
    phone: str | None
    kind: str
    text: str | None
    media: MediaRef | None = None


@dataclass(frozen=True, slots=True)
class Status:
    """One delivery status of a message we sent."""

    message_id: str
    status: str
    error: str | None


def _str(value: object, limit: int = MAX_ID_LENGTH) -> str | None:
    """``value`` if it is a non-empty string of at most ``limit`` characters."""
    if isinstance(value, str) and value and len(value) <= limit and "\x00" not in value:
        return value
    return None


def _dicts(value: object) -> list[dict[str, Any]]:
    """The dict items of ``value`` if it is a list, else nothing."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _text_of(message: dict[str, Any], kind: str) -> str | None:
    """What the young person wrote or tapped, as the dialogue reads it (a payload for a tap)."""
    part = message.get(kind)
    if not isinstance(part, dict):
        return None
    if kind == "text":
        body = part.get("body")
        return body if isinstance(body, str) else None
    if kind == "interactive":
        for reply_kind in ("button_reply", "list_reply"):
            chosen = part.get(reply_kind)
            if isinstance(chosen, dict):
                return _str(chosen.get("id"), MAX_BUTTON_ID) or _str(chosen.get("title"))
        return None
    if kind == "button":  # a quick-reply button of a template
        return _str(part.get("payload"), MAX_BUTTON_ID) or _str(part.get("text"))
    return None


def _media_of(message: dict[str, Any], kind: str) -> MediaRef | None:
    """The file of an audio, image, document or video message, if it names its media id."""
    part = message.get(kind)
    if kind not in FILE_KINDS or not isinstance(part, dict):
        return None
    media_id = _str(part.get("id"), 100)
    if media_id is None:
        return None
    core_kind = "voice" if kind == "audio" and part.get("voice") is True else FILE_KINDS[kind]
    caption = part.get("caption")
    return MediaRef(
        media_id,
        core_kind,
        _str(part.get("mime_type"), 100),
        _str(part.get("filename")),
        caption if isinstance(caption, str) and "\x00" not in caption else None,
    )


def _sender(message: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[str, str | None]:
    """(sender id, E.164 phone or None): the phone when Meta gives it, else the BSUID."""
    raw_phone = _str(message.get("from"), 32)
    bsuid = _str(message.get("from_user_id"), 160)
    if bsuid is None:
        for contact in contacts:
            if raw_phone is None or contact.get("wa_id") == raw_phone:
                bsuid = _str(contact.get("user_id"), 160)
                break
    phone = parse_phone("+" + raw_phone.lstrip("+")) if raw_phone else None
    if phone is not None:
        return phone, phone
    if bsuid is not None and BSUID_RE.match(bsuid):
        return bsuid, None
    return "", None


def parse_notification(data: object) -> tuple[list[Incoming], list[Status]]:
    """The messages and statuses of a Cloud API notification.

    Raises:
        InvalidInputError: not a WhatsApp Business Account notification at all (answered 400).
    """
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise InvalidInputError("not a WhatsApp notification (no entry list)")
    messages: list[Incoming] = []
    statuses: list[Status] = []
    for entry in _dicts(data["entry"]):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            contacts = _dicts(value.get("contacts"))
            for message in _dicts(value.get("messages")):
                message_id = _str(message.get("id"))
                kind = _str(message.get("type"), 40) or "unsupported"
                sender, phone = _sender(message, contacts)
                if message_id is None or not sender:
                    logger.warning("whatsapp message without an id or a sender skipped")
                    continue
                messages.append(
                    Incoming(
                        message_id,
                        sender,
                        phone,
                        kind,
                        _text_of(message, kind),
                        _media_of(message, kind),
                    )
                )
            for status in _dicts(value.get("statuses")):
                message_id, state = _str(status.get("id")), _str(status.get("status"), 20)
                if message_id is None or state is None:
                    continue
                codes = [
                    str(error.get("code"))
                    for error in _dicts(status.get("errors"))
                    if isinstance(error.get("code"), int)
                ]
                error = f"whatsapp {state} {' '.join(codes)}".strip() if codes else None
                statuses.append(Status(message_id, state, error))
    return messages, statuses


# --- rendering ----------------------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long text into messages, at a paragraph, line or word boundary when one is near."""
    rest = text.strip()
    parts: list[str] = []
    while len(rest) > limit:
        head = rest[:limit]
        cut = max(head.rfind("\n\n"), head.rfind("\n"), head.rfind(" "))
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


class WhatsAppRenderer:
    """Turns a dialogue reply into Cloud API message objects (without the recipient).

    The dialogue's choices become, in order of preference: reply buttons (at most 3, titles of
    at most 20 characters), a list (at most 10 rows; a longer title is cut in the row and
    written whole in its description), or numbered lines as on SMS (the dialogue understands a
    typed number on every channel). Link buttons (``tel:3114``) are left out: the number is in
    the text.
    """

    def __init__(self, content: Content) -> None:
        content.require_messages(MESSAGES)
        self._content = content
        self._sms = SmsRenderer(content)

    def render(self, reply: Reply) -> list[dict[str, Any]]:
        """The messages that carry ``reply`` inside the 24-hour window."""
        choices = reply.choices
        # Plain text, laid out by the phone: a number in an Arabic line must keep its order.
        text = keep_numbers_whole(reply.text.strip())
        if not choices:
            return [_text(part) for part in split_text(text)]
        interactive = self._interactive(choices, self._sms.locale_of(reply))
        if interactive is None:
            lines = [text, *numbered_choices(button.title for button in choices)]
            instruction = self._sms.instruction(reply)
            if instruction:
                lines.append(instruction)
            return [_text(part) for part in split_text("\n".join(line for line in lines if line))]
        messages: list[dict[str, Any]] = []
        if not text or len(text) > MAX_INTERACTIVE_BODY:
            messages = [_text(part) for part in split_text(text)]
            text = self._content.message("whatsapp_choose", self._sms.locale_of(reply))
        interactive["body"] = {"text": text}
        messages.append({"type": "interactive", "interactive": interactive})
        return messages

    def _interactive(self, choices: tuple[Button, ...], locale: str) -> dict[str, Any] | None:
        payloads = [button.payload for button in choices]
        if len(set(payloads)) != len(payloads):
            return None
        if (
            len(choices) <= MAX_BUTTONS
            and all(len(b.title) <= MAX_BUTTON_TITLE for b in choices)
            and all(len(p) <= MAX_BUTTON_ID for p in payloads)
        ):
            return {
                "type": "button",
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": b.payload, "title": b.title}}
                        for b in choices
                    ]
                },
            }
        if len(choices) <= MAX_ROWS and all(len(p) <= MAX_ROW_ID for p in payloads):
            rows = []
            for button in choices:
                row = {"id": button.payload, "title": _cut(button.title, MAX_ROW_TITLE)}
                if len(button.title) > MAX_ROW_TITLE:
                    row["description"] = _cut(button.title, MAX_ROW_DESCRIPTION)
                rows.append(row)
            label = self._content.message("whatsapp_list_button", locale)
            return {
                "type": "list",
                "action": {
                    "button": _cut(label, MAX_BUTTON_TITLE),
                    "sections": [{"rows": rows}],
                },
            }
        return None

    @staticmethod
    def template(template: Template, reply: Reply) -> dict[str, Any]:
        """The approved template carrying ``reply``'s text as its one variable.

        Meta refuses a variable with line breaks, tabs or more than four spaces in a row, so
        the text is folded onto one line; the buttons cannot ride on a template and are left
        out (the young person's answer reopens the window and the dialogue goes on).
        """
        flat = keep_numbers_whole(" ".join(reply.text.split()))
        return {
            "type": "template",
            "template": {
                "name": template.name,
                "language": {"code": template.language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": flat}]}],
            },
        }


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


# --- sending ------------------------------------------------------------------------------


def address(recipient: str) -> dict[str, str]:
    """Who a message goes to: ``to`` for a phone number, ``recipient`` for a BSUID."""
    if BSUID_RE.match(recipient):
        return {"recipient": recipient}
    digits = recipient.lstrip("+")
    if not digits.isdigit():
        raise PermanentFailureError("not a WhatsApp phone number or user id")
    return {"to": digits}


def translate(status: int, data: dict[str, Any], retry_after: str | None) -> Exception:
    """What the outbox should do after a Graph API error answer."""
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    assert isinstance(error, dict)  # noqa: S101 - narrowed above, for mypy
    code = error.get("code")
    if code == OUTSIDE_WINDOW_CODE:
        return SendCancelledError("outside WhatsApp's 24-hour window (131047)")
    if status == HTTP_TOO_MANY or status >= HTTP_SERVER_ERROR or code in RETRY_CODES:
        wait = PAIR_RATE_WAIT if code == 131056 else None  # noqa: PLR2004 - pair rate limit
        with contextlib.suppress(ValueError):
            wait = float(retry_after) if retry_after else wait
        return TemporaryFailureError(f"whatsapp HTTP {status} error {code}", retry_after=wait)
    if code in RECIPIENT_CODES:
        return PermanentFailureError(f"whatsapp error {code}")
    if isinstance(code, int) and 132000 <= code < 133000:  # noqa: PLR2004 - template errors
        logger.error(
            "WhatsApp refused a template (error %s): check OUTREACH_WHATSAPP_TEMPLATES", code
        )
        return SendCancelledError(f"whatsapp template refused ({code})")
    logger.error(
        "WhatsApp refused a message: HTTP %s, error %s; check the WHATSAPP_* settings",
        status,
        code,
    )
    return TemporaryFailureError(f"whatsapp HTTP {status} error {code}")


CONCURRENT_SENDS: Final = 8
"""Graph API calls in flight at once for replies."""


class WhatsAppOutbound:
    """The ``OutboundChannel`` for WhatsApp: the outbox delivers replies through it.

    Pacing: messages to one user are spaced by ``interval`` seconds, and all messages by
    ``1 / per_second``, well under the Cloud API's throughput; an answer that Meta's rate
    limits were hit becomes a ``TemporaryFailureError`` the outbox retries later. The same
    figures are the channel's :attr:`limits`, which the outbox dispatcher keeps without making
    other users wait; the spacing here still paces the parts of one split reply.
    """

    name = CHANNEL

    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        phone_number_id: str,
        token: str,
        renderer: WhatsAppRenderer,
        window: WhatsAppWindow,
        interval: float = 1.0,
        per_second: float = 20.0,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._renderer = renderer
        self._window = window
        self._interval = interval
        self._spacing = 1.0 / per_second
        self.limits = SendLimits(
            per_second=per_second, recipient_interval=interval, concurrent=CONCURRENT_SENDS
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock
        self._http: aiohttp.ClientSession | None = None
        self._next_slot: dict[str, float] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._global = asyncio.Lock()
        self._global_slot = 0.0

    async def start(self) -> None:
        """Open the HTTP connection pool (inside the running event loop)."""
        self._http = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: the connection pool lives as long as the app."""
        await self.start()
        yield
        await self.close()

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        """Send one reply: free-form inside the 24-hour window, an approved template outside.

        Raises:
            SendCancelledError: outside the window with no template for this kind of message
                (the row is cancelled, the young person stays reachable).
            TemporaryFailureError: rate limits, network trouble, outage, our configuration.
            PermanentFailureError: this user cannot get our WhatsApp messages.
        """
        kind = delivery.kind if delivery else None
        if await self._window.is_open(recipient):
            messages = self._renderer.render(reply)
        else:
            template = self._window.template(kind)
            if template is None:
                logger.info("WhatsApp message (%s) held back: outside the 24-hour window", kind)
                raise SendCancelledError(
                    f"outside WhatsApp's 24-hour window, no template for {kind or 'a reply'}"
                )
            messages = [self._renderer.template(template, reply)]
        return await self._send_all(recipient, messages, delivery.parts_sent if delivery else 0)

    async def answer(self, recipient: str, reply: Reply) -> SendResult:
        """Answer a message received this instant (a notice outside the dialogue): the window
        is open by definition, even before any conversation exists."""
        return await self._send_all(recipient, self._renderer.render(reply), 0)

    async def _send_all(
        self, recipient: str, messages: list[dict[str, Any]], done: int
    ) -> SendResult:
        to = address(recipient)
        if not messages:
            return SendResult(segments=0)
        sent_id: str | None = None
        for index, message in enumerate(messages[done:], start=done):
            try:
                sent_id = await self._post(recipient, {**to, **message})
            except TemporaryFailureError as error:
                error.parts_sent = index
                raise
        return SendResult(provider_message_id=sent_id, segments=len(messages))

    async def _post(self, recipient: str, message: dict[str, Any]) -> str | None:
        if self._http is None:
            raise TemporaryFailureError("WhatsApp channel not started")
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **message}
        async with self._locks[recipient]:
            await self._wait(recipient)
            try:
                async with self._http.post(self._url, json=body, headers=self._headers) as answer:
                    status = answer.status
                    retry_after = answer.headers.get("Retry-After")
                    try:
                        data: Any = await answer.json(content_type=None)
                    except ValueError:
                        data = None
            except (aiohttp.ClientError, TimeoutError) as error:
                raise TemporaryFailureError(
                    f"whatsapp unreachable ({type(error).__name__})"
                ) from error
            finally:
                self._next_slot[recipient] = self._clock() + self._interval
                self._forget_idle()
        data = data if isinstance(data, dict) else {}
        if status >= 300:  # noqa: PLR2004
            raise translate(status, data, retry_after)
        sent = _dicts(data.get("messages"))
        return _str(sent[0].get("id")) if sent else None

    async def _wait(self, recipient: str) -> None:
        """Hold until this user's next slot, and the next slot of the whole number."""
        wait = self._next_slot.get(recipient, 0.0) - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)
        async with self._global:
            wait = self._global_slot - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            self._global_slot = self._clock() + self._spacing

    def _forget_idle(self) -> None:
        """Keep the pacing table small: a user whose slot has passed needs no entry."""
        if len(self._next_slot) < NOTICES_REMEMBERED:
            return
        now = self._clock()
        for recipient, slot in list(self._next_slot.items()):
            lock = self._locks.get(recipient)
            if slot <= now and (lock is None or not lock.locked()):
                del self._next_slot[recipient]
                self._locks.pop(recipient, None)


class GraphMedia:
    """Fetches a received file from the Graph API: ``GET /{version}/{media-id}`` gives a
    short-lived URL, then ``GET`` that URL, both with the bearer token (Cloud API reference,
    media). The download stops past the core's limit."""

    def __init__(self, *, base_url: str, version: str, token: str, timeout: float = 30.0) -> None:
        self._base = f"{base_url.rstrip('/')}/{version}"
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: the connection pool lives as long as the app."""
        self._http = aiohttp.ClientSession(timeout=self._timeout)
        yield
        await self._http.close()
        self._http = None

    def attachment(self, media: MediaRef) -> Attachment:
        """The core's :class:`Attachment` for ``media``; nothing is downloaded yet."""

        async def fetch(limit: int) -> bytes:
            return await self.download(media.media_id, limit)

        return Attachment(
            kind=media.kind, fetch=fetch, declared_type=media.mime_type, filename=media.filename
        )

    async def download(self, media_id: str, limit: int) -> bytes:
        """The file's bytes.

        Raises:
            MediaTooLargeError: Meta's ``file_size``, or the bytes, exceed ``limit``.
            MediaUnavailableError: Meta refused or could not be reached (the young person is
                asked to send it again; retrying the whole notification would answer twice).
        """
        if self._http is None:
            raise MediaUnavailableError("WhatsApp channel not started")
        try:
            async with self._http.get(
                f"{self._base}/{quote(media_id, safe='')}", headers=self._headers
            ) as answer:
                info: Any = await answer.json(content_type=None) if answer.ok else None
            url = info.get("url") if isinstance(info, dict) else None
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise MediaUnavailableError("no media URL")
            size = info.get("file_size")
            if isinstance(size, int) and size > limit:
                raise MediaTooLargeError(media_id)
            data = bytearray()
            async with self._http.get(url, headers=self._headers) as answer:
                if not answer.ok:
                    raise MediaUnavailableError(f"media download HTTP {answer.status}")
                async for chunk in answer.content.iter_chunked(DOWNLOAD_CHUNK):
                    data += chunk
                    if len(data) > limit:
                        raise MediaTooLargeError(media_id)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise MediaUnavailableError(type(error).__name__) from None
        return bytes(data)


# --- webhook ------------------------------------------------------------------------------


class WhatsAppWebhook:
    """``GET`` and ``POST /webhooks/whatsapp``: verification, then notifications."""

    def __init__(
        self,
        *,
        app_secret: str,
        verify_token: str,
        inbox: WhatsAppInbox,
        outbound: WhatsAppOutbound,
        content: Content,
        media: GraphMedia,
        locale: str = "fr",
    ) -> None:
        self._media = media
        self._locale = locale
        self._secret = app_secret
        self._verify_token = verify_token
        self._inbox = inbox
        self._outbound = outbound
        self._content = content
        self._noticed: OrderedDict[str, None] = OrderedDict()

    def add_routes(self, app: web.Application) -> None:
        """Mount both methods of the webhook."""
        app.router.add_get(WEBHOOK_PATH, self.on_verify)
        app.router.add_post(WEBHOOK_PATH, self.on_notification)

    async def on_verify(self, request: web.Request) -> web.Response:
        """Meta's subscription check: echo ``hub.challenge`` when the verify token matches."""
        query = request.query
        given = query.get("hub.verify_token", "").encode("utf-8", "surrogatepass")
        if (
            query.get("hub.mode") != "subscribe"
            or not self._verify_token
            or not hmac.compare_digest(given, self._verify_token.encode("utf-8"))
        ):
            logger.warning("whatsapp webhook verification refused")
            return json_error(403, "forbidden")
        challenge = query.get("hub.challenge", "")
        return web.Response(text=challenge, content_type="text/plain")

    async def on_notification(self, request: web.Request) -> web.Response:
        """Verify the signature on the raw body, then parse, store, and acknowledge."""
        body = await request.read()
        if not signature_ok(self._secret, body, request.headers.get(SIGNATURE_HEADER, "")):
            # Never the body: it holds messages and phone numbers.
            logger.warning(
                "whatsapp notification refused: %s signature",
                "wrong" if SIGNATURE_HEADER in request.headers else "no",
            )
            return json_error(403, "forbidden")
        messages, statuses = parse_notification(await read_json(request))
        for status in statuses:
            await self._inbox.report(status.message_id, status.status, error=status.error)
        for message in messages:
            await self.on_message(message)
        return web.json_response({"ok": True})

    async def on_message(self, message: Incoming) -> None:
        """A text, a tap or a file goes to the core; a sticker, a location and the like get a
        kind notice."""
        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=message.sender_id,
            sender_phone=message.phone,
            text="",
            message_id=message.message_id,
        )
        if message.text is None and message.media is not None:
            result = await self._inbox.receive_media(
                replace(inbound, text=message.media.caption or ""),
                self._media.attachment(message.media),
            )
            logger.info(
                "whatsapp %s handled in conversation %s%s",
                message.media.kind,
                result.conversation_id,
                " (duplicate)" if result.duplicate else "",
            )
        elif message.text is not None:
            result = await self._inbox.receive(
                InboundMessage(
                    channel=CHANNEL,
                    sender_id=message.sender_id,
                    sender_phone=message.phone,
                    text=message.text,
                    message_id=message.message_id,
                )
            )
            logger.info(
                "whatsapp message handled in conversation %s%s",
                result.conversation_id,
                " (duplicate)" if result.duplicate else "",
            )
        elif message.kind not in SILENT_TYPES:
            await self.on_media(message)

    async def on_media(self, message: Incoming) -> None:
        """A sticker, a location, a contact card…: we only read text, and say so kindly."""
        if message.message_id in self._noticed:
            return  # Meta's resend of the same message: the notice went once
        self._noticed[message.message_id] = None
        while len(self._noticed) > NOTICES_REMEMBERED:
            self._noticed.popitem(last=False)
        logger.info(
            "whatsapp %s message answered with the text-only notice", escape_for_log(message.kind)
        )
        notice = Reply(self._content.message("whatsapp_non_text", self._locale))
        try:
            await self._outbound.answer(message.sender_id, notice)
        except (TemporaryFailureError, PermanentFailureError, SendCancelledError) as error:
            logger.warning("whatsapp notice not sent: %s", type(error).__name__)


# --- wiring -------------------------------------------------------------------------------


def setup(app: web.Application, services: Services) -> None:
    """Mount the webhook and register the WhatsApp channel; nothing without a token.

    The settings it needs with the token were checked with the others, by
    :class:`~outreach_bot.config.Settings`.
    """
    settings = services.settings
    if not settings.whatsapp_token:
        logger.info("WhatsApp channel off: OUTREACH_WHATSAPP_TOKEN is not set")
        return
    window = WhatsAppWindow(services.sessions, templates_of(settings))
    outbound = WhatsAppOutbound(
        base_url=str(settings.whatsapp_base_url),
        version=settings.whatsapp_api_version,
        phone_number_id=settings.whatsapp_phone_number_id,
        token=settings.whatsapp_token,
        renderer=WhatsAppRenderer(services.content),
        window=window,
        interval=settings.whatsapp_chat_interval,
        per_second=settings.whatsapp_messages_per_second,
    )
    inbox = WhatsAppInbox(conversations=services.conversations, sessions=services.sessions)
    media = GraphMedia(
        base_url=str(settings.whatsapp_base_url),
        version=settings.whatsapp_api_version,
        token=settings.whatsapp_token,
    )
    WhatsAppWebhook(
        app_secret=settings.whatsapp_app_secret,
        verify_token=settings.whatsapp_verify_token,
        inbox=inbox,
        outbound=outbound,
        content=services.content,
        media=media,
        locale=settings.default_locale,
    ).add_routes(app)
    services.scheduler.channel_guard(CHANNEL, window.scheduled_guard)
    services.outbound[CHANNEL] = outbound
    app.cleanup_ctx.append(outbound.running)
    app.cleanup_ctx.append(media.running)
    logger.info("WhatsApp channel on (phone number id %s)", settings.whatsapp_phone_number_id)
