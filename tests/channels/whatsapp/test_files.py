"""Voice notes, photos and documents on WhatsApp, end to end against the fake Graph API:
the media id's URL, then the download with the bearer token; a kind answer; the file held
until consent, or kept at once on a request already with the team."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from outreach_bot.core.services import Services
from outreach_bot.storage.models import MediaFile, MediaStatus
from tests.channels.sms.conftest import settle
from tests.channels.whatsapp.conftest import (
    YOUNG_PERSON,
    Client,
    FakeGraph,
    WhatsAppPhone,
    shown,
)
from tests.web.admin.conftest import make_lead, sign_in

VOICE = b"OggS\x00\x02" + b"invented WhatsApp voice note " * 40
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"invented photo of a school report " * 40


def file_message(kind: str, media_id: str, mime_type: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, kind: {"id": media_id, "mime_type": mime_type, **extra}}


async def send_file(phone: WhatsAppPhone, message: dict[str, Any]) -> list[str]:
    response = await phone.send(message)
    assert response.status == 200, await response.text()
    await settle(phone.services)
    return [shown(sent) for sent in phone.unread()]


async def files(services: Services) -> list[MediaFile]:
    async with services.sessions() as session:
        return list(await session.scalars(select(MediaFile).order_by(MediaFile.id)))


def said(services: Services, key: str) -> str:
    return services.content.message(key, "fr")


async def test_a_voice_note_is_fetched_held_encrypted_and_dropped_on_no(
    phone: WhatsAppPhone, graph: FakeGraph
) -> None:
    """The voice note is fetched through its media id, answered kindly with the call-back
    offer, held encrypted; "non" to the offer deletes it."""
    services = phone.services
    graph.add_media("1023456789012345", VOICE, "audio/ogg")
    answers = await send_file(
        phone,
        file_message("audio", "1023456789012345", "audio/ogg; codecs=opus", voice=True),
    )
    assert answers == [said(services, "media_voice"), said(services, "media_offer_callback")]
    offer = phone.graph.sent[-1]
    assert offer["type"] == "interactive"
    assert graph.downloads == ["1023456789012345"]
    (held,) = await files(services)
    assert (held.kind, held.status, held.content_type) == ("voice", MediaStatus.HELD, "audio/ogg")
    async with services.sessions() as session:
        raw = bytes((await session.execute(text("SELECT data FROM media_files"))).scalar_one())
    assert b"invented WhatsApp voice note" not in raw
    assert not raw.startswith(b"OggS")

    await phone.tap("/deny", "Non")
    assert await files(services) == []


async def test_a_photo_joins_the_request_already_with_the_team(
    phone: WhatsAppPhone, graph: FakeGraph, wa_client: Client
) -> None:
    """With an open lead, a photo is kept on it at once and shown on the lead page."""
    services = phone.services
    lead = await make_lead(services, channel="whatsapp", sender=YOUNG_PERSON)
    graph.add_media("2000000000000001", PHOTO, "image/jpeg")
    answers = await send_file(phone, file_message("image", "2000000000000001", "image/jpeg"))
    assert answers == [said(services, "media_photo")]
    (photo,) = await files(services)
    assert (photo.kind, photo.status, photo.lead_id) == ("photo", MediaStatus.KEPT, lead.id)
    await sign_in(wa_client, services, "lea@example.org", ["nord-meusien"])
    url = f"/admin/leads/{lead.id}/media/{photo.id}"
    assert f'<img src="{url}"' in await (await wa_client.get(f"/admin/leads/{lead.id}")).text()
    served = await wa_client.get(url)
    assert (served.status, served.headers["Content-Type"]) == (200, "image/jpeg")
    assert await served.read() == PHOTO


async def test_meta_refusing_the_media_id_gets_a_kind_answer(
    phone: WhatsAppPhone, graph: FakeGraph
) -> None:
    """An expired media id: the young person is asked to send it again, nothing is kept."""
    answers = await send_file(phone, file_message("image", "3999999999999999", "image/jpeg"))
    assert answers == [said(phone.services, "media_unavailable")]
    assert await files(phone.services) == []


async def test_a_type_off_the_list_is_not_even_downloaded(
    phone: WhatsAppPhone, graph: FakeGraph
) -> None:
    graph.add_media("4000000000000001", b"PK\x03\x04 invented archive", "application/zip")
    answers = await send_file(
        phone, file_message("document", "4000000000000001", "application/zip", filename="a.zip")
    )
    assert answers == [said(phone.services, "media_wrong_type")]
    assert graph.downloads == []


@pytest.mark.parametrize("wa_overrides", [{"media_max_bytes": 500}])
async def test_too_big_stops_at_metas_file_size(phone: WhatsAppPhone, graph: FakeGraph) -> None:
    """Meta's ``file_size`` over OUTREACH_MEDIA_MAX_BYTES: refused before the download."""
    graph.add_media("5000000000000001", VOICE, "audio/ogg")
    answers = await send_file(
        phone, file_message("audio", "5000000000000001", "audio/ogg", voice=True)
    )
    assert answers == [said(phone.services, "media_too_big")]
    assert graph.downloads == []
    assert await files(phone.services) == []


async def test_metas_resend_is_stored_once(
    wa_client: Client, wa_services: Services, graph: FakeGraph, phone: WhatsAppPhone
) -> None:
    """The same notification twice (Meta retries): one file, one answer."""
    graph.add_media("6000000000000001", VOICE, "audio/ogg")
    message = {"id": "wamid.FILE0001", **file_message("audio", "6000000000000001", "audio/ogg")}
    for _ in range(2):
        response = await phone.send(message, message_id="wamid.FILE0001")
        assert response.status == 200
    await settle(wa_services)
    assert len(await files(wa_services)) == 1
    assert len(graph.sent) == 2  # the thanks and the offer, once


async def test_a_caption_is_read_too(phone: WhatsAppPhone, graph: FakeGraph) -> None:
    """An image with words: the thanks, then the words answered as a message."""
    graph.add_media("7000000000000001", PHOTO, "image/jpeg")
    answers = await send_file(
        phone, file_message("image", "7000000000000001", "image/jpeg", caption="salut")
    )
    assert answers[0] == said(phone.services, "media_photo")
    assert len(answers) >= 2
    assert said(phone.services, "media_offer_callback") not in answers
