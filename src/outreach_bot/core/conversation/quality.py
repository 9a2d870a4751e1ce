"""The NLU quality loop: counsellors label what the bot did not understand, and we export it.

The conversation service keeps each misunderstood message as an ``UnderstoodGap`` (its text,
phone numbers and e-mail addresses blanked, linked to its conversation so that it is erased
with it, never shown with an identity, purged with the transcripts). Here the back office
lists them, a counsellor labels one with an intent of the contract or dismisses it, and
``outreach-bot nlu export-reviewed`` turns the labelled ones into Rasa NLU YAML that a person
reviews before it joins ``nlu/data/``. Every change is written to the audit log in its own
transaction: the texts come from young people, so who looked at them and who changed them
must be known.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.staff.accounts import Account, staff_label
from outreach_bot.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from outreach_bot.domain.intents import is_intent
from outreach_bot.domain.roles import Role
from outreach_bot.storage.models import UnderstoodGap, User

logger = logging.getLogger(__name__)

REVIEW_ROLES: Final = frozenset({Role.COUNSELLOR, Role.COORDINATOR, Role.ADMIN})
"""Who may read and label the texts (counsellors read young people's messages anyway)."""
EXPORT_ROLES: Final = frozenset({Role.COORDINATOR, Role.ADMIN})
"""Who may download them all at once: the people who feed ``nlu/data/``."""
PAGE_SIZE: Final = 50
AUDIT_TARGET: Final = "nlu_gap"
CLI_ACTOR: Final = "cli"

RASA_VERSION: Final = "3.1"
EXPORT_HEADER: Final = (
    "# Messages the bot did not understand, labelled by counsellors in the back office.\n"
    "# Review every line before it joins nlu/data/: is the intent right, and is there no\n"
    "# name, phone number, address or other personal detail left in the text?\n"
)

# Rasa reads `[text](entity)`, `[text]{...}` and `[text][...]` as entity annotations; a space
# after the bracket keeps a young person's brackets as plain text in both backends.
_ANNOTATION_LIKE: Final = re.compile(r"\](?=[(\[{])")
# What YAML may not carry even inside a literal block (PyYAML's reader refuses it).
_NOT_YAML_PRINTABLE: Final = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\ufeff"
)


class GapFilter(StrEnum):
    """Which gaps a page lists."""

    UNLABELLED = "unlabelled"
    LABELLED = "labelled"


@dataclass(frozen=True, slots=True)
class GapView:
    """One misunderstood message as the review page shows it."""

    id: int
    text: str
    guess: str | None
    confidence: float | None
    label: str | None
    labelled_by: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class GapPage:
    """One page of gaps, newest first, with the totals of both lists."""

    gaps: list[GapView]
    show: GapFilter
    page: int
    pages: int
    counts: dict[GapFilter, int]

    @property
    def previous_page(self) -> int | None:
        """The page before this one, if any."""
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self) -> int | None:
        """The page after this one, if any."""
        return self.page + 1 if self.page < self.pages else None


@dataclass(frozen=True, slots=True)
class ReviewedExport:
    """The Rasa NLU YAML of the labelled gaps, and what went into it.

    Attributes:
        yaml: the document, ready to write to a file.
        examples: how many distinct (text, intent) examples it holds.
        conflicts: texts labelled with different intents by different people, left out
            (listed in the document's comments so a reviewer can settle them).
    """

    yaml: str
    examples: int
    conflicts: int


def _require(account: Account, roles: frozenset[Role], what: str) -> None:
    if account.role not in roles:
        raise PermissionDeniedError(what)


def _checked_intent(intent: str) -> str:
    if not is_intent(intent):
        raise InvalidInputError("Choisis une intention de la liste.")
    return intent


