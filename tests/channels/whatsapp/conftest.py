"""A local fake Graph API (aiohttp app) and a phone that writes to the real app through Meta."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from outreach_bot.app import create_web_app, open_services
from outreach_bot.core.services import Services
from tests.channels.sms.conftest import settle
from tests.conftest import make_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "whatsapp"
TOKEN = "wa-test-token"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "wa-app-secret"
VERIFY_TOKEN = "wa-verify-token"
VERSION = "v23.0"
BUSINESS_NUMBER = "+33937000000"
YOUNG_PERSON = "+33612345678"

Client = TestClient[web.Request, web.Application]


def fixture(name: str) -> dict[str, Any]:
    """A captured-style Cloud API notification (invented people and numbers)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """What Meta puts in X-Hub-Signature-256 for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def notification(
    message: dict[str, Any], *, sender: str = YOUNG_PERSON, bsuid: str | None = None
) -> dict[str, Any]:
    """The text fixture with ``message`` in place of its message, from ``sender``."""
    data = fixture("text_message.json")
    value = data["entry"][0]["changes"][0]["value"]
    base = value["messages"][0]
    message = {**{k: base[k] for k in ("timestamp",)}, **message}
    if sender:
        message["from"] = sender.lstrip("+")
        value["contacts"][0]["wa_id"] = sender.lstrip("+")
    else:
        message.pop("from", None)
        del value["contacts"][0]["wa_id"]
    if bsuid is not None:
        message["from_user_id"] = bsuid
        value["contacts"][0]["user_id"] = bsuid
    else:
        value["contacts"][0].pop("user_id", None)
    value["messages"] = [message]
    return data


def status_notification(
    message_id: str, status: str, *, code: int | None = None
) -> dict[str, Any]:
    """Meta reporting ``status`` for a message we sent."""
    data = fixture("status_delivered.json")
    entry = data["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry.update(id=message_id, status=status)
    if code is not None:
        entry["errors"] = [{"code": code, "title": "Message undeliverable."}]
    return data


async def post_signed(
    client: Client, data: dict[str, Any] | bytes, *, signature: str | None = None
) -> Any:
    """POST a notification, signed with the app secret unless a signature is given."""
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {"Content-Type": "application/json"}
    headers["X-Hub-Signature-256"] = sign(body) if signature is None else signature
    if signature == "":
        del headers["X-Hub-Signature-256"]
    return await client.post("/webhooks/whatsapp", data=body, headers=headers)


@dataclass
class FakeGraph:
    """The part of the Graph API the channel uses: ``POST /{version}/{id}/messages``."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_with: tuple[int, int] | None = None
    """(HTTP status, Graph error code) to answer instead of accepting."""
    server: TestServer | None = None
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """Files young people sent, by media id: (bytes, MIME type) (see :meth:`add_media`)."""
    downloads: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{version}/{phone_number_id}/messages", self.create)
        app.router.add_get("/{version}/{media_id}", self.media_url)
        app.router.add_get("/lookaside/{media_id}", self.download)
        return app

    def add_media(self, media_id: str, data: bytes, mime_type: str) -> None:
        """Make ``data`` the file Meta holds under ``media_id``."""
        self.media[media_id] = (data, mime_type)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    async def media_url(self, request: web.Request) -> web.Response:
        """``GET /{version}/{media-id}``: the file's short-lived URL, type and size."""
        if not self._authorised(request):
            return web.json_response({"error": {"code": 190, "message": "bad token"}}, status=401)
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return web.json_response(
                {"error": {"code": 100, "message": "Unsupported get request."}}, status=400
            )
        data, mime_type = self.media[media_id]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/lookaside/{media_id}",
                "mime_type": mime_type,
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_size": len(data),
                "id": media_id,
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        """The URL above: the bytes, for a request that carries the bearer token."""
        if not self._authorised(request):
            return web.Response(status=401)
        media_id = request.match_info["media_id"]
        self.downloads.append(media_id)
        if media_id not in self.media:
            return web.Response(status=404)
        data, mime_type = self.media[media_id]
        return web.Response(body=data, content_type=mime_type)

    async def create(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": {"code": 190, "message": "bad token"}}, status=401)
        if (request.match_info["version"], request.match_info["phone_number_id"]) != (
            VERSION,
            PHONE_NUMBER_ID,
        ):
            return web.json_response({"error": {"code": 100, "message": "unknown"}}, status=400)
        body = await request.json()
        if self.fail_with is not None:
            status, code = self.fail_with
            return web.json_response(
                {"error": {"code": code, "message": "refused"}}, status=status
            )
        message_id = f"wamid.OUT{len(self.sent) + 1:04d}"
        self.sent.append({"id": message_id, **body})
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": message_id}],
            }
        )

    def to(self, recipient: str) -> list[dict[str, Any]]:
        """Messages accepted for one recipient (phone digits or BSUID), in order."""
        key = recipient.lstrip("+")
        return [m for m in self.sent if key in (m.get("to"), m.get("recipient"))]

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")


