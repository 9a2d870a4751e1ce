"""Reviewing the texts per language: list them with their state, approve a correction.

An approval is in service at once in every worker: the approving process publishes a
``texts_changed`` team event, and each process (this one, and the others through the
PostgreSQL relay) rebuilds its content from ``bot/`` and the approvals and adopts it in place
(:class:`LiveTexts`). May import ``storage``, ``content``, ``core.events`` and ``domain``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Formatter
from typing import Final

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.content import Content, ContentError, ReviewState, TextRecord, load_content
from outreach_bot.content.languages import REFERENCE
from outreach_bot.core.events.bus import EventBus, TeamEvent
from outreach_bot.core.staff.accounts import Account
from outreach_bot.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from outreach_bot.domain.roles import Role
from outreach_bot.storage.models import TextReview

logger = logging.getLogger(__name__)

READ_ROLES: Final = frozenset({Role.REVIEWER, Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN})
"""Who may read the texts under review: the team that talks with young people, and the
interpreters and partners who review them."""
REVIEW_ROLES: Final = frozenset({Role.REVIEWER, Role.COORDINATOR, Role.ADMIN})
"""Who may approve a text: a reviewer's own account (an interpreter, a partner association),
or a coordinator sitting with the one who checked it."""
TEXTS_CHANGED: Final = "texts_changed"
"""The team event that tells every process an approval was stored."""
MAX_TEXT: Final = 4000
MAX_NAME: Final = 120


def _fields(text: str) -> set[str]:
    """The ``{placeholders}`` the code fills in a text."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def fingerprint(text: str) -> str:
    """What an approval was made on: a text changed in ``bot/`` since no longer matches."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


Approvals = dict[tuple[str, str], TextRecord]
"""(language, key) → the approved text, as :func:`outreach_bot.content.load_content` takes it."""


@dataclass(frozen=True, slots=True)
class TextView:
    """One text of a language as the review page shows it."""

    key: str
    french: str
    record: TextRecord | None
    """This language's own text (approved in the back office, else from ``bot/``), or None."""
    approved_here: bool
    """The state comes from an approval in the back office (in service at once)."""


async def read_approvals(sessions: async_sessionmaker[AsyncSession], files: Content) -> Approvals:
    """The approvals still valid for the files as they are: the latest per text, made on the
    text the files hold now (or, for a text the files lack, on nothing)."""
    async with sessions() as session:
        rows = list(await session.scalars(select(TextReview).order_by(TextReview.id)))
    latest = {(row.language, row.key): row for row in rows}
    approvals: Approvals = {}
    for (language, key), row in latest.items():
        current = files.texts.get(language, {}).get(key)
        if row.base != (fingerprint(current.text) if current else ""):
            continue  # the text changed in bot/ since: it needs a new review
        approvals[(language, key)] = TextRecord(
            text=row.text,
            written_by=row.written_by,
            state=ReviewState.REVIEWED,
            reviewed_by=row.reviewed_by,
            reviewed_on=row.reviewed_at.date(),
        )
    return approvals


async def content_with_approvals(
    sessions: async_sessionmaker[AsyncSession], directory: Path, files: Content
) -> Content:
    """The content the bot says: ``bot/`` with the approvals made in the back office.

    A database that has no table for them yet (before ``db upgrade``) gives the files alone.
    """
    try:
        approvals = await read_approvals(sessions, files)
    except DBAPIError:
        logger.warning("text approvals not read: the database has no text_reviews table yet")
        return files
    if not approvals:
        return files
    logger.info("%d approved texts from the back office", len(approvals))
    return load_content(directory, approvals)


async def read_files(directory: Path) -> Content:
    """``bot/`` as the files say (about 60 ms, in a thread: the event loop keeps serving)."""
    return await asyncio.to_thread(load_content, directory)


async def texts_of(
    sessions: async_sessionmaker[AsyncSession], account: Account, files: Content, language: str
) -> list[TextView]:
    """Every text of ``language`` next to the French, in French's order.

    Raises:
        PermissionDeniedError: the account does not work with young people (a funder).
        NotFoundError: no such language.
    """
    if account.role not in READ_ROLES:
        raise PermissionDeniedError("only the team reads the texts under review")
    if language not in files.languages:
        raise NotFoundError(f"no language {language}")
    approvals = await read_approvals(sessions, files)
    own = files.texts[language]
    views = []
    for key, french in files.texts[REFERENCE].items():
        approved = approvals.get((language, key))
        views.append(TextView(key, french.text, approved or own.get(key), approved is not None))
    return views


