"""Per-sender and per-address limits on the public chat endpoints, and the client's address.

One client once opened 3,000 conversations in 46 seconds through the REST webhook. Each
message that can start or continue a conversation (the REST webhook, the no-JavaScript web
chat form, the web chat's file upload) now spends a token from two buckets: one per sender
id, one per client address.
A bucket holds a minute's allowance and refills steadily, so a burst of button taps passes
while a loop is cut down to the refill rate. An empty bucket answers 429 with a JSON reason
and ``Retry-After``.

The buckets live in this process's memory: cheap, and right for the single process the
project runs as. With several processes each enforces its own limits (so the sum is what
one client can get); the login throttle, which must be exact, is kept in the database instead.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Middleware

from outreach_bot.config import Settings, proxy_networks
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.web.errors import json_error, read_form, read_json

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

WINDOW: Final = 60.0
"""Seconds for a bucket to refill completely: the limits are "per minute"."""
MAX_KEYS: Final = 100_000
"""Buckets kept at most; past that the least recently used goes (memory stays bounded)."""
LIMITED_ROUTES: Final = frozenset(
    {
        ("POST", "/webhooks/rest/webhook"),
        ("POST", "/q/{code}/chat"),
        ("POST", "/webhooks/rest/media"),
    }
)
QUERY_SENDER_ROUTES: Final = frozenset({"/webhooks/rest/media"})
"""Routes whose sender is in the query string: their body is a file, never read here."""
CHANNEL: Final = "rest"  # both routes talk on the REST channel: one sender, one bucket


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets by key, ``per_minute`` deep, refilled at ``per_minute`` a minute.

    A bucket untouched for a whole window is full again, exactly as if it did not exist, so
    such buckets are dropped as time passes: memory follows the clients of the last minute.
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / WINDOW
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def hit(self, key: str) -> float:
        """Spend one token for ``key``: 0 if allowed, else the seconds until one is back."""
        if self.per_minute <= 0:
            return 0.0
        now = self._clock()
        self._forget_idle(now)
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.per_minute), now)
        else:
            refill = (now - bucket.at) * self._rate
            bucket.tokens = min(float(self.per_minute), bucket.tokens + refill)
            bucket.at = now
        self._buckets[key] = bucket  # most recently used last
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self._rate

    def _forget_idle(self, now: float) -> None:
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.at < WINDOW:
                return
            self._buckets.popitem(last=False)


def client_ip(request: web.Request, trusted: tuple[IPv4Network | IPv6Network, ...]) -> str:
    """The client's address: the TCP peer, or, behind a trusted proxy, what it forwarded.

    ``X-Forwarded-For`` is read right to left, skipping trusted proxies; the first address
    that is not one of ours is the client. Without ``OUTREACH_TRUSTED_PROXIES`` the header is
    ignored, since anyone can send it.
    """
    peer = request.remote or "unknown"
    if not _trusted(peer, trusted):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getall("X-Forwarded-For", [])
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _trusted(address: str, trusted: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


async def _sender(request: web.Request) -> str | None:
    """The sender id of a chat message, if the body names one (the handler judges the rest)."""
    resource = request.match_info.route.resource
    if resource is not None and resource.canonical in QUERY_SENDER_ROUTES:
        return request.query.get("sender", "").strip() or None
    if request.content_type == "application/json":
        try:
            data = await read_json(request)
        except InvalidInputError:
            return None
        sender = data.get("sender") if isinstance(data, dict) else None
    else:
        try:
            sender = (await read_form(request)).get("sender")
        except InvalidInputError:
            return None  # the handler reads it again and answers the 400 its own way
    if isinstance(sender, bool) or not isinstance(sender, str | int):
        return None
    return str(sender).strip() or None


def too_many(wait: float) -> web.Response:
    """The 429 answer: a JSON reason and ``Retry-After`` in whole seconds."""
    seconds = max(1, math.ceil(wait))
    response = json_error(429, f"too many messages; retry in {seconds} s")
    response.headers["Retry-After"] = str(seconds)
    return response


def rate_limit_middleware(settings: Settings) -> Middleware:
    """Limit the chat endpoints per sender and per client address (see the module doc)."""
    senders = RateLimiter(settings.rate_limit_sender)
    addresses = RateLimiter(settings.rate_limit_ip)
    trusted = proxy_networks(settings.trusted_proxies)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else ""
        if (request.method, route) not in LIMITED_ROUTES:
            return await handler(request)
        wait = addresses.hit(client_ip(request, trusted))
        if not wait:
            sender = await _sender(request)
            if sender is not None:
                wait = senders.hit(f"{CHANNEL}:{sender}")
        if wait:
            return too_many(wait)
        return await handler(request)

    return middleware
