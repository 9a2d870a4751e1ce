"""The global do-not-contact list: a number that said STOP anywhere is never written to first.

A STOP on a list's SMS, on any channel whose conversation knows the number (the sender of an
SMS, the phone a young person gave in the lead form), blocks every list, present and future.
Only keyed hashes are kept (:func:`phone_hash`), the same the SMS conversations are found by.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.domain.contact_lists import RowStatus
from outreach_bot.domain.fields.phone import parse_phone
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import ContactListRow, Conversation, DoNotContact, Lead

logger = logging.getLogger(__name__)

SMS: Final = "sms"
PHONE_CHANNELS: Final = frozenset({SMS, "whatsapp"})
"""Channels whose sender is a phone number (WhatsApp's ``wa_id`` is one, without the +)."""
CHUNK: Final = 500
"""Hashes per ``IN (…)``: SQLite accepts 32,766 parameters, PostgreSQL 65,535; smaller keeps
each statement's plan cheap."""


def phone_hash(e164: str) -> str:
    """The keyed hash of a number: equal to an SMS conversation's ``sender_hash``."""
    return current_cipher().lookup_hash(f"{SMS}:{e164}")


async def hashes_of_conversation(session: AsyncSession, conversation: Conversation) -> set[str]:
    """The numbers a conversation is known by: its sender when that is a phone number (SMS,
    WhatsApp), and the phones of its leads."""
    hashes = {conversation.sender_hash} if conversation.channel == SMS else set()
    if conversation.channel in PHONE_CHANNELS and conversation.sender_ref:
        digits = conversation.sender_ref
        number = parse_phone(digits if digits.startswith("+") else f"+{digits}")
        if number is not None:
            hashes.add(phone_hash(number))
    phones = await session.scalars(
        select(Lead.phone).where(Lead.conversation_id == conversation.id, Lead.phone.is_not(None))
    )
    hashes.update(phone_hash(phone) for phone in phones if phone)
    return hashes


async def block(
    session: AsyncSession, hashes: Iterable[str], *, source: str, now: datetime | None = None
) -> int:
    """Add numbers to the do-not-contact list (already there: left as they are), and mark
    their rows on every list as stopped, so nothing planned for them goes."""
    wanted = set(hashes)
    if not wanted:
        return 0
    ordered = list(wanted)
    for start in range(0, len(ordered), CHUNK):
        await session.execute(
            update(ContactListRow)
            .where(
                ContactListRow.phone_hash.in_(ordered[start : start + CHUNK]),
                ContactListRow.status != RowStatus.WRONG_NUMBER,
            )
            .values(status=RowStatus.STOPPED, updated_at=now or datetime.now(UTC))
        )
    known = await blocked_among(session, wanted)
    for value in wanted - known:
        session.add(DoNotContact(phone_hash=value, at=now or datetime.now(UTC), source=source))
    await session.flush()
    if wanted - known:
        logger.info("%s number(s) added to do-not-contact (%s)", len(wanted - known), source)
    return len(wanted - known)


async def blocked_among(session: AsyncSession, hashes: Collection[str]) -> set[str]:
    """Which of ``hashes`` are on the do-not-contact list."""
    found: set[str] = set()
    ordered = list(hashes)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        found.update(
            await session.scalars(
                select(DoNotContact.phone_hash).where(DoNotContact.phone_hash.in_(chunk))
            )
        )
    return found


async def erase_list_rows(session: AsyncSession, conversation_id: int) -> None:
    """Erase a young person's rows on every contact list (SUPPRIMER, retention): the rows
    their conversation came from, and any other row of the same SMS number. The
    do-not-contact hash stays (see the module docstring)."""
    conversation = await session.get(Conversation, conversation_id)
    same_number = (
        ContactListRow.phone_hash == conversation.sender_hash
        if conversation is not None and conversation.channel == SMS
        else ContactListRow.id.is_(None)
    )
    await session.execute(
        delete(ContactListRow).where(
            or_(
                ContactListRow.conversation_id == conversation_id,
                ContactListRow.representative_conversation_id == conversation_id,
                same_number,
            )
        )
    )
