"""The text review pages over HTTP: who may approve, what an approval keeps, when it lapses."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from outreach_bot.content import load_content
from outreach_bot.core.services import Services
from outreach_bot.core.texts.review import read_approvals
from outreach_bot.storage.models import TextReview
from tests.factories import RestChat
from tests.web.admin.conftest import Browser

KEY = "messages.ask_name"


async def reviews(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(TextReview)) or 0)


async def test_a_counsellor_reads_the_texts_but_cannot_approve(
    browser: Browser, services: Services
) -> None:
    """Counsellors see every language's texts; only coordinators and admins approve."""
    await browser.login("lea")
    page = await browser.get("/admin/texts/ps?show=all")
    assert page.status == 200
    assert "ستاسو نوم یا لقب؟" in await page.text()
    answer = await browser.post(
        "/admin/texts/ps/approve", {"key": KEY, "text": "نوم؟", "reviewed_by": "Léa"}
    )
    assert answer.status == 403
    assert await reviews(services) == 0


async def test_a_correction_that_loses_a_placeholder_is_refused(
    browser: Browser, services: Services
) -> None:
    """The SMS instruction keeps its {last}: without it the bot would crash sending it."""
    await browser.login("coordinator")
    answer = await browser.post(
        "/admin/texts/ar/approve",
        {"key": "messages.sms_choose_many", "text": "أجب برقم.", "reviewed_by": "Samira K."},
    )
    assert answer.status == 303
    page = await (await browser.get(answer.headers["Location"])).text()
    assert "doit garder les champs [&#39;last&#39;]" in page
    assert await reviews(services) == 0


async def test_an_approval_lapses_when_the_file_changes_its_text(
    browser: Browser, services: Services, tmp_path: Path
) -> None:
    """Approved on one text, an approval stops applying once a developer rewrites that text in
    bot/: the new text needs its own review."""
    await browser.login("admin")
    answer = await browser.post(
        "/admin/texts/prs/approve",
        {"key": KEY, "text": "نام شما؟", "reviewed_by": "Farid, interprète"},
    )
    assert answer.status == 303
    files = load_content(services.settings.content_dir)
    assert (await read_approvals(services.sessions, files))[("prs", KEY)].text == "نام شما؟"

    copy = tmp_path / "bot"
    shutil.copytree(services.settings.content_dir, copy)
    path = copy / "languages" / "prs" / "messages.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["texts"]["ask_name"] = "نام یا لقب شما چیست؟"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert await read_approvals(services.sessions, load_content(copy)) == {}


async def test_an_approved_correction_is_said_at_once_without_a_restart(
    browser: Browser, client: Any, services: Services
) -> None:
    """A coordinator corrects the Arabic "your first name?" with the interpreter; the very
    next young person who writes in Arabic is asked the corrected question over the REST
    webhook, and the page shows it as reviewed by the interpreter."""
    corrected = "ما اسمك الأول؟ يمكنك أن تكتب لقبا."
    await browser.login("coordinator")
    answer = await browser.post(
        "/admin/texts/ar/approve",
        {"key": "messages.ask_name", "text": corrected, "reviewed_by": "Samira K., interprète"},
    )
    assert answer.status == 303
    page = await (await browser.get(answer.headers["Location"])).text()
    assert "le bot le dit dès maintenant" in page
    assert services.content.message("ask_name", "ar") == corrected
    chat = RestChat(client, "ar-live")
    for message in ("السلام عليكم، أبحث عن عمل", '/language{"code":"ar"}', "/affirm"):
        await chat.say(message)
    await chat.say("/affirm")  # the consent
    await chat.say("19")
    assert chat.text() == corrected
    reviewed = await (await browser.get("/admin/texts/ar?show=reviewed")).text()
    assert corrected in reviewed
    assert "Samira K., interprète" in reviewed
