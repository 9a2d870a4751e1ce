"""Figures that fit: a year by month, the sectors explained, false alarms out of "urgences",
and the campaign table within a 1366 px screen (in Chromium)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from outreach_bot.cli.demo import seed_demo
from outreach_bot.core.services import Services
from outreach_bot.storage.models import AuditEntry, Lead, LeadEvent
from tests.browser import ARTIFACTS, sign_in
from tests.core.contact_lists.conftest import person
from tests.core.contact_lists.test_sending import new_list
from tests.web.admin.conftest import EMAILS, Browser, Staff, make_lead
from tests.web.admin.test_browser import _base_url  # noqa: F401 - fixtures used by name

URGENT_FIGURE = re.compile(r'data-figure="urgent">(\d+)<')


def _bars(html: str) -> int:
    """Bars of the first chart on the page."""
    first = html.index("<svg")
    return html[first : html.index("</svg>", first)].count("<rect")


async def test_a_year_is_drawn_by_month_and_twelve_weeks_by_week(
    browser: Browser, services: Services
) -> None:
    await seed_demo(services.sessions, consent_version="2024-06")
    assert (await browser.login("coordinator")).status == 303
    this_year = datetime.now(UTC).date().year

    year = await (await browser.get(f"/admin/figures?from={this_year}-01-01")).text()
    default = await (await browser.get("/admin/figures")).text()

    assert "<h2>Par mois</h2>" in year
    assert _bars(year) == datetime.now(UTC).date().month  # January to this month
    assert "Conversations par mois" in year
    assert "<h2>Par semaine</h2>" in default
    assert _bars(default) == 12
    last_year = await (
        await browser.get(f"/admin/figures?from={this_year - 1}-01-01&to={this_year - 1}-12-31")
    ).text()
    assert _bars(last_year) == 12
    assert "janv." in last_year


async def test_the_page_says_what_hors_secteur_and_sans_secteur_hold(
    browser: Browser, services: Services
) -> None:
    await seed_demo(services.sessions, consent_version="2024-06")
    assert (await browser.login("coordinator")).status == 303

    html = await (await browser.get("/admin/figures")).text()

    help_text = html[html.index('id="sector-help"') :].split("</p>", 1)[0]
    assert "<strong>Hors secteur</strong>" in help_text
    assert "<strong>Sans secteur</strong>" in help_text
    assert "nord-meusien" not in html  # the sector's name, not its code


async def test_a_counsellor_marks_a_false_alarm_and_it_leaves_the_urgences(
    browser: Browser, second_browser: Browser, services: Services, staff: Staff
) -> None:
    lead = await make_lead(services, urgent=True, messages=("jsuis mort de rire 😂😂",))
    assert (await second_browser.login("coordinator")).status == 303
    before = await (await second_browser.get("/admin/figures")).text()
    assert URGENT_FIGURE.search(before).group(1) == "1"  # type: ignore[union-attr]
    assert (await browser.login("lea")).status == 303
    page = await (await browser.get(f"/admin/leads/{lead.id}")).text()
    assert "Marquer comme fausse alerte" in page

    marked = await browser.post(f"/admin/leads/{lead.id}/false-alarm")

    assert marked.status == 303
    assert marked.headers["Location"] == f"/admin/leads/{lead.id}"
    after = await (await browser.get(marked.headers["Location"])).text()
    assert "Fausse alerte notée : ce contact ne compte plus dans les urgences." in after
    assert "Fausse alerte : plus une urgence" in after  # in the history, with who
    assert "Marquer comme fausse alerte" not in after
    figures = await (await second_browser.get("/admin/figures")).text()
    assert URGENT_FIGURE.search(figures).group(1) == "0"  # type: ignore[union-attr]
    async with services.sessions() as session:
        stored = await session.get(Lead, lead.id)
        assert stored is not None
        assert not stored.urgent
        assert stored.false_alarm_at is not None
        event = await session.scalar(select(LeadEvent).where(LeadEvent.kind == "false_alarm"))
        assert event is not None
        assert event.user_id == staff.lea
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "false_alarm"))
        assert audit is not None
        assert audit.user_id == staff.lea
    assert (await browser.post(f"/admin/leads/{lead.id}/false-alarm")).status == 409


async def test_a_false_alarm_out_of_the_counsellors_sectors_sends_them_back_to_the_queue(
    browser: Browser, services: Services, staff: Staff
) -> None:
    lead = await make_lead(services, sector="hors-secteur", urgent=True)
    assert (await browser.login("lea")).status == 303

    marked = await browser.post(f"/admin/leads/{lead.id}/false-alarm")

    assert marked.status == 303
    assert marked.headers["Location"] == "/admin/"
    assert (await browser.get(f"/admin/leads/{lead.id}")).status == 404


async def test_an_ordinary_lead_cannot_be_a_false_alarm(
    browser: Browser, services: Services, staff: Staff
) -> None:
    lead = await make_lead(services)
    assert (await browser.login("lea")).status == 303

    refused = await browser.post(f"/admin/leads/{lead.id}/false-alarm")

    assert refused.status == 409
    assert "pas une urgence" in await refused.text()


@pytest.mark.browser
async def test_the_figure_tables_fit_a_1366_screen(
    base_url: str, browser_page: Any, services: Services
) -> None:
    await seed_demo(services.sessions, consent_version="2024-06")
    await new_list(services, [person(1), person(2)], name="SIEI novembre")
    page = browser_page
    await page.set_viewport_size({"width": 1366, "height": 768})
    await sign_in(page, base_url, EMAILS["coordinator"])
    await page.get_by_role("heading", name="File des contacts").wait_for()
    await page.goto(f"{base_url}/admin/figures?from={datetime.now(UTC).year}-01-01")

    tables = page.locator(".funnel-table")
    assert await tables.count() == 3  # campaigns, sectors, contact lists
    for index in range(3):
        overflow = await tables.nth(index).evaluate(
            "table => table.parentElement.scrollWidth - table.parentElement.clientWidth"
        )
        assert overflow <= 0, f"table {index} is {overflow} px too wide"
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    await page.screenshot(path=str(ARTIFACTS / "figures-1366x768.png"), full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(ARTIFACTS / "figures-390x844.png"), full_page=True)
