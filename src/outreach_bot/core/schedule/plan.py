"""Writing and cancelling scheduled messages, always in the caller's transaction."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.storage.models import ScheduledMessage, ScheduledStatus

logger = logging.getLogger(__name__)

MAX_TEXT: Final = 1000
"""A counsellor's scheduled text, as long as the lead page's reply box allows."""


@dataclass(frozen=True, slots=True)
class ScheduledContent:
    """What a scheduled row will say: a counsellor's own ``text``, or a ``message`` key of
    ``bot/`` with its ``values``, rendered in the young person's language when it goes out.

    ``buttons`` are (message key of the title, payload) pairs.
    """

    text: str | None = None
    message: str | None = None
    values: Mapping[str, str] | None = None
    buttons: Sequence[tuple[str, str]] = ()

    def to_json(self) -> str:
        """The encrypted ``payload`` column's JSON."""
        return json.dumps(
            {
                "text": self.text,
                "message": self.message,
                "values": dict(self.values or {}),
                "buttons": [list(button) for button in self.buttons],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> ScheduledContent:
        """Read the ``payload`` column back."""
        data = json.loads(raw)
        return cls(
            text=data.get("text"),
            message=data.get("message"),
            values={str(k): str(v) for k, v in (data.get("values") or {}).items()},
            buttons=tuple(
                (str(title), str(payload)) for title, payload in data.get("buttons", [])
            ),
        )


async def schedule(
    session: AsyncSession,
    conversation_id: int,
    *,
    kind: str,
    due_at: datetime,
    text: str | None = None,
    message: str | None = None,
    values: Mapping[str, str] | None = None,
    buttons: Sequence[tuple[str, str]] = (),
    lead_id: int | None = None,
    expires_at: datetime | None = None,
    created_by: int | None = None,
    now: datetime | None = None,
) -> ScheduledMessage:
    """Add a message to send at ``due_at`` (or at the next open moment after it).

    Give either ``text`` (a counsellor's words, sent as written) or ``message`` (a key of
    ``bot/`` that :class:`~outreach_bot.core.schedule.Scheduler` renders with ``values``).

    Args:
        session: the caller's unit of work; nothing is committed here.
        conversation_id: whom to write to (on the conversation's own channel).
        kind: what it is (``reminder``, ``reengage``, ``later``…): the guard registered for it
            decides at send time whether it should still go, and the figures count by it.
        due_at: when, timezone-aware.
        text: a counsellor's own text.
        message: a ``bot/`` message key.
        values: the message's placeholders.
        buttons: (title key, payload) pairs offered with it.
        lead_id: the lead it belongs to, if any (closing the lead may cancel it).
        expires_at: past this, it is dropped rather than sent late.
        created_by: the counsellor who wrote it (then it is sent as theirs).
        now: the current time (tests freeze it).

    Raises:
        InvalidInputError: neither or both of ``text`` and ``message``, an empty or too long
            text, a naive date, or an expiry before the due time.
    """
    if (text is None) == (message is None):
        raise InvalidInputError("a scheduled message has either a text or a message key")
    if text is not None and not 0 < len(text.strip()) <= MAX_TEXT:
        raise InvalidInputError(f"un message fait de 1 à {MAX_TEXT} caractères")
    if due_at.tzinfo is None or (expires_at is not None and expires_at.tzinfo is None):
        raise InvalidInputError("scheduled times must carry their time zone")
    if expires_at is not None and expires_at <= due_at:
        raise InvalidInputError("a scheduled message cannot expire before it is due")
    content = ScheduledContent(
        text=text.strip() if text is not None else None,
        message=message,
        values=values,
        buttons=buttons,
    )
    row = ScheduledMessage(
        conversation_id=conversation_id,
        lead_id=lead_id,
        kind=kind,
        payload=content.to_json(),
        due_at=due_at.astimezone(UTC),
        expires_at=expires_at.astimezone(UTC) if expires_at else None,
        status=ScheduledStatus.PENDING,
        created_by=created_by,
        created_at=now or datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    logger.info("scheduled %s %s for conversation %s", kind, row.id, conversation_id)
    return row


@dataclass(frozen=True, slots=True)
class Planned:
    """One of many messages written at once by :func:`schedule_many`: a ``bot/`` message key
    with its values, to one conversation, due at a time."""

    conversation_id: int
    due_at: datetime
    message: str
    values: Mapping[str, str]


BATCH_INSERT: Final = 1000


async def schedule_many(
    session: AsyncSession, planned: Sequence[Planned], *, kind: str, now: datetime
) -> int:
    """Add many ``bot/`` messages of one ``kind`` at once (a contact list's campaign): what
    :func:`schedule` does for each, in one INSERT per thousand rows rather than a round trip
    per row. Returns how many.

    Raises:
        InvalidInputError: a naive due time.
    """
    if any(item.due_at.tzinfo is None for item in planned):
        raise InvalidInputError("scheduled times must carry their time zone")
    rows = [
        {
            "conversation_id": item.conversation_id,
            "lead_id": None,
            "kind": kind,
            "payload": ScheduledContent(message=item.message, values=item.values).to_json(),
            "due_at": item.due_at.astimezone(UTC),
            "expires_at": None,
            "status": ScheduledStatus.PENDING,
            "reason": None,
            "created_by": None,
            "created_at": now,
            "done_at": None,
            "message_id": None,
        }
        for item in planned
    ]
    for start in range(0, len(rows), BATCH_INSERT):
        # render_nulls: a None is sent as NULL rather than splitting the batch by columns.
        await session.execute(
            insert(ScheduledMessage).execution_options(render_nulls=True),
            rows[start : start + BATCH_INSERT],
        )
    if rows:
        logger.info("scheduled %s %s message(s)", len(rows), kind)
    return len(rows)


async def cancel_pending(
    session: AsyncSession,
    conversation_id: int,
    *,
    reason: str,
    kinds: Collection[str] | None = None,
    lead_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Cancel what is still waiting for a conversation (all of it, or some kinds, or one lead's).

    STOP calls this with no filter in the transaction that records the STOP, so nothing
    scheduled can go out after it.

    Returns:
        How many rows were cancelled.
    """
    query = (
        update(ScheduledMessage)
        .where(
            ScheduledMessage.conversation_id == conversation_id,
            ScheduledMessage.status == ScheduledStatus.PENDING,
        )
        .values(
            status=ScheduledStatus.CANCELLED,
            reason=reason[:60],
            done_at=now or datetime.now(UTC),
        )
    )
    if kinds is not None:
        query = query.where(ScheduledMessage.kind.in_(list(kinds)))
    if lead_id is not None:
        query = query.where(ScheduledMessage.lead_id == lead_id)
    result = await session.execute(query)
    cancelled = int(getattr(result, "rowcount", 0) or 0)
    if cancelled:
        logger.info(
            "conversation %s: %s scheduled message(s) cancelled", conversation_id, cancelled
        )
    return cancelled


async def pending_for(
    session: AsyncSession, conversation_id: int, *, kinds: Collection[str] | None = None
) -> list[ScheduledMessage]:
    """What still waits for a conversation, soonest first (the lead page lists it)."""
    query = (
        select(ScheduledMessage)
        .where(
            ScheduledMessage.conversation_id == conversation_id,
            ScheduledMessage.status == ScheduledStatus.PENDING,
        )
        .order_by(ScheduledMessage.due_at, ScheduledMessage.id)
    )
    if kinds is not None:
        query = query.where(ScheduledMessage.kind.in_(list(kinds)))
    return list(await session.scalars(query))
