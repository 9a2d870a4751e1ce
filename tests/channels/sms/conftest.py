"""Local fake SMS providers (aiohttp apps) and phones that text the real app through them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from outreach_bot.app import create_web_app, open_services
from outreach_bot.core.services import Services
from outreach_bot.domain.fields import national_format
from outreach_bot.storage.models import Base, OutboxItem, OutboxStatus
from tests.conftest import make_settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sms"
PUBLIC_URL = "http://127.0.0.1:8080"
TWILIO_SID = "AC11111111111111111111111111111111"
TWILIO_TOKEN = "twilio-test-token"
OUR_NUMBER = "+33757000000"
GATEWAY_LOGIN = "sms"
GATEWAY_PASSWORD = "gateway-test-password"
SIGNING_KEY = "gateway-signing-key"
YOUNG_PERSON = "+33612345678"

Client = TestClient[web.Request, web.Application]


def fixture_form(name: str) -> dict[str, str]:
    """A captured-style Twilio form body as a dict."""
    return dict(parse_qsl((FIXTURES / name).read_text(encoding="utf-8"), keep_blank_values=True))


def fixture_json(name: str) -> dict[str, Any]:
    """A captured-style SMS Gateway webhook body."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def twilio_signature(path: str, form: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    """What Twilio would put in X-Twilio-Signature for this POST."""
    return RequestValidator(token).compute_signature(PUBLIC_URL + path, form)  # type: ignore[no-any-return]


def gateway_headers(
    body: bytes, *, key: str = SIGNING_KEY, timestamp: int | None = None
) -> dict[str, str]:
    """The app's signing headers for ``body``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Signature": signature,
        "X-Timestamp": stamp,
    }


async def count(services: Services, model: type[Base], *where: Any) -> int:
    """Rows of ``model`` matching ``where``."""
    async with services.sessions() as session:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return int(await session.scalar(query) or 0)


async def settle(services: Services) -> None:
    """Deliver what is due now, and wait for any send the background dispatcher has in flight."""
    for _ in range(300):
        await services.dispatcher.run_once()
        busy = await count(
            services,
            OutboxItem,
            OutboxItem.status.in_([OutboxStatus.PENDING, "sending"]),
            OutboxItem.not_before <= datetime.now(UTC),
        )
        if not busy:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox did not settle")


@dataclass
class FakeProvider:
    """What both fakes share: the messages they accepted, and a switch to simulate an outage."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    fail_with: int | None = None
    error_body: dict[str, Any] = field(default_factory=dict)
    server: TestServer | None = None
    hang_once: bool = False
    """Take the next message, then never answer: the caller dies waiting (a crash mid-send)."""
    accepted: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the test ends, so a hung request returns and the fake server can close."""
    known_ids: set[str] = field(default_factory=set)  # the gateway's message ids

    async def _maybe_hang(self) -> None:
        self.accepted.set()
        if self.hang_once:
            self.hang_once = False
            await self.released.wait()

    def bodies(self, to: str = YOUNG_PERSON) -> list[str]:
        """Texts accepted for one recipient, in order."""
        return [message["body"] for message in self.sent if message["to"] == to]

    @property
    def url(self) -> str:
        """Base URL of the fake."""
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")


