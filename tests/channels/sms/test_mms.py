"""MMS through SMS Gateway for Android: ``mms:downloaded`` carries the attachments in base64;
each is a file for the core, its text an SMS like any other."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import func, select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import MediaFile, MediaStatus, Message
from tests.channels.sms.conftest import Client, FakeGateway, fixture_json, post_gateway, settle

SENDER = "+33612345678"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"invented photo of a payslip " * 30


def mms(message_id: str, attachments: list[dict[str, Any]], body: str | None = None) -> Any:
    event = fixture_json("smsgateway_received.json")
    event["event"] = "mms:downloaded"
    event["payload"] = {
        "messageId": message_id,
        "sender": SENDER,
        "recipient": None,
        "simNumber": 1,
        "body": body,
        "subject": None,
        "attachments": attachments,
        "receivedAt": "2026-12-06T10:15:03.000+01:00",
    }
    return event


def part(data: bytes | None, content_type: str = "image/jpeg") -> dict[str, Any]:
    return {
        "partId": 7,
        "contentType": content_type,
        "name": "IMG_0001.jpg",
        "size": len(data or b""),
        "data": base64.b64encode(data).decode() if data is not None else None,
    }


async def files(services: Services) -> list[MediaFile]:
    async with services.sessions() as session:
        return list(await session.scalars(select(MediaFile)))


def said(services: Services, key: str) -> str:
    return services.content.message(key, "fr")


async def test_a_photo_by_mms_is_held_and_answered_by_sms(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> None:
    """The photo is stored encrypted and held for consent; the kind answer and the call-back
    offer go back by SMS."""
    response = await post_gateway(gateway_client, mms("mms-1", [part(PHOTO)]))
    assert response.status == 204
    await settle(gateway_services)
    (photo,) = await files(gateway_services)
    assert (photo.kind, photo.status, photo.content_type) == (
        "photo",
        MediaStatus.HELD,
        "image/jpeg",
    )
    bodies = [sent["body"] for sent in gateway.sent]
    assert bodies[0] == said(gateway_services, "media_photo")
    assert bodies[1].startswith(said(gateway_services, "media_offer_callback"))


async def test_the_text_of_an_mms_is_read_like_an_sms(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> None:
    """An MMS with a sentence and a photo: the sentence is a message, the photo a file."""
    response = await post_gateway(gateway_client, mms("mms-2", [part(PHOTO)], body="salut"))
    assert response.status == 204
    await settle(gateway_services)
    async with gateway_services.sessions() as session:
        inbound = list(
            await session.scalars(select(Message.intent).where(Message.direction == "in"))
        )
    assert len(inbound) == 2
    assert "media" in inbound
    assert len(await files(gateway_services)) == 1


async def test_an_attachment_without_its_bytes_gets_a_kind_answer(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> None:
    response = await post_gateway(gateway_client, mms("mms-3", [part(None, "audio/amr")]))
    assert response.status == 204
    await settle(gateway_services)
    assert [sent["body"] for sent in gateway.sent] == [said(gateway_services, "media_unavailable")]
    assert await files(gateway_services) == []


async def test_mms_received_before_download_is_acknowledged_only(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> None:
    event = mms("mms-4", [])
    event["event"] = "mms:received"
    assert (await post_gateway(gateway_client, event)).status == 204
    async with gateway_services.sessions() as session:
        assert await session.scalar(select(func.count(Message.id))) == 0


async def test_a_resent_mms_is_stored_once(
    gateway_client: Client, gateway_services: Services, gateway: FakeGateway
) -> None:
    for _ in range(2):
        assert (await post_gateway(gateway_client, mms("mms-5", [part(PHOTO)]))).status == 204
    await settle(gateway_services)
    assert len(await files(gateway_services)) == 1
    assert len(gateway.sent) == 2


async def test_a_malformed_mms_is_400(gateway_client: Client, gateway_services: Services) -> None:
    broken = mms("mms-6", [part(PHOTO)])
    broken["payload"]["attachments"][0]["data"] = "not base64 !!"
    assert (await post_gateway(gateway_client, broken)).status == 400
    no_list = mms("mms-7", [])
    no_list["payload"]["attachments"] = "photo"
    assert (await post_gateway(gateway_client, no_list)).status == 400
    assert await files(gateway_services) == []