async def list_gaps(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    *,
    show: GapFilter = GapFilter.UNLABELLED,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> GapPage:
    """One page of gaps, newest first; reading them is recorded in the audit log.

    A page past the end shows the last one, so a link kept after a dismissal still works.

    Raises:
        PermissionDeniedError: the account is not a counsellor or above.
    """
    _require(account, REVIEW_ROLES, "réservé aux conseillers")
    async with sessions.begin() as session:
        counts = await _counts(session)
        pages = max(1, -(-counts[show] // page_size))
        page = min(max(page, 1), pages)
        query = (
            select(UnderstoodGap, User)
            .where(_condition(show))
            .outerjoin(User, User.id == UnderstoodGap.labelled_by)
            .order_by(UnderstoodGap.created_at.desc(), UnderstoodGap.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        gaps = [_view(gap, user) for gap, user in await session.execute(query)]
        await record_access(
            session,
            actor=account.email,
            user_id=account.id,
            action="view",
            target_type=AUDIT_TARGET,
            target_id=",".join(str(gap.id) for gap in gaps)[:40] or "-",
        )
    return GapPage(gaps, show, page, pages, counts)


def _condition(show: GapFilter) -> ColumnElement[bool]:
    if show is GapFilter.LABELLED:
        return UnderstoodGap.label.is_not(None)
    return UnderstoodGap.label.is_(None)


async def _counts(session: AsyncSession) -> dict[GapFilter, int]:
    labelled = UnderstoodGap.label.is_not(None)
    rows = await session.execute(
        select(labelled.label("labelled"), func.count(UnderstoodGap.id)).group_by(labelled)
    )
    counts = dict.fromkeys(GapFilter, 0)
    for is_labelled, number in rows:
        counts[GapFilter.LABELLED if is_labelled else GapFilter.UNLABELLED] = int(number)
    return counts


def _view(gap: UnderstoodGap, user: User | None) -> GapView:
    return GapView(
        id=gap.id,
        text=gap.text,
        guess=gap.guess,
        confidence=gap.confidence,
        label=gap.label,
        labelled_by=staff_label(user.display_name, user.email) if user else None,
        created_at=gap.created_at,
    )


async def _gap(session: AsyncSession, gap_id: int) -> UnderstoodGap:
    gap = await session.get(UnderstoodGap, gap_id)
    if gap is None:
        raise NotFoundError("message introuvable")
    return gap


async def _audit(session: AsyncSession, account: Account, action: str, gap_id: int) -> None:
    await record_access(
        session,
        actor=account.email,
        user_id=account.id,
        action=action,
        target_type=AUDIT_TARGET,
        target_id=str(gap_id),
    )


async def label_gap(
    sessions: async_sessionmaker[AsyncSession], account: Account, gap_id: int, intent: str
) -> None:
    """Say what a misunderstood message meant; labelling again replaces the label.

    Raises:
        PermissionDeniedError: the account is not a counsellor or above.
        InvalidInputError: ``intent`` is not one of the 25 intents of the contract.
        NotFoundError: no such gap (dismissed or purged meanwhile).
    """
    _require(account, REVIEW_ROLES, "réservé aux conseillers")
    intent = _checked_intent(intent)
    async with sessions.begin() as session:
        gap = await _gap(session, gap_id)
        gap.label = intent
        gap.labelled_by = account.id
        await _audit(session, account, "label", gap_id)
    logger.info("nlu gap %s labelled %s by user %s", gap_id, intent, account.id)


async def unlabel_gap(
    sessions: async_sessionmaker[AsyncSession], account: Account, gap_id: int
) -> None:
    """Put a labelled message back in the list to review (a label given by mistake).

    Raises:
        PermissionDeniedError: the account is not a counsellor or above.
        NotFoundError: no such gap.
    """
    _require(account, REVIEW_ROLES, "réservé aux conseillers")
    async with sessions.begin() as session:
        gap = await _gap(session, gap_id)
        gap.label = None
        gap.labelled_by = None
        await _audit(session, account, "unlabel", gap_id)
    logger.info("nlu gap %s unlabelled by user %s", gap_id, account.id)


async def dismiss_gap(
    sessions: async_sessionmaker[AsyncSession], account: Account, gap_id: int
) -> None:
    """Delete a message that teaches nothing (or holds personal details) for good.

    Raises:
        PermissionDeniedError: the account is not a counsellor or above.
        NotFoundError: no such gap.
    """
    _require(account, REVIEW_ROLES, "réservé aux conseillers")
    async with sessions.begin() as session:
        await session.delete(await _gap(session, gap_id))
        await _audit(session, account, "dismiss", gap_id)
    logger.info("nlu gap %s dismissed by user %s", gap_id, account.id)


async def export_reviewed(
    sessions: async_sessionmaker[AsyncSession], *, account: Account | None = None
) -> ReviewedExport:
    """The labelled gaps as Rasa NLU YAML, for review before they join ``nlu/data/``.

    Args:
        sessions: the database.
        account: the back-office user downloading it; None for the operator at the command
            line, who holds the database already. The export is audited either way.

    Raises:
        PermissionDeniedError: the account is not a coordinator or an admin.
    """
    if account is not None:
        _require(account, EXPORT_ROLES, "réservé aux coordinateurs")
    async with sessions.begin() as session:
        rows = await session.execute(
            select(UnderstoodGap.text, UnderstoodGap.label).where(UnderstoodGap.label.is_not(None))
        )
        labelled = [(text, label) for text, label in rows if label]
        export = render_nlu_yaml(labelled)
        await record_access(
            session,
            actor=account.email if account else CLI_ACTOR,
            user_id=account.id if account else None,
            action="export",
            target_type=AUDIT_TARGET,
            target_id=str(export.examples),
        )
    logger.info("exported %s reviewed nlu examples", export.examples)
    return export


def example_text(text: str) -> str:
    """A message as one example line: one line, printable, never read as an entity annotation.

    Line breaks and runs of spaces become one space, characters YAML cannot hold are dropped
    (control characters, a stray byte-order mark), and ``](`` gets a space so Rasa does not
    take brackets for an entity. Everything else, quotes, ``#`` and ``:`` included, is safe
    as is inside a literal block.
    """
    printable = _NOT_YAML_PRINTABLE.sub(" ", unicodedata.normalize("NFC", text))
    return _ANNOTATION_LIKE.sub("] ", " ".join(printable.split()))


def render_nlu_yaml(labelled: Iterable[tuple[str, str]]) -> ReviewedExport:
    """Rasa NLU YAML for (text, intent) pairs: deduplicated, sorted, conflicts left out.

    Intents and examples come in alphabetical order, so two exports of the same labels are
    identical and a diff shows only what changed.

    Raises:
        InvalidInputError: an intent outside the contract (a label stored before a rename).
    """
    intents_of: dict[str, set[str]] = {}
    for text, intent in labelled:
        line = example_text(text)
        if line:
            intents_of.setdefault(line, set()).add(_checked_intent(intent))
    conflicts = sorted(
        (line for line, intents in intents_of.items() if len(intents) > 1), key=_sort_key
    )
    by_intent: dict[str, list[str]] = {}
    for line, intents in intents_of.items():
        if len(intents) == 1:
            by_intent.setdefault(next(iter(intents)), []).append(line)
    parts = [EXPORT_HEADER]
    if conflicts:
        parts.append("#\n# Left out, labelled with different intents (settle them by hand):\n")
        parts.extend(
            f"#   {line}  ->  {', '.join(sorted(intents_of[line]))}\n" for line in conflicts
        )
    parts.append(f'version: "{RASA_VERSION}"\n\n')
    if not by_intent:
        parts.append("nlu: []\n")
    else:
        parts.append("nlu:\n")
        for intent in sorted(by_intent):
            parts.append(f"- intent: {intent}\n  examples: |\n")
            parts.extend(f"    - {line}\n" for line in sorted(by_intent[intent], key=_sort_key))
    examples = sum(len(lines) for lines in by_intent.values())
    return ReviewedExport("".join(parts), examples, len(conflicts))


def _sort_key(line: str) -> tuple[str, str]:
    return line.casefold(), line
