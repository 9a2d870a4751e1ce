"""SMS Gateway for Android (sms-gate.app): an Android phone with a SIM card as the SMS line.

Outbound: ``POST {OUTREACH_SMSGATEWAY_URL}/message`` with HTTP basic auth, to the phone itself
(local server mode, ``http://<phone>:8080``) or through the project's cloud relay
(``https://api.sms-gate.app/3rdparty/v1``). Inbound: the app's webhooks (``sms:received``,
and ``sms:delivered`` / ``sms:failed`` for delivery reports), signed with the app's signing
key: ``X-Signature`` is the hex HMAC-SHA256 of the raw body followed by ``X-Timestamp``
(Unix seconds). The app signs each attempt afresh, so a timestamp older than five minutes is
a replay and is refused.

MMS: ``mms:received`` carries only metadata (sender, size, class), so it is ignored;
``mms:downloaded`` (app 1.56 and later) carries the text and the attachments, each with its
type and, when the app includes it, its bytes in base64 (``data``). Each attachment goes to
the core as a file; one without its bytes gets the core's "could not get your file" answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from outreach_bot.core.channel import (
    Attachment,
    InboundMessage,
    MediaUnavailableError,
    PermanentFailureError,
    SendLimits,
    SendResult,
    TemporaryFailureError,
)
from outreach_bot.core.delivery.sms_policy import SmsInbox
from outreach_bot.domain.fields import parse_phone
from outreach_bot.domain.json_text import parse_json
from outreach_bot.domain.log_text import escape_for_log
from outreach_bot.domain.numbers import parse_whole_number
from outreach_bot.web.errors import json_error

logger = logging.getLogger(__name__)

CHANNEL: Final = "sms"
WEBHOOK_PATH: Final = "/webhooks/sms/smsgateway"
SIGNATURE_HEADER: Final = "X-Signature"
TIMESTAMP_HEADER: Final = "X-Timestamp"
REPLAY_WINDOW: Final = 300
"""Seconds a signed request stays valid; the app's own docs advise ±5 minutes."""
MAX_ID_LENGTH: Final = 100
HTTP_BAD_REQUEST: Final = 400
HTTP_CONFLICT: Final = 409
HTTP_TOO_MANY: Final = 429
HTTP_SERVER_ERROR: Final = 500
#: Events we receive but do not act on (health pings, data SMS, an MMS before its download,
#: "sent" before delivery).
IGNORED_EVENTS: Final = frozenset({"system:ping", "sms:sent", "sms:data-received", "mms:received"})
MAX_MMS_PARTS: Final = 10
"""Attachments of one MMS handed to the core; an MMS with more is cut (phones send one or two)."""


