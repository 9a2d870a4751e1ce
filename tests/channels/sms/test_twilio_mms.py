"""MMS through Twilio: ``NumMedia`` / ``MediaUrl0`` / ``MediaContentType0`` in the signed
webhook; each file is downloaded from the fake Twilio API over real HTTP, with the account's
credentials, checked and held like any channel's, and answered by SMS."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import MediaFile, MediaStatus
from tests.channels.sms.conftest import (
    OUR_NUMBER,
    YOUNG_PERSON,
    Client,
    FakeTwilio,
    fixture_form,
    post_twilio,
    settle,
)

PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"invented photo of a payslip " * 30
VOICE = b"OggS\x00\x02" + b"invented voice note " * 20


def mms(sid: str, media: list[tuple[str, str]], body: str = "") -> dict[str, str]:
    """Twilio's form for an MMS: its text and, per file, its URL and declared type."""
    form = fixture_form("twilio_inbound.form")
    form.update(
        Body=body,
        From=YOUNG_PERSON,
        To=OUR_NUMBER,
        MessageSid=sid,
        SmsMessageSid=sid,
        SmsSid=sid,
        NumMedia=str(len(media)),
    )
    for index, (url, content_type) in enumerate(media):
        form[f"MediaUrl{index}"] = url
        form[f"MediaContentType{index}"] = content_type
    return form


async def files(services: Services) -> list[MediaFile]:
    async with services.sessions() as session:
        return list(await session.scalars(select(MediaFile).order_by(MediaFile.id)))


def said(services: Services, key: str) -> str:
    return services.content.message(key, "fr")


async def test_a_photo_by_mms_is_downloaded_held_and_answered_by_sms(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio
) -> None:
    url = twilio.media_url("ME01", "image/jpeg", PHOTO)
    response = await post_twilio(
        twilio_client, "/webhooks/sms/twilio", mms("MM01", [(url, "image/jpeg")])
    )
    assert response.status == 200
    assert twilio.downloads == ["ME01"]
    (held,) = await files(twilio_services)
    assert (held.status, held.kind, held.content_type) == (MediaStatus.HELD, "photo", "image/jpeg")
    await settle(twilio_services)
    thanks, offer = twilio.bodies()
    assert thanks == said(twilio_services, "media_photo")
    assert offer.startswith(said(twilio_services, "media_offer_callback"))  # and its 1 / 2


async def test_a_voice_note_with_words_gets_both_answered(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio
) -> None:
    """The words are a message of their own; the file is thanked for as a voice note."""
    url = twilio.media_url("ME02", "audio/ogg", VOICE)
    form = mms("MM02", [(url, "audio/ogg")], body="je cherche du boulot")
    assert (await post_twilio(twilio_client, "/webhooks/sms/twilio", form)).status == 200
    (held,) = await files(twilio_services)
    assert (held.kind, held.content_type) == ("voice", "audio/ogg")
    await settle(twilio_services)
    assert said(twilio_services, "media_voice") in twilio.bodies()


async def test_a_media_address_outside_the_account_is_never_fetched(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio
) -> None:
    """Not sent our Auth Token, not downloaded: the young person is told it did not come."""
    twilio.media_url("ME03", "image/jpeg", PHOTO)
    # Another account's address on the same host: the fake would count the download.
    other = "AC" + "2" * 32
    elsewhere = f"{twilio.url}/2010-04-01/Accounts/{other}/Messages/MM03/Media/ME03"
    form = mms("MM03", [(elsewhere, "image/jpeg")])
    assert (await post_twilio(twilio_client, "/webhooks/sms/twilio", form)).status == 200
    assert twilio.downloads == []
    assert await files(twilio_services) == []
    await settle(twilio_services)
    assert twilio.bodies() == [said(twilio_services, "media_unavailable")]


@pytest.mark.parametrize("sms_overrides", [{"media_max_bytes": 200}])
async def test_a_file_over_the_limit_is_not_kept(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio, sms_overrides: Any
) -> None:
    url = twilio.media_url("ME04", "image/jpeg", PHOTO)
    form = mms("MM04", [(url, "image/jpeg")])
    assert (await post_twilio(twilio_client, "/webhooks/sms/twilio", form)).status == 200
    assert await files(twilio_services) == []
    await settle(twilio_services)
    assert twilio.bodies() == [said(twilio_services, "media_too_big")]


async def test_a_resent_webhook_downloads_and_answers_once(
    twilio_client: Client, twilio_services: Services, twilio: FakeTwilio
) -> None:
    """Twilio retries a webhook it got no answer to: one file, one answer."""
    url = twilio.media_url("ME05", "image/jpeg", PHOTO)
    form = mms("MM05", [(url, "image/jpeg")])
    for _ in range(2):
        assert (await post_twilio(twilio_client, "/webhooks/sms/twilio", form)).status == 200
    assert len(await files(twilio_services)) == 1
    await settle(twilio_services)
    assert len(twilio.bodies()) == 2  # the thanks and the call-back offer, once
