"""Messages that reach the classifier together are classified together.

In a burst (a QR code shown to a room, an evening's SMS campaign answered at once), one
process receives tens of messages a second, and its CPU is what delays the replies. Each
message sent to a worker thread on its own cost more CPU the more there were at once
(measured: 1.9 ms alone, 2.6 ms each with 64 together, the threads fighting over the GIL),
while the sentence encoder is cheaper per message in a batch. So the messages waiting are
handed to one thread as one list: alone, a message goes at once, as before; in a burst, those
that arrive while a batch is being classified make up the next one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Generic, TypeVar

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

# Past this, the first messages of a batch would wait for the last ones for little gain
# (the encoder costs about the same per message from 16 on).
MAX_BATCH: Final = 64


@dataclass(slots=True)
class _Waiting(Generic[Item, Result]):
    loop: asyncio.AbstractEventLoop
    items: list[tuple[Item, asyncio.Future[Result]]] = field(default_factory=list)
    worker: asyncio.Task[None] | None = None


class ThreadBatcher(Generic[Item, Result]):
    """Run ``function`` in a worker thread on the items waiting, as one list.

    ``function`` takes a list and returns one result per item, in order. If it fails on a
    batch, each item of that batch is tried alone, so one bad item fails only its caller.
    """

    def __init__(
        self,
        function: Callable[[Sequence[Item]], Sequence[Result]],
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._function = function
        self._max_batch = max_batch
        self._waiting: _Waiting[Item, Result] | None = None

    async def __call__(self, item: Item) -> Result:
        """The result for ``item``, once the batch it joined is done."""
        loop = asyncio.get_running_loop()
        waiting = self._waiting
        if waiting is None or waiting.loop is not loop:
            # One event loop per process in service; tests start one after another.
            waiting = self._waiting = _Waiting(loop)
        future: asyncio.Future[Result] = loop.create_future()
        waiting.items.append((item, future))
        if waiting.worker is None:
            waiting.worker = loop.create_task(self._drain(waiting))
        return await future

    async def _drain(self, waiting: _Waiting[Item, Result]) -> None:
        batch: list[tuple[Item, asyncio.Future[Result]]] = []
        try:
            while waiting.items:
                batch = waiting.items[: self._max_batch]
                del waiting.items[: self._max_batch]
                await self._run(batch)
                batch = []
        finally:
            waiting.worker = None
            # Stopped midway (the loop is closing): nobody waits for ever.
            for _, future in [*batch, *waiting.items]:
                future.cancel()
            waiting.items.clear()

    async def _run(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            results = await asyncio.to_thread(self._function, [item for item, _ in batch])
        except Exception as error:
            if len(batch) > 1:
                logger.warning("a batch of %d failed; each is tried alone", len(batch))
                for one in batch:
                    await self._run([one])
            elif not batch[0][1].done():
                batch[0][1].set_exception(error)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # a caller that gave up (a dropped connection)
                future.set_result(result)
