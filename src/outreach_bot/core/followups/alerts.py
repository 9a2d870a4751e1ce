""" "Préviens-moi quand vous passez près de chez moi": the consent, and the alerts.

A young person asks the bot (dialogue/keep_in_touch.py), says yes to the offer and names their
commune: the consent is recorded with the offer's version (:func:`record_alert`). When the team
adds or changes a permanence or an event in **Lieux**, :func:`alert_nearby` schedules one
message to everyone who asked, whose commune is near the place (same commune, postal code or
arrondissement: the official geography of ``domain/places.py`` until places carry coordinates)
and who had no alert in the last week. The scheduler sends it within the sending rules; STOP
stops it (the conversation is opted out), SUPPRIMER erases the consent with the rest.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.core.delivery.outbox import QUEUED_CHANNELS
from outreach_bot.core.schedule import schedule
from outreach_bot.domain.fields import commune_by_insee
from outreach_bot.domain.places import Place, Proximity, Recurrence, proximity, team_today
from outreach_bot.storage.models import Conversation, VisitAlert

logger = logging.getLogger(__name__)

KIND: Final = "visit_alert"
AT_MOST_EVERY: Final = timedelta(days=7)
NEAR: Final = Proximity.SAME_ARRONDISSEMENT
"""How near a place must be: same commune, same postal code or same arrondissement."""
MESSAGE_KEYS: Final[dict[str, frozenset[str]]] = {"visit_alert": frozenset({"where", "when"})}


async def record_alert(
    session: AsyncSession,
    conversation_id: int,
    *,
    commune: tuple[str, str],
    consent_version: str,
    now: datetime,
) -> None:
    """Record (or move to another commune) a young person's request, with its consent."""
    row = await session.scalar(
        select(VisitAlert).where(VisitAlert.conversation_id == conversation_id)
    )
    if row is None:
        row = VisitAlert(conversation_id=conversation_id)
        session.add(row)
    row.commune_insee, row.commune_name = commune
    row.consent_version = consent_version
    row.given_at = now
    await session.flush()
    logger.info("conversation %s asked for visit alerts", conversation_id)


def _when(held_on: date, hours: str, rule: Recurrence | None) -> str:
    when = f"le {held_on:%d/%m}" + (f", {hours}" if hours else "")
    if rule is None:
        return when
    return f"{when}, puis {rule.french(hours=False)}"


async def alert_nearby(
    session: AsyncSession, place_id: int, stored: Place, *, now: datetime
) -> int:
    """Schedule an alert about a dated place to everyone near it not alerted this week; a
    weekly permanence is announced at its next session, with the days it comes back.

    Returns:
        How many alerts were scheduled.
    """
    today = team_today(now)
    place = stored.next_on(today)
    if place is None or place.held_on is None or place.held_on < today:
        return 0
    rule = place.recurrence
    # The message is worth sending until the last session (a one-off: until the day itself).
    last = rule.until if rule else place.held_on
    where = commune_by_insee(place.commune_insee)
    if where is None:
        return 0
    rows = await session.execute(
        select(VisitAlert, Conversation)
        .join(Conversation, Conversation.id == VisitAlert.conversation_id)
        .where(
            Conversation.opted_out.is_(False),
            Conversation.channel.in_(QUEUED_CHANNELS),
            or_(VisitAlert.last_sent_at.is_(None), VisitAlert.last_sent_at < now - AT_MOST_EVERY),
        )
        .with_for_update(of=VisitAlert, skip_locked=True)
    )
    scheduled = 0
    label = ", ".join(part for part in (place.name, place.address, place.commune_name) if part)
    for alert, conversation in rows:
        home = commune_by_insee(alert.commune_insee)
        if home is None or proximity(where, home) > NEAR:
            continue
        await schedule(
            session,
            conversation.id,
            kind=KIND,
            due_at=now,
            message="visit_alert",
            values={"where": label, "when": _when(place.held_on, place.hours, rule)},
            expires_at=datetime.combine(last, datetime.min.time(), UTC),
            now=now,
        )
        alert.last_sent_at = now
        scheduled += 1
    if scheduled:
        logger.info("place %s: %s visit alert(s) scheduled", place_id, scheduled)
    return scheduled
