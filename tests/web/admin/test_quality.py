"""The quality page of the back office over HTTP: list, label, dismiss, download."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import AuditEntry, UnderstoodGap
from tests.web.admin.conftest import EMAILS, PASSWORD, Browser, Staff
from tests.web.admin.test_browser import (  # noqa: F401 - fixtures used by name
    _base_url,
    _screenshot,
)


async def add_gap(
    services: Services,
    text: str,
    *,
    guess: str | None = "out_of_scope",
    confidence: float | None = 0.27,
    label: str | None = None,
    minutes_ago: int = 0,
) -> int:
    """A misunderstood message as the conversation service leaves it."""
    async with services.sessions.begin() as session:
        gap = UnderstoodGap(
            text=text,
            guess=guess,
            confidence=confidence,
            label=label,
            created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        )
        session.add(gap)
        await session.flush()
        return gap.id


async def gap_label(services: Services, gap_id: int) -> str | None:
    async with services.sessions() as session:
        gap = await session.get(UnderstoodGap, gap_id)
        assert gap is not None
        return gap.label


async def test_counsellor_sees_the_guess_and_labels_a_message(
    browser: Browser, services: Services, staff: Staff
) -> None:
    """Léa reads the message with the bot's guess, picks an intent, and it moves to "labelled"."""
    gap_id = await add_gap(services, "jcherch 1 taf stp", guess="find_training", confidence=0.31)
    await browser.login("lea")
    page = await browser.get("/admin/quality")
    html = await page.text()
    assert page.status == 200
    assert "jcherch 1 taf stp" in html
    assert "Formation, diplôme, reprise d&#39;études (31 % sûr)" in html
    assert 'href="/admin/quality">Qualité</a>' in html
    assert html.count("<option value=") == 26  # the 25 intents and "choose"
    assert "reviewed.yml" not in html  # downloading is for coordinators

    response = await browser.post(
        f"/admin/quality/{gap_id}/label", {"intent": "find_job", "show": "unlabelled"}
    )
    assert response.status == 303
    assert response.headers["Location"] == "/admin/quality?show=unlabelled"
    assert await gap_label(services, gap_id) == "find_job"
    after = await (await browser.get("/admin/quality")).text()
    assert "Message étiqueté « Chercher un emploi »." in after
    assert "jcherch 1 taf stp" not in after
    labelled = await (await browser.get("/admin/quality?show=labelled")).text()
    assert "Étiqueté : Chercher un emploi · par Léa Conseillère" in labelled
    async with services.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "label"))
    assert entry is not None
    assert (entry.user_id, entry.target_id) == (staff.lea, str(gap_id))


async def test_a_post_without_the_csrf_token_is_refused(
    browser: Browser, services: Services
) -> None:
    """A forged form from another site cannot label or delete anything."""
    gap_id = await add_gap(services, "bsr")
    await browser.login("lea")
    for action, data in (("label", {"intent": "greet"}), ("dismiss", {})):
        forged = await browser.client.post(
            f"/admin/quality/{gap_id}/{action}", data=data, allow_redirects=False
        )
        assert forged.status == 403
    assert await gap_label(services, gap_id) is None
    async with services.sessions() as session:
        assert await session.get(UnderstoodGap, gap_id) is not None


async def test_outreach_staff_get_403_and_no_menu_link(
    browser: Browser, services: Services
) -> None:
    """Outreach accounts, who never read young people's messages, cannot open or post here."""
    gap_id = await add_gap(services, "secret message")
    await browser.login("olga")
    page = await browser.get("/admin/quality")
    assert page.status == 403
    assert "secret message" not in await page.text()
    assert (
        await browser.post(f"/admin/quality/{gap_id}/label", {"intent": "greet"})
    ).status == 403
    assert (await browser.get("/admin/quality/reviewed.yml")).status == 403
    campaigns = await (await browser.get("/admin/campaigns")).text()
    assert "/admin/quality" not in campaigns
    assert await gap_label(services, gap_id) is None


async def test_html_in_a_message_is_shown_as_text(browser: Browser, services: Services) -> None:
    """A message holding markup is displayed escaped, never run or rendered."""
    await add_gap(services, '<script>alert("x")</script><img src=x onerror=alert(1)>')
    await browser.login("lea")
    html = await (await browser.get("/admin/quality")).text()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    )


