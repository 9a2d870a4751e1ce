"""Back-office forms that must act once: a double click or a reload re-sends the same form.

Each such form carries a random one-time key; the first request to arrive records it (the
primary key decides between simultaneous ones) and later copies are refused.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import SubmittedForm


async def spend_form_key(session: AsyncSession, key: str, user_id: int) -> bool:
    """Record a form's one-time key; False if it was handled before (a double submit).

    An empty key (a client that sends none) is accepted every time.
    """
    if not key:
        return True
    digest = current_cipher().lookup_hash(f"form:{key}")
    if await session.get(SubmittedForm, digest) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(SubmittedForm(key=digest, user_id=user_id))
    except IntegrityError:
        return False
    return True
