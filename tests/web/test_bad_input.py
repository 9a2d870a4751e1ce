"""What people and broken clients send to the public routes: answered, or a clear 4xx, never 5xx.

Each case here was a 500 (or a false 503) found by fuzzing: "²" typed under a menu, JSON Python
cannot read, ids past 2**31 - 1, and dates whose next day does not exist.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.core.services import Services
from outreach_bot.core.staff.tokens import create_token
from outreach_bot.storage.models import Base, Message
from tests.conftest import make_settings, serve
from tests.factories import RestChat

REST = "/webhooks/rest/webhook"
POLL = "/webhooks/rest/messages"
TOO_BIG_ID = str(2**31)


async def stored_texts(services: Services) -> list[str]:
    async with services.sessions() as session:
        return [text for text in await session.scalars(select(Message.text)) if text]


@pytest.fixture(name="auth")
async def _auth(services: Services) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_token(services.sessions, 'tests')}"}


@pytest.mark.parametrize("typed", ["²", "¹²³", "⑤", "².", "٣", "３"])
async def test_a_non_ascii_digit_under_a_menu_is_stored_and_answered(
    client: Any, services: Services, typed: str
) -> None:
    """A "²" (a key of the French AZERTY keyboard) under a menu gets an answer, not a 500."""
    chat = RestChat(client)
    await chat.say("salut")
    assert chat.payloads(), "the first answer shows a menu"
    replies = await chat.say(typed)
    assert replies
    assert replies[0]["text"]
    assert typed in await stored_texts(services)


async def test_an_ascii_digit_still_picks_a_button(client: Any) -> None:
    """Typing 1 under a menu picks the first button, as on SMS; only ASCII digits are choices."""
    chat = RestChat(client)
    await chat.say("salut")
    first = chat.payloads()[0]
    by_payload = await RestChat(client, sender="other").say(first)
    assert await chat.say("1") == [{**item, "recipient_id": chat.sender} for item in by_payload]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 5000 + b"]" * 5000, "nested deeper than 32"),
        (b'{"sender": "a", "message": "x", "metadata": ' + b"[" * 40 + b"]" * 40 + b"}", "nested"),
        (b'{"sender": ' + b"9" * 5000 + b', "message": "x"}', "too long"),
        (b'{"sender": "a", "message": "\xc3\x28"}', "UTF-8"),
    ],
)
async def test_json_python_cannot_read_is_a_400(
    client: Any, services: Services, body: bytes, reason: str
) -> None:
    """Deep nesting, a 5,000-digit integer or bytes that are not UTF-8 give a 400 and a reason."""
    response = await client.post(REST, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert reason in (await response.json())["error"]
    assert await stored_texts(services) == []


async def test_a_lone_surrogate_becomes_a_replacement_character(
    client: Any, services: Services
) -> None:
    """A widget that cuts an emoji in half still gets its message through, with U+FFFD."""
    body = b'{"sender": "web-\\ud800", "message": "salut \\ud83d"}'
    response = await client.post(REST, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 200
    replies = await response.json()
    assert replies[0]["recipient_id"] == "web-\ufffd"
    assert "salut \ufffd" in await stored_texts(services)


@pytest.mark.parametrize("after", ["²", "٣", "-1", "1e3", TOO_BIG_ID, "9" * 5000])
async def test_web_chat_poll_with_a_bad_after_is_a_400(client: Any, after: str) -> None:
    """The web chat's poll names its bad parameter instead of failing."""
    response = await client.get(POLL, params={"sender": "web-1", "after": after})
    assert response.status == 400
    assert "after" in (await response.json())["error"]


async def test_web_chat_poll_up_to_the_largest_id_works(client: Any) -> None:
    """The largest id a row can have is a valid ``after``."""
    response = await client.get(POLL, params={"sender": "web-1", "after": str(2**31 - 1)})
    assert response.status == 200
    assert await response.json() == []