async def test_an_intent_outside_the_list_is_refused(browser: Browser, services: Services) -> None:
    """A hand-made form with an invented intent gets a 400 and changes nothing."""
    gap_id = await add_gap(services, "ptdr")
    await browser.login("lea")
    response = await browser.post(f"/admin/quality/{gap_id}/label", {"intent": "lol"})
    assert response.status == 400
    assert "Choisis une intention de la liste" in await response.text()
    assert await gap_label(services, gap_id) is None


async def test_dismiss_and_unlabel_keep_the_page_and_filter(
    browser: Browser, services: Services
) -> None:
    """After a click the counsellor lands back on the same list and page."""
    kept = await add_gap(services, "ouaip", label="affirm")
    dropped = await add_gap(services, "mon num 06 12 34 56 78")
    await browser.login("lea")
    unlabel = await browser.post(
        f"/admin/quality/{kept}/unlabel", {"show": "labelled", "page": "2"}
    )
    assert unlabel.headers["Location"] == "/admin/quality?show=labelled&page=2"
    dismiss = await browser.post(f"/admin/quality/{dropped}/dismiss", {"show": "nonsense"})
    assert dismiss.headers["Location"] == "/admin/quality?show=unlabelled"
    assert await gap_label(services, kept) is None
    async with services.sessions() as session:
        assert await session.get(UnderstoodGap, dropped) is None
    assert (await browser.post(f"/admin/quality/{dropped}/dismiss")).status == 404


async def test_the_list_pages_through_older_messages(browser: Browser, services: Services) -> None:
    """Fifty messages per page, newest first, with a link to older ones."""
    for minute in range(51):
        await add_gap(services, f"message {minute:02d}", minutes_ago=minute)
    await browser.login("lea")
    first = await (await browser.get("/admin/quality")).text()
    assert "message 00" in first
    assert "message 50" not in first
    assert 'href="/admin/quality?show=unlabelled&amp;page=2">Plus anciens' in first
    second = await (await browser.get("/admin/quality?show=unlabelled&page=2")).text()
    assert "message 50" in second
    assert "Page 2 sur 2" in second


async def test_coordinator_downloads_the_labelled_messages_as_yaml(
    browser: Browser, services: Services
) -> None:
    """The download is an attachment of Rasa NLU YAML with the labelled messages only."""
    await add_gap(services, "slt la team", label="greet")
    await add_gap(services, "pas encore vu")
    await browser.login("coordinator")
    page = await (await browser.get("/admin/quality")).text()
    assert 'href="/admin/quality/reviewed.yml"' in page
    response = await browser.get("/admin/quality/reviewed.yml")
    assert response.status == 200
    assert response.content_type == "application/yaml"
    assert "attachment" in response.headers["Content-Disposition"]
    document = yaml.safe_load(await response.text())
    assert document == {
        "version": "3.1",
        "nlu": [{"intent": "greet", "examples": "- slt la team\n"}],
    }


async def test_counsellor_cannot_download_the_yaml(browser: Browser, services: Services) -> None:
    """Counsellors label one message at a time; the bulk download is for coordinators."""
    await add_gap(services, "slt", label="greet")
    await browser.login("lea")
    assert (await browser.get("/admin/quality/reviewed.yml")).status == 403


@pytest.mark.browser
async def test_labelling_works_on_a_360_px_phone(
    base_url: str, browser_page: Any, services: Services
) -> None:
    """On a small phone the page fits the screen and a message can be labelled with two taps."""
    await add_gap(services, "x" * 120 + " ça veut dire koi cmu", guess="health", confidence=0.4)
    page = browser_page
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.goto(f"{base_url}/admin/quality")
    await page.get_by_label("E-mail").fill(EMAILS["lea"])
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.get_by_role("heading", name="Messages non compris").wait_for()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await _screenshot(page, "quality", 360, 740)
    await page.get_by_label("Le jeune voulait dire").select_option("health")
    await page.get_by_role("button", name="Étiqueter").click()
    await page.get_by_text("Message étiqueté « Santé, mutuelle, psy ».").wait_for()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
