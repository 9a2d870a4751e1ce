"""Messages classified together: each caller gets its own answer, and one bad message fails
only itself."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from outreach_bot.nlu.batching import ThreadBatcher
from outreach_bot.nlu.data import load_examples
from outreach_bot.nlu.embedded import EmbeddedNlu

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "nlu" / "tiny.yml"


class Shouting:
    """Upper-cases a list of words, remembering each list it was given; "boom" breaks it."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, words: Sequence[str]) -> list[str]:
        self.release.wait(5)
        self.calls.append(list(words))
        if "boom" in words:
            raise ValueError("boom")
        return [word.upper() for word in words]


async def test_a_message_alone_is_classified_at_once() -> None:
    shouting = Shouting()
    batcher = ThreadBatcher(shouting)
    assert await batcher("salut") == "SALUT"
    assert shouting.calls == [["salut"]]


async def test_messages_that_arrive_together_share_a_batch_and_keep_their_own_answer() -> None:
    shouting = Shouting()
    shouting.release.clear()  # the first batch is slow: the others arrive meanwhile
    batcher = ThreadBatcher(shouting)
    words = [f"mot{i}" for i in range(40)]
    tasks = [asyncio.create_task(batcher(words[0]))]
    await asyncio.sleep(0.05)  # the first message is being classified...
    tasks += [asyncio.create_task(batcher(word)) for word in words[1:]]
    await asyncio.sleep(0.05)  # ...while the 39 others arrive
    shouting.release.set()
    answers = await asyncio.gather(*tasks)
    assert answers == [word.upper() for word in words]
    # The first message went alone; the 39 that came while it was classified, in one list.
    assert [len(call) for call in shouting.calls] == [1, 39]


async def test_a_batch_never_exceeds_its_size() -> None:
    shouting = Shouting()
    shouting.release.clear()
    batcher = ThreadBatcher(shouting, max_batch=8)
    tasks = [asyncio.create_task(batcher(f"w{i}")) for i in range(21)]
    await asyncio.sleep(0.05)
    shouting.release.set()
    assert await asyncio.gather(*tasks) == [f"W{i}" for i in range(21)]
    assert [len(call) for call in shouting.calls] == [8, 8, 5]


async def test_a_message_that_breaks_the_classifier_fails_only_its_caller() -> None:
    shouting = Shouting()
    shouting.release.clear()
    batcher = ThreadBatcher(shouting)
    first = asyncio.create_task(batcher("hello"))
    others = [asyncio.create_task(batcher(word)) for word in ("un", "boom", "deux")]
    await asyncio.sleep(0.05)
    shouting.release.set()
    assert await first == "HELLO"
    results = await asyncio.gather(*others, return_exceptions=True)
    assert results[0] == "UN"
    assert isinstance(results[1], ValueError)
    assert results[2] == "DEUX"


async def test_a_caller_that_gives_up_does_not_stop_the_others() -> None:
    shouting = Shouting()
    shouting.release.clear()
    batcher = ThreadBatcher(shouting)
    leaving = asyncio.create_task(batcher("bye"))
    staying = asyncio.create_task(batcher("stay"))
    await asyncio.sleep(0.05)
    leaving.cancel()
    shouting.release.set()
    assert await staying == "STAY"
    with pytest.raises(asyncio.CancelledError):
        await leaving


def test_a_second_event_loop_is_served_too() -> None:
    """Tests and the CLI run one loop after another: a batcher made in one serves the next."""
    shouting = Shouting()
    batcher = ThreadBatcher(shouting)
    assert asyncio.run(batcher("un")) == "UN"
    assert asyncio.run(batcher("deux")) == "DEUX"


async def test_the_classifier_gives_each_of_many_messages_its_own_intent() -> None:
    """Through the real classifier: thirty people writing at once each get their intent."""
    nlu = EmbeddedNlu.train(load_examples(TINY))
    texts = [
        "bonjour, je recherche un emploi",
        "je cherche un appart pas cher",
        "slt",
    ] * 10
    alone = nlu.predict(texts)
    together = await asyncio.gather(*(nlu.parse(text) for text in texts))
    assert [p.intent for p in together] == [p.intent for p in alone]
    assert [p.confidence for p in together] == pytest.approx([p.confidence for p in alone])
