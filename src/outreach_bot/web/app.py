"""Assemble the aiohttp application from feature route modules."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from outreach_bot.app import Services
from outreach_bot.channels import rest, sms, webchat_poll
from outreach_bot.web import admin, health, landing
from outreach_bot.web.api import auth, external, leads, stats
from outreach_bot.web.errors import error_middleware, quiet_client_errors
from outreach_bot.web.headers import PUBLIC_HEADERS, security_headers
from outreach_bot.web.keys import metrics_key, services_key
from outreach_bot.web.ratelimit import rate_limit_middleware

MAX_BODY = 256 * 1024
"""No webhook or form of ours needs more; a 100 kB message still fits."""


async def _outbox(app: web.Application) -> AsyncIterator[None]:
    """Deliver queued Telegram/SMS messages for as long as the app runs."""
    task = asyncio.create_task(app[services_key].dispatcher.run_forever())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def build_app(services: Services) -> web.Application:
    """Compose every feature's routes; the API is a sub-app with its own bearer auth."""
    quiet_client_errors()
    registry, requests, latency = health.create_registry()
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[
            security_headers(PUBLIC_HEADERS),
            health.metrics_middleware(requests, latency),
            error_middleware,
            rate_limit_middleware(services.settings),
        ],
    )
    app[services_key] = services
    app[metrics_key] = registry
    health.add_routes(app)
    rest.add_routes(app)
    landing.add_routes(app)
    webchat_poll.add_routes(app)
    admin.setup(app, services)
    if services.settings.telegram_token:
        # python-telegram-bot weighs about 18 MB: loaded only by a bot that has a token.
        from outreach_bot.channels import telegram  # noqa: PLC0415 - only when configured

        telegram.setup(app, services)  # starts before the outbox and stops after it
    sms.setup(app, services)  # same: its HTTP session outlives the outbox task

    api = web.Application(middlewares=[error_middleware, auth.bearer_middleware])
    api[services_key] = services
    leads.add_routes(api)
    stats.add_routes(api)
    external.add_routes(api)  # write endpoints for the Rasa action server
    app.add_subapp("/api/", api)
    app.cleanup_ctx.append(_outbox)
    return app
