"""The services container that every adapter (channels, web, CLI) receives.

It lives in the core, below the adapters that read it, so that nothing imports the
composition root (:mod:`outreach_bot.app`) but the command line: ``app`` builds a
:class:`Services` and hands it down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from outreach_bot.config import Settings
from outreach_bot.content import Content
from outreach_bot.core.channel import OutboundChannel
from outreach_bot.core.contact_lists.sending import FirstContacts
from outreach_bot.core.conversation.service import ConversationService
from outreach_bot.core.delivery.outbox import Budget, OutboxDispatcher, SendPolicy
from outreach_bot.core.delivery.rules import SendingRules
from outreach_bot.core.events.bus import EventBus
from outreach_bot.core.followups.appointments import Appointments
from outreach_bot.core.mail.sender import MailSender
from outreach_bot.core.schedule import Scheduler
from outreach_bot.nlu.base import NluBackend


async def lone_process() -> bool:
    """A process with no other worker on its database leads itself."""
    return True


def still_alone() -> bool:
    """A lone process never loses its lead."""
    return True


@dataclass(frozen=True)
class Services:
    """Everything long-lived, built once per process and shared by the web app, channels and CLI.

    ``outbound`` is the registry through which the core reaches a young person on their own
    channel, and ``send_policies`` says when each channel may send (SMS quiet hours); channel
    adapters register themselves in both when they start. ``dispatcher`` delivers the outbox;
    ``mailer`` sends e-mail (check ``mailer.configured`` before offering it);
    ``referral_wakeup`` tells the referral job that a young person just agreed.
    ``rules`` are the sending rules (quiet hours, closed days) every channel's policy applies;
    ``scheduler`` sends scheduled messages, asking ``budgets`` (a channel's cost guard, the
    SMS daily limit) before each; ``appointments`` are the appointment use cases;
    ``first_contacts`` start, pause and resume the contact lists' campaigns.
    ``try_lead`` says whether this process leads the workers sharing the database (the one
    that long-polls Telegram); a lone process on SQLite always does. ``leads`` says, with no
    query, whether it still does (False at once when its database connection was lost).
    ``secret`` is the
    installation's secret (configured, or generated once under ``var/``), from which the
    adapters derive their cookie and webhook keys.
    """

    settings: Settings
    secret: str
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    nlu: NluBackend
    events: EventBus
    conversations: ConversationService
    dispatcher: OutboxDispatcher
    mailer: MailSender
    referral_wakeup: asyncio.Event
    outbound: dict[str, OutboundChannel]
    rules: SendingRules
    scheduler: Scheduler
    appointments: Appointments
    first_contacts: FirstContacts
    send_policies: dict[str, SendPolicy] = field(default_factory=dict)
    budgets: dict[str, Budget] = field(default_factory=dict)
    try_lead: Callable[[], Awaitable[bool]] = lone_process
    leads: Callable[[], bool] = still_alone
