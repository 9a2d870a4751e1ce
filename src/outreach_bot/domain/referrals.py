"""Referrals to partners: their statuses, deadlines and the moves each side may make.

A referral goes: ``asked`` (the young person is asked on their channel) → ``refused`` or
``no_answer`` (nothing is shared), or ``sent`` (they said yes; the partner has the link) →
``accepted`` or ``declined`` by the partner, or ``closed`` after 30 days without an answer.
``withdrawn`` ends any open referral (SUPPRIMER, an erasure, the counsellor). An accepted
referral later gets an outcome: met, followed up, not reachable. The deadlines follow what
French inclusion platforms do (DORA: a reminder after 10 days, closed after 30).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final


class ReferralStatus(StrEnum):
    """Where a referral stands."""

    ASKED = "asked"
    REFUSED = "refused"
    NO_ANSWER = "no_answer"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class ReferralOutcome(StrEnum):
    """What came of an accepted referral, as the partner reports it."""

    MET = "met"
    FOLLOWED = "followed"
    UNREACHABLE = "unreachable"


class SharedField(StrEnum):
    """What a referral may carry to the partner, each named to the young person first."""

    FIRST_NAME = "first_name"
    PHONE = "phone"
    NEED = "need"


#: Waiting for someone: the young person (``asked``) or the partner (``sent``).
OPEN_STATUSES: Final = frozenset({ReferralStatus.ASKED, ReferralStatus.SENT})
#: Those the young person agreed to (the figures' "agreed").
AGREED_STATUSES: Final = frozenset(
    {ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.CLOSED}
)

ASK_DAYS: Final = 7
"""Days the young person has to answer before the question counts as unanswered."""
LINK_DAYS: Final = 8
"""Days the partner's one-time link works; a reminder sends a fresh one."""
REMINDER_DAYS: Final = 10
"""Days without the partner's answer before a reminder."""
CLOSE_DAYS: Final = 30
"""Days without the partner's answer before the referral is closed."""


def link_expiry(now: datetime) -> datetime:
    """When a link made ``now`` stops working."""
    return now + timedelta(days=LINK_DAYS)


def is_reminder_due(sent_at: datetime, reminded_at: datetime | None, now: datetime) -> bool:
    """A sent referral without an answer is reminded once, ten days after it was sent."""
    return reminded_at is None and now - sent_at >= timedelta(days=REMINDER_DAYS)


def is_closing_due(sent_at: datetime, now: datetime) -> bool:
    """A sent referral without an answer closes thirty days after it was sent."""
    return now - sent_at >= timedelta(days=CLOSE_DAYS)


def is_ask_expired(proposed_at: datetime, now: datetime) -> bool:
    """The young person's silence counts as no after :data:`ASK_DAYS`."""
    return now - proposed_at >= timedelta(days=ASK_DAYS)


def partner_may(status: ReferralStatus, action: str) -> bool:
    """Which partner actions a status allows: answer a sent one, report on an accepted one.

    ``action`` is ``accept``, ``decline`` or ``outcome``.
    """
    if action in {"accept", "decline"}:
        return status is ReferralStatus.SENT
    return action == "outcome" and status is ReferralStatus.ACCEPTED
