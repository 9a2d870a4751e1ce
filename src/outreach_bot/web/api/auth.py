"""Bearer-token authentication for the JSON API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from outreach_bot.core.staff.tokens import ApiClient, authenticate
from outreach_bot.web.errors import json_error
from outreach_bot.web.keys import services_key

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

token_name_key = web.RequestKey("token_name", str)
api_client_key = web.RequestKey("api_client", ApiClient)


@web.middleware
async def bearer_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reject any API call without a live bearer token (401, JSON)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return json_error(401, "a bearer token is required")
    async with request.app[services_key].sessions.begin() as session:
        client = await authenticate(session, token.strip())
        if client is None:
            return json_error(401, "invalid or revoked token")
        request[token_name_key] = client.name
        request[api_client_key] = client
    return await handler(request)
