"""What every channel adapter exchanges with the core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from outreach_bot.dialogue.replies import Reply


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message as a channel received it, before anyone interpreted it.

    ``message_id`` is the channel's own id (Telegram update id, Twilio MessageSid…): the core
    stores an inbound message once per id, so a provider's retry is answered only once.
    ``sender_phone`` is set by channels where the sender's number is known (SMS).
    ``language`` is the language of the page the person wrote from (the QR landing page's
    web chat), which the conversation goes on in unless the person already chose one.
    """

    channel: str
    sender_id: str
    text: str
    message_id: str | None = None
    sender_phone: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    language: str | None = None


class MediaTooLargeError(Exception):
    """A file is bigger than the limit the core gave to :attr:`Attachment.fetch`."""


class MediaUnavailableError(Exception):
    """The provider would not hand the file over (expired link, refused download)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with a message (a voice note, a photo, a document), not yet downloaded.

    The adapter says what the provider declared (``declared_type``, ``declared_size``: hints
    only, the core reads the type from the bytes) and how to get the bytes: ``fetch(limit)``
    downloads the file and raises :class:`MediaTooLargeError` past ``limit`` bytes, or
    :class:`MediaUnavailableError` when the provider will not give it. The core calls it only
    after checking the declared size and type, so a 300 MB video is never downloaded.
    """

    kind: str
    """``voice``, ``audio``, ``photo`` or ``document``."""
    fetch: Callable[[int], Awaitable[bytes]]
    declared_type: str | None = None
    declared_size: int | None = None
    filename: str | None = None


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
    ``kind`` says what the message is when the core started it (``counsellor``, or a scheduled
    kind such as ``appointment_reminder``); None for a reply to what the young person wrote.
    WhatsApp picks its approved template by it outside the 24-hour window.
    ``within_budget`` says the outbox already counted this row against the conversation's
    cost budget (the SMS daily limit) when it claimed it, in the transaction that wrote it:
    the channel need not ask the database again before paying for it.
    """

    key: str
    parts_sent: int = 0
    kind: str | None = None
    within_budget: bool = False


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

    def shared_by(self, workers: int) -> SendLimits:
        """One worker's part when ``workers`` processes send through the same bot or account.

        The provider counts the bot's or the account's messages, not ours per process: each
        worker keeps an equal share of the rate and of the sends in flight (at least one), so
        together they stay within the limit without talking to each other. The time between
        two messages to one recipient needs no share: the outbox's claim keeps it across
        workers.
        """
        if workers <= 1:
            return self
        rate = None if self.per_second is None else self.per_second / workers
        return replace(self, per_second=rate, concurrent=max(1, self.concurrent // workers))


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
    """The channel decided not to send this message (over a cost budget): drop it, no retry.

    ``unsaid``: the message also leaves the conversation's transcript, since the young person
    never received it (the SMS budget, as when the budget cancels a queued reply).
    """

    def __init__(self, reason: str, *, unsaid: bool = False) -> None:
        super().__init__(reason)
        self.unsaid = unsaid


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
