"""Twilio: inbound and status webhooks (signature checked) and the Messages API for sending.

Twilio signs every webhook with ``X-Twilio-Signature``: an HMAC of the exact public URL it
called and the sorted form fields, keyed with the account's Auth Token. The URL we check
against is ``OUTREACH_PUBLIC_URL`` + the request path, because behind a reverse proxy the
URL the app sees is not the one Twilio called.

An incoming MMS names its files (``NumMedia``, ``MediaUrl0``, ``MediaContentType0``…): each is
handed to the core as an attachment, downloaded from Twilio's API with the account's basic
auth only when the core asks, never past ``OUTREACH_MEDIA_MAX_BYTES``, and only from the
account's own media addresses under ``OUTREACH_TWILIO_BASE_URL``.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Final
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from multidict import MultiDict
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from outreach_bot.core.channel import (
    Attachment,
    InboundMessage,
    MediaTooLargeError,
    MediaUnavailableError,
    PermanentFailureError,
    SendLimits,
    SendResult,
    TemporaryFailureError,
)
from outreach_bot.core.delivery.sms_policy import SmsInbox
from outreach_bot.domain.fields import parse_phone
from outreach_bot.domain.log_text import escape_for_log
from outreach_bot.domain.numbers import parse_whole_number
from outreach_bot.web.errors import json_error

logger = logging.getLogger(__name__)

CHANNEL: Final = "sms"
INBOUND_PATH: Final = "/webhooks/sms/twilio"
STATUS_PATH: Final = "/webhooks/sms/twilio/status"
API_VERSION: Final = "2010-04-01"
FORM_TYPE: Final = "application/x-www-form-urlencoded"
EMPTY_TWIML: Final = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_SID_LENGTH: Final = 64
HTTP_TOO_MANY: Final = 429
HTTP_SERVER_ERROR: Final = 500
#: API errors that mean this number can never get our SMS (invalid, landline, opted out at
#: Twilio, region not allowed); anything else is our configuration and deserves a retry.
RECIPIENT_ERRORS: Final = frozenset(
    {21211, 21214, 21217, 21401, 21407, 21408, 21610, 21612, 21614}
)
MAX_MEDIA: Final = 10
"""Twilio gives at most 10 files with one MMS."""
MEDIA_CHUNK: Final = 64 * 1024
DELIVERED: Final = frozenset({"delivered", "read"})
NOT_DELIVERED: Final = frozenset({"undelivered", "failed"})


class TwilioTransport:
    """Sends an SMS body through Twilio's Messages API with HTTP basic auth.

    Twilio's limit on an account is how many API requests it has in flight at once (past it,
    HTTP 429, error 20429, which is retried); a message over the sender's own throughput is
    queued at Twilio, not refused. So the outbox keeps a few requests in flight, no rate.
    """

    limits: Final = SendLimits(concurrent=10)

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        base_url: str,
        status_callback: str,
        timeout: float = 15.0,
    ) -> None:
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._headers = {"Authorization": f"Basic {credentials}"}
        self._sender = sender
        self._url = f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Messages.json"
        self._media_prefix = f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/"
        self._status_callback = status_callback
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

    async def deliver(self, recipient: str, body: str, key: str | None = None) -> SendResult:
        """POST one message; Twilio's own segment count is what it bills.

        ``key`` is not sent: creating a Message has no idempotency key, and Twilio documents
        that retrying the request may send the SMS twice. A retry after a timeout or a 5xx,
        and a resend after a crash mid-send, can therefore reach the young person twice
        (docs/channels/sms.md, "Sent once").

        Raises:
            TemporaryFailureError: network error, 429, 5xx, or a configuration error.
            PermanentFailureError: Twilio says this number cannot receive our SMS.
        """
        if self._http is None:
            raise TemporaryFailureError("SMS channel not started")
        form = {"To": recipient, "Body": body, "StatusCallback": self._status_callback}
        # A Messaging Service SID (MG…) lets Twilio pick the sender from a pool.
        form["MessagingServiceSid" if self._sender.startswith("MG") else "From"] = self._sender
        try:
            async with self._http.post(self._url, data=form, headers=self._headers) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
                try:
                    data: Any = await response.json(content_type=None)
                except ValueError:
                    data = None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TemporaryFailureError(f"twilio unreachable ({type(error).__name__})") from error
        return _result(status, data if isinstance(data, dict) else {}, retry_after)

    async def fetch_media(self, url: str, limit: int) -> bytes:
        """Download one file of an incoming MMS, at most ``limit`` bytes.

        Only an address of this account's API is fetched, with its credentials: a media URL
        elsewhere is refused rather than sent our Auth Token. Twilio redirects the download to
        its file store; aiohttp drops the Authorization header on a redirect to another host.

        Raises:
            MediaTooLargeError: the file is longer than ``limit``.
            MediaUnavailableError: not one of our media addresses, not reachable, or refused.
        """
        if self._http is None or not url.startswith(self._media_prefix):
            raise MediaUnavailableError("not a media address of this Twilio account")
        try:
            async with self._http.get(url, headers=self._headers) as response:
                if response.status != 200:  # noqa: PLR2004 - anything else: no file
                    raise MediaUnavailableError(f"twilio media HTTP {response.status}")
                if response.content_length is not None and response.content_length > limit:
                    raise MediaTooLargeError
                data = bytearray()
                async for chunk in response.content.iter_chunked(MEDIA_CHUNK):
                    data += chunk
                    if len(data) > limit:
                        raise MediaTooLargeError
                return bytes(data)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise MediaUnavailableError(f"twilio media ({type(error).__name__})") from error


def _result(status: int, data: dict[str, Any], retry_after: str | None) -> SendResult:
    """Translate the API's answer into a send result or the dispatcher's failure kinds."""
    if status < 300:  # noqa: PLR2004 - any 2xx means Twilio took the message
        sid = data.get("sid")
        segments = parse_whole_number(str(data.get("num_segments") or ""), max_digits=4)
        return SendResult(
            provider_message_id=sid if isinstance(sid, str) else None,
            segments=segments or None,
        )
    code = data.get("code")
    if status == HTTP_TOO_MANY or status >= HTTP_SERVER_ERROR:
        raise TemporaryFailureError(f"twilio HTTP {status}", retry_after=_seconds(retry_after))
    if code in RECIPIENT_ERRORS:
        raise PermanentFailureError(f"twilio error {code}")
    logger.error(
        "twilio refused an SMS: HTTP %s, error %s; check the TWILIO_* settings", status, code
    )
    raise TemporaryFailureError(f"twilio HTTP {status} error {code}")


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class TwilioWebhook:
    """``POST /webhooks/sms/twilio`` (incoming SMS) and ``…/status`` (delivery reports)."""

    def __init__(
        self,
        *,
        auth_token: str,
        public_url: str,
        inbox: SmsInbox,
        media: Callable[[str, int], Awaitable[bytes]] | None = None,
    ) -> None:
        self._validator = RequestValidator(auth_token) if auth_token else None
        self._public_url = public_url.rstrip("/")
        self._inbox = inbox
        self._media = media

    def add_routes(self, app: web.Application) -> None:
        """Mount both webhooks."""
        app.router.add_post(INBOUND_PATH, self.on_message)
        app.router.add_post(STATUS_PATH, self.on_status)

    async def _verified_form(self, request: web.Request) -> MultiDict[str] | web.Response:
        """The form fields if Twilio signed them; otherwise the 403 or 400 to answer."""
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature or self._validator is None:
            logger.warning("twilio webhook without a usable signature refused")
            return json_error(403, "missing signature")
        if request.content_type != FORM_TYPE:
            return json_error(400, "body must be form-encoded")
        try:
            text = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return json_error(400, "body must be UTF-8")
        form: MultiDict[str] = MultiDict(parse_qsl(text, keep_blank_values=True))
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        url = self._public_url + request.raw_path
        if not self._validator.validate(url, form, signature, algorithm):
            logger.warning("twilio webhook with a wrong signature refused")
            return json_error(403, "bad signature")
        return form

    async def on_message(self, request: web.Request) -> web.Response:
        """Verify, parse, hand to the core; answer empty TwiML (replies go via the outbox)."""
        form = await self._verified_form(request)
        if isinstance(form, web.Response):
            return form
        sid, sender, body = form.get("MessageSid", ""), form.get("From", ""), form.get("Body", "")
        if not sid or len(sid) > MAX_SID_LENGTH or not sender or "\x00" in body:
            return json_error(400, "MessageSid, From and a text Body are required")
        phone = parse_phone(sender)
        if phone is None:
            # A short code or an alphanumeric sender (operator notices): never answer those.
            logger.info("twilio SMS %s from a non-personal sender ignored", escape_for_log(sid))
            return _twiml()
        inbound = InboundMessage(
            channel=CHANNEL,
            sender_id=phone,
            sender_phone=phone,
            text=body,
            message_id=sid,
            metadata={"provider": "twilio"},
        )
        files = self._attachments(form)
        if not files or body.strip():
            await self._inbox.receive(inbound)
        for index, attachment in enumerate(files):
            await self._inbox.receive_media(
                replace(inbound, text="", message_id=f"{sid}:{index}"), attachment
            )
        return _twiml()

    def _attachments(self, form: MultiDict[str]) -> list[Attachment]:
        """The files of an MMS, as many as ``NumMedia`` says (at most 10) and named."""
        count = parse_whole_number(form.get("NumMedia", "0") or "0", max_digits=2) or 0
        files = []
        for index in range(min(count, MAX_MEDIA)):
            url = form.get(f"MediaUrl{index}", "")
            if url:
                files.append(self._attachment(url, form.get(f"MediaContentType{index}", "")))
        return files

    def _attachment(self, url: str, content_type: str) -> Attachment:
        media = self._media

        async def fetch(limit: int) -> bytes:
            if media is None:
                raise MediaUnavailableError("no Twilio media download configured")
            return await media(url, limit)

        declared = content_type.lower()
        return Attachment(
            kind=_kind(declared), fetch=fetch, declared_type=declared or None, declared_size=None
        )

    async def on_status(self, request: web.Request) -> web.Response:
        """Record delivered or failed on the outbox row that sent this message."""
        form = await self._verified_form(request)
        if isinstance(form, web.Response):
            return form
        sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
        if not sid or len(sid) > MAX_SID_LENGTH or not status:
            return json_error(400, "MessageSid and MessageStatus are required")
        if status in DELIVERED:
            await self._inbox.report(sid, delivered=True)
        elif status in NOT_DELIVERED:
            code = form.get("ErrorCode", "")
            await self._inbox.report(sid, delivered=False, error=f"twilio {status} {code}".strip())
        return web.Response(status=204)


def _kind(content_type: str) -> str:
    """A recorded sound is a voice note, an image a photo; anything else a document."""
    if content_type.startswith("audio/"):
        return "voice"
    if content_type.startswith("image/"):
        return "photo"
    return "video" if content_type.startswith("video/") else "document"


def _twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")
