"""A referral's life in the core: the deadlines on a frozen clock, erasure, partner accounts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach_bot.config import Settings
from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.partners import referrals
from outreach_bot.core.partners.directory import save_organisation, save_service
from outreach_bot.core.privacy.purge import purge
from outreach_bot.core.privacy.rights import erase_person
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user, load_account
from outreach_bot.domain.errors import NotFoundError, PermissionDeniedError
from outreach_bot.storage.models import LeadEvent, Referral
from tests.conftest import make_settings
from tests.smtp import Inbox
from tests.web.admin.conftest import make_lead

LINK_RE = re.compile(r"/admin/orientation/([\w-]+)")
PUBLIC = "http://127.0.0.1:8080/"


@pytest.fixture(name="settings")
def _settings(tmp_path: Path, smtp: Inbox) -> Settings:
    return make_settings(tmp_path, **smtp.settings())


async def propose(services: Services, *, sender: str, now: datetime) -> tuple[int, int]:
    """A lead (REST) and a referral proposed by its counsellor at ``now``: (lead, referral)."""
    organisation = await save_organisation(
        services.sessions, actor="t", user_id=None, name="Point Accueil Écoute Jeunes"
    )
    service = await save_service(
        services.sessions,
        actor="t",
        user_id=None,
        organisation_id=organisation,
        name="Écoute et soutien",
        referral_email="paej@asso-test.example",
    )
    lead = await make_lead(services, channel="rest", sender=sender)
    user = await add_user(
        services.sessions,
        f"c-{sender}@ml.example",
        role="counsellor",
        password="x" * 12,
        sectors=["nord-meusien"],
    )
    async with services.sessions() as session:
        account = await load_account(session, user)
    assert account is not None
    proposed = await referrals.propose_referral(
        services.sessions,
        account,
        lead.id,
        service,
        "Se sent seul depuis le déménagement.",
        content=services.content,
        queued_channels=frozenset(),
        policies={},
        now=now,
    )
    return lead.id, proposed.id


async def answer(services: Services, sender: str, text: str, now: datetime) -> list[str]:
    result = await services.conversations.handle_inbound(
        InboundMessage(channel="rest", sender_id=sender, text=text), now=now
    )
    return [reply.text for reply in result.replies]


async def row(services: Services, referral_id: int) -> Referral:
    async with services.sessions() as session:
        found = await session.get(Referral, referral_id)
        assert found is not None
        return found


async def notes(services: Services, lead_id: int) -> list[str]:
    async with services.sessions() as session:
        return [
            note or ""
            for note in await session.scalars(
                select(LeadEvent.note)
                .where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "referral")
                .order_by(LeadEvent.id)
            )
        ]


async def test_reminder_after_10_days_and_closing_after_30(
    services: Services, smtp: Inbox
) -> None:
    """With a frozen clock: no reminder on day 9, a reminder e-mail with a fresh link on day
    10, the first link dead after 8 days, closed on day 30; the counsellor told each time."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    lead_id, referral_id = await propose(services, sender="noa", now=start)
    await answer(services, "noa", "oui", start)
    await referrals.deliver_pending(
        services.sessions, services.mailer, public_url=PUBLIC, now=start
    )
    first_token = LINK_RE.search(smtp.received[0].body()).group(1)  # type: ignore[union-attr]

    day9 = await referrals.run_deadlines(
        services.sessions, services.mailer, public_url=PUBLIC, now=start + timedelta(days=9)
    )
    assert day9.reminded == 0
    assert len(smtp.received) == 1
    with pytest.raises(referrals.LinkExpiredError):
        await referrals.referral_by_token(
            services.sessions, first_token, now=start + timedelta(days=8, minutes=1)
        )

    day10 = await referrals.run_deadlines(
        services.sessions, services.mailer, public_url=PUBLIC, now=start + timedelta(days=10)
    )
    assert day10.reminded == 1
    reminder = smtp.received[1]
    assert reminder.message["Subject"].startswith("Rappel")
    second_token = LINK_RE.search(reminder.body()).group(1)  # type: ignore[union-attr]
    view = await referrals.referral_by_token(
        services.sessions, second_token, now=start + timedelta(days=11)
    )
    assert view.shared["first_name"] == "Inès"
    again = await referrals.run_deadlines(
        services.sessions, services.mailer, public_url=PUBLIC, now=start + timedelta(days=12)
    )
    assert again.reminded == 0
    assert len(smtp.received) == 2

    day30 = await referrals.run_deadlines(
        services.sessions, services.mailer, public_url=PUBLIC, now=start + timedelta(days=30)
    )
    assert day30.closed == 1
    closed = await row(services, referral_id)
    assert closed.status == "closed"
    with pytest.raises(referrals.ConflictError):  # the page says closed; no answer any more
        await referrals.act_by_token(
            services.sessions, second_token, "accept", now=start + timedelta(days=30)
        )
    told = await notes(services, lead_id)
    assert any("relance envoyée" in note for note in told)
    assert any("orientation close" in note for note in told)