def shown(message: dict[str, Any]) -> str:
    """What the young person reads of one message (its text or body)."""
    if message["type"] == "text":
        return str(message["text"]["body"])
    if message["type"] == "interactive":
        return str(message["interactive"]["body"]["text"])
    return json.dumps(message["template"], ensure_ascii=False)


class WhatsAppPhone:
    """A young person's WhatsApp writing to our number, and reading the answers."""

    def __init__(
        self,
        client: Client,
        services: Services,
        graph: FakeGraph,
        number: str = YOUNG_PERSON,
        *,
        bsuid: str | None = None,
    ) -> None:
        self.client, self.services, self.graph = client, services, graph
        self.number, self.bsuid = number, bsuid
        self.read = 0
        self.counter = 0

    def unread(self) -> list[dict[str, Any]]:
        messages = self.graph.to(self.number or self.bsuid or "")
        fresh, self.read = messages[self.read :], len(messages)
        return fresh

    async def send(self, message: dict[str, Any], *, message_id: str | None = None) -> Any:
        self.counter += 1
        message = {"id": message_id or f"wamid.IN{self.counter:06d}", **message}
        data = notification(message, sender=self.number, bsuid=self.bsuid)
        return await post_signed(self.client, data)

    async def say(self, text: str, *, message_id: str | None = None) -> list[dict[str, Any]]:
        """Send ``text``, let the outbox deliver, and return the messages received in answer."""
        response = await self.send({"type": "text", "text": {"body": text}}, message_id=message_id)
        assert response.status == 200, await response.text()
        await settle(self.services)
        return self.unread()

    async def tap(self, reply_id: str, title: str = "", *, kind: str = "button_reply") -> Any:
        """Tap a reply button (or a list row) of the last message."""
        response = await self.send(
            {
                "type": "interactive",
                "interactive": {"type": kind, kind: {"id": reply_id, "title": title}},
            }
        )
        assert response.status == 200, await response.text()
        await settle(self.services)
        return self.unread()


@pytest.fixture(name="graph")
async def _graph(aiohttp_server: Any) -> FakeGraph:
    fake = FakeGraph()
    fake.server = await aiohttp_server(fake.app())
    return fake


@pytest.fixture(name="wa_overrides")
def _wa_overrides() -> dict[str, Any]:
    """Extra settings for one test (templates, for instance)."""
    return {}


def wa_settings(tmp_path: Path, graph: FakeGraph, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_verify_token": VERIFY_TOKEN,
        "whatsapp_base_url": graph.url,
        "whatsapp_api_version": VERSION,
        "whatsapp_number": BUSINESS_NUMBER,
        "whatsapp_chat_interval": 0.0,
        "whatsapp_messages_per_second": 1000.0,
    }
    return make_settings(tmp_path, **{**values, **overrides})


@pytest.fixture(name="wa_services")
async def _wa_services(
    tmp_path: Path, embedded_nlu: Any, graph: FakeGraph, wa_overrides: dict[str, Any]
) -> AsyncIterator[Services]:
    settings = wa_settings(tmp_path, graph, **wa_overrides)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        yield services


@pytest.fixture(name="wa_client")
async def _wa_client(wa_services: Services, aiohttp_client: Any) -> Client:
    return await aiohttp_client(create_web_app(wa_services))  # type: ignore[no-any-return]


@pytest.fixture(name="phone")
def _phone(wa_client: Client, wa_services: Services, graph: FakeGraph) -> WhatsAppPhone:
    return WhatsAppPhone(wa_client, wa_services, graph)