@pytest.mark.parametrize("lead_id", [TOO_BIG_ID, "9" * 40, "0", "²", "٣"])
async def test_an_id_no_lead_can_have_is_a_404(
    client: Any, auth: dict[str, str], lead_id: str
) -> None:
    """``/api/leads/2147483648`` is simply not found (it was a 500, a 503 on PostgreSQL)."""
    response = await client.get(f"/api/leads/{lead_id}", headers=auth)
    assert response.status == 404
    assert await response.json() == {"error": "lead not found"}


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"to": "9999-12-31"}, "between 2000 and 2100"),
        ({"from": "0001-01-01"}, "between 2000 and 2100"),
        ({"from": "2026-02-30"}, "2026-01-31"),
        ({"to": "²"}, "2026-01-31"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "before its start"),
    ],
)
async def test_api_stats_with_a_bad_date_is_a_400(
    client: Any, auth: dict[str, str], query: dict[str, str], reason: str
) -> None:
    """``/api/stats?to=9999-12-31`` is a 400 that says which dates work."""
    response = await client.get("/api/stats", params=query, headers=auth)
    assert response.status == 400
    assert reason in (await response.json())["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/consents",
        "/api/leads",
        "/api/erasure",
        "/api/crisis-check",
        "/api/alerts",
        "/api/fields/age",
    ],
)
async def test_the_json_api_refuses_unreadable_json_with_a_400(
    client: Any, auth: dict[str, str], path: str
) -> None:
    """Every JSON route of the API reads its body through the same parser."""
    for body in (b"[" * 5000, b'{"text": ' + b"9" * 5000 + b"}"):
        response = await client.post(
            path, data=body, headers={**auth, "Content-Type": "application/json"}
        )
        assert response.status == 400, path
        assert "error" in await response.json()


@pytest.mark.postgres
async def test_an_id_past_the_integer_column_is_a_404_on_postgresql(
    tmp_path: Path, postgres_url: str, embedded_nlu: Any
) -> None:
    """PostgreSQL refuses 2**31 for an INTEGER column; we answer 404 before asking it."""
    settings = make_settings(tmp_path, database_url=postgres_url)
    async with open_services(settings, nlu=embedded_nlu, create_schema=True) as services:
        try:
            async with serve(services) as client:
                auth = {"Authorization": f"Bearer {await create_token(services.sessions, 'pg')}"}
                response = await client.get(f"/api/leads/{TOO_BIG_ID}", headers=auth)
                assert response.status == 404
                poll = await client.get(POLL, params={"sender": "web-1", "after": TOO_BIG_ID})
                assert poll.status == 400
                largest = await client.get(
                    POLL, params={"sender": "web-1", "after": str(2**31 - 1)}
                )
                assert largest.status == 200
        finally:
            async with services.db.begin() as connection:
                await connection.run_sync(Base.metadata.drop_all)


async def test_a_request_line_over_8_kb_is_logged_as_one_warning_without_its_content(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """aiohttp answers 400 itself; our log keeps a WARNING line, no traceback, no query."""
    response = await client.get("/healthz", params={"phone": "0612345678" * 1000})
    assert response.status == 400
    records = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert records
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in records)
    assert all("0612345678" not in r.getMessage() for r in records)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=declared"),
        (b"sender=web-1&message=caf\xe9", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_chat_form_that_cannot_be_read_is_a_400(
    client: Any, services: Services, body: bytes, content_type: str
) -> None:
    """The no-JavaScript chat's form with a bad boundary or bytes that are not UTF-8: a 400
    saying to reload (it was a 500 with a traceback), and nothing stored."""
    response = await client.post(
        "/q/forum/chat", data=body, headers={"Content-Type": content_type}
    )
    assert response.status == 400
    assert "Recharge la page" in await response.text()
    assert await stored_texts(services) == []


def test_every_form_is_read_through_the_one_reader() -> None:
    """Only ``web.errors.read_form`` calls aiohttp's ``post()``: a new form cannot bring the
    500 back."""
    source = Path(__file__).resolve().parents[2] / "src" / "outreach_bot"
    callers = {
        path.relative_to(source).as_posix()
        for path in source.rglob("*.py")
        if re.search(r"\brequest\.post\(\)", path.read_text(encoding="utf-8"))
    }
    assert callers == {"web/errors.py"}


async def test_a_message_id_with_a_newline_cannot_forge_a_log_line(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A client's ``metadata.message_id`` is logged escaped: one record, one line, so
    "INFO user 1 signed in" after a newline stays inside the duplicate's line."""
    caplog.set_level(logging.DEBUG)
    forged = "m-1\nINFO outreach_bot.core.staff.accounts user 1 signed in"
    body = {"sender": "web-1", "message": "salut", "metadata": {"message_id": forged}}
    for _ in range(2):  # the resend is logged as a duplicate, with its id
        assert (await client.post(REST, json=body)).status == 200
    lines = [record.getMessage() for record in caplog.records]
    assert any("m-1\\nINFO outreach_bot" in line for line in lines)
    assert not any("\n" in line for line in lines)
