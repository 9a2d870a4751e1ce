"""What the back office shows of a list (never a person's data) and the team's erasure."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.contact_lists.retention import erase_list
from outreach_bot.core.figures.lists import ListFigures, list_figures
from outreach_bot.domain.contact_lists import (
    BASIS_LABELS,
    LIST_STATUS_LABELS,
    PURPOSE_LABELS,
    LegalBasis,
    ListPurpose,
)
from outreach_bot.domain.errors import NotFoundError
from outreach_bot.storage.models import AuditEntry, ContactList

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ListView:
    """A list as its page shows it: why, by whom, until when, and its figures."""

    id: int
    name: str
    purpose: str
    legal_basis: str
    status: str
    status_label: str
    imported_by: str
    imported_at: datetime
    purge_on: date
    contact_representatives: bool
    daily_budget: int
    pace_per_minute: int
    figures: ListFigures


async def list_views(sessions: async_sessionmaker[AsyncSession]) -> list[ListView]:
    """Every list, newest first."""
    figures = {row.list_id: row for row in await list_figures(sessions)}
    async with sessions() as session:
        lists = list(await session.scalars(select(ContactList).order_by(ContactList.id.desc())))
    return [_view(contact_list, figures[contact_list.id]) for contact_list in lists]


async def get_list(sessions: async_sessionmaker[AsyncSession], list_id: int) -> ListView:
    """One list.

    Raises:
        NotFoundError: no such list.
    """
    for view in await list_views(sessions):
        if view.id == list_id:
            return view
    raise NotFoundError(f"contact list {list_id}")


def _view(contact_list: ContactList, figures: ListFigures) -> ListView:
    return ListView(
        id=contact_list.id,
        name=contact_list.name,
        purpose=PURPOSE_LABELS.get(ListPurpose(contact_list.purpose), contact_list.purpose),
        legal_basis=BASIS_LABELS.get(LegalBasis(contact_list.legal_basis), ""),
        status=contact_list.status,
        status_label=LIST_STATUS_LABELS.get(contact_list.status, contact_list.status),
        imported_by=contact_list.imported_by_name,
        imported_at=contact_list.imported_at,
        purge_on=contact_list.purge_on,
        contact_representatives=contact_list.contact_representatives,
        daily_budget=contact_list.daily_budget,
        pace_per_minute=contact_list.pace_per_minute,
        figures=figures,
    )


async def erase_now(
    sessions: async_sessionmaker[AsyncSession],
    list_id: int,
    *,
    user_id: int | None,
    actor: str,
    now: datetime | None = None,
) -> int:
    """The team erases a list before its date: what its purge would do, today. Rows erased.

    Raises:
        NotFoundError: no such list.
    """
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        contact_list = await _locked(session, list_id)
        erased = await erase_list(session, contact_list, now=now)
        session.add(
            AuditEntry(
                user_id=user_id,
                actor=actor[:120],
                action="erase",
                target_type="contact_list",
                target_id=str(list_id),
                at=now,
            )
        )
    logger.info("contact list %s erased by user %s: %s rows", list_id, user_id, erased)
    return erased


async def _locked(session: AsyncSession, list_id: int) -> ContactList:
    contact_list = await session.scalar(
        select(ContactList).where(ContactList.id == list_id).with_for_update()
    )
    if contact_list is None:
        raise NotFoundError(f"contact list {list_id}")
    return contact_list
