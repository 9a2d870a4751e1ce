"""Accessibility of the web chat and the back-office queue, checked by axe-core in Chromium.

axe-core comes inside the ``axe-playwright-python`` package (a dev dependency, pinned in
``pyproject.toml``): it installs from PyPI with the rest, so the check runs the same on every
machine and needs no network at test time. Each step a young person goes through is checked
(landing page, chat, consent, a form question, a refused answer, the request sent), and the
queue as an admin and as a counsellor with leads in it. A serious or critical violation fails
the test; every violation found is written to ``test-artifacts/axe/`` with its impact.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from outreach_bot.config import Settings
from outreach_bot.core.outreach.campaigns import create_campaign
from outreach_bot.core.services import Services
from tests.browser import ARTIFACTS as BROWSER_ARTIFACTS
from tests.browser import DESKTOP, PHONE, TIMEOUT_MS, sign_in
from tests.conftest import make_settings
from tests.web.admin.conftest import (  # noqa: F401 - fixtures used by name
    EMAILS,
    PASSWORD,
    Staff,
    _fast_hashing,
    _staff,
    make_lead,
)
from tests.web.admin.test_browser import _base_url  # noqa: F401 - fixture used by name

pytestmark = pytest.mark.browser

ARTIFACTS = BROWSER_ARTIFACTS / "axe"
BLOCKING = frozenset({"serious", "critical"})
"""Impacts that fail the test: what stops someone from using the page, per axe-core."""


@pytest.fixture(name="settings")
def _settings(tmp_path: Path) -> Settings:
    """With Telegram and SMS set up, so the landing page shows all its buttons."""
    return make_settings(
        tmp_path, telegram_bot_username="MissionLocaleBot", sms_number="+33939123456"
    )


async def audit(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is; save what it found; return the violations."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    found = [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]],
        }
        for violation in violations
    ]
    counts = Counter(str(item["impact"]) for item in found for _ in item["nodes"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(
        json.dumps({"counts": counts, "violations": found}, ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    return found


def blocking(found: list[dict[str, Any]]) -> list[tuple[str, str, list[Any]]]:
    return [
        (item["rule"], item["impact"], item["nodes"])
        for item in found
        if item["impact"] in BLOCKING
    ]


async def bot_count(page: Any) -> int:
    return int(await page.evaluate("document.querySelectorAll('#log li.bot').length"))


async def answer(page: Any, text: str | None = None, *, button: str | None = None) -> None:
    """Type ``text`` (or tap ``button``) and wait for the bot to have answered."""
    before = await bot_count(page)
    if button is not None:
        await page.locator("#buttons").get_by_role("button", name=button, exact=True).click()
    else:
        await page.fill("#message", text or "")
        await page.press("#message", "Enter")
    await page.wait_for_function(
        "n => document.querySelectorAll('#log li.bot').length > n"
        " && !document.querySelector('#log li.typing')",
        arg=before,
    )


async def test_every_step_of_the_web_chat_passes_axe(
    base_url: str, services: Services, chromium: Any
) -> None:
    """Landing, chat, consent, a question of the form, a refused answer and the request sent:
    axe-core finds nothing serious or critical at any step."""
    await create_campaign(services.sessions, "FORUM-AXE", name="Forum de l'emploi")
    context = await chromium.new_context(viewport=PHONE, locale="fr-FR", has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    problems: dict[str, list[tuple[str, str, list[Any]]]] = {}

    await page.goto(f"{base_url}/q/FORUM-AXE")
    problems["landing"] = blocking(await audit(page, "webchat-landing"))
    await page.screenshot(path=str(ARTIFACTS / "landing-390x844.png"))
    await page.get_by_text("Discuter ici").click()
    await page.wait_for_selector("#buttons button")
    problems["chat"] = blocking(await audit(page, "webchat-chat"))
    await answer(page, "je cherche du boulot")
    await answer(page, button="Oui")
    problems["consent"] = blocking(await audit(page, "webchat-consent"))
    await answer(page, button="Oui")
    problems["form"] = blocking(await audit(page, "webchat-form"))
    await answer(page, "jsp")
    problems["error"] = blocking(await audit(page, "webchat-error"))
    for text in ("19", "Inès", "06 12 34 56 78", "Verdun", "un job"):
        await answer(page, text)
    await answer(page, button="Le matin")
    await answer(page, button="Oui, envoyer")
    assert "C'est envoyé" in await page.inner_text("#log")
    problems["sent"] = blocking(await audit(page, "webchat-sent"))
    await context.close()
    assert problems == {step: [] for step in problems}


async def test_the_queue_passes_axe_for_an_admin_and_a_counsellor(
    base_url: str, services: Services, chromium: Any
) -> None:
    """The queue with leads in it (one urgent), as the admin on a computer and as a
    counsellor of the sector on a computer and on a phone: nothing serious or critical."""
    await make_lead(services, first_name="Inès")
    await make_lead(services, first_name="Yanis", urgent=True)
    await make_lead(services, first_name="Noa", need="une formation en alternance")
    problems: dict[str, list[tuple[str, str, list[Any]]]] = {}
    for who, size, viewport in (
        ("admin", "desktop", DESKTOP),
        ("lea", "desktop", DESKTOP),
        ("lea", "phone", PHONE),
    ):
        context = await chromium.new_context(viewport=viewport, locale="fr-FR")
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        await sign_in(page, base_url, EMAILS[who])
        await page.get_by_role("heading", name="File des contacts").wait_for()
        await page.locator("#queue .card").first.wait_for()
        problems[f"{who}-{size}"] = blocking(await audit(page, f"queue-{who}-{size}"))
        await context.close()
    assert problems == {name: [] for name in problems}