@dataclass
class FakeTwilio(FakeProvider):
    """The part of Twilio's REST API the channel uses: create a Message."""

    num_segments: str | None = None
    #: Files of incoming MMS, by media id: (content type, bytes); and the downloads asked.
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.create)
        app.router.add_get(
            "/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}", self.download
        )
        return app

    def media_url(self, media_id: str, content_type: str, data: bytes) -> str:
        """Serve ``data`` as a file of an incoming MMS; its ``MediaUrl``."""
        self.media[media_id] = (content_type, data)
        return (
            f"{self.url}/2010-04-01/Accounts/{TWILIO_SID}/Messages/MM{media_id}/Media/{media_id}"
        )

    async def download(self, request: web.Request) -> web.Response:
        """A media file, to the account's own credentials only (HTTP auth enforced)."""
        self.downloads.append(request.match_info["media"])
        auth = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if auth != f"Basic {expected}" or request.match_info["sid"] != TWILIO_SID:
            return web.json_response({"code": 20003, "status": 401}, status=401)
        found = self.media.get(request.match_info["media"])
        if found is None:
            return web.json_response({"code": 20404, "status": 404}, status=404)
        return web.Response(body=found[1], content_type=found[0])

    async def create(self, request: web.Request) -> web.Response:
        self.attempts += 1
        auth = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if auth != f"Basic {expected}" or request.match_info["sid"] != TWILIO_SID:
            return web.json_response({"code": 20003, "status": 401}, status=401)
        if self.fail_with is not None:
            return web.json_response(
                self.error_body or {"code": 20500, "status": self.fail_with},
                status=self.fail_with,
            )
        form = await request.post()
        sid = f"SM{len(self.sent) + 1:032x}"
        self.sent.append(
            {
                "sid": sid,
                "to": form["To"],
                "from": form.get("From"),
                "body": form["Body"],
                "status_callback": form.get("StatusCallback"),
            }
        )
        await self._maybe_hang()
        reply: dict[str, Any] = {"sid": sid, "status": "queued", "to": form["To"]}
        if self.num_segments is not None:
            reply["num_segments"] = self.num_segments
        return web.json_response(reply, status=201)


