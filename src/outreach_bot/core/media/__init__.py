"""Files young people send (voice notes, photos, documents): the checks, encrypted storage,
the consent hold, and what the team may open.

Adapters never call this package: they hand an :class:`~outreach_bot.core.channel.Attachment`
to ``ConversationService.handle_media``, which checks the file here (:mod:`.policy`), stores
it held or kept (:mod:`.files`) and answers through the dialogue. The lead page lists and
serves kept files through :mod:`.files` too. Imports storage only, no other capability.
"""

from outreach_bot.core.media.files import (
    MediaSummary,
    drop_held,
    erase_media,
    keep_held,
    media_for_export,
    media_of_conversation,
    purge_held,
    read_media,
    store_media,
)
from outreach_bot.core.media.policy import MediaPolicy, Problem

__all__ = [
    "MediaPolicy",
    "MediaSummary",
    "Problem",
    "drop_held",
    "erase_media",
    "keep_held",
    "media_for_export",
    "media_of_conversation",
    "purge_held",
    "read_media",
    "store_media",
]
