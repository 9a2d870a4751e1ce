"""The web chat's contact form on a phone and a computer, in headless Chromium.

What a young person notices: the consent comes as short bubbles with the question last; the
age opens the number pad and the phone number the phone keypad with autofill; an answer the
bot cannot read marks the field in error and puts the focus back in it; after "C'est envoyé"
the page says how and when the team will get in touch. Screenshots go to
``test-artifacts/webchat``.
"""

from __future__ import annotations

from typing import Any

import pytest

from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from tests.browser import PHONE
from tests.web.test_webchat_browser import (
    ARTIFACTS,
    Client,
    bot_count,
    open_chat,
    shot,
    type_message,
    wait_bot_after,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
FOCUSED_JS = "() => document.activeElement === document.getElementById('message')"
"""True once the message field has the focus: a page's ``autofocus`` (and the script's
``focus()``) take effect at the next rendering frame, later than the page's load under load."""

INPUT_JS = """() => {
  const input = document.getElementById('message');
  return {
    type: input.type,
    inputmode: input.getAttribute('inputmode'),
    autocomplete: input.getAttribute('autocomplete'),
    invalid: input.getAttribute('aria-invalid'),
    describedby: input.getAttribute('aria-describedby'),
    focused: document.activeElement === input,
  };
}"""


async def tap(page: Any, name: str) -> None:
    before = await bot_count(page)
    await page.locator("#buttons").get_by_role("button", name=name, exact=True).click()
    await wait_bot_after(page, before)


async def say(page: Any, text: str) -> None:
    before = await bot_count(page)
    await type_message(page, text)
    await wait_bot_after(page, before)


async def bubbles(page: Any) -> list[str]:
    texts: list[str] = await page.eval_on_selector_all(
        "#log li.bot", "els => els.map(e => e.textContent.replace(/\\u00a0/g, ' '))"
    )
    return texts


async def both_sizes(page: Any, name: str) -> None:
    """A phone screenshot, then the same step on a computer screen."""
    await shot(page, f"phone-{name}")
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=str(ARTIFACTS / f"desktop-{name}.png"))
    await page.set_viewport_size(PHONE)


async def test_the_form_brings_the_right_keyboard_and_says_how_the_team_will_call(
    client: Client, services: Services, phone: Any
) -> None:
    """Consent in short bubbles; number pad for the age; a refused age marks the field and
    focuses it; tel keypad and autofill for the number; "C'est envoyé" names the number and
    the moment chosen."""
    await create_campaign(services.sessions, "FORUM-FORM", name="Forum")
    page = await open_chat(phone, client, "FORUM-FORM")
    assert await page.locator("h1").inner_text() == "Bot de la Mission Locale"
    await say(page, "je cherche du boulot")
    before = await bot_count(page)
    await tap(page, "Oui")
    consent = (await bubbles(page))[before:]
    assert len(consent) == 5
    assert consent[-1] == "Tu es d'accord ?"
    assert all(len(text) < 120 for text in consent), consent
    await both_sizes(page, "consent")

    await tap(page, "Oui")
    field = await page.evaluate(INPUT_JS)
    assert (field["type"], field["inputmode"]) == ("text", "numeric")
    assert field["invalid"] is None

    await say(page, "jsp")
    await page.wait_for_function(FOCUSED_JS)
    field = await page.evaluate(INPUT_JS)
    assert field["invalid"] == "true"
    question = await page.locator(f"#{field['describedby']}").inner_text()
    assert "chiffres" in question
    await both_sizes(page, "field-error")

    await say(page, "19 ans")
    assert (await page.evaluate(INPUT_JS))["invalid"] is None
    # The young person's bubble is as wide as "19 ans", not the width of the chat.
    mine = await page.locator("#log li.me >> nth=-1").bounding_box()
    log = await page.locator("#log").bounding_box()
    assert mine is not None
    assert log is not None
    assert mine["width"] < log["width"] / 3

    await say(page, "Inès")
    field = await page.evaluate(INPUT_JS)
    assert (field["type"], field["inputmode"], field["autocomplete"]) == ("tel", "tel", "tel")
    await both_sizes(page, "phone-field")
    await say(page, "06 12 34 56 78")
    assert (await page.evaluate(INPUT_JS))["type"] == "text"
    await say(page, "Verdun")
    await say(page, "un job")
    await tap(page, "Le matin")
    before = await bot_count(page)
    await tap(page, "Oui, envoyer")
    sent = (await bubbles(page))[before:]
    assert sent == [
        "C'est envoyé ! Un conseiller de la Mission Locale va t'appeler au 06 12 34 56 78 "
        "dans les 2 jours ouvrés.",
        "Le moment que tu as indiqué : Le matin.",
        "Tu peux écrire SUPPRIMER à tout moment.",
    ]
    await both_sizes(page, "sent")


async def test_without_javascript_the_age_gets_the_number_pad_and_errors_are_marked(
    client: Client, phone: Any
) -> None:
    """The plain-form chat does the same: the consent in bubbles, the age's number pad, and
    the field in error with the focus after an unreadable age."""
    context = await phone.browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="fr-FR"
    )
    page = await context.new_page()
    await page.goto(str(client.make_url("/q/chat/chat")))
    assert not await page.locator("#log li.typing").is_visible()
    await page.get_by_role("button", name="Commencer la discussion").click()
    await page.fill("#message", "je cherche du boulot")
    await page.press("#message", "Enter")
    await page.get_by_role("button", name="Oui", exact=True).click()
    assert await page.locator("#log li.bot").count() == 5
    await page.get_by_role("button", name="Oui", exact=True).click()
    assert await page.locator("#message").get_attribute("inputmode") == "numeric"
    await page.fill("#message", "jsp")
    await page.press("#message", "Enter")
    await page.wait_for_function(FOCUSED_JS)
    field = await page.evaluate(INPUT_JS)
    assert field["invalid"] == "true"
    assert "chiffres" in await page.locator("#field-error").inner_text()
    await shot(page, "phone-nojs-field-error")
    await context.close()
