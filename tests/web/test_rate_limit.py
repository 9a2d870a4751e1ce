"""Limits on the public chat endpoints: per sender, per client address, and bounded memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from outreach_bot.app import open_services
from outreach_bot.core.channel import InboundMessage
from outreach_bot.core.locks import KeyedLocks
from outreach_bot.core.services import Services
from outreach_bot.nlu.base import NluBackend
from outreach_bot.web.ratelimit import RateLimiter
from tests.conftest import make_settings, serve

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(name="limited")
async def _limited(tmp_path: Path, embedded_nlu: NluBackend) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The real app with small limits, behind a trusted proxy on the loopback address."""
    settings = make_settings(
        tmp_path, rate_limit_sender=5, rate_limit_ip=8, trusted_proxies="127.0.0.1, ::1"
    )
    async with (
        open_services(settings, nlu=embedded_nlu, create_schema=True) as services,
        serve(services) as client,
    ):
        yield client


async def _say(client: TestClient, sender: str, text: str = "salut", **headers: str) -> Any:  # type: ignore[type-arg]
    return await client.post(WEBHOOK, json={"sender": sender, "message": text}, headers=headers)


async def test_a_young_person_typing_is_never_limited(client: TestClient) -> None:  # type: ignore[type-arg]
    """With the default limits, a fast chat of 25 messages in a row all get answers."""
    for number in range(25):
        response = await _say(client, "web-fast-typist-0001", f"message {number}")
        assert response.status == 200, await response.text()


async def test_a_flooding_sender_gets_429_with_retry_after(client: TestClient) -> None:  # type: ignore[type-arg]
    """Past 30 messages at once, one sender gets a JSON 429 and Retry-After; others go on."""
    statuses = [(await _say(client, "web-loop-000000001")).status for _ in range(30)]
    assert statuses == [200] * 30
    refused = await _say(client, "web-loop-000000001")
    assert refused.status == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "retry in" in (await refused.json())["error"]
    assert (await _say(client, "web-someone-else-01")).status == 200


async def test_one_address_opening_many_conversations_is_cut(limited: TestClient) -> None:  # type: ignore[type-arg]
    """New sender ids from one address stop at the per-address limit (8 here)."""
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    statuses = [(await _say(limited, f"web-bot-{n:012d}", **forwarded)).status for n in range(12)]
    assert statuses == [200] * 8 + [429] * 4
    # Another client behind the same proxy is not affected.
    other = await _say(limited, "web-real-person-01", **{"X-Forwarded-For": "198.51.100.4"})
    assert other.status == 200


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(client: TestClient) -> None:  # type: ignore[type-arg]
    """A client cannot dodge the limit by inventing X-Forwarded-For: the header is not read."""
    for number in range(30):
        await _say(client, "web-liar-0000000001", **{"X-Forwarded-For": f"192.0.2.{number}"})
    refused = await _say(client, "web-liar-0000000001", **{"X-Forwarded-For": "192.0.2.200"})
    assert refused.status == 429


async def test_the_web_chat_form_shares_the_sender_limit(limited: TestClient) -> None:  # type: ignore[type-arg]
    """The no-JavaScript chat form counts against the same sender as the REST webhook."""
    sender = "web-formuser-000000001"
    for _ in range(5):
        assert (await _say(limited, sender, **{"X-Forwarded-For": "198.51.100.9"})).status == 200
    form = await limited.post(
        "/q/chat/chat",
        data={"sender": sender, "started": "1", "message": "encore"},
        headers={"X-Forwarded-For": "198.51.100.10"},
    )
    assert form.status == 429
    assert "Retry-After" in form.headers


def test_buckets_of_idle_clients_are_forgotten() -> None:
    """A bucket untouched for a minute is dropped: memory follows the last minute's clients."""
    now = [0.0]
    limiter = RateLimiter(10, clock=lambda: now[0])
    for number in range(1000):
        limiter.hit(f"sender-{number}")
    assert len(limiter) == 1000
    now[0] = 61.0
    limiter.hit("sender-new")
    assert len(limiter) == 1


def test_bucket_count_is_capped_and_refills() -> None:
    """Never more than ``max_keys`` buckets; an emptied bucket refills with time."""
    now = [0.0]
    limiter = RateLimiter(2, max_keys=100, clock=lambda: now[0])
    for number in range(500):
        limiter.hit(f"sender-{number}")
    assert len(limiter) == 100
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == pytest.approx(30.0)
    now[0] = 30.0
    assert limiter.hit("a") == 0


async def test_the_per_sender_lock_map_empties_after_the_messages(services: Services) -> None:
    """200 conversations handled at once leave no lock behind (the map used to keep them all)."""
    messages = [
        InboundMessage(channel="rest", sender_id=f"web-many-{number:08d}", text="salut")
        for number in range(200)
    ]
    results = await asyncio.gather(*(services.conversations.handle_inbound(m) for m in messages))
    assert all(result.replies for result in results)
    assert services.conversations.busy_senders == 0


async def test_a_waiting_message_keeps_its_lock_and_its_turn() -> None:
    """While one message holds a sender's lock, the next waits for it, then the entry goes."""
    locks = KeyedLocks()
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with locks.hold("sender"):
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def second() -> None:
        async with locks.hold("sender"):
            order.append("second")

    tasks = [asyncio.create_task(first())]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(second()))
    await asyncio.sleep(0)
    assert len(locks) == 1
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "first out", "second"]
    assert len(locks) == 0
