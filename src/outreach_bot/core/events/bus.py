"""Events for the team: new leads, urgent conversations, messages in a takeover.

Published after the transaction commits, so a listener never sees something that was rolled
back. Listeners (back-office live view, Telegram team group, e-mail) subscribe at start-up.

With several worker processes, a relay (PostgreSQL LISTEN/NOTIFY) carries each event to the
other processes' live views. Listeners run only in the process that published the event, so
the team group hears of a lead once, whichever process took the message; a listener that
subscribes ``everywhere`` (a change every process must apply, such as an approved text) also
runs in the processes that hear of the event through the relay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TeamEvent:
    """Something the team should see. Carries ids and labels, never contact details."""

    kind: str  # "lead_created", "urgent", "message", "lead_changed", "texts_changed"
    conversation_id: int | None = None
    lead_id: int | None = None
    sector_id: int | None = None
    urgent: bool = False
    first_name: str | None = None
    need: str | None = None
    sector_name: str | None = None


Listener = Callable[[TeamEvent], Awaitable[None]]
Relay = Callable[[TeamEvent], Awaitable[None]]


class EventBus:
    """Fan-out to listeners; one failing listener never blocks the conversation or the others."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._everywhere: list[Listener] = []
        self._queues: set[asyncio.Queue[TeamEvent]] = set()
        self._relays: list[Relay] = []
        self._running: set[asyncio.Task[None]] = set()

    def subscribe(self, listener: Listener, *, everywhere: bool = False) -> None:
        """Call ``listener`` for every event from now on: published in this process, and with
        ``everywhere`` also those another process published (see :meth:`receive`)."""
        self._listeners.append(listener)
        if everywhere:
            self._everywhere.append(listener)

    def stream(self) -> asyncio.Queue[TeamEvent]:
        """A queue that receives every event until :meth:`close_stream` (for live pages)."""
        queue: asyncio.Queue[TeamEvent] = asyncio.Queue(maxsize=100)
        self._queues.add(queue)
        return queue

    def close_stream(self, queue: asyncio.Queue[TeamEvent]) -> None:
        """Stop feeding a queue from :meth:`stream`."""
        self._queues.discard(queue)

    def relay_to(self, relay: Relay) -> None:
        """Also hand every published event to ``relay`` (the other worker processes)."""
        self._relays.append(relay)

    async def publish(self, event: TeamEvent) -> None:
        """Deliver ``event`` to every listener, live stream and relay."""
        self.deliver_to_streams(event)
        for listener in list(self._listeners):
            try:
                await listener(event)
            except Exception:
                logger.exception("team listener failed for a %s event", event.kind)
        for relay in list(self._relays):
            try:
                await relay(event)
            except Exception:
                logger.exception("relaying a %s event to the other workers failed", event.kind)

    def receive(self, event: TeamEvent) -> None:
        """An event another process published: feed the live streams, and run the listeners
        that subscribed ``everywhere`` (in the background: the relay calls this from its
        connection's callback, which must not wait)."""
        self.deliver_to_streams(event)
        for listener in list(self._everywhere):
            task = asyncio.get_running_loop().create_task(self._run(listener, event))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    @staticmethod
    async def _run(listener: Listener, event: TeamEvent) -> None:
        try:
            await listener(event)
        except Exception:
            logger.exception("team listener failed for a relayed %s event", event.kind)

    def deliver_to_streams(self, event: TeamEvent) -> None:
        """Feed the live streams only: for an event another process published and notified."""
        for queue in list(self._queues):
            if queue.full():
                continue  # a slow browser tab must not hold the bot back
            queue.put_nowait(event)
