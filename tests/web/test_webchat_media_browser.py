"""A photo of a paper sent from the web chat on a phone, then seen by the counsellor, in
headless Chromium against the real server. Screenshots go to ``test-artifacts/webchat``."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import Lead, MediaFile, MediaStatus
from tests.factories import RestChat
from tests.web.admin.conftest import (  # noqa: F401 - fixtures used by name
    EMAILS,
    PASSWORD,
    Staff,
    _fast_hashing,
    _staff,
)
from tests.web.test_webchat_browser import (
    KEY,
    bot_count,
    open_chat,
    shot,
    wait_bot_after,
)
from tests.web.test_webchat_media import png, send_the_form

pytestmark = pytest.mark.browser

Client = TestClient[web.Request, web.Application]
ATTACH = "Envoyer une photo ou un vocal"


async def test_a_photo_sent_from_a_phone_reaches_the_lead_page(
    client: Client, services: Services, phone: Any, staff: Staff
) -> None:
    """The labelled attach button opens the file picker; the photo shows as its name, the bot
    thanks and offers a call back; once the form is sent, Léa sees the photo on the lead."""
    photo = png(160, 100, (31, 95, 191))
    page = await open_chat(phone, client, "chat")
    attach = page.get_by_role("button", name=ATTACH)
    box = await attach.bounding_box()
    assert box is not None
    assert box["width"] >= 44
    assert box["height"] >= 44
    before = await bot_count(page)
    async with page.expect_file_chooser() as chooser:
        await attach.click()
    picker = await chooser.value
    assert await picker.element.get_attribute("accept") == "image/*,audio/*,application/pdf"
    await picker.set_files({"name": "fiche-de-paie.png", "mimeType": "image/png", "buffer": photo})
    await wait_bot_after(page, before)
    await page.get_by_role("button", name="Oui", exact=True).wait_for()
    mine = await page.locator("#log li.me").all_inner_texts()
    assert mine[-1] == "fiche-de-paie.png"
    assert await page.locator("#log li.me.file").count() == 1
    bubbles = await page.locator("#log li.bot").all_inner_texts()
    said = [line.replace("\u00a0", " ") for line in bubbles]
    assert said[-2:] == [
        services.content.message("media_photo", "fr"),
        services.content.message("media_offer_callback", "fr"),
    ]
    await shot(page, "phone-photo-sent")

    # The young person says yes and fills in the form (over HTTP: the form has its own tests).
    before = await bot_count(page)
    await page.get_by_role("button", name="Oui", exact=True).click()
    await wait_bot_after(page, before)
    sender = await page.evaluate(f"JSON.parse(localStorage.getItem('{KEY}')).sender")
    await send_the_form(RestChat(client, sender=sender))
    async with services.sessions() as session:
        lead = await session.scalar(select(Lead))
        media = await session.scalar(select(MediaFile))
    assert lead is not None
    assert media is not None
    assert (media.status, media.lead_id, media.content_type) == (
        MediaStatus.KEPT,
        lead.id,
        "image/png",
    )

    counsellor = await phone.new_page()
    await counsellor.set_viewport_size({"width": 1280, "height": 800})
    await counsellor.goto(str(client.make_url("/admin/login")))
    await counsellor.get_by_label("E-mail").fill(EMAILS["lea"])
    await counsellor.get_by_label("Mot de passe").fill(PASSWORD)
    await counsellor.get_by_role("button", name="Se connecter").click()
    await counsellor.get_by_role("heading", name="File des contacts").wait_for()
    await counsellor.goto(str(client.make_url(f"/admin/leads/{lead.id}")))
    await counsellor.get_by_role("heading", name="Fichiers reçus").wait_for()
    image = counsellor.locator(f'.p-media img[src="/admin/leads/{lead.id}/media/{media.id}"]')
    await image.wait_for()
    await counsellor.wait_for_function(
        "img => img.complete && img.naturalWidth === 160", arg=await image.element_handle()
    )
    await image.scroll_into_view_if_needed()
    await shot(counsellor, "lead-photo-from-web-chat")
