"""A young person whose phone is in Arabic scans a poster, in headless Chromium on a phone.

What they notice: the landing page is in Arabic, right-to-left, with the bot's languages named
in their own words at the top and the privacy notice folded at the bottom; "تحدث هنا" opens
the chat in Arabic and the bot's first words are Arabic. axe-core finds nothing serious on
either page. Screenshots go to
``test-artifacts/webchat`` (``phone-arabic-landing.png``, ``phone-arabic-landing-privacy.png``,
``phone-arabic-landing-chat.png``).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from tests.browser import PHONE, new_phone
from tests.web.test_webchat_axe import audit, blocking
from tests.web.test_webchat_browser import ARTIFACTS, Client, shot

pytestmark = pytest.mark.browser

ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")


@pytest.fixture(name="arabic_phone")
async def _arabic_phone(chromium: Any) -> AsyncIterator[Any]:
    """A browser context the size of a phone (390 x 844) whose language is Arabic."""
    context = await new_phone(chromium, locale="ar")
    yield context
    await context.close()


async def test_an_arabic_phone_reads_the_landing_page_and_the_chat_in_arabic(
    client: Client, services: Services, arabic_phone: Any
) -> None:
    """Arabic landing (rtl, language links, numbers left-to-right), then the chat opens in
    Arabic and the bot's first bubble is Arabic; no serious axe violation on either page."""
    message = services.content.messages
    await create_campaign(services.sessions, "FORUM-AR-WEB", name="Forum emploi Verdun")
    page = await arabic_phone.new_page()
    await page.goto(str(client.make_url("/q/FORUM-AR-WEB")))
    html = await page.evaluate(
        "() => [document.documentElement.lang, document.documentElement.dir,"
        " document.querySelector('h1').textContent]"
    )
    assert html == ["ar", "rtl", message["landing_hello"].get("ar")]
    current = page.locator("nav a[aria-current]")
    assert await current.get_attribute("hreflang") == "ar"
    french = page.locator('nav a[hreflang="fr"]')
    assert await french.text_content() == services.content.languages["fr"].native_name
    await shot(page, "phone-arabic-landing")
    assert blocking(await audit(page, "landing-arabic")) == []
    # The privacy notice, folded under the small print, opens with a tap, in Arabic.
    await page.locator("details.privacy summary").click()
    first = services.content.privacy.notice.get("ar").splitlines()[0]
    assert await page.locator("details.privacy h2").first.text_content() == first
    assert await page.locator("details.privacy h2").first.is_visible()
    await page.locator("details.privacy").screenshot(
        path=str(ARTIFACTS / "phone-arabic-landing-privacy.png")
    )
    assert blocking(await audit(page, "landing-arabic-privacy")) == []

    await page.get_by_role("link", name=message["landing_chat"].get("ar")).click()
    await page.wait_for_selector("#log li.bot")
    await page.wait_for_function("() => !document.querySelector('#log li.typing')")
    first = await page.locator("#log li.bot").first.text_content()
    assert first
    assert ARABIC_LETTERS.search(first), first
    assert "Salut" not in first
    chat = await page.evaluate(
        "() => [document.documentElement.lang, document.documentElement.dir,"
        " document.querySelector('#composer .send').textContent]"
    )
    assert chat == ["ar", "rtl", message["webchat_send"].get("ar")]
    await shot(page, "phone-arabic-landing-chat")
    assert blocking(await audit(page, "webchat-arabic-from-landing")) == []


async def test_the_language_links_work_without_javascript(
    client: Client, services: Services, arabic_phone: Any
) -> None:
    """With JavaScript off, tapping "Français" on the Arabic page shows it in French."""
    await create_campaign(services.sessions, "FORUM-NOJS", name="Forum")
    context = await arabic_phone.browser.new_context(
        viewport=PHONE, locale="ar", java_script_enabled=False
    )
    page = await context.new_page()
    await page.goto(str(client.make_url("/q/FORUM-NOJS")))
    await page.locator('nav a[hreflang="fr"]').click()
    await page.wait_for_url("**/q/FORUM-NOJS?lang=fr")
    assert await page.evaluate("document.documentElement.dir") == "ltr"
    assert await page.locator("h1").text_content() == "Salut\u00a0!"
    await context.close()
