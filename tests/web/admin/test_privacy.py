"""Admin export and erasure of one young person's data, and the audit log page."""

from __future__ import annotations

from sqlalchemy import func, select

from outreach_bot.core.services import Services
from outreach_bot.storage.models import AuditEntry, Consent, Conversation, Lead, Message
from tests.web.admin.conftest import Browser, Staff, make_lead


async def test_admin_exports_everything_about_a_person(
    browser: Browser, services: Services, staff: Staff
) -> None:
    """The JSON export holds the conversation, messages, consent and lead, and is audited."""
    lead = await make_lead(services, first_name="Nour", messages=("bonjour", "je cherche"))
    await browser.login("admin")
    response = await browser.get(f"/admin/leads/{lead.id}/export.json")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = await response.json()
    assert data["leads"][0]["first_name"] == "Nour"
    assert [m["text"] for m in data["messages"]] == ["bonjour", "je cherche"]
    assert data["consents"][0]["text_version"] == "2024-06"
    assert data["conversation"]["channel"] == "rest"
    async with services.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry is not None
    assert (entry.user_id, entry.target_id) == (staff.admin, str(lead.id))


async def test_admin_erases_a_person_after_confirming(
    browser: Browser, services: Services, staff: Staff
) -> None:
    """Without the box ticked nothing happens; with it, everything goes and the log says who."""
    lead = await make_lead(services)
    other = await make_lead(services, first_name="Reste")
    await browser.login("admin")
    unconfirmed = await browser.post(f"/admin/leads/{lead.id}/erase")
    assert unconfirmed.status == 400
    erased = await browser.post(f"/admin/leads/{lead.id}/erase", {"confirm": "yes"})
    assert erased.status == 303
    async with services.sessions() as session:
        assert await session.get(Lead, lead.id) is None
        assert await session.get(Conversation, lead.conversation_id) is None
        left = await session.scalar(
            select(func.count(Message.id)).where(Message.conversation_id == lead.conversation_id)
        )
        consents = await session.scalar(
            select(func.count(Consent.id)).where(Consent.conversation_id == lead.conversation_id)
        )
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
        assert await session.get(Lead, other.id) is not None
    assert (left, consents) == (0, 0)
    assert entry is not None
    assert (entry.actor, entry.user_id) == ("admin@example.org", staff.admin)
    assert (await browser.get(f"/admin/leads/{lead.id}")).status == 404


async def test_audit_log_lists_who_saw_what(browser: Browser, services: Services) -> None:
    """A counsellor's view of a lead appears in the admin's audit log by her name, without
    the young person's data."""
    lead = await make_lead(services, first_name="Secret")
    counsellor = Browser(browser.client)
    await counsellor.login("lea")
    await counsellor.get(f"/admin/leads/{lead.id}")
    await counsellor.post("/admin/logout")
    await browser.login("admin")
    html = await (await browser.get(f"/admin/audit?lead={lead.id}")).text()
    assert "Léa Conseillère" in html
    assert f"Contact n° {lead.id}" in html
    assert "Secret" not in html
