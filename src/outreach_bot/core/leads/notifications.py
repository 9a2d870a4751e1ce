"""Team notifications: tell the outreach team's group chat about new and urgent leads.

The team chat is not a conversation with a young person, so it does not go through the
outbox: a notification is a convenience on top of the back office, where every lead is
anyway. It is posted in the background so a slow chat service never delays the answer to
the young person, and it carries nothing personal beyond first name, sector and need.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from outreach_bot.core.events.bus import TeamEvent
from outreach_bot.storage.models import Sector

logger = logging.getLogger(__name__)

NOTIFIED_KINDS: Final = frozenset(
    {"lead_created", "urgent", "cannot_come", "new_slot", "reengage_exhausted"}
)
MAX_NEED: Final = 200
"""A need is free text; a group chat only needs its gist, the lead page has the rest."""


class TeamChat(Protocol):
    """Where team notifications are posted (a Telegram group today)."""

    async def post(self, text: str) -> None:
        """Post ``text``; raise on failure (the notifier logs it)."""
        ...


def lead_link(public_url: str, lead_id: int) -> str:
    """The back-office page of a lead."""
    return f"{public_url.rstrip('/')}/admin/leads/{lead_id}"


def format_notification(event: TeamEvent, *, sector_name: str | None, link: str | None) -> str:
    """The team message for ``event``: first name, sector and need only, plus the lead link.

    No phone number, age or commune: a group chat is read on personal phones and kept
    forever, so it gets the least that lets a counsellor decide to open the lead.
    """
    urgent = event.kind == "urgent" or event.urgent
    who = event.first_name or "un jeune"
    sector = f" (secteur {sector_name})" if sector_name else ""
    if event.kind == "cannot_come":
        lines = [f"Rendez-vous annulé : {who} ne peut pas venir{sector}. À recaler."]
    elif event.kind == "reengage_exhausted":
        lines = [f"Sans nouvelles de {who}{sector} après 2 relances : à clore ?"]
    elif event.kind == "new_slot":
        lines = [f"Nouveau rendez-vous souhaité par {who}{sector}."]
    elif urgent:
        lines = [f"URGENT : {who} a besoin d'une réponse rapide{sector}."]
    else:
        lines = [f"Nouveau contact : {who}{sector}."]
    if event.need:
        need = " ".join(event.need.split())
        if len(need) > MAX_NEED:
            need = need[: MAX_NEED - 1].rstrip() + "…"
        lines.append(f"Besoin : {need}")
    if link:
        lines.append(link)
    return "\n".join(lines)


async def _sector_name(session: AsyncSession, sector_id: int | None) -> str | None:
    if sector_id is None:
        return None
    name = await session.scalar(select(Sector.name).where(Sector.id == sector_id))
    return str(name) if name is not None else None


class TeamNotifier:
    """Listens to the event bus and posts new and urgent leads to the team chat."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        chat: TeamChat,
        *,
        public_url: str,
    ) -> None:
        self._sessions = sessions
        self._chat = chat
        self._public_url = public_url
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def on_event(self, event: TeamEvent) -> None:
        """Event-bus listener: post in the background and return at once."""
        if self._closed or event.kind not in NOTIFIED_KINDS:
            return
        task = asyncio.create_task(self.notify(event), name=f"team-notify-{event.lead_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def notify(self, event: TeamEvent) -> None:
        """Post one notification; a failure is logged with ids only and never raised."""
        try:
            sector_name = event.sector_name
            if sector_name is None:
                async with self._sessions() as session:
                    sector_name = await _sector_name(session, event.sector_id)
            link = lead_link(self._public_url, event.lead_id) if event.lead_id else None
            await self._chat.post(format_notification(event, sector_name=sector_name, link=link))
        except Exception as error:  # the outermost edge of a background task
            logger.warning(
                "team notification (%s, lead %s) failed: %s",
                event.kind,
                event.lead_id,
                type(error).__name__,
            )
        else:
            logger.info("team notified of %s lead %s", event.kind, event.lead_id)

    async def close(self, *, grace: float = 5.0) -> None:
        """Stop listening and give notifications in flight ``grace`` seconds to finish."""
        self._closed = True
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
