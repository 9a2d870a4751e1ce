"""SMS Gateway for Android specifics: signing, replay window, payloads, delivery reports."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.channels.sms_gateway import GatewayTransport
from outreach_bot.channels.sms_twilio import TwilioTransport
from outreach_bot.core.channel import TemporaryFailureError
from outreach_bot.core.services import Services
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Conversation, Message, OutboxItem, OutboxStatus
from tests.channels.sms.conftest import (
    YOUNG_PERSON,
    Client,
    FakeGateway,
    GatewayPhone,
    count,
    fixture_json,
    gateway_headers,
    post_gateway,
    settle,
)


async def rows(services: Services) -> list[OutboxItem]:
    async with services.sessions() as session:
        return list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))


def received(text: str = "salut") -> dict[str, Any]:
    event = fixture_json("smsgateway_received.json")
    event["payload"]["message"] = text
    return event


async def test_outbound_uses_the_text_message_api(
    gateway_phone: GatewayPhone, gateway: FakeGateway
) -> None:
    """Replies are POSTed as textMessage to the sender's number, with a delivery report."""
    await gateway_phone.say("salut")
    raw = gateway.sent[0]["raw"]
    assert raw["phoneNumbers"] == [YOUNG_PERSON]
    assert "bot" in raw["textMessage"]["text"]
    assert raw["withDeliveryReport"] is True
    assert "message" not in raw


@pytest.mark.parametrize("sms_overrides", [{"smsgateway_legacy_payload": True}])
async def test_older_apps_get_the_legacy_message_field(
    gateway_phone: GatewayPhone, gateway: FakeGateway, sms_overrides: dict[str, object]
) -> None:
    """With OUTREACH_SMSGATEWAY_LEGACY_PAYLOAD the text travels in "message"."""
    await gateway_phone.say("salut")
    raw = gateway.sent[0]["raw"]
    assert "bot" in raw["message"]
    assert "textMessage" not in raw


def _signed(body: bytes, **changes: Any) -> dict[str, str]:
    return gateway_headers(body, **changes)


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: {"Content-Type": "application/json"},
        lambda body: _signed(body, key="another-signing-key"),
        lambda body: _signed(body, timestamp=int(time.time()) - 600),
        lambda body: _signed(body, timestamp=int(time.time()) + 600),
        lambda body: _signed(body + b" "),
        lambda body: {**_signed(body), "X-Timestamp": "soon"},
        lambda body: {**_signed(body), "X-Signature": "é" * 64},
        lambda body: {**_signed(body), "X-Timestamp": "¹⁷⁶⁴⁰⁶⁴⁸⁰⁰"},
        lambda body: {**_signed(body), "X-Timestamp": "²"},
        lambda body: {**_signed(body), "X-Timestamp": "9" * 5000},
    ],
    ids=[
        "unsigned",
        "wrong-key",
        "replayed-late",
        "from-the-future",
        "tampered",
        "bad-ts",
        "junk",
        "superscript-ts",
        "azerty-ts",
        "huge-ts",
    ],
)
async def test_forged_stale_or_missing_signature_is_403_and_nothing_is_stored(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway, forge: Any
) -> None:
    """Only a fresh signature by the app's signing key over this exact body is accepted."""
    body = json.dumps(received()).encode()
    response = await gateway_client.post(
        "/webhooks/sms/smsgateway", data=body, headers=forge(body)
    )
    assert response.status == 403
    assert await count(gateway_services, Conversation) == 0
    assert await count(gateway_services, Message) == 0
    assert gateway.attempts == 0


