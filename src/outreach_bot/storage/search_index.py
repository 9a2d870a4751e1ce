"""The blind search index of leads: keyed hashes of their words, kept in step with the leads.

A lead's first name and request are encrypted at rest, so SQL cannot look inside them. Each
word of the first name, the commune and the request (normalised by
:func:`outreach_bot.domain.search.search_words`) is stored as a keyed hash in ``lead_words``;
a search hashes the typed words the same way and keeps the leads that have all of them.

The index follows the leads on its own: every flush that adds a lead, or changes one of its
indexed fields through the ORM, rewrites that lead's rows (:func:`_index_flushed_leads`), and
deleting a lead deletes them (ON DELETE CASCADE), so erasure and the retention purge leave
nothing to find. A bulk ``update(Lead)`` that touches ``first_name``, ``commune_name`` or
``need`` would bypass the listener and must call :func:`index_leads` itself (none does today).
At start-up, :func:`ensure_search_index` rebuilds the whole index when it was written with
another key or another normalisation, or never (a database upgraded to this schema).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Final

from sqlalchemy import delete, event, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from outreach_bot.domain.search import MAX_QUERY, MAX_WORDS, search_words
from outreach_bot.storage.crypto import current_cipher
from outreach_bot.storage.models import Lead, LeadWord, Setting

logger = logging.getLogger(__name__)

INDEXED_FIELDS: Final = ("first_name", "commune_name", "need")
INDEX_VERSION: Final = "1"
"""Bump when :func:`search_words` changes what it yields: the index is then rebuilt."""
STATE_KEY: Final = "search_index"
REBUILD_LOCK: Final = 0x5EA2C4
"""PostgreSQL advisory lock taken by a rebuild, so two workers starting at once rebuild once."""
_BATCH: Final = 500


def lead_tokens(first_name: str | None, commune_name: str | None, need: str | None) -> set[str]:
    """The index entries of one lead: a keyed hash per distinct word of its indexed fields."""
    cipher = current_cipher()
    words = {word for value in (first_name, commune_name, need) for word in search_words(value)}
    return {cipher.search_token(word) for word in words}


def query_tokens(typed: str) -> list[str]:
    """The index entries a search box's text looks for (empty: nothing searchable in it)."""
    cipher = current_cipher()
    return [cipher.search_token(w) for w in search_words(typed[:MAX_QUERY], limit=MAX_WORDS)]


def leads_matching(tokens: list[str]) -> Any:
    """A ``SELECT lead_id`` of the leads holding every one of ``tokens`` (all the words)."""
    return (
        select(LeadWord.lead_id)
        .where(LeadWord.token.in_(tokens))
        .group_by(LeadWord.lead_id)
        .having(func.count() == len(set(tokens)))
    )


def _rows(lead_id: int, tokens: Iterable[str]) -> list[dict[str, Any]]:
    return [{"lead_id": lead_id, "token": token} for token in sorted(tokens)]


def _changed(lead: Lead) -> bool:
    state = inspect(lead)
    return any(state.attrs[name].history.has_changes() for name in INDEXED_FIELDS)


@event.listens_for(Session, "after_flush")
def _index_flushed_leads(session: Session, _context: object) -> None:
    """Rewrite the index rows of the leads this flush added or whose indexed fields changed.

    After the flush, so a new lead has its id; ``session.new`` and the attribute histories
    still describe what the flush wrote. Plain SQL on the session's connection: it joins the
    transaction of the change, and commits or rolls back with it.
    """
    leads = [item for item in session.new if isinstance(item, Lead)]
    leads += [
        item
        for item in session.dirty
        if isinstance(item, Lead) and item not in session.deleted and _changed(item)
    ]
    if not leads:
        return
    connection = session.connection()
    changed = [lead.id for lead in leads if lead not in session.new]
    if changed:
        connection.execute(delete(LeadWord).where(LeadWord.lead_id.in_(changed)))
    rows = [
        row
        for lead in leads
        for row in _rows(lead.id, lead_tokens(lead.first_name, lead.commune_name, lead.need))
    ]
    if rows:
        connection.execute(insert(LeadWord), rows)


async def index_leads(session: AsyncSession, lead_ids: Iterable[int] | None = None) -> int:
    """Rewrite the index rows of ``lead_ids`` (every lead when None); returns the rows written."""
    ids = None if lead_ids is None else list(lead_ids)
    if ids is None:
        await session.execute(delete(LeadWord))
    elif ids:
        await session.execute(delete(LeadWord).where(LeadWord.lead_id.in_(ids)))
    else:
        return 0
    query = select(Lead.id, Lead.first_name, Lead.commune_name, Lead.need).order_by(Lead.id)
    if ids is not None:
        query = query.where(Lead.id.in_(ids))
    written = 0
    batch: list[dict[str, Any]] = []
    for lead_id, first_name, commune, need in await session.execute(query):
        batch += _rows(lead_id, lead_tokens(first_name, commune, need))
        if len(batch) >= _BATCH:
            await session.execute(insert(LeadWord), batch)
            written, batch = written + len(batch), []
    if batch:
        await session.execute(insert(LeadWord), batch)
        written += len(batch)
    return written


def _state() -> str:
    """What the index was built with: the version, and a keyed hash that changes with the key
    (the key itself cannot be read back from it)."""
    return f"v{INDEX_VERSION}:{current_cipher().search_token('outreach-bot/search-index')}"


async def ensure_search_index(session: AsyncSession) -> bool:
    """Rebuild the whole index if it was built with another key or version, or never.

    Called at every start (one query when the index is current). Returns whether it rebuilt.
    """
    wanted = _state()
    query = select(Setting.value).where(Setting.key == STATE_KEY)
    if await session.scalar(query) == wanted:
        return False
    if session.get_bind().dialect.name == "postgresql":
        # Workers starting together: the second waits here, then finds the index current.
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REBUILD_LOCK})
        if await session.scalar(query) == wanted:
            return False
    rows = await index_leads(session)
    await session.execute(delete(Setting).where(Setting.key == STATE_KEY))
    session.add(Setting(key=STATE_KEY, value=wanted))
    await session.flush()
    logger.info("search index rebuilt: %s rows", rows)
    return True