class GatewayTransport:
    """Sends an SMS body through the app's ``/message`` API.

    The app queues what it is given and the phone sends at the pace set in the app (Android
    itself caps how many SMS one app may send per minute): ours is only to keep few requests
    in flight on a phone's small HTTP server (or the cloud relay).
    """

    limits: Final = SendLimits(concurrent=4)

    def __init__(
        self,
        *,
        base_url: str,
        login: str,
        password: str,
        legacy_payload: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/message"
        credentials = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
        self._headers = {"Authorization": f"Basic {credentials}"}
        self._legacy = legacy_payload
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the HTTP connection pool (inside the running event loop)."""
        self._http = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    def payload(self, recipient: str, body: str, key: str | None = None) -> dict[str, Any]:
        """The request body: ``textMessage`` (current API) or ``message`` (older app versions),
        with ``key`` as the message ``id`` when there is one."""
        content: dict[str, Any] = (
            {"message": body} if self._legacy else {"textMessage": {"text": body}}
        )
        identity = {"id": key} if key else {}
        return {**identity, **content, "phoneNumbers": [recipient], "withDeliveryReport": True}

    async def deliver(self, recipient: str, body: str, key: str | None = None) -> SendResult:
        """Queue one SMS on the phone; its id comes back in the delivery webhooks.

        ``key`` (stable for one outbox row) becomes the message's id. The app (local server)
        and the cloud relay store messages under their id and refuse a second one with the
        same id (HTTP 409): a resend after a crash or an ambiguous timeout is then the message
        they already have, and counts as sent.

        Raises:
            TemporaryFailureError: phone or relay unreachable, 429, 5xx, or wrong credentials.
            PermanentFailureError: the gateway refuses the phone number itself.
        """
        if self._http is None:
            raise TemporaryFailureError("SMS channel not started")
        try:
            async with self._http.post(
                self._url, json=self.payload(recipient, body, key), headers=self._headers
            ) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                try:
                    data: Any = await response.json(content_type=None)
                except ValueError:
                    data = None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TemporaryFailureError(
                f"sms gateway unreachable ({type(error).__name__})"
            ) from error
        return _result(status, data if isinstance(data, dict) else {}, retry_after, key)


def _result(
    status: int, data: dict[str, Any], retry_after: str | None, key: str | None = None
) -> SendResult:
    """Translate the gateway's answer into a send result or the dispatcher's failure kinds."""
    if status < 300:  # noqa: PLR2004 - 201/202: queued on the phone
        message_id = data.get("id")
        return SendResult(provider_message_id=message_id if isinstance(message_id, str) else key)
    if status == HTTP_CONFLICT and key:
        logger.info("sms gateway already had this message (same id): not sent again")
        return SendResult(provider_message_id=key)
    if status == HTTP_TOO_MANY or status >= HTTP_SERVER_ERROR:
        seconds = parse_whole_number(retry_after or "", max_digits=6)
        raise TemporaryFailureError(f"sms gateway HTTP {status}", retry_after=seconds)
    reason = str(data.get("message", ""))
    if status == HTTP_BAD_REQUEST and "phone" in reason.lower():
        raise PermanentFailureError("sms gateway refused the phone number")
    logger.error(
        "sms gateway refused an SMS: HTTP %s; check OUTREACH_SMSGATEWAY_* "
        "(login, password, or LEGACY_PAYLOAD for old app versions)",
        status,
    )
    raise TemporaryFailureError(f"sms gateway HTTP {status}")


class GatewayEvent(BaseModel):
    """What every signed webhook carries: the event's name and its payload object.

    Checked strictly before the event is looked at, so a signed body of the wrong shape
    (``event`` as a list, ``payload`` as text) is a 400 and not a 500; each event's own fields
    are checked where it is handled.
    """

    model_config = ConfigDict(extra="ignore", strict=True)

    event: str
    payload: dict[str, Any]


class GatewayWebhook:
    """``POST /webhooks/sms/smsgateway``: incoming SMS and delivery reports from the app."""

    def __init__(
        self,
        *,
        signing_key: str,
        inbox: SmsInbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._key = signing_key.encode("utf-8")
        self._inbox = inbox
        self._clock = clock

    def add_routes(self, app: web.Application) -> None:
        """Mount the webhook."""
        app.router.add_post(WEBHOOK_PATH, self.on_event)

    def verify(self, body: bytes, signature: str, timestamp: str) -> bool:
        """Whether the app signed ``body`` at ``timestamp``, within the replay window."""
        stamp = parse_whole_number(timestamp, max_digits=12)
        if not self._key or not signature or stamp is None:
            return False
        if abs(self._clock().timestamp() - stamp) > REPLAY_WINDOW:
            return False
        expected = hmac.new(self._key, body + timestamp.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())

    async def on_event(self, request: web.Request) -> web.Response:
        """Verify, parse, and hand an SMS or a delivery report to the core."""
        body = await request.read()
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not self.verify(body, signature, request.headers.get(TIMESTAMP_HEADER, "")):
            logger.warning("sms gateway webhook with a missing, wrong or old signature refused")
            return json_error(403, "bad signature")
        data = parse_json(body)  # a 400 from the error middleware when it is not JSON
        try:
            shaped = GatewayEvent.model_validate(data)
        except ValidationError as error:
            where = ".".join(str(part) for part in error.errors()[0]["loc"]) or "body"
            logger.warning("sms gateway webhook refused a malformed event (%s)", where)
            return json_error(400, f"event and payload are required ({where})")
        event, payload = shaped.event, shaped.payload
        if event == "sms:received":
            return await self._on_received(payload)
        if event == "mms:downloaded":
            return await self._on_mms(payload)
        if event in {"sms:delivered", "sms:failed"}:
            return await self._on_report(payload, delivered=event == "sms:delivered")
        if event not in IGNORED_EVENTS:
            logger.info("sms gateway event %s ignored", escape_for_log(event, 40))
        return web.Response(status=204)

    async def _on_received(self, payload: dict[str, Any]) -> web.Response:
        message_id, text = payload.get("messageId"), payload.get("message")
        # Newer apps send "sender"; "phoneNumber" is the older, deprecated name.
        sender = payload.get("sender") or payload.get("phoneNumber")
        if not (
            isinstance(message_id, str)
            and 0 < len(message_id) <= MAX_ID_LENGTH
            and isinstance(text, str)
            and "\x00" not in text
            and isinstance(sender, str)
            and sender
        ):
            return json_error(400, "messageId, message and sender are required")
        phone = parse_phone(sender)
        if phone is None:
            logger.info(
                "sms gateway SMS %s from a non-personal sender ignored", escape_for_log(message_id)
            )
            return web.Response(status=204)
        await self._inbox.receive(
            InboundMessage(
                channel=CHANNEL,
                sender_id=phone,
                sender_phone=phone,
                text=text,
                message_id=message_id,
                metadata={"provider": "smsgateway"},
            )
        )
        return web.Response(status=204)

    async def _on_mms(self, payload: dict[str, Any]) -> web.Response:
        """An MMS, downloaded by the phone: its text like an SMS, each attachment as a file."""
        message_id, body = payload.get("messageId"), payload.get("body")
        sender = payload.get("sender") or payload.get("phoneNumber")
        parts = payload.get("attachments")
        if not (
            isinstance(message_id, str)
            and 0 < len(message_id) <= MAX_ID_LENGTH - 4
            and isinstance(sender, str)
            and sender
            and (body is None or (isinstance(body, str) and "\x00" not in body))
            and isinstance(parts, list)
            and all(_part_ok(part) for part in parts)
        ):
            return json_error(400, "messageId, sender and attachments are required")
        files = []
        for part in parts[:MAX_MMS_PARTS]:
            try:
                data = base64.b64decode(part["data"], validate=True) if part.get("data") else None
            except (binascii.Error, ValueError):
                return json_error(400, "an attachment's data is not base64")
            files.append((part, data))
        phone = parse_phone(sender)
        if phone is None:
            logger.info("sms gateway MMS %s from a non-personal sender ignored", message_id)
            return web.Response(status=204)
        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=phone,
            sender_phone=phone,
            text=body or "",
            message_id=message_id,
            metadata={"provider": "smsgateway"},
        )
        if body and body.strip():
            await self._inbox.receive(inbound)
        for index, (part, data) in enumerate(files):
            await self._inbox.receive_media(
                replace(inbound, text="", message_id=f"{message_id}:{index}"),
                _attachment(part, data),
            )
        return web.Response(status=204)

    async def _on_report(self, payload: dict[str, Any], *, delivered: bool) -> web.Response:
        message_id = payload.get("messageId")
        if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_ID_LENGTH:
            return json_error(400, "messageId is required")
        reason = payload.get("reason")
        error = f"sms gateway: {str(reason)[:150]}" if reason else None
        await self._inbox.report(message_id, delivered=delivered, error=error)
        return web.Response(status=204)


def _part_ok(part: object) -> bool:
    """An MMS attachment as the app describes it: a type, and its bytes in base64 or null."""
    return (
        isinstance(part, dict)
        and isinstance(part.get("contentType"), str)
        and 0 < len(part["contentType"]) <= MAX_ID_LENGTH
        and (part.get("data") is None or isinstance(part.get("data"), str))
        and (part.get("name") is None or isinstance(part.get("name"), str))
    )


def _attachment(part: dict[str, Any], data: bytes | None) -> Attachment:
    """The core's :class:`Attachment` for one MMS part (a recorded sound is a voice note)."""
    content_type = str(part["contentType"]).lower()
    kind = (
        "voice"
        if content_type.startswith("audio/")
        else "photo"
        if content_type.startswith("image/")
        else "video"
        if content_type.startswith("video/")
        else "document"
    )

    async def fetch(limit: int) -> bytes:
        if data is None:
            raise MediaUnavailableError("the gateway sent no content for this attachment")
        return data

    name = part.get("name")
    return Attachment(
        kind=kind,
        fetch=fetch,
        declared_type=content_type,
        declared_size=len(data) if data is not None else None,
        filename=name[:200] if isinstance(name, str) else None,
    )
