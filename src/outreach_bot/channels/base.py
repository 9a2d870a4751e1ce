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


class TemporaryFailureError(Exception):
    """The provider could not take the message now; retry later (after ``retry_after`` s)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailureError(Exception):
    """The message can never be delivered (blocked bot, invalid number): stop writing."""


class SendCancelledError(Exception):
    """The channel decided not to send this message (over a cost budget): drop it, no retry."""


class OutboundChannel(Protocol):
    """Sends the bot's or a counsellor's replies on one channel."""

    name: str

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Deliver one reply to ``recipient`` (the channel's own sender id).

        Raises:
            TemporaryFailureError: retry later.
            PermanentFailureError: give up and mark the conversation unreachable.
        """
        ...
