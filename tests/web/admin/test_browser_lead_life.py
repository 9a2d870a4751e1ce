"""The lead's life follows the work (issue 22), in headless Chromium on a phone and a desktop
screen: after "Envoyer" the conversation shows the new message and the answer arriving live,
closing asks how it ended, and handing back tells the web chat, whose header follows.

Uses the real server and Debian's chromium like ``test_browser.py`` (whose fixtures these are).
The sending rules are open all week here, so that the scheduler sends the hand-back notice
whatever day the tests run (Sunday is a quiet day by default).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from outreach_bot.config import Settings
from outreach_bot.core.events.bus import TeamEvent
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, Lead, Message
from tests.browser import ARTIFACTS, sign_in
from tests.conftest import make_settings
from tests.factories import RestChat
from tests.web.admin.conftest import EMAILS, make_lead
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    LiveClient,
    _base_url,
)

pytestmark = pytest.mark.browser

SIZES = pytest.mark.parametrize("size", [(390, 844), (1366, 768)], ids=["phone", "desktop"])
BACK = "C'est de nouveau moi, le bot"


@pytest.fixture(name="settings")
def _open_all_week(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        quiet_days="",
        quiet_on_public_holidays=False,
        quiet_hours_start=time(0, 0),
        quiet_hours_end=time(0, 0),
    )


async def _sign_in_lea(page: Any, base_url: str, size: tuple[int, int]) -> None:
    await page.set_viewport_size({"width": size[0], "height": size[1]})
    await sign_in(page, base_url, EMAILS["lea"])
    await page.get_by_role("heading", name="File des contacts").wait_for()


async def shot(page: Any, name: str, size: tuple[int, int]) -> None:
    """What the screen shows (not the whole page): the point is what is in view."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-{size[0]}x{size[1]}.png"))


async def in_view(page: Any, selector: str) -> bool:
    """Whether the element is entirely on screen, in the window and in its scrolled list."""
    return bool(
        await page.eval_on_selector(
            selector,
            """el => {
                const r = el.getBoundingClientRect();
                const list = el.closest('#transcript').getBoundingClientRect();
                return r.top >= Math.max(0, list.top) - 1 && r.bottom <= Math.min(
                    window.innerHeight, list.bottom) + 1;
            }""",
        )
    )


async def status_of(services: Services, lead_id: int) -> tuple[str, str | None]:
    async with services.sessions() as session:
        lead = await session.get(Lead, lead_id)
        assert lead is not None
        return lead.status, lead.outcome


@SIZES
async def test_after_envoyer_the_conversation_shows_the_message_and_the_answer_live(
    base_url: str, browser_page: Any, services: Services, size: tuple[int, int]
) -> None:
    """Léa writes to a new lead: the page comes back on the conversation with her message in
    view (not on the empty form), the lead reads "Contacté", and the young person's answer
    appears below it without a reload."""
    sender = f"webchat-live-{size[0]}"
    many = tuple(f"msg {n} : jcherche un taf vers verdun" for n in range(12))
    lead = await make_lead(services, channel="rest", sender=sender, messages=many)
    page = browser_page
    await _sign_in_lea(page, base_url, size)
    await page.goto(f"{base_url}/admin/leads/{lead.id}")
    await page.get_by_label("Répondre sur Chat web").fill("Salut Inès ! Ici Léa, on s'appelle ?")
    await page.get_by_role("button", name="Envoyer").click()
    await page.wait_for_url(re.compile(r"#m-\d+$"))
    await page.locator("main[data-live-ready=true]").wait_for(state="attached")
    mine = "#transcript .msg-counsellor >> nth=-1"
    assert "on s'appelle ?" in await page.inner_text(mine)
    assert await in_view(page, mine)
    badge = page.locator(".title-row .badge").last
    assert (await badge.inner_text()).strip() == "Contacté"
    assert "Statut changé : Contacté" in await page.locator(".history").inner_text()

    async with aiohttp.ClientSession() as http:
        chat = RestChat(LiveClient(http, base_url), sender=sender)  # type: ignore[arg-type]
        assert await chat.say("wsh oui dispo mardi aprem 👍") == []  # the bot keeps quiet
    answer = page.locator("#transcript .msg-young_person", has_text="dispo mardi aprem")
    await answer.wait_for()
    assert await in_view(page, "#transcript .msg-young_person >> nth=-1")
    assert page.url.endswith(f"#{await page.locator(mine).get_attribute('id')}")
    await shot(page, "lead-after-send", size)


