"""The web chat on a phone-sized screen, in headless Chromium against the real server.

Needs Debian's ``chromium`` (``/usr/bin/chromium``; see ``tests/browser.py``); the ``phone``
fixture is a 390 x 844 French touch screen. Screenshots go to ``test-artifacts/webchat``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from outreach_bot.storage.models import Author, Conversation, Lead, Message
from tests.browser import ARTIFACTS as BROWSER_ARTIFACTS
from tests.browser import PHONE
from tests.web.admin.conftest import (  # noqa: F401 - fixtures used by name
    Browser,
    Staff,
    _fast_hashing,
    _staff,
    form_key_of,
)

pytestmark = pytest.mark.browser

ARTIFACTS = BROWSER_ARTIFACTS / "webchat"
KEY = "outreach-webchat"
SLOW_ANSWER_S = 1.5

Client = TestClient[web.Request, web.Application]


async def open_chat(context: Any, client: Client, code: str) -> Any:
    """Scan the poster (open the landing page) and tap "Discuter ici"."""
    page = await context.new_page()
    await page.goto(str(client.make_url(f"/q/{code}")))
    await page.get_by_text("Discuter ici").click()
    await page.wait_for_selector("#log li.bot")
    return page


async def bot_count(page: Any) -> int:
    return int(await page.evaluate("document.querySelectorAll('#log li.bot').length"))


async def type_message(page: Any, text: str) -> None:
    await page.fill("#message", text)
    await page.press("#message", "Enter")


async def wait_bot_after(page: Any, count: int) -> None:
    """Wait until more bot bubbles than ``count`` are shown and the bot stopped typing."""
    await page.wait_for_function(
        "n => document.querySelectorAll('#log li.bot').length > n"
        " && !document.querySelector('#log li.typing')",
        arg=count,
    )


async def shot(page: Any, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def box(page: Any, selector: str) -> dict[str, float]:
    found = await page.locator(selector).bounding_box()
    assert found is not None, selector
    return dict(found)


async def test_the_question_stays_above_the_quick_replies_which_are_big_enough(
    client: Client, services: Services, phone: Any
) -> None:
    """The last question is in view right above its buttons; each is >= 44 px; focus stays."""
    await create_campaign(services.sessions, "FORUM-TEL", name="Forum")
    page = await open_chat(phone, client, "FORUM-TEL")
    await page.wait_for_selector("#buttons button")
    checks = []
    for step in ("greeting", "offer", "consent"):
        if step == "offer":
            before = await bot_count(page)
            await type_message(page, "je cherche du boulot")
            await wait_bot_after(page, before)
        if step == "consent":
            before = await bot_count(page)
            await page.get_by_role("button", name="Oui", exact=True).click()
            await wait_bot_after(page, before)
            assert await page.evaluate("document.activeElement.id") == "message"
        await page.wait_for_selector("#buttons button")
        await shot(page, f"phone-{step}")
        last = await box(page, "#log li.bot >> nth=-1")
        buttons = await box(page, "#buttons")
        log = await box(page, "#log")
        # The bottom of the last bubble (where its question is) is on screen, above the buttons.
        assert log["y"] < last["y"] + last["height"] <= buttons["y"] + 1, step
        heights = await page.eval_on_selector_all(
            "#buttons button", "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights
        assert min(heights) >= 44, (step, heights)  # a WCAG touch target
        checks.append(step)
    assert "d'accord" in (await page.inner_text("#log li.bot >> nth=-1")).lower()
    assert checks == ["greeting", "offer", "consent"]


async def test_typing_dots_show_and_fast_messages_are_all_answered_in_order(
    client: Client, services: Services, phone: Any
) -> None:
    """While a slow answer is pending "..." shows; a second message waits, then goes, in order."""
    page = await open_chat(phone, client, "chat")

    async def slow(route: Any) -> None:
        await asyncio.sleep(SLOW_ANSWER_S)
        await route.continue_()

    await page.route("**/webhooks/rest/webhook", slow)
    before = await bot_count(page)
    await type_message(page, "je cherche du boulot")
    await page.wait_for_selector("#log li.typing")
    await type_message(page, "et une formation aussi")
    await shot(page, "phone-typing")
    assert await page.is_visible("#log li.typing")
    assert await page.evaluate("document.activeElement.id") == "message"
    # Three bubbles: the job answer, the offer of a counsellor (made once per conversation),
    # then the training answer.
    await page.wait_for_function(
        "n => document.querySelectorAll('#log li.bot').length >= n + 3"
        " && !document.querySelector('#log li.typing')",
        arg=before,
        timeout=20_000,
    )
    sides = await page.eval_on_selector_all(
        "#log li", "els => els.map(e => [e.className, e.textContent])"
    )
    mine = [index for index, (side, _) in enumerate(sides) if side == "me"]
    assert [sides[index][1] for index in mine] == [
        "je cherche du boulot",
        "et une formation aussi",
    ]
    # Both show at once, as typed; the answers follow in the order the messages were written.
    answers = [text.replace("\u00a0", " ") for side, text in sides[mine[0] :] if side == "bot"]
    job = services.content.answers["find_job"].text.fr
    training = services.content.answers["find_training"].text.fr
    assert job in answers
    assert training in answers
    assert answers.index(job) < answers.index(training)
    async with services.sessions() as session:
        said = list(
            await session.scalars(
                select(Message.text)
                .where(Message.author == Author.YOUNG_PERSON)
                .order_by(Message.id)
            )
        )
    assert said[-2:] == ["je cherche du boulot", "et une formation aussi"]


async def test_crisis_numbers_are_links_to_call_or_text(
    client: Client, services: Services, phone: Any
) -> None:
    """A crisis answer offers tel:/sms: links and the team, never the topic menu afterwards."""
    page = await open_chat(phone, client, "chat")
    before = await bot_count(page)
    await type_message(page, "mon beau pere me frappe")
    await wait_bot_after(page, before)
    await page.wait_for_selector("#buttons a.link")
    links = await page.eval_on_selector_all(
        "#buttons a.link", "els => els.map(e => [e.textContent, e.getAttribute('href')])"
    )
    hrefs = [href for _, href in links]
    assert hrefs == ["tel:119", "tel:3919", "tel:116006", "tel:17", "sms:114"]
    assert ["SMS au 114", "sms:114"] in links
    team = page.get_by_role("button", name="Parler à quelqu'un de l'équipe")
    assert await team.is_visible()
    await shot(page, "phone-crisis")
    before = await bot_count(page)
    await type_message(page, "ok merci")
    await wait_bot_after(page, before)
    assert "119" in await page.inner_text("#log li.bot >> nth=-1")
    assert await page.locator("#buttons a.link").count() == len(hrefs)
    assert await page.get_by_role("button", name="Logement").count() == 0  # no topic menu
    await shot(page, "phone-after-crisis")


async def test_the_chat_survives_closing_the_tab_and_shows_a_counsellor_reply(
    client: Client, services: Services, phone: Any, staff: Staff
) -> None:
    """Close the tab, a counsellor answers from the back office, scan again: all is there."""
    await create_campaign(services.sessions, "FORUM-BACK", name="Forum")
    page = await open_chat(phone, client, "FORUM-BACK")
    before = await bot_count(page)
    await type_message(page, "je veux mourir")
    await wait_bot_after(page, before)
    assert "3114" in await page.inner_text("#log")
    assert "robot" in await page.inner_text("#who")
    token = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).sender")
    assert token.startswith("web-")
    assert "outreach" not in str(await phone.cookies())
    await page.close()

    async with services.sessions() as session:
        lead_id = await session.scalar(select(Lead.id).where(Lead.urgent.is_(True)))
    assert lead_id is not None
    office = Browser(client)
    await office.login("admin")
    lead_page = await (await office.get(f"/admin/leads/{lead_id}")).text()
    sent = await office.post(
        f"/admin/leads/{lead_id}/reply",
        {
            "text": "Bonjour, ici Léa de la Mission Locale. Je suis là.",
            "form_key": form_key_of(lead_page),
        },
    )
    assert sent.status == 303

    again = await open_chat(phone, client, "FORUM-BACK")
    await again.wait_for_selector("#log li.human")
    log = await again.inner_text("#log")
    assert "je veux mourir" in log
    assert "3114" in log
    assert "ici Léa" in await again.inner_text("#log li.human")
    assert await again.inner_text("#who") == "une personne de l'équipe t'écrit"
    await shot(again, "phone-counsellor")
    assert token == await again.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).sender")
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(Conversation.id))) == 1


async def test_supprimer_clears_the_screen_and_forgets_the_token(
    client: Client, services: Services, phone: Any
) -> None:
    """After a confirmed SUPPRIMER nothing is left on screen or in the browser's storage."""
    page = await open_chat(phone, client, "chat")
    before = await bot_count(page)
    await type_message(page, "je cherche du boulot")
    await wait_bot_after(page, before)
    old = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).sender")
    before = await bot_count(page)
    await type_message(page, "SUPPRIMER")
    await wait_bot_after(page, before)
    await page.get_by_role("button", name="Oui, tout effacer").click()
    await page.wait_for_function(
        "() => document.querySelectorAll('#log li').length === 1"
        " && document.querySelector('#log li.bot')"
    )
    assert "tout est effacé" in await page.inner_text("#log")
    assert "boulot" not in await page.inner_text("#log")
    assert await page.evaluate(f"localStorage.getItem('{KEY}')") is None
    await shot(page, "phone-erased")
    async with services.sessions() as session:
        assert await session.scalar(select(func.count(Conversation.id))) == 0
    await page.reload()
    await page.wait_for_selector("#log li.bot")
    assert "tout est effacé" not in await page.inner_text("#log")
    new = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).sender")
    assert new != old


