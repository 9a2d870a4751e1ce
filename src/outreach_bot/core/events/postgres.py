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
import contextlib
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
CHECK_EVERY: Final = 5.0
"""Seconds between two quiet checks that the connection still answers."""
CHECK_TIMEOUT: Final = 5.0
CONNECT_TIMEOUT: Final = 10.0
RETRY_FIRST: Final = 0.5
RETRY_MAX: Final = 30.0
"""Backoff between reconnection tries: from half a second, doubling, up to this."""
LINK_ERRORS: Final = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What a lost or refused connection raises."""

_FIELDS: Final = ("kind", "conversation_id", "lead_id", "sector_id", "urgent")


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` address asyncpg wants, from SQLAlchemy's URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgEvents:
    """This process's link to the others through PostgreSQL (see the module docstring).

    The link heals by itself. A restart of PostgreSQL, a failover, ``idle_session_timeout`` or
    an administrator's ``pg_terminate_backend`` closes the connection: it is opened again with
    backoff (:data:`RETRY_FIRST` doubling to :data:`RETRY_MAX`), it listens again, and the
    leader lock, which went with the old connection, is no longer ours (:meth:`leads` turns
    False at once, so the leader stops polling; the election runs again through
    :meth:`try_lead`). A quiet check every :data:`CHECK_EVERY` seconds finds a connection that
    died without a word. Each change of state is logged once, not at every try. Events
    published while the link is down do not reach the other workers' live views (a page
    reload shows them); nothing else is lost.
    """

    def __init__(
        self,
        url: str,
        bus: EventBus,
        *,
        check_every: float = CHECK_EVERY,
        retry_first: float = RETRY_FIRST,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._bus = bus
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one query at a time on the connection
        self._lost = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None
        self._leading = False
        self._check_every = check_every
        self._retry_first = retry_first

    async def start(self) -> None:
        """Connect, listen, and relay this process's events to the others."""
        await self._connect()
        self._bus.relay_to(self.send)
        self._watcher = asyncio.create_task(self._watch(), name="pg-events-watch")

    async def close(self) -> None:
        """Stop listening; closing the connection also releases the leader lock."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        connection, self._connection = self._connection, None
        self._leading = False
        if connection is not None:
            with contextlib.suppress(*LINK_ERRORS):
                await connection.close(timeout=5)

    async def _connect(self) -> None:
        connection = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT)
        try:
            await connection.add_listener(CHANNEL, self._on_notification)
        except BaseException:
            connection.terminate()
            raise
        connection.add_termination_listener(self._on_terminated)
        self._connection = connection
        self._lost.clear()

    def _on_terminated(self, connection: object) -> None:
        """asyncpg's word that a connection closed (the server ended it, or the network)."""
        if connection is self._connection:
            self._abandon()

    def _abandon(self) -> None:
        """Give up the current connection: the watcher opens a new one."""
        connection, self._connection = self._connection, None
        self._leading = False
        self._lost.set()
        if connection is not None and not connection.is_closed():
            connection.terminate()

    async def _watch(self) -> None:
        """Check the link now and then; when it is lost, open it again with backoff."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), timeout=self._check_every)
            if not self._lost.is_set():
                await self._check()
                continue
            logger.warning(
                "lost the PostgreSQL connection for live events and the Telegram leader lock; "
                "reconnecting"
            )
            delay = self._retry_first
            while True:
                try:
                    await self._connect()
                except LINK_ERRORS as error:
                    logger.debug("reconnecting to PostgreSQL failed (%s)", type(error).__name__)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX)
                else:
                    break
            logger.info("PostgreSQL connection for live events is back; listening again")

    async def _check(self) -> None:
        connection = self._connection
        if connection is None:
            self._lost.set()
            return
        try:
            async with self._lock:
                await connection.fetchval("SELECT 1", timeout=CHECK_TIMEOUT)
        except LINK_ERRORS:
            if connection is self._connection:
                self._abandon()

    async def send(self, event: TeamEvent) -> None:
        """Notify the other processes of ``event`` (only what a live view needs)."""
        connection = self._connection
        if connection is None:
            return  # the link is down (logged once by the watcher)
        payload = json.dumps({name: getattr(event, name) for name in _FIELDS})
        try:
            async with self._lock:
                await connection.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
        except LINK_ERRORS:
            if connection is self._connection:
                self._abandon()

    async def try_lead(self) -> bool:
        """Become the leader if no live process is; True if this process is (or became) it.

        False while the link is down: a process that cannot hold the lock must not lead.
        """
        if self._leading:
            return True
        connection = self._connection
        if connection is None:
            return False
        try:
            async with self._lock:
                won = bool(
                    await connection.fetchval(
                        "SELECT pg_try_advisory_lock($1)", LEADER_LOCK, timeout=CHECK_TIMEOUT
                    )
                )
        except LINK_ERRORS:
            if connection is self._connection:
                self._abandon()
            return False
        self._leading = won and connection is self._connection
        return self._leading

    def leads(self) -> bool:
        """Whether this process still holds the leader lock (no query: the lock lives as
        long as the connection, and a lost connection is noticed at once)."""
        return self._leading and self._connection is not None

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
        self._bus.receive(event)
