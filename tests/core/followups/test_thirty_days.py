"""Thirty simulated days with hundreds of leads, the clock frozen and moved by hand.

From Monday 15 April 2030 (Easter Monday is the 22nd, then 1 and 8 May): appointments are set,
some missed; silent leads are re-engaged; 50 young people send STOP on day 5. Every hour
the scheduler ticks and the outbox delivers, as of that moment, to recording channels.
What must hold: nothing sent in the quiet hours, on a Sunday or a holiday; every scheduled
message due in open hours sent exactly once; nothing after a STOP.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from outreach_bot.core.channel import Delivery, InboundMessage, SendLimits, SendResult
from outreach_bot.core.delivery.outbox import OutboxDispatcher
from outreach_bot.core.delivery.rules import PARIS
from outreach_bot.core.followups.appointments import AppointmentForm
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import load_account
from outreach_bot.dialogue.replies import Reply
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import (
    Consent,
    Conversation,
    Lead,
    OutboxItem,
    ScheduledMessage,
    ScheduledStatus,
    Sector,
)
from tests.web.admin.conftest import Staff

START = datetime(2030, 4, 15, 0, 0, tzinfo=PARIS)
DAYS = 30
STEP = timedelta(hours=1)
LEADS = int(os.environ.get("OUTREACH_SIMULATION_LEADS", "250"))
"""250 in the suite (about a minute); ``OUTREACH_SIMULATION_LEADS=1000``: the full size."""
STOPPERS = LEADS // 20
APPOINTMENTS = LEADS // 5


class ClockedChannel:
    """A recording channel that notes, for each message, the simulated moment it left."""

    limits = SendLimits()

    def __init__(self, clock: list[datetime]) -> None:
        self.clock = clock
        self.sent: list[tuple[str, datetime, str]] = []
        self.keys: Counter[str] = Counter()

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        self.sent.append((recipient, self.clock[0], reply.text))
        if delivery is not None:
            self.keys[delivery.key] += 1
        return SendResult(provider_message_id=f"p{len(self.sent)}", segments=1)


async def make_leads(services: Services) -> list[tuple[int, int, str, str]]:
    """Open leads on SMS and Telegram, silent for 0 to 20 days at the start."""
    rng = random.Random(21)
    senders = [
        ("sms", f"+33612{n:06d}") if n % 5 < 3 else ("telegram", str(700000 + n))
        for n in range(LEADS)
    ]
    async with services.sessions.begin() as session:
        sector_id = await session.scalar(select(Sector.id).where(Sector.code == "nord-meusien"))
        await session.execute(
            insert(Conversation),
            [
                {
                    "channel": channel,
                    "sender_hash": current_cipher().lookup_hash(f"{channel}:{sender}"),
                    "sender_ref": sender,
                    "created_at": START - timedelta(days=30),
                    "last_message_at": START - timedelta(hours=rng.randrange(0, 20 * 24)),
                }
                for channel, sender in senders
            ],
        )
        conversations = list(
            await session.execute(
                select(Conversation.id, Conversation.channel, Conversation.sender_ref).order_by(
                    Conversation.id
                )
            )
        )
        await session.execute(
            insert(Consent),
            [
                {"conversation_id": cid, "text_version": "2024-06", "channel": channel}
                for cid, channel, _ in conversations
            ],
        )
        await session.execute(
            insert(Lead),
            [
                {
                    "conversation_id": cid,
                    "sector_id": sector_id,
                    "status": "claimed",
                    "channel": channel,
                    "first_name": "Test",
                    "created_at": START - timedelta(days=30),
                    "updated_at": START - timedelta(days=30),
                    "status_changed_at": START - timedelta(days=30),
                }
                for cid, channel, _ in conversations
            ],
        )
        rows = await session.execute(select(Lead.conversation_id, Lead.id))
        leads = {cid: lid for cid, lid in rows}  # noqa: C416 - keeps the row types
    return [(leads[cid], cid, channel, str(ref)) for cid, channel, ref in conversations]


async def test_thirty_days_with_a_thousand_leads(  # noqa: PLR0915 - one story, told in order
    services: Services, staff: Staff
) -> None:
    """No message in quiet hours or on a holiday, each due one sent once, none after STOP."""
    rng = random.Random(2030)
    leads = await make_leads(services)
    clock = [START.astimezone(UTC)]
    channel = ClockedChannel(clock)
    services.outbound["sms"] = channel
    services.outbound["telegram"] = channel
    dispatcher = OutboxDispatcher(services.sessions, services.outbound, clock=lambda: clock[0])
    async with services.sessions() as session:
        lea = await load_account(session, staff.lea)
    assert lea is not None
    # Counsellors set appointments for a fifth of the leads over ten days, at office hours.
    plans: dict[datetime, list[tuple[int, datetime]]] = {}
    for lead_id, _, _, _ in rng.sample(leads, APPOINTMENTS):
        set_at = START + timedelta(days=rng.randrange(0, 10), hours=rng.choice([10, 14, 16]))
        starts = set_at + timedelta(days=rng.randrange(1, 12), hours=rng.choice([-1, 0, 1]))
        plans.setdefault(set_at.astimezone(UTC), []).append((lead_id, starts))
    stoppers = rng.sample(leads, STOPPERS)
    stop_at = (START + timedelta(days=5, hours=15)).astimezone(UTC)
    stopped: dict[str, datetime] = {}
    stopped_leads: set[int] = set()
    appointments: list[tuple[int, int, datetime]] = []
    end = (START + timedelta(days=DAYS)).astimezone(UTC)
    while clock[0] < end:
        now = clock[0]
        for lead_id, starts in plans.get(now, []):
            if lead_id in stopped_leads:
                continue  # the lead page tells the counsellor to call instead
            appointment_id = (
                await services.appointments.set_appointment(
                    lea,
                    lead_id,
                    AppointmentForm(
                        day=starts.date().isoformat(),
                        time=f"{starts:%H:%M}",
                        place="Mission Locale, Verdun",
                        with_whom="Léa",
                    ),
                    now=now,
                )
            ).id
            appointments.append((lead_id, appointment_id, starts.astimezone(UTC)))
        # The day after each appointment, at 18:00, Léa marks one in three absent.
        for lead_id, appointment_id, starts in appointments:
            if now == starts + timedelta(hours=2) and appointment_id % 3 == 0:
                await services.appointments.record_outcome(
                    lea, lead_id, appointment_id, came=False, now=now
                )
        if now == stop_at:
            for _, _, kind, sender in stoppers:
                await services.conversations.handle_inbound(
                    InboundMessage(
                        channel=kind, sender_id=sender, text="STOP", message_id=f"stop-{sender}"
                    ),
                    now=now,
                )
                stopped[sender] = now
            stopped_leads.update(lead_id for lead_id, _, _, _ in stoppers)
        await services.scheduler.tick(now=now)
        while await dispatcher.run_once():
            pass
        clock[0] = now + STEP

    rules = services.rules
    sent_at = [moment for recipient, moment, text in channel.sent if text != stop_text(services)]
    assert sent_at, "the simulation sent nothing"
    closed = [moment for moment in sent_at if not rules.is_open(moment)]
    assert closed == [], closed[:5]
    after_stop = [
        (recipient, moment, text)
        for recipient, moment, text in channel.sent
        if recipient in stopped and moment > stopped[recipient] and text != stop_text(services)
    ]
    assert after_stop == []
    assert set(channel.keys.values()) == {1}  # no outbox row delivered twice
    async with services.sessions() as session:
        statuses = Counter(
            dict(
                (
                    await session.execute(
                        select(ScheduledMessage.status, func.count()).group_by(
                            ScheduledMessage.status
                        )
                    )
                ).all()
            )
        )
        kinds = Counter(
            dict(
                (
                    await session.execute(
                        select(ScheduledMessage.kind, func.count())
                        .where(ScheduledMessage.status == ScheduledStatus.SENT)
                        .group_by(ScheduledMessage.kind)
                    )
                ).all()
            )
        )
        late = await session.scalar(
            select(func.count()).where(
                ScheduledMessage.status == ScheduledStatus.PENDING,
                ScheduledMessage.due_at < end - timedelta(days=2),
            )
        )
        stopped_pending = await session.scalar(
            select(func.count())
            .select_from(ScheduledMessage)
            .join(Conversation, Conversation.id == ScheduledMessage.conversation_id)
            .where(
                Conversation.opted_out.is_(True),
                ScheduledMessage.status == ScheduledStatus.PENDING,
            )
        )
        sent_rows = await session.scalar(
            select(func.count()).where(ScheduledMessage.status == ScheduledStatus.SENT)
        )
        outbox_rows = await session.scalar(
            select(func.count(func.distinct(OutboxItem.id))).where(
                OutboxItem.message_id.in_(select(ScheduledMessage.message_id))
            )
        )
    assert late == 0, "a message due in open hours was never sent"
    assert stopped_pending == 0
    assert sent_rows == outbox_rows  # one outbox row per scheduled message sent
    scheduled_texts = len(sent_at)
    print(  # noqa: T201 - the closing note quotes this line
        f"30 days, {LEADS} leads: {scheduled_texts} messages sent, "
        f"0 in quiet hours or on holidays; scheduled rows {dict(statuses)}; sent by kind "
        f"{dict(kinds)}; {len(stopped)} STOPs, 0 messages after them"
    )
    assert kinds["appointment"] > 0
    assert kinds["appointment_reminder"] > 0
    assert kinds["appointment_missed"] > 0
    assert kinds["reengage"] > 0


def stop_text(services: Services) -> str:
    """The STOP confirmation, the one message that answers the STOP itself."""
    return services.content.message("opt_out_done", "fr")