async def test_a_burst_of_live_events_shows_each_line_once(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """Several events at once (the young person's words, the status they change, the stream
    reopening) each ask for the new lines: the conversation still shows each line once."""
    lead = await make_lead(services, channel="rest", sender="webchat-burst")
    page = browser_page
    await _sign_in_lea(page, base_url, (1366, 768))
    await page.goto(f"{base_url}/admin/leads/{lead.id}")
    await page.locator("main[data-live-ready=true]").wait_for(state="attached")

    async def young_person_writes(text: str, events: int) -> None:
        async with services.sessions.begin() as session:
            session.add(
                Message(
                    conversation_id=lead.conversation_id,
                    direction="in",
                    author="young_person",
                    text=text,
                    created_at=datetime.now(UTC),
                )
            )
        event = TeamEvent("message", lead.conversation_id, lead.id, lead.sector_id)
        await asyncio.gather(*(services.events.publish(event) for _ in range(events)))

    await young_person_writes("ok jsuis dispo jeudi", events=3)
    await young_person_writes("ou vendredi matin", events=1)
    transcript = page.locator("#transcript")
    await transcript.get_by_text("ou vendredi matin").wait_for()
    assert await transcript.get_by_text("ok jsuis dispo jeudi").count() == 1
    assert await transcript.get_by_text("ou vendredi matin").count() == 1


@SIZES
async def test_without_javascript_envoyer_lands_on_the_new_message(
    base_url: str, browser_page: Any, services: Services, size: tuple[int, int]
) -> None:
    """With JavaScript off the redirect's anchor alone brings the new message into view."""
    many = tuple(f"ligne {n} de la conv" for n in range(15))
    lead = await make_lead(services, channel="rest", sender=f"nojs-{size[0]}", messages=many)
    browser = browser_page.context.browser
    context = await browser.new_context(
        java_script_enabled=False,
        viewport={"width": size[0], "height": size[1]},
        locale="fr-FR",
    )
    try:
        page = await context.new_page()
        await _sign_in_lea(page, base_url, size)
        await page.goto(f"{base_url}/admin/leads/{lead.id}")
        await page.get_by_label("Répondre sur Chat web").fill("Coucou, c'est Léa (sans JS)")
        await page.get_by_role("button", name="Envoyer").click()
        await page.wait_for_url(re.compile(r"#m-\d+$"))
        mine = "#transcript .msg-counsellor >> nth=-1"
        assert "sans JS" in await page.inner_text(mine)
        assert await in_view(page, mine)
        await shot(page, "lead-after-send-nojs", size)
    finally:
        await context.close()


@SIZES
async def test_closing_asks_how_it_ended(
    base_url: str, browser_page: Any, services: Services, size: tuple[int, int]
) -> None:
    """ "Clore le suivi" without an outcome goes nowhere; with "Entré·e en CEJ" the lead is
    mobilised, and the page and its history say how it ended."""
    lead = await make_lead(services, channel="sms", sender="+33612345670")
    page = browser_page
    await _sign_in_lea(page, base_url, size)
    await page.goto(f"{base_url}/admin/leads/{lead.id}")
    closing = page.locator("#close")
    await closing.scroll_into_view_if_needed()
    await shot(page, "lead-close-form", size)
    await closing.get_by_role("button", name="Clore le suivi").click()
    first = closing.get_by_role("radio").first
    assert await first.evaluate("el => !el.validity.valid")  # the browser asks for one
    assert await status_of(services, lead.id) == ("new", None)

    await closing.get_by_label("Entré·e en CEJ").check()
    await closing.get_by_role("button", name="Clore le suivi").click()
    await page.get_by_text("Suivi clos.").wait_for()
    assert await status_of(services, lead.id) == ("mobilised", "cej")
    badge = await page.locator(".title-row .badge").last.inner_text()
    assert badge.strip().startswith("Mobilisé · Entré·e en CEJ")
    assert "Entré·e en CEJ" in await page.locator("#outcome").inner_text()
    assert "(Entré·e en CEJ" in await page.locator(".history").inner_text()
    assert await page.locator("#close").count() == 0
    await page.locator("#outcome").scroll_into_view_if_needed()
    await shot(page, "lead-closed", size)


@SIZES
async def test_the_lead_page_and_its_closing_form_pass_axe(
    base_url: str, browser_page: Any, services: Services, size: tuple[int, int]
) -> None:
    """axe-core finds nothing serious or critical on the lead page, open (with the closing
    form) and closed (with its outcome), after a reply."""
    from tests.web.test_webchat_axe import audit, blocking

    lead = await make_lead(services, channel="rest", sender=f"axe-{size[0]}")
    page = browser_page
    await _sign_in_lea(page, base_url, size)
    await page.goto(f"{base_url}/admin/leads/{lead.id}")
    await page.get_by_label("Répondre sur Chat web").fill("Coucou, c'est Léa")
    await page.get_by_role("button", name="Envoyer").click()
    await page.wait_for_url(re.compile(r"#m-\d+$"))
    problems = {"open": blocking(await audit(page, f"lead-open-{size[0]}"))}
    await page.locator("#close").get_by_label("Joint·e, rien de plus à faire").check()
    await page.locator("#close").get_by_role("button", name="Clore le suivi").click()
    await page.get_by_text("Suivi clos.").wait_for()
    problems["closed"] = blocking(await audit(page, f"lead-closed-{size[0]}"))
    assert problems == {"open": [], "closed": []}


@SIZES
async def test_handing_back_tells_the_web_chat_and_its_header_follows(
    base_url: str, browser_page: Any, services: Services, size: tuple[int, int]
) -> None:
    """A young person on the web chat (phone) talks with Léa (back office at ``size``); she
    hands back: the chat shows the bot's notice and its header says the bot again."""
    await create_campaign(services.sessions, f"FORUM-{size[0]}", name="Forum")
    browser = browser_page.context.browser
    phone = await browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    try:
        chat = await phone.new_page()
        chat.set_default_timeout(15_000)
        await chat.goto(f"{base_url}/q/FORUM-{size[0]}")
        await chat.get_by_text("Discuter ici").click()
        await chat.wait_for_selector("#log li.bot")
        bot_says = await chat.get_attribute("#chat", "data-bot")
        person_says = await chat.get_attribute("#chat", "data-human")
        await chat.fill("#message", "slt jvoudrais parler a qqn stp")
        await chat.press("#message", "Enter")
        await chat.wait_for_function("() => document.querySelectorAll('#log li.bot').length > 1")
        lead = await make_lead(services, channel="rest", sender=f"unused-{size[0]}")
        async with services.sessions.begin() as session:
            conversation = await session.scalar(
                select(Conversation)
                .where(Conversation.channel == "rest", Conversation.id != lead.conversation_id)
                .order_by(Conversation.id.desc())
            )
            assert conversation is not None
            row = await session.get(Lead, lead.id)
            assert row is not None
            row.conversation_id = conversation.id

        office = browser_page
        await _sign_in_lea(office, base_url, size)
        await office.goto(f"{base_url}/admin/leads/{lead.id}")
        await office.get_by_label("Répondre sur Chat web").fill("Salut, c'est Léa 😊 je t'écoute")
        await office.get_by_role("button", name="Envoyer").click()
        await office.wait_for_url(re.compile(r"#m-\d+$"))
        await chat.wait_for_selector("#log li.human")
        await chat.wait_for_function(
            "text => document.querySelector('#who').textContent === text", arg=person_says
        )

        await office.get_by_role("button", name="Rendre la main au bot").click()
        await office.locator(".flash", has_text="Conversation rendue au bot").wait_for()
        notice = chat.locator("#log li.bot", has_text=BACK)
        await notice.wait_for()
        await chat.wait_for_function(
            "text => document.querySelector('#who').textContent === text", arg=bot_says
        )
        assert "rendu au bot" in (await office.locator(".history").inner_text()).lower()
        await shot(chat, "webchat-handed-back", (390, 844))
        await shot(office, "lead-handed-back", size)
    finally:
        await phone.close()
