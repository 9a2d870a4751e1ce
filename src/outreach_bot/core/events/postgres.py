"""Several worker processes on one PostgreSQL database: shared live events and one leader.

One asyncpg connection per process, outside SQLAlchemy's pool, does two things PostgreSQL
already offers, so no other server is needed:

* ``LISTEN``/``NOTIFY``: each published team event is sent to the other processes, whose
  back-office live views then show it. Only ids, kind and sector travel (what a live view
  uses), never a name or a need: notifications pass through PostgreSQL's queue.
* a session-level advisory lock: the process holding it is the leader, the only one that
  long-polls Telegram (two pollers would steal each other's updates). The lock goes with
  the connection, so when the leader dies another process takes over at its next try.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Final

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from outreach_bot.core.events.bus import EventBus, TeamEvent

logger = logging.getLogger(__name__)

CHANNEL: Final = "outreach_team_events"
LEADER_LOCK: Final = 0x0B07_7E1E
"""The advisory lock's key: any constant number that no other application on the database uses."""

_FIELDS: Final = ("kind", "conversation_id", "lead_id", "sector_id", "urgent")


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` address asyncpg wants, from SQLAlchemy's URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgEvents:
    """This process's link to the others through PostgreSQL (see the module docstring)."""

    def __init__(self, url: str, bus: EventBus) -> None:
        self._dsn = asyncpg_dsn(url)
        self._bus = bus
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one query at a time on the connection

    async def start(self) -> None:
        """Connect, listen, and relay this process's events to the others."""
        self._connection = await asyncpg.connect(self._dsn)
        await self._connection.add_listener(CHANNEL, self._on_notification)
        self._bus.relay_to(self.send)

    async def close(self) -> None:
        """Stop listening; closing the connection also releases the leader lock."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def send(self, event: TeamEvent) -> None:
        """Notify the other processes of ``event`` (only what a live view needs)."""
        if self._connection is None:
            return
        payload = json.dumps({name: getattr(event, name) for name in _FIELDS})
        async with self._lock:
            await self._connection.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)

    async def try_lead(self) -> bool:
        """Become the leader if no live process is; True if this process is (or became) it."""
        if self._connection is None:
            return False
        async with self._lock:
            return bool(
                await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK)
            )

    def _on_notification(
        self, connection: object, pid: int, _channel: str, payload: object
    ) -> None:
        if self._connection is None or pid == self._connection.get_server_pid():
            return  # our own event: already delivered in this process
        try:
            data = json.loads(str(payload))
            event = TeamEvent(**{name: data[name] for name in _FIELDS})
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed team event notification")
            return
        self._bus.deliver_to_streams(event)
