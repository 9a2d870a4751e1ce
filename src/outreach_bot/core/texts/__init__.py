"""The texts per language under review: approvals made in the back office, on top of ``bot/``.

An approval is kept in the database, applied when the bot starts, and checked as the files are
(see ``review``). May import ``storage``, ``content``, ``core.staff`` and ``domain``.
"""

from outreach_bot.core.texts.review import (
    REVIEW_ROLES,
    TextView,
    approve_text,
    content_with_approvals,
    read_files,
    texts_of,
)

__all__ = [
    "REVIEW_ROLES",
    "TextView",
    "approve_text",
    "content_with_approvals",
    "read_files",
    "texts_of",
]