async def approve_text(
    sessions: async_sessionmaker[AsyncSession],
    directory: Path,
    account: Account,
    *,
    language: str,
    key: str,
    text: str,
    reviewed_by: str,
    events: EventBus | None = None,
) -> TextReview:
    """Approve a text of ``language``, corrected or as it is, in the name of ``reviewed_by``.

    The bot's content is rebuilt with it and every other approval, and checked as at start-up
    (a crisis text keeps each of its numbers, an answer states no undeclared figure, a message
    keeps its placeholders), so what is stored always starts.

    Raises:
        PermissionDeniedError: the account may not approve texts.
        NotFoundError: no such language or text.
        InvalidInputError: an empty or too long text or name, or a text the bot would refuse
            (the message says why).
    """
    if account.role not in REVIEW_ROLES:
        raise PermissionDeniedError("only reviewers, coordinators and admins approve texts")
    files = await read_files(directory)
    if language not in files.languages or key not in files.texts[REFERENCE]:
        raise NotFoundError(f"no text {key} in {language}")
    text = text.replace("\r\n", "\n").strip()
    reviewed_by = " ".join(reviewed_by.split())
    if not text or len(text) > MAX_TEXT:
        raise InvalidInputError(f"le texte doit faire de 1 à {MAX_TEXT} caractères")
    if len(reviewed_by) < 2 or len(reviewed_by) > MAX_NAME:  # noqa: PLR2004 - two letters
        raise InvalidInputError(
            "indique qui a relu le texte (son nom et, s'il y a lieu, son rôle)"
        )
    current = files.texts[language].get(key)
    french = files.texts[REFERENCE][key].text
    if key.startswith(("messages.", "crisis.buttons.")) and _fields(text) != _fields(french):
        raise InvalidInputError(
            f"texte refusé : il doit garder les champs {sorted(_fields(french)) or 'aucun'}"
            " entre accolades, comme le français"
        )
    now = datetime.now(UTC)
    record = TextRecord(
        text=text,
        written_by=current.written_by if current and current.text == text else account.label,
        state=ReviewState.REVIEWED,
        reviewed_by=reviewed_by,
        reviewed_on=now.date(),
    )
    approvals = await read_approvals(sessions, files)
    approvals[(language, key)] = record
    try:
        await asyncio.to_thread(load_content, directory, approvals)
    except ContentError as error:
        raise InvalidInputError(f"texte refusé : {error}") from error
    row = TextReview(
        language=language,
        key=key,
        text=text,
        written_by=record.written_by,
        reviewed_by=reviewed_by,
        reviewed_at=now,
        approved_by=account.id,
        base=fingerprint(current.text) if current else "",
    )
    async with sessions.begin() as session:
        session.add(row)
    logger.info("text %s approved in %s by account %s", key, language, account.id)
    if events is not None:  # every process, this one included, says it from now on
        await events.publish(TeamEvent(kind=TEXTS_CHANGED))
    return row


class LiveTexts:
    """Keeps a process's content in step with the approvals, without a restart.

    Subscribed ``everywhere`` on the team events: a ``texts_changed`` event, from this
    process or another, rebuilds the content from ``bot/`` and every approval (checked as at
    start-up) and has the content every service holds adopt it. A rebuild that fails keeps
    the texts in service and logs why (a stored approval was checked before it was stored, so
    this is a ``bot/`` changed on disk under a running bot).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], directory: Path, content: Content
    ) -> None:
        self._sessions = sessions
        self._directory = directory
        self._content = content
        self._lock = asyncio.Lock()

    def listen(self, events: EventBus) -> None:
        """Follow the approvals made in any process from now on."""
        events.subscribe(self.on_event, everywhere=True)

    async def on_event(self, event: TeamEvent) -> None:
        """Refresh on ``texts_changed``; other events are not ours."""
        if event.kind == TEXTS_CHANGED:
            await self.refresh()

    async def refresh(self) -> None:
        """Rebuild the content with every approval and say it from the next message on."""
        async with self._lock:  # two approvals in a row: the later rebuild sees both
            try:
                files = await read_files(self._directory)
                updated = await content_with_approvals(self._sessions, self._directory, files)
            except ContentError:
                logger.exception("approved texts not applied: bot/ does not load")
                return
            self._content.adopt(updated)
        logger.info("texts in service updated with the approvals")
