"""Back-office fixtures: staff accounts, leads written to the database, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Consent, Conversation, Lead, Message, Sector

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
FORM_KEY_RE = re.compile(r'name="form_key" value="([^"]+)"')


@dataclass
class Staff:
    admin: int
    coordinator: int
    lea: int  # counsellor, Nord Meusien
    marc: int  # counsellor, Nord Meusien
    sam: int  # counsellor, hors secteur
    olga: int  # outreach


EMAILS = {
    "admin": "admin@example.org",
    "coordinator": "coord@example.org",
    "lea": "lea@example.org",
    "marc": "marc@example.org",
    "sam": "sam@example.org",
    "olga": "olga@example.org",
}


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: six accounts per test must not cost seconds."""
    from argon2 import PasswordHasher

    from outreach_bot.core.staff import accounts as users

    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(name="staff")
async def _staff(services: Services) -> Staff:
    ids: dict[str, int] = {}
    for key, role, sectors, name in (
        ("admin", "admin", [], "Ada Admin"),
        ("coordinator", "coordinator", [], "Colette"),
        ("lea", "counsellor", ["nord-meusien"], "Léa Conseillère"),
        ("marc", "counsellor", ["nord-meusien"], "Marc"),
        ("sam", "counsellor", ["hors-secteur"], "Sam"),
        ("olga", "outreach", [], "Olga"),
    ):
        ids[key] = await add_user(
            services.sessions,
            EMAILS[key],
            role=role,
            password=PASSWORD,
            sectors=sectors,
            display_name=name,
        )
    return Staff(**ids)


async def make_lead(
    services: Services,
    *,
    sector: str = "nord-meusien",
    first_name: str = "Inès",
    channel: str = "rest",
    sender: str | None = None,
    urgent: bool = False,
    need: str = "un job dans la restauration",
    opted_out: bool = False,
    messages: tuple[str, ...] = ("salut", "je cherche du boulot"),
) -> Lead:
    """A lead with its conversation, consent and a short transcript, as the bot would leave it."""
    now = datetime.now(UTC)
    async with services.sessions.begin() as session:
        sector_id = await session.scalar(select(Sector.id).where(Sector.code == sector))
        sender = sender or f"{channel}-{first_name}-{now.timestamp()}"
        conversation = Conversation(
            channel=channel,
            sender_hash=current_cipher().lookup_hash(f"{channel}:{sender}"),
            sender_ref=sender,
            opted_out=opted_out,
        )
        session.add(conversation)
        await session.flush()
        for text in messages:
            session.add(
                Message(
                    conversation_id=conversation.id,
                    direction="in",
                    author="young_person",
                    text=text,
                )
            )
        consent = Consent(conversation_id=conversation.id, text_version="2024-06", channel=channel)
        session.add(consent)
        await session.flush()
        lead = Lead(
            conversation_id=conversation.id,
            consent_id=consent.id,
            sector_id=sector_id,
            channel=channel,
            first_name=first_name,
            phone="+33612345678",
            age=19,
            commune_insee="55545",
            commune_name="Verdun",
            need=need,
            urgent=urgent,
        )
        session.add(lead)
        await session.flush()
        return lead


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def form_key_of(html: str) -> str:
    match = FORM_KEY_RE.search(html)
    assert match, "no form key in the page"
    return match.group(1)


async def sign_in(
    client: TestClient,  # type: ignore[type-arg]
    services: Services,
    email: str,
    sectors: list[str],
) -> None:
    """Add a counsellor of ``sectors`` and sign ``client`` in as them."""
    await add_user(services.sessions, email, role="counsellor", password=PASSWORD, sectors=sectors)
    page = await client.get("/admin/login")
    match = CSRF_RE.search(await page.text())
    assert match
    response = await client.post(
        "/admin/login",
        data={"csrf": match.group(1), "email": email, "password": PASSWORD, "next": "/admin/"},
        allow_redirects=False,
    )
    assert response.status == 303


class Browser:
    """A signed-in person using the back office over HTTP, like a browser without JavaScript."""

    def __init__(self, client: TestClient) -> None:  # type: ignore[type-arg]
        self.client = client
        self.csrf = ""

    async def login(self, who: str, password: str = PASSWORD) -> Any:
        page = await self.client.get("/admin/login")
        self.csrf = csrf_of(await page.text())
        response = await self.client.post(
            "/admin/login",
            data={
                "csrf": self.csrf,
                "email": EMAILS[who],
                "password": password,
                "next": "/admin/",
            },
            allow_redirects=False,
        )
        if response.status == 303:
            queue = await self.client.get("/admin/")
            self.csrf = csrf_of(await queue.text())
        return response

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.client.get(path, **kwargs)

    async def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        body = {"csrf": self.csrf, **(data or {})}
        kwargs.setdefault("allow_redirects", False)
        return await self.client.post(path, data=body, **kwargs)


@pytest.fixture(name="browser")
async def _browser(client: TestClient, staff: Staff) -> Browser:  # type: ignore[type-arg]
    return Browser(client)


@pytest.fixture(name="second_browser")
async def _second_browser(
    client: TestClient,  # type: ignore[type-arg]
    staff: Staff,
) -> AsyncIterator[Browser]:
    other = TestClient(client.server)
    await other.start_server()
    yield Browser(other)
    await other.session.close()
