"""The reviewer role: an interpreter or a partner association reads and approves the bot's
texts per language, and sees nothing of young people."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user
from outreach_bot.storage.models import Lead, TextReview
from tests.factories import RestChat
from tests.web.admin.conftest import EMAILS, PASSWORD, Browser
from tests.web.admin.test_funder import OPEN_TO_FUNDER, sweep_closed_routes

REVIEWER_EMAIL = "farid.interprete@example.org"
TEXTS = {"texts.list", "texts.language", "texts.approve"}


@pytest.fixture(name="reviewer")
async def _reviewer(
    services: Services, monkeypatch: pytest.MonkeyPatch, browser: Browser
) -> Browser:
    """``browser`` signed in as Farid, an interpreter with a reviewer account."""
    await add_user(
        services.sessions,
        REVIEWER_EMAIL,
        role="reviewer",
        password=PASSWORD,
        display_name="Farid, interprète (association Trait d'Union)",
    )
    monkeypatch.setitem(EMAILS, "reviewer", REVIEWER_EMAIL)
    assert (await browser.login("reviewer")).status == 303
    return browser


async def test_a_reviewer_lands_on_the_texts_and_approves_a_dari_text_in_their_name(
    reviewer: Browser,
    client: TestClient,
    services: Services,  # type: ignore[type-arg]
) -> None:
    """The back office opens on the Textes page with a menu of Textes alone; the form is
    signed in the interpreter's name, and the bot asks the approved question at once."""
    home = await reviewer.get("/admin/", allow_redirects=False)
    assert (home.status, home.headers["Location"]) == (303, "/admin/texts")
    page = await (await reviewer.get("/admin/texts/prs")).text()
    menu = page[page.index('<nav aria-label="Menu principal">') : page.index("</nav>")]
    assert re.findall(r'<a href="([^"]+)"', menu) == ["/admin/texts", "/admin/me"]
    assert 'value="Farid, interprète (association Trait d&#39;Union)"' in page
    corrected = "سن شما چند سال است؟ با عدد بنویسید."
    answer = await reviewer.post(
        "/admin/texts/prs/approve",
        {
            "key": "messages.ask_age",
            "text": corrected,
            "reviewed_by": "Farid, interprète (association Trait d'Union)",
        },
    )
    assert answer.status == 303
    async with services.sessions() as session:
        row = await session.scalar(select(TextReview))
    assert row is not None
    assert (row.language, row.text) == ("prs", corrected)
    assert row.reviewed_by == "Farid, interprète (association Trait d'Union)"
    chat = RestChat(client, "prs-reviewed")
    for message in ("سلام، من دنبال کار هستم", "1", "/affirm", "/affirm"):
        await chat.say(message)
    assert chat.text() == corrected


async def test_every_other_back_office_route_refuses_the_reviewer(
    client: TestClient,  # type: ignore[type-arg]
    reviewer: Browser,
    services: Services,
) -> None:
    """Each route of the back office but the Textes pages, read from its router (a page
    added later is swept too), answers the reviewer 403 or a redirect to the Textes page:
    no lead, conversation, figure or campaign, and nothing changes."""
    lead, checked = await sweep_closed_routes(
        client, reviewer, services, allowed=OPEN_TO_FUNDER | TEXTS, home="/admin/texts"
    )
    assert ("GET", f"/admin/leads/{lead.id}") in checked
    assert ("GET", "/admin/figures") in checked
    assert ("GET", "/admin/events") in checked
    assert len(checked) > 25
    async with services.sessions() as session:
        unchanged = await session.get(Lead, lead.id)
    assert unchanged is not None
    assert unchanged.status == "new"