class FakeGateway(FakeProvider):
    """The part of the SMS Gateway for Android API the channel uses: ``POST /message``.

    Like the app, it keeps messages under the id the client gives (or one of its own) and
    refuses a second message with an id it already has: 409, nothing sent.
    """

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/message", self.create)
        return app

    async def create(self, request: web.Request) -> web.Response:
        self.attempts += 1
        expected = base64.b64encode(f"{GATEWAY_LOGIN}:{GATEWAY_PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"message": "Unauthorized"}, status=401)
        if self.fail_with is not None:
            return web.json_response(
                self.error_body or {"message": "Service Unavailable"}, status=self.fail_with
            )
        data = await request.json()
        text = data["textMessage"]["text"] if "textMessage" in data else data["message"]
        message_id = data.get("id") or f"gw{len(self.sent) + 1:06d}"
        if message_id in self.known_ids:
            return web.json_response(
                {"message": "Message with the same ID already exists"}, status=409
            )
        self.known_ids.add(message_id)
        for number in data["phoneNumbers"]:
            self.sent.append({"sid": message_id, "to": number, "body": text, "raw": data})
        await self._maybe_hang()
        return web.json_response(
            {
                "id": message_id,
                "state": "Pending",
                "recipients": [
                    {"phoneNumber": n, "state": "Pending"} for n in data["phoneNumbers"]
                ],
            },
            status=202,
        )


class Phone:
    """A young person's phone texting our number through a provider, and reading the answers."""

    def __init__(
        self, client: Client, services: Services, provider: FakeProvider, number: str
    ) -> None:
        self.client = client
        self.services = services
        self.provider = provider
        self.number = number
        self.read = 0
        self.counter = 0

    def unread(self) -> list[str]:
        bodies = self.provider.bodies(self.number)
        fresh, self.read = bodies[self.read :], len(bodies)
        return fresh

    async def post(self, text: str, message_id: str) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    async def say(self, text: str, *, message_id: str | None = None) -> list[str]:
        """Send ``text``, let the outbox deliver, and return the SMS received in answer."""
        self.counter += 1
        response = await self.post(text, message_id or f"{self.counter:08x}")
        assert response.status in {200, 204}, await response.text()
        await settle(self.services)
        return self.unread()


class TwilioPhone(Phone):
    """Texts through Twilio: a signed form POST to /webhooks/sms/twilio."""

    async def post(self, text: str, message_id: str) -> Any:
        form = fixture_form("twilio_inbound.form")
        sid = f"SM{message_id:0>32}"
        form.update(
            Body=text,
            From=self.number,
            To=OUR_NUMBER,
            MessageSid=sid,
            SmsMessageSid=sid,
            SmsSid=sid,
        )
        return await post_twilio(self.client, "/webhooks/sms/twilio", form)


class GatewayPhone(Phone):
    """Texts through the Android gateway: a signed JSON event to /webhooks/sms/smsgateway."""

    async def post(self, text: str, message_id: str) -> Any:
        event = fixture_json("smsgateway_received.json")
        event["payload"].update(
            message=text, messageId=message_id, sender=self.number, phoneNumber=self.number
        )
        return await post_gateway(self.client, event)


async def post_twilio(
    client: Client, path: str, form: dict[str, str], *, signature: str | None = None
) -> Any:
    """POST a Twilio webhook, signed unless a signature is given."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(path, form) if signature is None else signature,
    }
    return await client.post(path, data=urlencode(form), headers=headers)


async def post_gateway(
    client: Client, event: dict[str, Any], *, headers: dict[str, str] | None = None
) -> Any:
    """POST an SMS Gateway webhook, signed unless headers are given."""
    body = json.dumps(event).encode()
    return await client.post(
        "/webhooks/sms/smsgateway", data=body, headers=headers or gateway_headers(body)
    )


@pytest.fixture(name="twilio")
async def _twilio(aiohttp_server: Any) -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.server = await aiohttp_server(fake.app())
    yield fake
    fake.released.set()


@pytest.fixture(name="gateway")
async def _gateway(aiohttp_server: Any) -> AsyncIterator[FakeGateway]:
    fake = FakeGateway()
    fake.server = await aiohttp_server(fake.app())
    yield fake
    fake.released.set()


@pytest.fixture(name="sms_overrides")
def _sms_overrides() -> dict[str, Any]:
    """Extra settings for one test (a lower daily limit, for instance)."""
    return {}


@pytest.fixture(name="twilio_services")
async def _twilio_services(
    tmp_path: Path, embedded_nlu: Any, twilio: FakeTwilio, sms_overrides: dict[str, Any]
) -> AsyncIterator[Services]:
    settings = make_settings(
        tmp_path,
        sms_provider="twilio",
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from=OUR_NUMBER,
        twilio_base_url=twilio.url,
        **sms_overrides,
    )
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        yield services


@pytest.fixture(name="gateway_services")
async def _gateway_services(
    tmp_path: Path, embedded_nlu: Any, gateway: FakeGateway, sms_overrides: dict[str, Any]
) -> AsyncIterator[Services]:
    settings = make_settings(
        tmp_path,
        sms_provider="smsgateway",
        smsgateway_url=gateway.url,
        smsgateway_login=GATEWAY_LOGIN,
        smsgateway_password=GATEWAY_PASSWORD,
        smsgateway_signing_key=SIGNING_KEY,
        **sms_overrides,
    )
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        yield services


@pytest.fixture(name="twilio_client")
async def _twilio_client(twilio_services: Services, aiohttp_client: Any) -> Client:
    return await aiohttp_client(create_web_app(twilio_services))  # type: ignore[no-any-return]


@pytest.fixture(name="gateway_client")
async def _gateway_client(gateway_services: Services, aiohttp_client: Any) -> Client:
    return await aiohttp_client(create_web_app(gateway_services))  # type: ignore[no-any-return]


@pytest.fixture(name="twilio_phone")
def _twilio_phone(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio
) -> TwilioPhone:
    return TwilioPhone(twilio_client, twilio_services, twilio, YOUNG_PERSON)


@pytest.fixture(name="gateway_phone")
def _gateway_phone(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> GatewayPhone:
    return GatewayPhone(gateway_client, gateway_services, gateway, YOUNG_PERSON)


@pytest.fixture(name="phone", params=["twilio", "smsgateway"])
def _phone(request: pytest.FixtureRequest) -> Phone:
    """The young person's phone, once through each provider."""
    name = "twilio_phone" if request.param == "twilio" else "gateway_phone"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


async def run_warm_lead(phone: Phone) -> list[list[str]]:
    """The warm-lead conversation on SMS, answering choices with digits; all answers received."""
    script = [
        ("salut", "bot"),
        ("je cherche du boulot vers verdun", "Réponds par un chiffre de 1 à 3."),
        ("1", "accord"),
        ("1", "âge"),
        ("17 ans", "prénom"),
        ("Léa", "ce numéro"),
        ("1", "commune"),
        ("verdun", "cherches quoi"),
        ("un job dans la restauration", "Réponds par un chiffre de 1 à 4."),
        ("1", "Contact : " + national_format(phone.number)),
        ("1", "conseiller"),
    ]
    answers = []
    for text, expected in script:
        received = await phone.say(text)
        assert received, f"no answer to {text!r}"
        assert expected in received[-1], (text, received)
        answers.append(received)
    return answers
