"""Measure receiving and opening a voice note of 100 kB, 1 MB and 10 MB, beside a text message.

Usage (from the repository root):

    .venv/bin/python benchmarks/media.py [--rounds 10]

A throw-away SQLite database; a young person with an open lead on the REST channel (so each
file is kept at once, as with a request already with the team). For each size, ``--rounds``
times: ``ConversationService.handle_media`` (type read from the bytes, encryption, transcript
line, the file row and the answer, one transaction), then ``open_media`` as a counsellor
(visibility check, audit line, read and decryption). The baseline is a text message in the
same conversation through ``handle_inbound`` (no classifier: a fixed guess). Medians, the
slowest in brackets.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from scratch import scratch_settings

from outreach_bot.app import open_services
from outreach_bot.core.channel import Attachment, InboundMessage
from outreach_bot.core.leads.media import open_media
from outreach_bot.core.services import Services
from outreach_bot.core.staff.accounts import add_user, load_account
from outreach_bot.nlu.base import Prediction
from outreach_bot.storage.models import Conversation, Lead

SIZES = (100_000, 1_000_000, 10_000_000)
SENDER = "bench-voice"


class FixedNlu:
    """Every text is a greeting: the benchmark measures storage, not classification."""

    name = "fixed"

    async def parse(self, _: str) -> Prediction:
        return Prediction("greet", 1.0)


def voice(size: int) -> bytes:
    """An Ogg page header, then invented bytes up to ``size``."""
    return b"OggS\x00\x02" + bytes(range(256)) * (size // 256) + b"\x00" * (size % 256 - 6)


async def timed(rounds: int, action: Callable[[int], Awaitable[object]]) -> list[float]:
    times = []
    for index in range(rounds):
        start = time.perf_counter()
        await action(index)
        times.append(time.perf_counter() - start)
    return times


def line(label: str, times: list[float]) -> str:
    return f"{label:<28} {statistics.median(times) * 1000:8.1f} ms (max {max(times) * 1000:.1f})"


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = scratch_settings(
            Path(tmp),
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            media_max_bytes=max(SIZES),
        )
        async with open_services(settings, nlu=FixedNlu(), create_schema=True) as services:
            lead_id = await setup(services)
            admin = await add_user(
                services.sessions, "bench@example.org", role="admin", password="x" * 12
            )
            async with services.sessions() as session:
                account = await load_account(session, admin)
            if account is None:
                raise SystemExit("the benchmark's admin account could not be loaded")

            async def text(index: int) -> object:
                return await services.conversations.handle_inbound(
                    InboundMessage(channel="rest", sender_id=SENDER, text="salut")
                )

            print(line("text message (baseline)", await timed(rounds, text)))
            for size in SIZES:
                data = voice(size)

                async def fetch(limit: int, data: bytes = data) -> bytes:
                    return data

                async def receive(index: int, size: int = size, fetch=fetch) -> object:
                    return await services.conversations.handle_media(
                        InboundMessage(
                            channel="rest", sender_id=SENDER, text="", message_id=f"{size}-{index}"
                        ),
                        Attachment(kind="voice", fetch=fetch, declared_type="audio/ogg"),
                    )

                received = await timed(rounds, receive)
                ids = await media_ids(services)

                async def read(index: int, ids: list[int] = ids) -> object:
                    return await open_media(services.sessions, account, lead_id, ids[-1 - index])

                opened = await timed(rounds, read)
                print(line(f"receive {size / 1e6:g} MB voice note", received))
                print(line(f"open {size / 1e6:g} MB voice note", opened))


async def setup(services: Services) -> int:
    await services.conversations.handle_inbound(
        InboundMessage(channel="rest", sender_id=SENDER, text="salut")
    )
    async with services.sessions.begin() as session:
        from sqlalchemy import select  # noqa: PLC0415

        conversation_id = await session.scalar(select(Conversation.id))
        lead = Lead(conversation_id=conversation_id, channel="rest", first_name="Bench")
        session.add(lead)
        await session.flush()
        return lead.id


async def media_ids(services: Services) -> list[int]:
    from sqlalchemy import select  # noqa: PLC0415

    from outreach_bot.storage.models import MediaFile  # noqa: PLC0415

    async with services.sessions() as session:
        return list(await session.scalars(select(MediaFile.id).order_by(MediaFile.id)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(main(parser.parse_args().rounds))
