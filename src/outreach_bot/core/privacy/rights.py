"""The young person's rights, exercised by an admin: access (a JSON export) and erasure.

Both are recorded in the audit log, in the same transaction as the act itself.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.conversation.service import erase_conversation
from outreach_bot.core.leads.queue import LeadView, get_lead
from outreach_bot.core.media import media_for_export
from outreach_bot.core.partners.referrals import end_referrals
from outreach_bot.core.privacy.audit import record_access
from outreach_bot.core.staff.accounts import Account
from outreach_bot.domain.errors import NotFoundError, PermissionDeniedError
from outreach_bot.storage.models import (
    AuditEntry,
    Campaign,
    Consent,
    Conversation,
    Lead,
    LeadEvent,
    Message,
    OutboxItem,
)

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "outreach-bot/person-export/v1"


def _require_admin(account: Account) -> None:
    if not account.is_admin:
        raise PermissionDeniedError("réservé aux admins")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


async def export_person(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything held about the young person behind ``lead_id``, as JSON-ready data.

    That is their conversation on that channel (identifier, flags, the dialogue state with the
    answers collected so far, every message), their consents, every lead with its history,
    and what still waits in the outbox.

    Raises:
        PermissionDeniedError: ``account`` is not an admin.
        NotFoundError: no such lead.
    """
    _require_admin(account)
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        anchor = await session.get(Lead, lead_id)
        if anchor is None:
            raise NotFoundError(f"lead {lead_id} not found")
        data: dict[str, Any] = {"format": EXPORT_FORMAT, "exported_at": _iso(now)}
        conversation_id = anchor.conversation_id
        if conversation_id is not None:
            data |= await _conversation_part(session, conversation_id)
            lead_ids = list(
                await session.scalars(
                    select(Lead.id)
                    .where(Lead.conversation_id == conversation_id)
                    .order_by(Lead.id)
                )
            )
        else:
            lead_ids = [lead_id]
        data["leads"] = [await _lead_part(session, await get_lead(session, i)) for i in lead_ids]
        await record_access(
            session,
            actor=account.email,
            user_id=account.id,
            action="export",
            target_type="lead",
            target_id=str(lead_id),
        )
    logger.info("user %s exported the data of lead %s", account.id, lead_id)
    return data


async def _conversation_part(session: AsyncSession, conversation_id: int) -> dict[str, Any]:
    conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None  # noqa: S101 - a lead's foreign key points at it
    campaign = (
        await session.get(Campaign, conversation.campaign_id) if conversation.campaign_id else None
    )
    messages = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at, Message.id)
    )
    consents = await session.scalars(
        select(Consent).where(Consent.conversation_id == conversation_id).order_by(Consent.id)
    )
    outbox = await session.scalars(
        select(OutboxItem)
        .where(OutboxItem.conversation_id == conversation_id)
        .order_by(OutboxItem.id)
    )
    state: Any = None
    if conversation.state:
        try:
            state = json.loads(conversation.state)
        except ValueError:
            state = conversation.state
    return {
        "conversation": {
            "id": conversation.id,
            "channel": conversation.channel,
            "sender": conversation.sender_ref,
            "locale": conversation.locale,
            "campaign": campaign.code if campaign else None,
            "urgent": conversation.urgent,
            "opted_out": conversation.opted_out,
            "unreachable": conversation.unreachable,
            "created_at": _iso(conversation.created_at),
            "last_message_at": _iso(conversation.last_message_at),
            "dialogue_state": state,
        },
        "messages": [
            {
                "at": _iso(message.created_at),
                "direction": message.direction,
                "author": message.author,
                "text": message.text,
                "button": message.button_title,
                "intent": message.intent,
            }
            for message in messages
        ],
        "consents": [
            {
                "given_at": _iso(consent.given_at),
                "text_version": consent.text_version,
                "channel": consent.channel,
                "withdrawn_at": _iso(consent.withdrawn_at),
            }
            for consent in consents
        ],
        "outbox": [
            {
                "channel": item.channel,
                "status": item.status,
                "created_at": _iso(item.created_at),
                "sent_at": _iso(item.sent_at),
            }
            for item in outbox
        ],
        "files": await media_for_export(session, conversation_id),
    }


async def _lead_part(session: AsyncSession, view: LeadView) -> dict[str, Any]:
    events = await session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == view.lead.id).order_by(LeadEvent.id)
    )
    return view.as_dict() | {
        "next_action_on": view.lead.next_action_on.isoformat()
        if view.lead.next_action_on
        else None,
        "history": [
            {"at": _iso(event.at), "kind": event.kind, "status": event.status, "note": event.note}
            for event in events
        ],
    }


async def erase_person(
    sessions: async_sessionmaker[AsyncSession],
    account: Account,
    lead_id: int,
    *,
    now: datetime | None = None,
) -> None:
    """Erase everything held about the young person behind ``lead_id``; audited.

    Raises:
        PermissionDeniedError: ``account`` is not an admin.
        NotFoundError: no such lead (already erased, for instance).
    """
    _require_admin(account)
    now = now or datetime.now(UTC)
    async with sessions.begin() as session:
        lead = await session.get(Lead, lead_id)
        if lead is None:
            raise NotFoundError(f"lead {lead_id} not found")
        if lead.conversation_id is not None:
            await erase_conversation(session, lead.conversation_id, actor=account.email, now=now)
            target_type, target_id = "conversation", str(lead.conversation_id)
        else:
            await end_referrals(session, lead_id=lead_id, now=now)
            await session.execute(delete(Lead).where(Lead.id == lead_id))
            target_type, target_id = "lead", str(lead_id)
            session.add(
                AuditEntry(
                    actor=account.email,
                    action="erase",
                    target_type=target_type,
                    target_id=target_id,
                    at=now,
                )
            )
        # erase_conversation writes the audit line without the user id: add it to that line.
        for entry in session.new:
            if isinstance(entry, AuditEntry) and entry.action == "erase":
                entry.user_id = account.id
    logger.info("user %s erased %s %s", account.id, target_type, target_id)
