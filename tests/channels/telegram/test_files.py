"""Voice notes, photos and documents on Telegram, end to end against the fake Bot API.

The young person gets a kind answer and the offer of a call back; the file is downloaded
through getFile, checked, stored encrypted, held until they answer the consent question, and
then shown and played on the lead page, to staff who may see that lead only.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from outreach_bot.channels.telegram import SECRET_HEADER, webhook_secret
from outreach_bot.channels.telegram_mode import WEBHOOK_PATH
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Lead, MediaFile, MediaStatus
from tests.channels.telegram.bot_api import CHAT_ID, media_update
from tests.channels.telegram.conftest import Harness, TelegramUser, eventually, outbox_idle
from tests.web.admin.conftest import sign_in

VOICE = b"OggS\x00\x02" + b"invented voice note, not a real recording " * 40
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"invented photo of a payslip " * 60
PDF = b"%PDF-1.4\n" + b"invented CV, Lea, cariste " * 30
PROGRAM = b"MZ\x90\x00" + b"not a PDF at all " * 30


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from outreach_bot.core.staff import accounts as users

    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def file_update(kind: str, data: bytes, harness: Harness, **fields: Any) -> dict[str, Any]:
    """A voice, photo or document update whose file the fake Bot API serves as ``data``."""
    update = media_update(kind)
    message = update["message"]
    if kind == "photo":
        largest = message["photo"][-1]
        largest["file_size"] = len(data)
        harness.api.add_file(largest["file_id"], data)
    else:
        message[kind]["file_size"] = len(data)
        message[kind].update(fields)
        harness.api.add_file(message[kind]["file_id"], data)
    return update


async def files(services: Services) -> list[MediaFile]:
    async with services.sessions() as session:
        return list(await session.scalars(select(MediaFile).order_by(MediaFile.id)))


async def raw_stored(services: Services) -> list[bytes]:
    """The ``data`` column as the database holds it, without the decrypting column type."""
    async with services.sessions() as session:
        rows = await session.execute(text("SELECT data FROM media_files ORDER BY id"))
        return [bytes(row[0]) for row in rows]


def message(services: Services, key: str) -> str:
    return services.content.message(key, "fr")


async def complete_form(user: TelegramUser) -> list[str]:
    """From the call-back offer to the lead: yes, consent, the form, send."""
    await user.tap("/affirm")
    replies = await user.tap("/affirm")
    assert "âge" in replies[-1]
    await user.say("17")
    await user.say("Léa")
    await user.tap("/contact_here")
    await user.say("verdun")
    await user.tap("/skip")
    await user.tap('/select{"value":"when_any"}')
    return await user.tap("/affirm")


async def test_voice_note_is_kept_encrypted_and_played_on_the_lead_page(
    polling: Harness,
) -> None:
    """A voice note before consent: a kind answer and the call-back offer; held encrypted;
    once the person agrees and sends the form, the counsellor plays it on the lead page."""
    services, user = polling.services, polling.user
    replies = await user.send(file_update("voice", VOICE, polling))
    assert replies == [
        message(services, "media_voice"),
        message(services, "media_offer_callback"),
    ]
    assert "je ne peux pas écouter les vocaux" in replies[0].lower()
    offer = user.last_keyboard("/affirm")
    assert [b["callback_data"] for b in offer.buttons()] == ["/affirm", "/deny"]
    (held,) = await files(services)
    assert (held.status, held.kind, held.content_type, held.lead_id) == (
        MediaStatus.HELD,
        "voice",
        "audio/ogg",
        None,
    )
    (raw,) = await raw_stored(services)
    assert b"invented voice note" not in raw
    assert not raw.startswith(b"OggS")

    replies = await complete_form(user)
    assert "conseiller" in replies[-1]
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    (kept,) = await files(services)
    assert (kept.status, kept.lead_id) == (MediaStatus.KEPT, lead.id)

    client = polling.client
    await sign_in(client, services, "lea@example.org", ["nord-meusien"])
    page = await client.get(f"/admin/leads/{lead.id}")
    html = await page.text()
    url = f"/admin/leads/{lead.id}/media/{kept.id}"
    assert f'<audio controls preload="metadata" src="{url}">' in html  # Fichiers reçus
    assert f'<audio controls preload="none" src="{url}">' in html  # and in its transcript line
    assert "Fichier reçu : note vocale" in html
    served = await client.get(url)
    assert served.status == 200
    assert served.headers["Content-Type"] == "audio/ogg"
    assert "no-store" in served.headers["Cache-Control"]
    assert await served.read() == VOICE


async def test_photo_with_a_request_already_with_the_team_is_kept_at_once(
    webhook: Harness,
) -> None:
    """A photo after the lead is sent is thanked for and joins the lead, with no new offer."""
    services, user = webhook.services, webhook.user
    await user.say("salut")
    await user.say("je cherche du boulot vers verdun")
    await complete_form(user)
    replies = await user.send(file_update("photo", PHOTO, webhook))
    assert replies == [message(services, "media_photo")]
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    (photo,) = await files(services)
    assert (photo.status, photo.lead_id, photo.content_type) == (
        MediaStatus.KEPT,
        lead.id,
        "image/jpeg",
    )
    (raw,) = await raw_stored(services)
    assert b"invented photo" not in raw
    assert not raw.startswith(b"\xff\xd8")

    client = webhook.client
    await sign_in(client, services, "lea@example.org", ["nord-meusien"])
    html = await (await client.get(f"/admin/leads/{lead.id}")).text()
    assert f'<img src="/admin/leads/{lead.id}/media/{photo.id}"' in html
    served = await client.get(f"/admin/leads/{lead.id}/media/{photo.id}")
    assert (served.status, served.headers["Content-Type"]) == (200, "image/jpeg")
    assert await served.read() == PHOTO
    # An open lead page fetches new transcript lines live: the photo comes with its link.
    live = await (await client.get(f"/admin/leads/{lead.id}/messages?after=0")).text()
    assert f'<a href="/admin/leads/{lead.id}/media/{photo.id}">voir la photo</a>' in live


async def test_declining_the_call_back_drops_the_held_file(polling: Harness) -> None:
    """ "Non" to the call-back offer: the voice note is deleted, nothing is kept."""
    user = polling.user
    await user.send(file_update("voice", VOICE, polling))
    assert len(await files(polling.services)) == 1
    replies = await user.tap("/deny")
    assert replies[-1].startswith(message(polling.services, "lead_declined"))
    assert await files(polling.services) == []


async def test_refusing_consent_drops_the_held_file(polling: Harness) -> None:
    """Yes to the call back, then no to the consent question: the file goes."""
    user = polling.user
    await user.send(file_update("document", PDF, polling))
    await user.tap("/affirm")
    replies = await user.tap("/deny")
    assert replies[-1].startswith(message(polling.services, "consent_declined"))
    assert await files(polling.services) == []


async def test_a_file_sent_during_the_form_waits_and_the_question_comes_again(
    polling: Harness,
) -> None:
    """A photo of a payslip in the middle of the form: thanked for, the same question asked
    again, held until the form is sent."""
    user = polling.user
    await user.say("je cherche du boulot vers verdun")
    await user.tap("/affirm")
    await user.tap("/affirm")
    replies = await user.send(file_update("photo", PHOTO, polling))
    assert replies[0] == message(polling.services, "media_photo")
    assert "âge" in replies[-1]
    (held,) = await files(polling.services)
    assert held.status == MediaStatus.HELD


async def test_too_big_is_refused_kindly_without_downloading(polling: Harness) -> None:
    """A file over OUTREACH_MEDIA_MAX_BYTES (declared by Telegram) is not even downloaded."""
    update = file_update("voice", VOICE, polling)
    update["message"]["voice"]["file_size"] = 50_000_000
    replies = await polling.user.send(update)
    assert replies == [message(polling.services, "media_too_big")]
    assert polling.api.downloads == []
    assert await files(polling.services) == []


@pytest.mark.parametrize(
    ("data", "declared"),
    [(PDF, "application/zip"), (PROGRAM, "application/pdf")],
    ids=["declared-zip", "program-said-to-be-a-pdf"],
)
async def test_wrong_type_is_refused_kindly(polling: Harness, data: bytes, declared: str) -> None:
    """A type off the allow-list, declared or read from the bytes, is refused and not kept."""
    update = file_update("document", data, polling, mime_type=declared)
    replies = await polling.user.send(update)
    assert replies == [message(polling.services, "media_wrong_type")]
    assert await files(polling.services) == []


async def test_a_file_telegram_will_not_give_gets_a_kind_answer(polling: Harness) -> None:
    """getFile refused (an expired file id): the person is asked to send it again."""
    replies = await polling.user.send(media_update("voice"))  # no file behind its id
    assert replies == [message(polling.services, "media_unavailable")]
    assert await files(polling.services) == []


async def test_a_webhook_retry_stores_the_file_once(webhook: Harness) -> None:
    """Telegram posting the same update twice: one file, one answer."""
    services = webhook.services
    update = file_update("voice", VOICE, webhook)
    update["update_id"] = webhook.api.next_update_id()
    secret = webhook_secret(services.settings, services.secret)
    for _ in range(2):
        response = await webhook.client.post(
            WEBHOOK_PATH, json=update, headers={SECRET_HEADER: secret}
        )
        assert response.status == 200
    await eventually(lambda: outbox_idle(services), what="the outbox to drain")
    assert len(await files(services)) == 1
    assert len(webhook.api.sent(CHAT_ID)) == 2  # the thanks and the offer, once


async def test_words_sent_with_a_photo_are_answered(polling: Harness) -> None:
    """A photo captioned with a question: the thanks, then the question's own answer (and its
    offer, whose "non" also drops the held photo)."""
    services, user = polling.services, polling.user
    update = file_update("photo", PHOTO, polling)
    update["message"]["caption"] = "je cherche du boulot vers verdun"
    replies = await user.send(update)
    assert replies[0] == message(services, "media_photo")
    assert message(services, "media_offer_callback") not in replies
    assert "conseiller" in replies[-1]  # the job answer's own offer
    (held,) = await files(services)
    assert held.status == MediaStatus.HELD
    await user.tap("/deny")
    assert await files(services) == []
