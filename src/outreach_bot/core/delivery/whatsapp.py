"""WhatsApp rules the core applies: the 24-hour window, approved templates, delivery statuses.

Meta lets a business write freely to a WhatsApp user only within 24 hours of that user's last
message (the customer-service window). Outside it, only a template that Meta approved may go
out. The rules live here so that every path that writes first obeys them:

* **Replies** to what the young person just wrote are always inside the window.
* **Scheduled messages** (reminders, re-engagements, visit alerts, "send later"): the
  scheduler asks :meth:`WhatsAppWindow.scheduled_guard` before queueing one; outside the window
  a row whose kind has no template configured is skipped, with the reason on the row.
* **Counsellors' messages**: :func:`counsellor_blocked` gives the back office a clear sentence
  when the window is closed and no ``counsellor`` template is configured.
* **At send time** the WhatsApp channel asks :meth:`WhatsAppWindow.is_open` again (a message may
  wait in the outbox through the quiet hours) and picks the template by the row's kind.

:class:`WhatsAppInbox` is what the webhook calls: incoming messages and the statuses Meta
reports (sent, delivered, read, failed), recorded on the outbox row that sent the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.config import Settings, whatsapp_templates
from outreach_bot.core.channel import Attachment, InboundMessage
from outreach_bot.core.delivery.outbox import COUNSELLOR_KIND, Immediate, SendPolicy
from outreach_bot.core.delivery.rules import answers_recent_message
from outreach_bot.domain.log_text import escape_for_log
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Conversation, OutboxItem, OutboxStatus, ScheduledMessage

if TYPE_CHECKING:
    # Only for annotations: the conversation service imports the scheduler, which imports
    # this module's neighbours; importing it here would make a cycle.
    from outreach_bot.core.conversation.service import ConversationService, InboundResult

logger = logging.getLogger(__name__)

CHANNEL: Final = "whatsapp"
SERVICE_WINDOW: Final = timedelta(hours=24)
"""Meta's customer-service window: free-form messages within 24 h of the user's last one."""
COUNSELLOR: Final = COUNSELLOR_KIND
"""The kind of a counsellor's message, and the template key that serves it."""
ANY_KIND: Final = "*"
"""The template key used for a kind that has none of its own."""
#: How far a status may move a row: a late "delivered" never undoes "read".
STATUS_RANK: Final[dict[str, int]] = {
    OutboxStatus.SENT: 1,
    OutboxStatus.DELIVERED: 2,
    OutboxStatus.READ: 3,
}


@dataclass(frozen=True, slots=True)
class Template:
    """An approved WhatsApp template: its name and language as Meta knows them.

    Its body has one variable, ``{{1}}``, which receives the message's text.
    """

    name: str
    language: str


def templates_of(settings: Settings) -> dict[str, Template]:
    """The approved templates configured in ``OUTREACH_WHATSAPP_TEMPLATES``, by message kind."""
    return {
        kind: Template(name, language)
        for kind, (name, language) in whatsapp_templates(settings.whatsapp_templates).items()
    }


def template_for(templates: Mapping[str, Template], kind: str | None) -> Template | None:
    """The template serving ``kind`` (its own, else the ``*`` one); None when none fits."""
    if kind is None:
        return templates.get(ANY_KIND)
    return templates.get(kind) or templates.get(ANY_KIND)


