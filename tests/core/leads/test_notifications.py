"""Team notifications: what the team's group chat is told about new and urgent leads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.app import open_services
from outreach_bot.core.events.bus import TeamEvent
from outreach_bot.core.leads.notifications import TeamNotifier, format_notification, lead_link
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Sector
from tests.conftest import make_settings
from tests.fakes import FakeNlu


class RecordingTeamChat:
    """A team chat that keeps what it was given, or fails when told to."""

    def __init__(self, *, fail: bool = False) -> None:
        self.posts: list[str] = []
        self.fail = fail

    async def post(self, text: str) -> None:
        if self.fail:
            raise ConnectionError("chat unreachable")
        self.posts.append(text)


@pytest.fixture(name="services")
async def _services(tmp_path: Path) -> AsyncIterator[Services]:
    async with open_services(make_settings(tmp_path), nlu=FakeNlu(), create_schema=True) as s:
        yield s


async def first_sector(services: Services) -> Sector:
    async with services.sessions() as session:
        sector = await session.scalar(select(Sector).order_by(Sector.id))
    assert sector is not None
    return sector


def test_new_lead_notice_has_first_name_sector_need_and_link() -> None:
    """The team sees who (first name), where (sector), what (need) and where to open it."""
    event = TeamEvent("lead_created", 3, 12, 1, first_name="Léa", need="un job en cuisine")
    text = format_notification(
        event, sector_name="Verdun", link="https://bot.example.org/admin/leads/12"
    )
    assert text == (
        "Nouveau contact : Léa (secteur Verdun).\n"
        "Besoin : un job en cuisine\n"
        "https://bot.example.org/admin/leads/12"
    )


def test_urgent_notice_without_a_name_still_makes_sense() -> None:
    """A crisis lead has no first name; the notice says a young person needs a quick answer."""
    event = TeamEvent("urgent", 3, 13, None, urgent=True)
    text = format_notification(event, sector_name=None, link=None)
    assert text == "URGENT : un jeune a besoin d'une réponse rapide."


def test_long_need_is_cut() -> None:
    """A long free-text need is shortened in the chat; the lead page has all of it."""
    event = TeamEvent("lead_created", 1, 1, None, first_name="Sam", need="mot " * 200)
    need_line = format_notification(event, sector_name=None, link=None).splitlines()[1]
    assert len(need_line) <= len("Besoin : ") + 200
    assert need_line.endswith("…")


def test_lead_link_works_with_or_without_trailing_slash() -> None:
    """The back-office link is right whether the public URL ends with a slash or not."""
    assert lead_link("https://x.org/", 5) == "https://x.org/admin/leads/5"
    assert lead_link("https://x.org/outreach", 5) == "https://x.org/outreach/admin/leads/5"


async def test_notifier_posts_in_the_background_with_the_sector_name(services: Services) -> None:
    """A new lead reaches the team chat with its sector's name, looked up by id."""
    sector = await first_sector(services)
    chat = RecordingTeamChat()
    notifier = TeamNotifier(services.sessions, chat, public_url="https://bot.example.org/")
    services.events.subscribe(notifier.on_event)
    await services.events.publish(
        TeamEvent("lead_created", 1, 7, sector.id, first_name="Léa", need="une formation")
    )
    await notifier.close()
    assert chat.posts == [
        f"Nouveau contact : Léa (secteur {sector.name}).\n"
        "Besoin : une formation\n"
        "https://bot.example.org/admin/leads/7"
    ]


async def test_other_events_are_not_posted(services: Services) -> None:
    """Messages and lead changes stay in the back office; the chat only gets new and urgent."""
    chat = RecordingTeamChat()
    notifier = TeamNotifier(services.sessions, chat, public_url="https://x.org/")
    await notifier.on_event(TeamEvent("message", 1))
    await notifier.on_event(TeamEvent("lead_changed", 1, 2))
    await notifier.close()
    assert chat.posts == []


async def test_failure_is_logged_without_personal_data(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """If the chat cannot be reached, the log says which lead, never the name or need."""
    notifier = TeamNotifier(services.sessions, RecordingTeamChat(fail=True), public_url="x/")
    await notifier.on_event(
        TeamEvent("urgent", 1, 9, None, urgent=True, first_name="Zoé", need="dormir dehors")
    )
    await notifier.close()
    assert "lead 9" in caplog.text
    assert "ConnectionError" in caplog.text
    assert "Zoé" not in caplog.text
    assert "dehors" not in caplog.text


async def test_a_slow_chat_never_delays_the_conversation(services: Services) -> None:
    """Publishing returns at once even when the team chat takes its time."""
    release = asyncio.Event()

    class SlowChat:
        async def post(self, text: str) -> None:
            await release.wait()

    notifier = TeamNotifier(services.sessions, SlowChat(), public_url="x/")
    await asyncio.wait_for(notifier.on_event(TeamEvent("lead_created", 1, 1)), timeout=0.5)
    release.set()
    await notifier.close()
