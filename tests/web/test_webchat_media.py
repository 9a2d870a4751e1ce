"""Photos and voice notes from the web chat's attach button, over real HTTP.

The files are invented: a small PNG drawn here, the first bytes of an Ogg and of an M4A file.
The rules are the other channels': the type is read from the bytes, the file is held until
the consent question is answered, then shown to the counsellor on the lead page.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from outreach_bot.app import open_services
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from outreach_bot.storage.models import Lead, MediaFile, MediaStatus
from tests.conftest import make_settings, serve
from tests.factories import RestChat
from tests.web.admin.conftest import sign_in

Client = TestClient[web.Request, web.Application]

MEDIA_PATH = "/webhooks/rest/media"
SENDER = "web-0123456789abcdef0123"
LIMIT = 4_000
OGG = b"OggS\x00\x02" + b"invented voice note, not a real recording " * 20
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 200


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (31, 95, 191)) -> bytes:
    """An invented PNG of one colour, made by hand: a real image a browser can show."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


PNG = png()


@pytest.fixture(name="chat")
async def _chat(
    tmp_path: Path, embedded_nlu: NluBackend
) -> AsyncIterator[tuple[Services, Client]]:
    """The real app on a real port, files limited to 4 kB so that "too big" is cheap."""
    settings = make_settings(tmp_path, media_max_bytes=LIMIT)
    async with (
        open_services(settings, nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        yield services, client


async def upload(
    client: Client,
    data: bytes,
    *,
    filename: str = "photo.png",
    declared: str = "image/png",
    sender: str = SENDER,
    message_id: str | None = None,
) -> tuple[int, object]:
    """What chat.js sends: the file in a form, the sender and the message id in the query."""
    form = FormData(quote_fields=False)  # a browser sends the name as it is
    form.add_field("file", data, filename=filename, content_type=declared)
    query = {"sender": sender} | ({"message_id": message_id} if message_id else {})
    response = await client.post(MEDIA_PATH, params=query, data=form)
    body = await response.json()
    return response.status, body


async def files(services: Services) -> list[MediaFile]:
    async with services.sessions() as session:
        return list(await session.scalars(select(MediaFile).order_by(MediaFile.id)))


def message(services: Services, key: str) -> str:
    return services.content.message(key, "fr")


async def send_the_form(chat: RestChat) -> None:
    """After "yes, call me back": consent, the form, "send"."""
    await chat.say("/affirm")
    assert "âge" in chat.text()
    await chat.say("17 ans")
    await chat.say("Léa")
    await chat.say("06 12 34 56 78")
    await chat.say("verdun")
    await chat.say("un job stp 🙏")
    await chat.say('/select{"value":"when_any"}')
    await chat.say("/affirm")
    assert "conseiller" in chat.text()


async def test_a_photo_of_a_paper_waits_for_consent_then_reaches_the_counsellor(
    chat: tuple[Services, Client],
) -> None:
    """A photo before any request: the bot's usual thanks and its call-back offer, the file
    held encrypted; "oui", consent and the form: kept on the lead, shown on the lead page."""
    services, client = chat
    rest = RestChat(client, sender=SENDER)
    await rest.say("/start")
    status, replies = await upload(client, PNG, message_id="web-2")
    assert status == 200
    assert isinstance(replies, list)
    assert [reply["text"] for reply in replies] == [
        message(services, "media_photo"),
        message(services, "media_offer_callback"),
    ]
    assert [button["payload"] for button in replies[-1]["buttons"]] == ["/affirm", "/deny"]
    (held,) = await files(services)
    assert (held.status, held.kind, held.content_type, held.lead_id, held.filename) == (
        MediaStatus.HELD,
        "photo",
        "image/png",
        None,
        "photo.png",
    )
    async with services.sessions() as session:
        raw = (await session.execute(text("SELECT data FROM media_files"))).scalar_one()
    assert not bytes(raw).startswith(b"\x89PNG")  # encrypted at rest

    await rest.say("/affirm")  # yes, call me back
    await send_the_form(rest)
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
    assert lead is not None
    (kept,) = await files(services)
    assert (kept.status, kept.lead_id) == (MediaStatus.KEPT, lead.id)

    await sign_in(client, services, "lea@example.org", ["nord-meusien"])
    html = await (await client.get(f"/admin/leads/{lead.id}")).text()
    url = f"/admin/leads/{lead.id}/media/{kept.id}"
    assert f'<img src="{url}"' in html
    served = await client.get(url)
    assert (served.status, served.headers["Content-Type"]) == (200, "image/png")
    assert await served.read() == PNG


@pytest.mark.parametrize(
    ("data", "filename", "declared", "stored"),
    [
        (OGG, "vocal.ogg", "audio/ogg", "audio/ogg"),
        (M4A, "Enregistrement 12.m4a", "audio/x-m4a", "audio/mp4"),
        # What the browser calls it is not trusted: the bytes say Ogg.
        (OGG, "vocal.png", "image/png", "audio/ogg"),
    ],
)
async def test_a_voice_note_from_the_phones_recorder_is_a_voice_note(
    chat: tuple[Services, Client], data: bytes, filename: str, declared: str, stored: str
) -> None:
    """Thanked for as a voice note; stored as the type its bytes show."""
    services, client = chat
    status, replies = await upload(client, data, filename=filename, declared=declared)
    assert status == 200
    assert isinstance(replies, list)
    assert replies[0]["text"] == message(services, "media_voice")
    (held,) = await files(services)
    assert (held.kind, held.content_type, held.filename) == ("voice", stored, filename)


async def test_saying_no_to_the_call_back_drops_the_file(chat: tuple[Services, Client]) -> None:
    services, client = chat
    await upload(client, OGG, filename="vocal.ogg", declared="audio/ogg", message_id="web-1")
    assert len(await files(services)) == 1
    rest = RestChat(client, sender=SENDER)
    await rest.say("/deny")
    assert rest.text().startswith(message(services, "lead_declined"))
    assert await files(services) == []


async def test_an_upload_sent_again_after_a_lost_answer_is_kept_once(
    chat: tuple[Services, Client],
) -> None:
    """The page resends with the same message id: the same words again, one file."""
    services, client = chat
    status, first = await upload(client, PNG, message_id="web-1")
    again_status, again = await upload(client, PNG, message_id="web-1")
    assert status == again_status == 200
    assert isinstance(first, list)
    assert isinstance(again, list)
    assert [reply["text"] for reply in first] == [reply["text"] for reply in again]
    assert len(await files(services)) == 1


MULTIPART = "multipart/form-data; boundary=xyz"


def one_part(data: bytes, name: str = "file") -> bytes:
    return (
        b'--xyz\r\nContent-Disposition: form-data; name="' + name.encode() + b'"; '
        b'filename="a.png"\r\nContent-Type: image/png\r\n\r\n' + data + b"\r\n--xyz--\r\n"
    )


@pytest.mark.parametrize(
    ("query", "body", "content_type", "status", "error"),
    [
        ({"sender": SENDER}, one_part(b""), MULTIPART, 400, "file: is empty"),
        ({"sender": SENDER}, one_part(b"MZ\x90\x00 a program"), MULTIPART, 415, "file: not a"),
        (
            {"sender": SENDER},
            one_part(b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
            MULTIPART,
            415,
            "file: not a",
        ),
        ({"sender": SENDER}, one_part(PNG, name="photo"), MULTIPART, 400, "one part named"),
        ({"sender": SENDER}, PNG, "image/png", 400, "multipart/form-data"),
        ({"sender": SENDER}, b"--xyz\r\nno headers end", MULTIPART, 400, "not a readable"),
        ({"sender": SENDER}, one_part(PNG), "multipart/form-data", 400, "not a readable"),
        ({"sender": SENDER}, b"\xff\xfe" * 10, MULTIPART, 400, "not a readable"),
        ({}, one_part(PNG), MULTIPART, 400, "sender:"),
        ({"sender": "x" * 129}, one_part(PNG), MULTIPART, 400, "sender:"),
        ({"sender": SENDER, "message_id": "x" * 101}, one_part(PNG), MULTIPART, 400, "message_id"),
        ({"sender": SENDER}, one_part(PNG * 60), MULTIPART, 413, "larger than 4000 bytes"),
    ],
    ids=[
        "empty",
        "program",
        "svg",
        "wrong-part",
        "not-a-form",
        "truncated",
        "no-boundary",
        "junk",
        "no-sender",
        "long-sender",
        "long-id",
        "too-big",
    ],
)
async def test_bad_uploads_get_a_clear_client_error_and_nothing_is_kept(  # noqa: PLR0917
    chat: tuple[Services, Client],
    query: dict[str, str],
    body: bytes,
    content_type: str,
    status: int,
    error: str,
) -> None:
    services, client = chat
    response = await client.post(
        MEDIA_PATH, params=query, data=body, headers={"Content-Type": content_type}
    )
    assert response.status == status
    assert error in (await response.json())["error"]
    assert await files(services) == []


async def test_a_huge_file_is_refused_before_it_is_sent(chat: tuple[Services, Client]) -> None:
    """A body declared at 50 MB gets its 413 after its first bytes: the server does not wait
    for the rest (a phone on a slow network learns at once)."""
    _, client = chat
    assert client.server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    try:
        writer.write(
            f"POST {MEDIA_PATH}?sender={SENDER} HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Type: {MULTIPART}\r\nContent-Length: 50000000\r\n\r\n".encode()
            + one_part(PNG)[:60]
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=30)
    finally:
        writer.close()
        await writer.wait_closed()
    assert status_line.startswith(b"HTTP/1.1 413")


async def test_a_file_sent_without_a_length_is_cut_off_at_the_limit(
    chat: tuple[Services, Client],
) -> None:
    """Chunked, with no length declared: counted as it comes, refused past the limit."""
    services, client = chat

    async def body() -> AsyncIterator[bytes]:
        yield one_part(b"")[: -len(b"\r\n--xyz--\r\n")]
        for _ in range(20):
            yield PNG * 10

    response = await client.post(
        MEDIA_PATH, params={"sender": SENDER}, data=body(), headers={"Content-Type": MULTIPART}
    )
    assert response.status == 413
    assert await files(services) == []


async def test_a_photo_sent_in_an_arabic_conversation_keeps_the_page_in_arabic(
    chat: tuple[Services, Client],
) -> None:
    """The answer to a file says the conversation's language like any reply, so the web chat
    stays right-to-left in Arabic instead of turning back to French."""
    _, client = chat
    young = RestChat(client, SENDER)
    await young.say("مرحبا، أبحث عن عمل في فردان")
    await young.say('/language{"code":"ar"}')
    status, body = await upload(client, PNG, message_id="web-3")
    assert status == 200
    assert isinstance(body, list)
    assert body
    assert {(r["custom"]["language"], r["custom"]["direction"]) for r in body} == {("ar", "rtl")}