def window_open(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether ``now`` is within 24 hours of the young person's last message."""
    if last_inbound is None:
        return False
    if last_inbound.tzinfo is None:  # SQLite hands back naive UTC
        last_inbound = last_inbound.replace(tzinfo=UTC)
    return now - last_inbound < SERVICE_WINDOW


def counsellor_blocked(
    conversation: Conversation, templates: Mapping[str, Template], sent_at: datetime
) -> str | None:
    """Why a counsellor's message to this WhatsApp user cannot go out at ``sent_at`` (now, or
    the end of the quiet hours that hold it), in French; None if it can."""
    if conversation.channel != CHANNEL:
        return None
    if window_open(conversation.last_message_at, sent_at):
        return None
    if template_for(templates, COUNSELLOR) is not None:
        return None
    return (
        "Son dernier message aura plus de 24 h quand celui-ci partira : WhatsApp n'accepte "
        "alors qu'un modèle de "
        "message approuvé par Meta, et aucun n'est configuré pour les conseillers "
        "(OUTREACH_WHATSAPP_TEMPLATES, « counsellor=… »). Appelle cette personne, ou attends "
        "qu'elle écrive : la fenêtre de 24 h se rouvre à son prochain message."
    )


class CounsellorSend(NamedTuple):
    """When a message a counsellor starts leaves (see :func:`counsellor_send_time`)."""

    leaves: datetime
    live: bool
    """The young person is writing: it goes as an answer, quiet hours or not."""
    blocked: str | None
    """Why it cannot go at all (:func:`counsellor_blocked`), in French."""


def counsellor_send_time(
    conversation: Conversation,
    policies: Mapping[str, SendPolicy],
    templates: Mapping[str, Template],
    now: datetime,
) -> CounsellorSend:
    """When a message a counsellor starts (an answer, a referral question) leaves, and whether
    it can at all.

    Like an answer to what the young person just wrote, it goes at once, quiet hours or not,
    while they are writing; otherwise it waits for the quiet hours to end, and on WhatsApp the
    24-hour window must still be open then.
    """
    policy = policies.get(conversation.channel, Immediate())
    live = answers_recent_message(conversation.last_message_at, now)
    leaves = policy.earliest(now, in_reply=live)
    return CounsellorSend(leaves, live, counsellor_blocked(conversation, templates, leaves))


class WhatsAppWindow:
    """The 24-hour window as the channel and the scheduler ask about it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        templates: Mapping[str, Template],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self.templates = dict(templates)
        self._clock = clock

    async def is_open(self, recipient: str) -> bool:
        """Whether free-form messages may go to ``recipient`` (the conversation's sender id).

        With no conversation at all, the message is the confirmation of an erasure the young
        person asked for a moment ago: that answers their message, inside the window (and if
        an outage held it past 24 h, Meta refuses it and the row is cancelled).
        """
        sender_hash = current_cipher().lookup_hash(f"{CHANNEL}:{recipient}")
        async with self._sessions() as session:
            found = (
                await session.execute(
                    select(Conversation.last_message_at).where(
                        Conversation.channel == CHANNEL, Conversation.sender_hash == sender_hash
                    )
                )
            ).first()
        return found is None or window_open(found[0], self._clock())

    def template(self, kind: str | None) -> Template | None:
        """The approved template for a message of ``kind`` sent outside the window."""
        return template_for(self.templates, kind)

    async def scheduled_guard(
        self,
        session: AsyncSession,
        item: ScheduledMessage,
        conversation: Conversation,
        now: datetime,
    ) -> str | None:
        """Scheduler guard: skip a due message that WhatsApp would refuse."""
        if window_open(conversation.last_message_at, now) or self.template(item.kind):
            return None
        return "outside WhatsApp's 24-hour window, no template for this kind"


async def record_whatsapp_status(
    sessions: async_sessionmaker[AsyncSession],
    provider_message_id: str,
    status: str,
    *,
    error: str | None = None,
) -> bool:
    """Apply one of Meta's statuses (sent, delivered, read, failed) to the row that sent it.

    Statuses come out of order and more than once: a row only moves forward (sent, then
    delivered, then read); "failed" applies to a row not yet delivered.

    Returns:
        False when no row carries that message id, or the status is unknown (nothing changed).
    """
    async with sessions.begin() as session:
        item = await session.scalar(
            select(OutboxItem)
            .where(
                OutboxItem.channel == CHANNEL,
                OutboxItem.provider_message_id == provider_message_id,
            )
            .limit(1)
        )
        if item is None:
            logger.info("whatsapp status for an unknown message ignored")
            return False
        if status == OutboxStatus.FAILED:
            if item.status == OutboxStatus.SENT:
                item.status = OutboxStatus.FAILED
                item.last_error = (error or "not delivered")[:200]
                logger.info(
                    "outbox %s: WhatsApp message not delivered (%s)",
                    item.id,
                    escape_for_log(error),
                )
            return True
        rank = STATUS_RANK.get(status)
        if rank is None:
            return False
        if item.status == OutboxStatus.FAILED or rank > STATUS_RANK.get(item.status, 0):
            item.status = status
        return True


class WhatsAppInbox:
    """What the WhatsApp webhook asks of the core."""

    def __init__(
        self, *, conversations: ConversationService, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        self._conversations = conversations
        self._sessions = sessions

    async def receive(self, message: InboundMessage) -> InboundResult:
        """Store and answer one incoming message (replies are queued); Meta's resend of the
        same message id is answered once."""
        return await self._conversations.handle_inbound(message)

    async def receive_media(
        self, message: InboundMessage, attachment: Attachment
    ) -> InboundResult:
        """A voice note, photo or document: see ``ConversationService.handle_media``."""
        return await self._conversations.handle_media(message, attachment)

    async def report(self, provider_message_id: str, status: str, *, error: str | None) -> bool:
        """Record a status; see :func:`record_whatsapp_status`."""
        return await record_whatsapp_status(
            self._sessions, provider_message_id, status, error=error
        )
