"""The web chat for a young person who writes in Arabic, in headless Chromium on a phone.

What they notice: the page opens in French (nothing is known yet); as soon as they write in
Arabic, the page turns right-to-left and its own labels (send button, input, header, "the bot
is writing") are in Arabic; their bubbles sit on the left, the bot's on the right; crisis
numbers read as they are dialled; reopening the page keeps it so. axe-core finds nothing
serious on the right-to-left page. Screenshots go to ``test-artifacts/webchat``.
"""

from __future__ import annotations

from typing import Any

import pytest

from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from tests.web.test_webchat_axe import audit, blocking
from tests.web.test_webchat_browser import (
    Client,
    bot_count,
    box,
    open_chat,
    shot,
    type_message,
    wait_bot_after,
)

pytestmark = pytest.mark.browser

PAGE_JS = """() => ({
  lang: document.documentElement.lang,
  dir: document.documentElement.dir,
  send: document.querySelector('#composer .send').textContent,
  placeholder: document.getElementById('message').placeholder,
  name: document.querySelector('#header h1').textContent,
  who: document.getElementById('who').textContent,
  title: document.title,
})"""


async def say(page: Any, text: str) -> None:
    before = await bot_count(page)
    await type_message(page, text)
    await wait_bot_after(page, before)


async def test_a_message_in_arabic_turns_the_chat_right_to_left_with_arabic_labels(
    client: Client, services: Services, phone: Any
) -> None:
    """French first; an Arabic message turns the page rtl with Arabic labels; the person's
    bubble on the left, the bot's on the right; crisis numbers kept left-to-right; a reload
    keeps Arabic; axe finds nothing serious."""
    message = services.content.messages
    await create_campaign(services.sessions, "FORUM-AR", name="Forum")
    page = await open_chat(phone, client, "FORUM-AR")
    before = await page.evaluate(PAGE_JS)
    assert (before["lang"], before["dir"], before["send"]) == ("fr", "ltr", "Envoyer")

    await say(page, "السلام عليكم، أبحث عن شغل في فردان، عمري 19 سنة")
    await page.wait_for_selector("#buttons button")
    after = await page.evaluate(PAGE_JS)
    arabic = {
        "lang": "ar",
        "dir": "rtl",
        "send": message["webchat_send"].get("ar"),
        "placeholder": message["webchat_placeholder"].get("ar"),
        "name": message["webchat_name"].get("ar"),
        "who": message["webchat_not_a_person"].get("ar"),
        "title": message["webchat_title"].get("ar"),
    }
    assert after == arabic
    await shot(page, "phone-arabic-rtl")
    log = await box(page, "#log")
    mine = await box(page, "#log li.me >> nth=-1")
    bot = await box(page, "#log li.bot >> nth=-1")
    # Mirrored like a messaging app in Arabic: the person's own bubble starts at the left
    # edge, the bot's ends at the right edge.
    assert mine["x"] - log["x"] < 40, (mine, log)
    assert log["x"] + log["width"] - (bot["x"] + bot["width"]) < 40, (bot, log)

    # "Go on in Arabic?" Yes.
    await (
        page.locator("#buttons")
        .get_by_role("button", name=message["button_yes"].get("ar"), exact=True)
        .click()
    )
    await page.wait_for_function("() => !document.querySelector('#log li.typing')")
    await say(page, "ابي اموت")
    numbers = await page.eval_on_selector_all(
        "#log li.bot bdi[dir=ltr]", "els => els.map(e => e.textContent)"
    )
    assert "3114" in numbers
    links = await page.eval_on_selector_all("#buttons a.link", "els => els.map(e => e.href)")
    assert "tel:3114" in links
    await shot(page, "phone-arabic-crisis")

    await page.reload()
    await page.wait_for_selector("#log li.bot")
    assert await page.evaluate(PAGE_JS) == arabic
    assert blocking(await audit(page, "webchat-arabic-rtl")) == []