def _without(field: str) -> dict[str, Any]:
    event = received()
    del event["payload"][field]
    return event


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"event": "sms:received"}',
        json.dumps(_without("messageId")).encode(),
        json.dumps(_without("message")).encode(),
        json.dumps({**received(), "payload": {**received()["payload"], "messageId": 42}}).encode(),
        json.dumps(received("a\x00b")).encode(),
        json.dumps(
            {
                **received(),
                "payload": {
                    k: v
                    for k, v in received()["payload"].items()
                    if k not in {"sender", "phoneNumber"}
                },
            }
        ).encode(),
        json.dumps({**fixture_json("smsgateway_delivered.json"), "payload": {}}).encode(),
        b"[" * 5000 + b"]" * 5000,
        b'{"event": "sms:received", "payload": {"messageId": ' + b"9" * 5000 + b"}}",
        b"\xff\xfe not UTF-8",
        json.dumps({**received("Lou 0612345678"), "event": ["sms:received"]}).encode(),
        json.dumps({**received("Lou 0612345678"), "event": {"sms:received": 1}}).encode(),
        json.dumps({**received(), "payload": ["Lou 0612345678"]}).encode(),
    ],
)
async def test_malformed_gateway_event_is_400(
    gateway_client: Client,
    gateway_services: Services,
    body: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A correctly signed event that is not usable gets a JSON 400, never a 500; nothing is
    stored and the log does not repeat the body."""
    caplog.set_level(logging.DEBUG)
    response = await gateway_client.post(
        "/webhooks/sms/smsgateway", data=body, headers=gateway_headers(body)
    )
    assert response.status == 400
    assert "error" in await response.json()
    assert await count(gateway_services, Message) == 0
    assert "0612345678" not in caplog.text


async def test_a_resent_event_with_a_fresh_signature_is_processed_once(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> None:
    """The app retries a webhook with a new timestamp: the SMS is still answered once."""
    event = received()
    for _ in range(2):
        response = await post_gateway(gateway_client, event)
        assert response.status == 204
        await settle(gateway_services)
    assert await count(gateway_services, Message, Message.direction == "in") == 1
    assert len(gateway.bodies()) == 1


async def test_a_national_number_is_stored_and_answered_in_e164(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> None:
    """Older apps report "0612345678": the conversation and the reply use +33612345678."""
    response = await post_gateway(gateway_client, fixture_json("smsgateway_received_legacy.json"))
    assert response.status == 204
    await settle(gateway_services)
    assert gateway.sent[0]["to"] == YOUNG_PERSON
    sender_hash = current_cipher().lookup_hash(f"sms:{YOUNG_PERSON}")
    async with gateway_services.sessions() as session:
        found = await session.scalar(select(Conversation))
    assert found is not None
    assert found.sender_hash == sender_hash


async def test_delivery_reports_update_the_outbox(
    gateway_phone: GatewayPhone, gateway_services: Services
) -> None:
    """sms:delivered (once per part) and sms:failed land on the row that sent the SMS."""
    await gateway_phone.say("je cherche du boulot")
    first, second = (await rows(gateway_services))[:2]
    delivered = fixture_json("smsgateway_delivered.json")
    delivered["payload"]["messageId"] = first.provider_message_id
    failed = fixture_json("smsgateway_failed.json")
    failed["payload"]["messageId"] = second.provider_message_id
    for event in (delivered, delivered, failed):
        assert (await post_gateway(gateway_phone.client, event)).status == 204
    first, second = (await rows(gateway_services))[:2]
    assert first.status == OutboxStatus.DELIVERED
    assert second.status == OutboxStatus.FAILED
    assert second.last_error == "sms gateway: RESULT_ERROR_GENERIC_FAILURE"


@pytest.mark.parametrize("name", ["smsgateway_ping.json", "smsgateway_delivered.json"])
async def test_pings_and_unknown_reports_are_acknowledged(
    gateway_client: Client, gateway_services: Services, name: str
) -> None:
    """A health ping or a report for a message we never sent is a quiet 204."""
    response = await post_gateway(gateway_client, fixture_json(name))
    assert response.status == 204
    assert await count(gateway_services, OutboxItem) == 0


async def test_refused_phone_number_is_final(
    gateway_phone: GatewayPhone, gateway_services: Services, gateway: FakeGateway
) -> None:
    """The gateway rejecting the number itself fails the row and marks the conversation."""
    gateway.fail_with = 400
    gateway.error_body = {"message": "invalid phone number: +33612345678"}
    await post_gateway(gateway_phone.client, received())
    for _ in range(300):
        await gateway_services.dispatcher.run_once()
        if (found := await rows(gateway_services)) and found[0].status == OutboxStatus.FAILED:
            break
        await asyncio.sleep(0.01)
    async with gateway_services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
    assert conversation is not None
    assert conversation.unreachable is True


@pytest.mark.parametrize(
    "transport",
    [
        lambda: GatewayTransport(
            base_url=f"http://127.0.0.1:{free_port()}", login="a", password="b"
        ),
        lambda: TwilioTransport(
            account_sid="AC1",
            auth_token="t",
            sender="+33757000000",
            base_url=f"http://127.0.0.1:{free_port()}",
            status_callback="http://127.0.0.1:8080/webhooks/sms/twilio/status",
        ),
    ],
    ids=["smsgateway", "twilio"],
)
async def test_an_unreachable_provider_is_a_temporary_failure(transport: Any) -> None:
    """A phone that is offline or a provider that cannot be reached means "retry later"."""
    channel = transport()
    await channel.start()
    try:
        with pytest.raises(TemporaryFailureError, match="unreachable"):
            await channel.deliver(YOUNG_PERSON, "Salut")
    finally:
        await channel.close()


async def test_a_transport_that_was_not_started_asks_for_a_retry() -> None:
    """Sending before the app started (no connection pool yet) loses nothing."""
    channel = GatewayTransport(base_url="http://127.0.0.1:9", login="a", password="b")
    with pytest.raises(TemporaryFailureError):
        await channel.deliver(YOUNG_PERSON, "Salut")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("typed", ["²", "¹²³", "⑤", "².", "٣"])
async def test_a_non_ascii_digit_while_a_menu_is_shown_is_stored_and_answered(
    gateway_phone: GatewayPhone, gateway_services: Services, typed: str
) -> None:
    """On SMS a menu is numbered lines; "²" typed on an AZERTY keyboard gets an answer."""
    assert await gateway_phone.say("salut")
    assert await gateway_phone.say("je cherche du boulot vers verdun")  # 3 choices
    answers = await gateway_phone.say(typed)
    assert answers, "the bot did not answer"
    async with gateway_services.sessions() as session:
        texts = (await session.scalars(select(Message.text))).all()
    assert typed in texts


async def test_a_lone_surrogate_is_stored_as_a_replacement_character(
    gateway_phone: GatewayPhone, gateway_services: Services
) -> None:
    """A signed event carrying half an emoji is stored with U+FFFD and answered."""
    event = received("salut 😀")
    body = json.dumps(event).replace("\\ud83d\\ude00", "\\ud83d").encode()
    response = await gateway_phone.client.post(
        "/webhooks/sms/smsgateway", data=body, headers=gateway_headers(body)
    )
    assert response.status == 204
    await settle(gateway_services)
    async with gateway_services.sessions() as session:
        texts = (await session.scalars(select(Message.text))).all()
    assert "salut \ufffd" in texts
    assert gateway_phone.unread(), "the bot did not answer"
