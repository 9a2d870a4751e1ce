"""Importing a contact list: a CSV export checked, de-duplicated and stored all at once.

Every line is read with the dialogue's own parsers (:func:`~outreach_bot.domain.contact_lists.
check_file`, in a thread: ten thousand lines take a moment). Then, by keyed hash only, a
number is left out when it already talks with the bot, already sits on another list, or said
STOP. The rows that remain are stored encrypted in one transaction with their list and its
campaign: an import is whole or absent, never half done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.contact_lists.blocklist import CHUNK, SMS, blocked_among, phone_hash
from outreach_bot.domain.contact_lists import (
    LEGAL_BASIS,
    CheckedFile,
    ContactRow,
    ListPurpose,
    RowProblem,
    RowStatus,
    check_file,
)
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.storage.models import (
    AuditEntry,
    Campaign,
    ContactList,
    ContactListRow,
    Conversation,
)

logger = logging.getLogger(__name__)

MAX_KEEP: Final = timedelta(days=366)
"""A list's rows are kept a year at most: the obligation de formation is followed over a
school year, and a re-contact that has not worked within a year will not (docs/privacy.md)."""
DEFAULT_KEEP: Final = timedelta(days=180)
MAX_NAME: Final = 200
MAX_BUDGET: Final = 5000
INSERT_BATCH: Final = 1000


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import kept and what it refused, line by line (never the refused values)."""

    list_id: int
    campaign_code: str
    imported: int
    problems: list[RowProblem]


async def import_list(
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    *,
    name: str,
    purpose: ListPurpose,
    purge_on: date,
    imported_by: int | None,
    imported_by_name: str,
    contact_representatives: bool = False,
    daily_budget: int = 200,
    today: date | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Check ``data`` (a CSV export) and store its valid rows as a new list with its campaign.

    Raises:
        InvalidInputError: no name, a purge date not within a year, an unreadable file, a
            required column missing, or no valid row at all; nothing is stored then.
    """
    now = now or datetime.now(UTC)
    today = today or now.date()
    name = " ".join(name.split())
    if not 0 < len(name) <= MAX_NAME:
        raise InvalidInputError(f"le nom de la liste fait de 1 à {MAX_NAME} caractères")
    if not today < purge_on <= today + MAX_KEEP:
        raise InvalidInputError("la date d'effacement tombe dans l'année qui vient")
    if not 1 <= daily_budget <= MAX_BUDGET:
        raise InvalidInputError(f"le budget est de 1 à {MAX_BUDGET} SMS par jour")
    try:
        checked = await asyncio.to_thread(check_file, data, today=today)
    except ValueError as error:
        raise InvalidInputError(str(error)) from error
    async with sessions.begin() as session:
        problems = list(checked.problems)
        kept = await _drop_known(session, checked, problems)
        if not kept:
            raise InvalidInputError("aucune ligne valide : rien n'a été importé")
        contact_list = ContactList(
            name=name,
            purpose=purpose,
            legal_basis=LEGAL_BASIS[purpose],
            imported_by=imported_by,
            imported_by_name=imported_by_name[:200],
            imported_at=now,
            purge_on=purge_on,
            status="draft",
            contact_representatives=contact_representatives,
            daily_budget=daily_budget,
        )
        session.add(contact_list)
        await session.flush()
        campaign = await _campaign_for(session, contact_list, now)
        contact_list.campaign_id = campaign.id
        values = [
            {
                "list_id": contact_list.id,
                "line": line,
                "phone_hash": hashed,
                "first_name": row.first_name,
                "phone": row.phone,
                "birth_date": row.birth_date.isoformat(),
                "commune_insee": row.commune.insee,
                "commune_name": row.commune.name,
                "representative_phone": row.representative_phone,
                "status": RowStatus.WAITING,
                "updated_at": now,
            }
            for line, row, hashed in kept
        ]
        for start in range(0, len(values), INSERT_BATCH):
            await session.execute(
                insert(ContactListRow).execution_options(render_nulls=True),
                values[start : start + INSERT_BATCH],
            )
        session.add(
            AuditEntry(
                user_id=imported_by,
                actor=imported_by_name[:120],
                action="import",
                target_type="contact_list",
                target_id=str(contact_list.id),
                at=now,
            )
        )
        report = ImportReport(
            contact_list.id,
            campaign.code,
            len(values),
            sorted(problems, key=lambda problem: problem.line),
        )
    logger.info(
        "contact list %s imported by user %s: %s rows, %s refused",
        report.list_id,
        imported_by,
        report.imported,
        len(report.problems),
    )
    return report


async def _drop_known(
    session: AsyncSession, checked: CheckedFile, problems: list[RowProblem]
) -> list[tuple[int, ContactRow, str]]:
    """The rows whose number is new to the service; the others become problems."""
    hashed = [(line, row, phone_hash(row.phone)) for line, row in checked.rows]
    hashes = [value for _, _, value in hashed]
    blocked = await blocked_among(session, hashes)
    talking = await _in_conversation(session, hashes)
    listed = await _on_lists(session, hashes)
    kept: list[tuple[int, ContactRow, str]] = []
    for line, row, value in hashed:
        if value in blocked:
            problems.append(RowProblem(line, "a demandé à ne plus être contacté (STOP)"))
        elif value in talking:
            problems.append(RowProblem(line, "déjà en conversation avec l'équipe"))
        elif value in listed:
            problems.append(RowProblem(line, f"déjà sur la liste « {listed[value]} »"))
        else:
            kept.append((line, row, value))
    return kept


async def _in_conversation(session: AsyncSession, hashes: Collection[str]) -> set[str]:
    found: set[str] = set()
    ordered = list(hashes)
    for start in range(0, len(ordered), CHUNK):
        found.update(
            await session.scalars(
                select(Conversation.sender_hash).where(
                    Conversation.channel == SMS,
                    Conversation.sender_hash.in_(ordered[start : start + CHUNK]),
                )
            )
        )
    return found


async def _on_lists(session: AsyncSession, hashes: Collection[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ordered = list(hashes)
    for start in range(0, len(ordered), CHUNK):
        rows = await session.execute(
            select(ContactListRow.phone_hash, ContactList.name)
            .join(ContactList, ContactList.id == ContactListRow.list_id)
            .where(ContactListRow.phone_hash.in_(ordered[start : start + CHUNK]))
        )
        found.update((value, list_name) for value, list_name in rows)
    return found


async def _campaign_for(
    session: AsyncSession, contact_list: ContactList, now: datetime
) -> Campaign:
    """The list's own campaign (``LISTE-<id>``), so its leads and figures carry its name."""
    code = f"LISTE-{contact_list.id}"
    if await session.scalar(select(Campaign.id).where(Campaign.code == code)) is not None:
        code = f"LISTE-{contact_list.id}-{now:%y%m%d%H%M%S}"
    campaign = Campaign(
        code=code,
        name=contact_list.name,
        created_by=contact_list.imported_by,
        active=True,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    return campaign
