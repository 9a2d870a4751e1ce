"""The web chat during a counsellor's takeover, in headless Chromium: the header keeps saying
that a person of the team is writing, and an ordinary answer gets nothing from the bot."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Lead
from tests.web.admin.conftest import (  # noqa: F401 - fixtures used by name
    Browser,
    Staff,
    _fast_hashing,
    _staff,
    form_key_of,
)
from tests.web.test_webchat_browser import (
    Client,
    bot_count,
    open_chat,
    shot,
    type_message,
    wait_bot_after,
)

pytestmark = pytest.mark.browser

PERSON = "une personne de l'équipe t'écrit"


async def test_the_header_says_a_counsellor_while_one_holds_the_conversation(
    client: Client, services: Services, phone: Any, staff: Staff
) -> None:
    """Léa writes; "chez une copine a verdun" gets no bot bubble; certain crisis words get the
    numbers at once, and the header still says a person of the team."""
    await create_campaign(services.sessions, "FORUM-HOLD", name="Forum")
    page = await open_chat(phone, client, "FORUM-HOLD")
    # The quickest way to a lead: a crisis files an urgent one without a form.
    before = await bot_count(page)
    await type_message(page, "je veux mourir")
    await wait_bot_after(page, before)
    async with services.sessions() as session:
        lead_id = await session.scalar(select(Lead.id).where(Lead.urgent.is_(True)))
    assert lead_id is not None
    office = Browser(client)
    await office.login("lea")
    lead_page = await (await office.get(f"/admin/leads/{lead_id}")).text()
    sent = await office.post(
        f"/admin/leads/{lead_id}/reply",
        {"text": "Salut, c'est Léa. Tu es où ce soir ?", "form_key": form_key_of(lead_page)},
    )
    assert sent.status == 303
    await page.wait_for_selector("#log li.human")  # fetched by the page's poll
    await page.wait_for_function(f"document.querySelector('#who').textContent === {PERSON!r}")

    bubbles = await page.locator("#log li").count()
    await type_message(page, "je suis chez une copine a verdun pour ce soir")
    await page.wait_for_function(
        "n => document.querySelectorAll('#log li').length > n"
        " && !document.querySelector('#log li.typing')",
        arg=bubbles,
    )
    await page.wait_for_timeout(500)
    texts = await page.locator("#log li").all_inner_texts()
    assert texts[-1] == "je suis chez une copine a verdun pour ce soir"  # the bot kept quiet
    assert await page.inner_text("#who") == PERSON

    before = await bot_count(page)
    await type_message(page, "je veux me suicider")
    await wait_bot_after(page, before)
    assert "3114" in (await page.locator("#log li.bot").all_inner_texts())[-1]
    assert await page.inner_text("#who") == PERSON
    await shot(page, "phone-takeover-crisis")
