"""One channel's sending limits as one dispatcher keeps them: nobody waits for anybody else.

The outbox dispatcher asks a :class:`Pacer` before it starts a send, and never sleeps on
its answer: a recipient whose next slot has not come, or a channel at its rate or with all
its sends in flight, is passed over in this round and tried again when
:meth:`Pacer.next_moment` says. So a Telegram chat that must wait a second holds up no other
chat, and an SMS burst holds up no Telegram reply.

With several workers (``run --workers N``) each worker's pacer keeps an equal share of the
channel's rate and sends in flight (:meth:`~outreach_bot.core.channel.SendLimits.shared_by`),
so the bot or account as a whole stays within the provider's limits; Telegram's per-chat
second is kept across workers by the outbox claim (:mod:`outreach_bot.core.delivery.outbox`).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Final

from outreach_bot.core.channel import SendLimits

SLOT_TABLE_SIZE: Final = 4096
"""Past this many remembered recipients, those whose slot has passed are forgotten."""


class Pacer:
    """The limits of one outbound channel: rate, recipient interval, sends in flight."""

    def __init__(self, limits: SendLimits) -> None:
        self.limits = limits
        self.in_flight = 0
        self._interval = timedelta(seconds=limits.recipient_interval)
        self._slots: dict[Hashable, datetime] = {}
        # A token bucket holding at most one second's worth of sends.
        self._capacity = max(1.0, limits.per_second or 0.0)
        self._tokens = self._capacity
        self._stamp: datetime | None = None

    def recipient_slot(self, recipient: Hashable) -> datetime | None:
        """When ``recipient`` may next be written to (None: now)."""
        return self._slots.get(recipient)

    def _refill(self, now: datetime) -> None:
        if self.limits.per_second is None:
            return
        if self._stamp is not None:
            elapsed = max(0.0, (now - self._stamp).total_seconds())
            self._tokens = min(self._capacity, self._tokens + elapsed * self.limits.per_second)
        self._stamp = now

    def has_room(self, now: datetime) -> bool:
        """Whether one more send may start now (a free place in flight and in the rate)."""
        self._refill(now)
        return self.in_flight < self.limits.concurrent and (
            self.limits.per_second is None or self._tokens >= 1
        )

    def take(self, now: datetime) -> bool:
        """Spend the rate on one send, if it allows one now."""
        self._refill(now)
        if self.limits.per_second is None:
            return True
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def give_back(self, sends: int) -> None:
        """Return the rate spent on sends that did not happen (another worker took the rows)."""
        if self.limits.per_second is not None:
            self._tokens = min(self._capacity, self._tokens + sends)

    def next_moment(self, now: datetime) -> datetime:
        """When the rate next allows a send (now if it does)."""
        self._refill(now)
        if self.limits.per_second is None or self._tokens >= 1:
            return now
        return now + timedelta(seconds=(1 - self._tokens) / self.limits.per_second)

    def hold(self, recipient: Hashable, until: datetime) -> None:
        """Pass ``recipient`` over until ``until`` (another worker is writing to them)."""
        self._slots[recipient] = max(until, self._slots.get(recipient, until))

    def sent(self, recipient: Hashable, now: datetime) -> None:
        """Record that a send to ``recipient`` ended at ``now``: its next slot follows."""
        if not self._interval:
            return
        self._slots[recipient] = now + self._interval
        if len(self._slots) > SLOT_TABLE_SIZE:
            for key, slot in list(self._slots.items()):
                if slot <= now:
                    del self._slots[key]