async def test_a_message_typed_without_network_goes_by_itself_later(
    client: Client, services: Services, phone: Any
) -> None:
    """Offline, a message waits (even across closing the tab) and leaves once back online."""
    page = await open_chat(phone, client, "chat")
    await phone.set_offline(True)
    await type_message(page, "je cherche du boulot")
    await page.wait_for_selector("#log li.error")
    assert "connexion" in await page.inner_text("#log li.error")
    await shot(page, "phone-offline")
    await phone.set_offline(False)
    await page.wait_for_function("() => !document.querySelector('#log li.error')", timeout=20_000)
    job = services.content.answers["find_job"].text.fr
    await page.wait_for_function(
        "t => [...document.querySelectorAll('#log li.bot')]"
        ".some(e => e.textContent.replace(/\\u00a0/g, ' ') === t)",
        arg=job,
    )

    await phone.set_offline(True)
    await type_message(page, "et une formation")
    await page.wait_for_selector("#log li.error")
    assert await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).queue") == [
        "et une formation"
    ]
    await page.close()
    await phone.set_offline(False)
    again = await phone.new_page()
    await again.goto(str(client.make_url("/q/chat/chat")))
    training = services.content.answers["find_training"].text.fr
    await again.wait_for_function(
        "t => [...document.querySelectorAll('#log li.bot')]"
        ".some(e => e.textContent.replace(/\\u00a0/g, ' ') === t)",
        arg=training,
    )
    async with services.sessions() as session:
        said = list(
            await session.scalars(
                select(Message.text)
                .where(Message.author == Author.YOUNG_PERSON)
                .order_by(Message.id)
            )
        )
    assert said[-2:] == ["je cherche du boulot", "et une formation"]
    assert said.count("et une formation") == 1


