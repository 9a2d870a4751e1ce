"""What every channel adapter exchanges with the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from outreach_bot.dialogue.replies import Reply


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message as a channel received it, before anyone interpreted it.

    ``message_id`` is the channel's own id (Telegram update id, Twilio MessageSid…): the core
    stores an inbound message once per id, so a provider's retry is answered only once.
    ``sender_phone`` is set by channels where the sender's number is known (SMS).
    """

    channel: str
    sender_id: str
    text: str
    message_id: str | None = None
    sender_phone: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a provider said when it accepted a message."""

    provider_message_id: str | None = None
    segments: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """Which outbox row a send delivers; the same on every attempt at that row.

    ``key`` is stable and unique per row: a provider that deduplicates on a client-given id
    (SMS Gateway for Android) gets it as the message id, so a resend after a crash is refused
    there instead of reaching the young person twice. ``parts_sent`` counts the parts of a
    split message (Telegram) that an earlier attempt got accepted, so a retry skips them.
    """

    key: str
    parts_sent: int = 0


@dataclass(frozen=True, slots=True)
class SendLimits:
    """How fast one provider lets us send, as the outbox dispatcher keeps it per channel.

    ``per_second`` caps the channel as a whole (None: no cap of ours, the provider queues);
    ``recipient_interval`` is the least time between two messages to one recipient (Telegram
    asks for about a second per chat); ``concurrent`` is how many sends may be in flight at
    once. The dispatcher never waits for a limit: a row that would break one is left for a
    later round, so a chat that is not due holds up nobody else.
    """

    per_second: float | None = None
    recipient_interval: float = 0.0
    concurrent: int = 4


class TemporaryFailureError(Exception):
    """The provider could not take the message now; retry later (after ``retry_after`` s).

    ``parts_sent``: parts of a split message accepted before the failure, counting those of
    earlier attempts (the next attempt starts after them).
    """

    def __init__(
        self, reason: str, retry_after: float | None = None, *, parts_sent: int = 0
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.parts_sent = parts_sent


class PermanentFailureError(Exception):
    """The message can never be delivered (blocked bot, invalid number): stop writing."""


class SendCancelledError(Exception):
    """The channel decided not to send this message (over a cost budget): drop it, no retry."""


class OutboundChannel(Protocol):
    """Sends the bot's or a counsellor's replies on one channel."""

    name: str
    limits: SendLimits

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        """Deliver one reply to ``recipient`` (the channel's own sender id).

        ``delivery`` names the outbox row being delivered (None for a notice sent directly,
        outside the outbox).

        Raises:
            TemporaryFailureError: retry later.
            PermanentFailureError: give up and mark the conversation unreachable.
        """
        ...
