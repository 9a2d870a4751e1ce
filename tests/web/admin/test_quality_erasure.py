"""A not-understood message on the Quality page has no contact details and goes with SUPPRIMER."""

from __future__ import annotations

from sqlalchemy import func, select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import Conversation, UnderstoodGap
from tests.factories import RestChat
from tests.web.admin.conftest import Browser

NOT_UNDERSTOOD = "c Inès de Stenay, 06 12 34 56 78, ines.martin@example.fr, t'as vu le match ?"


async def gaps(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(UnderstoodGap)) or 0)


async def test_quality_page_shows_no_phone_or_email_and_supprimer_erases_the_message(
    browser: Browser, services: Services
) -> None:
    """The counsellor reads the words without the number or address; after SUPPRIMER, nothing."""
    chat = RestChat(browser.client, sender="ines-web")
    await chat.say(NOT_UNDERSTOOD)
    assert await gaps(services) == 1
    await browser.login("lea")
    page = await (await browser.get("/admin/quality")).text()
    assert "Inès de Stenay" in page
    assert "vu le match" in page
    assert "[téléphone]" in page
    assert "[e-mail]" in page
    for detail in ("06 12 34 56 78", "0612345678", "ines.martin", "example.fr"):
        assert detail not in page

    await chat.say("SUPPRIMER")
    assert chat.payloads() == ["/affirm", "/deny"]
    assert await gaps(services) == 1  # nothing goes before the confirmation
    await chat.say("/affirm")
    assert "tout est effacé" in chat.text()

    page = await (await browser.get("/admin/quality")).text()
    assert "Inès" not in page
    assert "Stenay" not in page
    assert await gaps(services) == 0
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 0


async def test_erasing_one_person_keeps_the_other_peoples_messages(
    browser: Browser, services: Services
) -> None:
    """SUPPRIMER takes only the sender's own not-understood messages off the Quality page."""
    await RestChat(browser.client, sender="other").say("mdr le truc de jeudi c t trop nul")
    ines = RestChat(browser.client, sender="ines-web")
    await ines.say(NOT_UNDERSTOOD)
    assert await gaps(services) == 2
    await ines.say("SUPPRIMER")
    await ines.say("oui")
    await browser.login("lea")
    page = await (await browser.get("/admin/quality")).text()
    assert "le truc de jeudi" in page
    assert "Inès" not in page
    assert await gaps(services) == 1