async def test_the_browser_copy_is_dropped_when_the_server_would_have_purged_it(
    client: Client, services: Services, phone: Any
) -> None:
    """A conversation left longer than the server keeps transcripts is not shown again."""
    days = services.settings.inactive_transcript_days
    page = await phone.new_page()
    await page.goto(str(client.make_url("/q/chat/chat")))
    await page.wait_for_selector("#log li.bot")
    for age, shown in ((days - 1, True), (days + 1, False)):
        await page.evaluate(
            """([key, age]) => localStorage.setItem(key, JSON.stringify({
                sender: "web-0123456789abcdef0123456789abcdef",
                lines: [{side: "me", text: "mon ancien message"}],
                buttons: [], after: 0, queue: [], at: Date.now() - age * 86400000}))""",
            [KEY, age],
        )
        await page.reload()
        await page.wait_for_selector("#log li")
        if not shown:
            await page.wait_for_selector("#log li.bot")
        assert ("mon ancien message" in await page.inner_text("#log")) is shown
        sender = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).sender")
        assert (sender == "web-0123456789abcdef0123456789abcdef") is shown


async def test_without_javascript_enter_sends_the_text_and_numbers_are_links(
    client: Client, phone: Any
) -> None:
    """With scripts off, Enter sends what was typed (not the first quick reply); a crisis
    answer shows its numbers as links above the input."""
    context = await phone.browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="fr-FR"
    )
    page = await context.new_page()
    await page.goto(str(client.make_url("/q/chat/chat")))
    await page.get_by_role("button", name="Commencer la discussion").click()
    await page.wait_for_selector("#buttons button")
    await page.fill("#message", "je dors dehors ce soir")
    await page.press("#message", "Enter")
    await page.wait_for_selector("#buttons a.link")
    assert await page.inner_text("#log li.me") == "je dors dehors ce soir"
    hrefs = await page.eval_on_selector_all("#buttons a.link", "els => els.map(e => e.href)")
    assert hrefs == ["tel:119", "tel:115"]
    buttons = await box(page, "#buttons")
    row = await box(page, ".row")
    assert buttons["y"] + buttons["height"] <= row["y"]
    await shot(page, "phone-nojs-crisis")
    await context.close()
