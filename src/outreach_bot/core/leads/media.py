"""A counsellor opens a file a young person sent (plays a voice note, looks at a photo).

Only someone who may see the lead may open its files, and each opening is written to the
audit log, as opening the lead page is.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.leads.queue import visible_lead
from outreach_bot.core.media import MediaSummary, read_media
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.staff.accounts import Account
from outreach_bot.domain.errors import NotFoundError


async def open_media(
    sessions: async_sessionmaker[AsyncSession], account: Account, lead_id: int, media_id: int
) -> tuple[MediaSummary, bytes]:
    """A kept file of the lead's conversation, decrypted, for ``account``.

    Raises:
        PermissionDeniedError: the role does not work on leads.
        NotFoundError: no such lead in ``account``'s sectors, or no such file on it (the same
            error, so ids cannot be probed).
    """
    async with sessions.begin() as session:
        lead = await visible_lead(session, account, lead_id)
        found = (
            await read_media(session, lead.conversation_id, media_id)
            if lead.conversation_id is not None
            else None
        )
        if found is None:
            raise NotFoundError(f"file {media_id} not found")
        await record_access(
            session,
            actor=account.email,
            user_id=account.id,
            action="view_media",
            target_type="lead",
            target_id=str(lead_id),
        )
    return found