async def test_silence_counts_as_no_after_a_week(services: Services, smtp: Inbox) -> None:
    """A question left unanswered 7 days shares nothing and the counsellor is told; a late
    "oui" is then just a word, not a consent."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    lead_id, referral_id = await propose(services, sender="sami", now=start)

    await referrals.run_deadlines(
        services.sessions, services.mailer, public_url=PUBLIC, now=start + timedelta(days=7)
    )
    late = start + timedelta(days=8)
    await answer(services, "sami", "oui", late)
    await referrals.deliver_pending(
        services.sessions, services.mailer, public_url=PUBLIC, now=late
    )

    unanswered = await row(services, referral_id)
    assert unanswered.status == "no_answer"
    assert unanswered.shared is None
    assert smtp.received == []
    assert any("Pas de réponse du jeune" in note for note in await notes(services, lead_id))


async def test_supprimer_withdraws_the_referral_and_its_link(
    services: Services, smtp: Inbox
) -> None:
    """SUPPRIMER ends the open referral: the partner's page says withdrawn and shows no data,
    the partner can no longer answer, and the row keeps only what the figures need."""
    now = datetime.now(UTC)
    _, referral_id = await propose(services, sender="lou", now=now)
    await answer(services, "lou", "oui", now)
    await referrals.deliver_pending(services.sessions, services.mailer, public_url=PUBLIC)
    token = LINK_RE.search(smtp.received[0].body()).group(1)  # type: ignore[union-attr]

    await answer(services, "lou", "SUPPRIMER", now)
    await answer(services, "lou", "oui", now)  # confirms the erasure

    view = await referrals.referral_by_token(services.sessions, token)
    assert view.status == "withdrawn"
    assert dict(view.shared) == {}
    assert view.reason == ""
    with pytest.raises(referrals.ConflictError):
        await referrals.act_by_token(services.sessions, token, "accept")
    erased = await row(services, referral_id)
    assert erased.lead_id is None
    assert erased.conversation_id is None
    assert erased.proposed_at is not None
    assert erased.sent_at is not None


async def test_admin_erasure_and_purge_end_referrals(services: Services, smtp: Inbox) -> None:
    """An admin's erasure ends an open referral as SUPPRIMER does; the purge (same retention
    as leads) strips an old finished one of everything personal."""
    now = datetime.now(UTC)
    lead_id, referral_id = await propose(services, sender="mia", now=now)
    admin = await add_user(services.sessions, "boss@ml.example", role="admin", password="x" * 12)
    async with services.sessions() as session:
        account = await load_account(session, admin)
    assert account is not None

    await erase_person(services.sessions, account, lead_id)

    assert (await row(services, referral_id)).status == "withdrawn"

    old = now - timedelta(days=400)
    _, finished = await propose(services, sender="old", now=old)
    await answer(services, "old", "non", old)
    report = await purge(services.sessions, transcript_days=90, retention_days=365, now=now)
    assert report.conversations >= 1
    purged = await row(services, finished)
    assert purged.status == "refused"
    assert purged.reason is None
    assert purged.lead_id is None


async def test_a_partner_account_sees_only_its_organisation(
    services: Services, smtp: Inbox
) -> None:
    """A partner account lists the referrals sent to its organisation and no other, and never
    one the young person has not agreed to."""
    now = datetime.now(UTC)
    _, sent = await propose(services, sender="zoe", now=now)
    await answer(services, "zoe", "oui", now)
    _, waiting = await propose(services, sender="tom", now=now)
    other_org = await save_organisation(
        services.sessions, actor="t", user_id=None, name="Autre association"
    )
    async with services.sessions() as session:
        organisation_id = (await session.get(Referral, sent)).organisation_id  # type: ignore[union-attr]
    mine = await add_user(
        services.sessions, "p1@asso-test.example", role="partner", password="x" * 12
    )
    theirs = await add_user(
        services.sessions, "p2@asso-test.example", role="partner", password="x" * 12
    )
    await referrals.add_member(services.sessions, mine, organisation_id)  # type: ignore[arg-type]
    await referrals.add_member(services.sessions, theirs, other_org)
    async with services.sessions() as session:
        me = await load_account(session, mine)
        them = await load_account(session, theirs)
    assert me is not None
    assert them is not None

    listed = await referrals.referrals_for_member(services.sessions, me)
    assert [view.id for view in listed] == [sent]
    assert waiting not in [view.id for view in listed]
    assert await referrals.referrals_for_member(services.sessions, them) == []
    with pytest.raises(NotFoundError):
        await referrals.act_as_member(services.sessions, them, sent, "accept")
    accepted = await referrals.act_as_member(services.sessions, me, sent, "accept")
    assert accepted.status == "accepted"
    with pytest.raises(PermissionDeniedError):
        await referrals.referrals_for_lead(services.sessions, me, 1)
