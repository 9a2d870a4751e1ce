"""The texts per language under review: approvals made in the back office, on top of ``bot/``.

An approval is kept in the database, checked as the files are, and in service at once in every
worker (see ``review``). May import ``storage``, ``content``, ``core.events``, ``core.staff``
and ``domain``.
"""

from outreach_bot.core.texts.review import (
    REVIEW_ROLES,
    TEXTS_CHANGED,
    LiveTexts,
    TextView,
    approve_text,
    content_with_approvals,
    read_files,
    texts_of,
)

__all__ = [
    "REVIEW_ROLES",
    "TEXTS_CHANGED",
    "LiveTexts",
    "TextView",
    "approve_text",
    "content_with_approvals",
    "read_files",
    "texts_of",
]
