"""Contact-list figures: per list's campaign, sent → delivered → answered → leads → mobilised,
with the wrong numbers and the STOPs.

Counted from the list's rows while they exist, and from the anonymous counts the purge keeps
on the list when it erases them (``figures_at_purge``), so the figures never shrink; the
leads and the mobilised are counted from the leads marked with the list's campaign.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.domain.contact_lists import (
    FIRST_CONTACT_KIND,
    PURPOSE_LABELS,
    RowStatus,
)
from outreach_bot.domain.leads import MOBILISED_STATUSES
from outreach_bot.domain.spreadsheet import csv_section
from outreach_bot.storage.models import (
    Campaign,
    ContactList,
    ContactListRow,
    Lead,
    OutboxItem,
    OutboxStatus,
    ScheduledMessage,
)

ROW_METRICS: Final = ("rows", "sent", "delivered", "answered", "wrong_numbers", "stopped")
"""What is counted from the rows (and kept on the list by the purge)."""
COLUMNS: Final = {
    "rows": "Lignes",
    "sent": "Envoyés",
    "delivered": "Remis",
    "answered": "Réponses",
    "wrong_numbers": "Mauvais numéros",
    "stopped": "STOP",
    "leads": "Demandes",
    "mobilised": "Mobilisés",
}
"""Each count's French label, in the order the figures page and the CSV show them."""
CSV_HEADER: Final = ("Listes d'aller-vers", "Liste", "Campagne", "Objet", *COLUMNS.values())


@dataclass(frozen=True, slots=True)
class ListFigures:
    """One list's campaign, in numbers (never a name or a number)."""

    list_id: int
    name: str
    campaign: str
    purpose: str
    status: str
    rows: int = 0
    sent: int = 0
    delivered: int = 0
    answered: int = 0
    wrong_numbers: int = 0
    stopped: int = 0
    leads: int = 0
    mobilised: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "list_id": self.list_id,
            "name": self.name,
            "campaign": self.campaign,
            "purpose": self.purpose,
            "status": self.status,
            **{metric: getattr(self, metric) for metric in (*ROW_METRICS, "leads", "mobilised")},
        }


async def row_counts(
    session: AsyncSession, list_ids: list[int] | None = None
) -> dict[int, Counter[str]]:
    """The :data:`ROW_METRICS` of each list, from its rows as they are now."""
    counts: dict[int, Counter[str]] = {}

    def where(query: Any) -> Any:
        return query if list_ids is None else query.where(ContactListRow.list_id.in_(list_ids))

    per_status = await session.execute(
        where(
            select(ContactListRow.list_id, ContactListRow.status, func.count()).group_by(
                ContactListRow.list_id, ContactListRow.status
            )
        )
    )
    for list_id, status, number in per_status.all():
        counter = counts.setdefault(list_id, Counter())
        counter["rows"] += number
        if status == RowStatus.WRONG_NUMBER:
            counter["wrong_numbers"] += number
        elif status == RowStatus.STOPPED:
            counter["stopped"] += number
    for metric, column in (
        ("sent", ContactListRow.sent_at),
        ("answered", ContactListRow.answered_at),
    ):
        result = await session.execute(
            where(
                select(ContactListRow.list_id, func.count())
                .where(column.is_not(None))
                .group_by(ContactListRow.list_id)
            )
        )
        for list_id, number in result.all():
            counts.setdefault(list_id, Counter())[metric] += number
    delivered = await session.execute(
        where(
            select(ContactListRow.list_id, func.count(func.distinct(OutboxItem.id)))
            .join(
                ScheduledMessage,
                ScheduledMessage.conversation_id == ContactListRow.conversation_id,
            )
            .join(OutboxItem, OutboxItem.message_id == ScheduledMessage.message_id)
            .where(
                ScheduledMessage.kind == FIRST_CONTACT_KIND,
                OutboxItem.status.in_([OutboxStatus.DELIVERED, OutboxStatus.READ]),
            )
            .group_by(ContactListRow.list_id)
        )
    )
    for list_id, number in delivered.all():
        counts.setdefault(list_id, Counter())["delivered"] += number
    return counts


async def list_figures(sessions: async_sessionmaker[AsyncSession]) -> list[ListFigures]:
    """Every list's figures, newest list first."""
    async with sessions() as session:
        lists = (
            await session.execute(
                select(ContactList, Campaign.code)
                .outerjoin(Campaign, Campaign.id == ContactList.campaign_id)
                .order_by(ContactList.id.desc())
            )
        ).all()
        counts = await row_counts(session)
        leads: Counter[tuple[int | None, bool]] = Counter()
        per_campaign = await session.execute(
            select(Lead.campaign_id, Lead.status, func.count())
            .where(
                Lead.campaign_id.in_([row[0].campaign_id for row in lists if row[0].campaign_id])
            )
            .group_by(Lead.campaign_id, Lead.status)
        )
        for campaign_id, status, number in per_campaign.all():
            leads[(campaign_id, False)] += number
            if status in MOBILISED_STATUSES:
                leads[(campaign_id, True)] += number
    figures = []
    for contact_list, code in lists:
        counter = Counter(contact_list.figures_at_purge or {})
        counter.update(counts.get(contact_list.id, Counter()))
        figures.append(
            ListFigures(
                list_id=contact_list.id,
                name=contact_list.name,
                campaign=code or "",
                purpose=contact_list.purpose,
                status=contact_list.status,
                **{metric: counter[metric] for metric in ROW_METRICS},
                leads=leads[(contact_list.campaign_id, False)],
                mobilised=leads[(contact_list.campaign_id, True)],
            )
        )
    return figures


def lists_csv(rows: list[ListFigures]) -> str:
    """The lists as a section of the figures CSV (same conventions: ``;``, CRLF)."""
    return csv_section(
        CSV_HEADER,
        (
            [
                "Liste",
                row.name,  # typed by staff: csv_section defuses a formula
                row.campaign,
                PURPOSE_LABELS.get(row.purpose, row.purpose),  # type: ignore[call-overload]
                *(getattr(row, metric) for metric in COLUMNS),
            ]
            for row in rows
        ),
    )
