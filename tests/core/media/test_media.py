"""Files young people send, in the core: the limit and the type read from the bytes, erasure
with the person (SUPPRIMER, an admin) and the purge on a frozen clock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from outreach_bot.app import open_services
from outreach_bot.core.channel import Attachment, InboundMessage
from outreach_bot.core.conversation.service import InboundResult
from outreach_bot.core.media import read_media
from outreach_bot.core.privacy.purge import purge
from outreach_bot.core.privacy.rights import erase_person
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user, load_account
from outreach_bot.storage.models import Conversation, MediaFile, MediaStatus
from tests.conftest import make_settings
from tests.fakes import FakeNlu
from tests.web.admin.conftest import make_lead

VOICE = b"OggS\x00\x02" + b"invented voice note " * 20
PDF = b"%PDF-1.4\n" + b"invented payslip " * 20


@pytest.fixture(name="services")
async def _services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = make_settings(tmp_path, media_max_bytes=2_000)
    async with open_services(settings, nlu=FakeNlu(), create_schema=True) as services:
        yield services


def attachment(data: bytes, *, kind: str = "voice", declared: str | None = None) -> Attachment:
    """A file whose fetch ignores the limit, as a careless adapter's would."""

    async def fetch(limit: int) -> bytes:
        return data

    return Attachment(kind=kind, fetch=fetch, declared_type=declared)


async def send(
    services: Services, sender: str, data: bytes, *, now: datetime, kind: str = "voice"
) -> InboundResult:
    return await services.conversations.handle_media(
        InboundMessage(channel="rest", sender_id=sender, text="", message_id=f"{sender}-{now}"),
        attachment(data, kind=kind),
        now=now,
    )


async def files(services: Services) -> list[MediaFile]:
    async with services.sessions() as session:
        return list(await session.scalars(select(MediaFile).order_by(MediaFile.id)))


async def test_the_size_limit_is_checked_on_the_bytes_too(services: Services) -> None:
    """A provider that declared no size does not get a file past OUTREACH_MEDIA_MAX_BYTES."""
    result = await send(services, "mia", VOICE * 10, now=datetime.now(UTC))
    assert [reply.text for reply in result.replies] == [
        services.content.message("media_too_big", "fr")
    ]
    assert await files(services) == []


async def test_the_type_is_read_from_the_bytes_not_the_senders_word(services: Services) -> None:
    """Declared a JPEG, it is a PDF: stored as what it is."""
    await services.conversations.handle_media(
        InboundMessage(channel="rest", sender_id="noa", text="", message_id="1"),
        attachment(PDF, kind="document", declared="image/jpeg"),
    )
    (stored,) = await files(services)
    assert stored.content_type == "application/pdf"


async def test_supprimer_erases_the_files(services: Services) -> None:
    """SUPPRIMER, confirmed: the files go with everything else."""
    now = datetime.now(UTC)
    await make_lead(services, sender="mia")
    await send(services, "mia", VOICE, now=now)
    (kept,) = await files(services)
    assert kept.status == MediaStatus.KEPT
    for words in ("supprimer", "/affirm"):
        await services.conversations.handle_inbound(
            InboundMessage(channel="rest", sender_id="mia", text=words)
        )
    assert await files(services) == []


async def test_an_admins_erasure_removes_the_files(services: Services) -> None:
    """Erasure from the back office takes the files too."""
    lead = await make_lead(services, sender="lou")
    await send(services, "lou", PDF, now=datetime.now(UTC), kind="document")
    assert len(await files(services)) == 1
    admin = await add_user(services.sessions, "boss@ml.example", role="admin", password="x" * 12)
    async with services.sessions() as session:
        account = await load_account(session, admin)
    assert account is not None
    await erase_person(services.sessions, account, lead.id)
    assert await files(services) == []


async def test_purge_on_a_frozen_clock(services: Services) -> None:
    """Kept files go with their conversation at the end of its retention; a file never
    consented to goes after OUTREACH_MEDIA_HOLD_DAYS; the rest stays."""
    now = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    old_lead = await make_lead(services, sender="old")
    await send(services, "old", VOICE, now=now - timedelta(days=400))
    async with services.sessions.begin() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == old_lead.conversation_id)
            .values(last_message_at=now - timedelta(days=400))
        )
    await make_lead(services, sender="recent")
    await send(services, "recent", VOICE, now=now - timedelta(days=30))
    await send(services, "forgot", VOICE, now=now - timedelta(days=8))
    await send(services, "thinking", VOICE, now=now - timedelta(days=2))
    assert [f.status for f in await files(services)] == ["kept", "kept", "held", "held"]

    report = await purge(
        services.sessions, transcript_days=90, retention_days=365, media_hold_days=7, now=now
    )

    assert report.conversations == 1
    assert report.held_media == 1
    left = await files(services)
    assert [(f.status, f.received_at.date()) for f in left] == [
        ("kept", (now - timedelta(days=30)).date()),
        ("held", (now - timedelta(days=2)).date()),
    ]


@pytest.mark.postgres
async def test_files_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    """The same on PostgreSQL (``bytea``): stored encrypted, read back whole, erased."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    sender = f"pg-{uuid.uuid4().hex}"
    async with open_services(settings, nlu=FakeNlu(), create_schema=True) as services:
        result = await send(services, sender, VOICE, now=datetime.now(UTC))
        async with services.sessions() as session:
            media = await session.scalar(
                select(MediaFile).where(MediaFile.conversation_id == result.conversation_id)
            )
            assert media is not None
            raw = await session.scalar(
                text("SELECT data FROM media_files WHERE id = :id"), {"id": media.id}
            )
            found = await read_media(session, result.conversation_id, media.id)
        assert found is None  # held: not served until consent
        assert raw is not None
        assert b"invented voice note" not in bytes(raw)
        async with services.sessions() as session:
            plain = await session.scalar(select(MediaFile.data).where(MediaFile.id == media.id))
        assert plain == VOICE
        for said in ("supprimer", "/affirm"):
            await services.conversations.handle_inbound(
                InboundMessage(channel="rest", sender_id=sender, text=said)
            )
        async with services.sessions() as session:
            assert await session.get(MediaFile, media.id) is None
