"""Composition root: build the services once, and the web application from them.

This module only builds and wires. The command line is its one caller; every adapter
(channels, web pages, API) receives the :class:`~outreach_bot.core.services.Services` it
builds and imports nothing from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.engine import make_url

from outreach_bot.channels import rest, sms, webchat_media, webchat_poll, whatsapp
from outreach_bot.config import NluBackendName, Settings
from outreach_bot.content import load_content
from outreach_bot.core.channel import OutboundChannel
from outreach_bot.core.contact_lists.sending import FirstContacts
from outreach_bot.core.conversation.service import ConversationService
from outreach_bot.core.delivery.outbox import (
    DRAIN,
    QUEUED_CHANNELS,
    Budget,
    OutboxDispatcher,
    SendPolicy,
)
from outreach_bot.core.delivery.rules import SendingRules
from outreach_bot.core.delivery.whatsapp import templates_of
from outreach_bot.core.events.bus import EventBus
from outreach_bot.core.followups.appointments import KINDS as APPOINTMENT_KINDS
from outreach_bot.core.followups.appointments import Appointments
from outreach_bot.core.followups.reengagement import Reengagement
from outreach_bot.core.leads.sectors import ensure_default_sectors
from outreach_bot.core.leads.takeover import CRISIS_CHECK, HANDED_BACK, bot_in_charge
from outreach_bot.core.leads.takeover import MESSAGE_KEYS as HANDBACK_MESSAGES
from outreach_bot.core.leads.takeover import unanswered as crisis_unanswered
from outreach_bot.core.mail.sender import MailSender
from outreach_bot.core.media import MediaPolicy
from outreach_bot.core.partners.jobs import run_referral_jobs
from outreach_bot.core.schedule import Scheduler
from outreach_bot.core.services import Services, lone_process, still_alone
from outreach_bot.core.texts import LiveTexts, content_with_approvals
from outreach_bot.dialogue.engine import DialogueEngine
from outreach_bot.domain.errors import InvalidInputError
from outreach_bot.nlu.base import NluBackend, Prediction
from outreach_bot.nlu.language import LanguageIdentifierNlu
from outreach_bot.nlu.safety import use_crisis_words
from outreach_bot.storage.crypto import FieldCipher, install_cipher
from outreach_bot.storage.migrate import stamp_head
from outreach_bot.storage.models import Base
from outreach_bot.storage.search_index import ensure_search_index
from outreach_bot.storage.session import create_engine, create_sessionmaker
from outreach_bot.web import admin, health, landing
from outreach_bot.web.api import auth, external, leads, stats
from outreach_bot.web.errors import error_middleware, quiet_client_errors
from outreach_bot.web.headers import PUBLIC_HEADERS, security_headers
from outreach_bot.web.keys import metrics_key, services_key
from outreach_bot.web.ratelimit import rate_limit_middleware

if TYPE_CHECKING:
    from outreach_bot.core.events.postgres import PgEvents

logger = logging.getLogger(__name__)

SCHEDULER_STOP_SECONDS = 5.0
"""How long a stopping app waits for the scheduler's tick under way before cutting it off."""


def resolve_secret(settings: Settings) -> str:
    """The configured secret, or one generated once and kept under ``var/`` (mode 600).

    A fresh machine must work with no configuration, yet personal data must never be
    encrypted with a guessable key.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.var_dir / "secret.key"
    try:
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.write_text(secret, encoding="utf-8")
        path.chmod(0o600)
    except OSError as error:
        raise InvalidInputError(
            f"OUTREACH_VAR_DIR: cannot keep the secret key in {path} ({error.strerror}); "
            "let the bot's user write there, or set OUTREACH_SECRET_KEY"
        ) from error
    logger.warning("generated a new secret key in %s; back it up with the database", path)
    return secret


class DeferredNlu:
    """Builds the real backend on first use.

    Administrative commands (``users add``, ``api-token create``…) open the services but
    never classify a message; they should not pay seconds of model loading for nothing.
    """

    name = "deferred"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._backend: NluBackend | None = None

    async def parse(self, text: str) -> Prediction:
        """Classify with the real backend, building it the first time."""
        if self._backend is None:
            self._backend = await build_nlu(self._settings)
        return await self._backend.parse(text)

    async def close(self) -> None:
        """Close the real backend if it was built."""
        close = getattr(self._backend, "close", None)
        if close is not None:
            await close()


async def build_nlu(settings: Settings) -> NluBackend:
    """The configured NLU backend; Rasa always falls back to the embedded classifier."""
    from outreach_bot.nlu.embedded import EmbeddedNlu  # noqa: PLC0415 - heavy import, once

    embedded = EmbeddedNlu.from_path(settings.nlu_data, cache_dir=settings.nlu_cache_dir)
    if settings.nlu_backend is NluBackendName.RASA:
        from outreach_bot.nlu.rasa_http import RasaNlu  # noqa: PLC0415

        return RasaNlu(str(settings.rasa_url), timeout=settings.rasa_timeout, fallback=embedded)
    return embedded


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    nlu: NluBackend | None = None,
    create_schema: bool = False,
    load_nlu: bool = True,
    workers: int = 1,
) -> AsyncIterator[Services]:
    """Build the services, and dispose of them in reverse order.

    Args:
        settings: the configuration.
        nlu: a ready backend (tests pass a fake); built from settings when None.
        create_schema: create tables directly (tests); production uses ``db upgrade``.
        load_nlu: build the NLU backend now (serving); False defers it to first use.
        workers: how many processes serve (``run --workers``): they share the providers'
            rate limits.
    """
    secret = resolve_secret(settings)
    install_cipher(FieldCipher(secret))
    files = load_content(settings.content_dir)  # a broken bot/ stops the start at once
    use_crisis_words(files.crisis_words)  # the safety net hears Arabic, Dari, Pashto
    db = create_engine(
        settings.effective_database_url, statement_timeout=settings.db_statement_timeout
    )
    try:
        if create_schema:
            async with db.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
                await stamp_head(connection)
        sessions = create_sessionmaker(db)
        async with sessions.begin() as session:
            await ensure_default_sectors(session)
        async with sessions.begin() as session:
            # Written with another key (or never, after the migration): the search is rebuilt.
            await ensure_search_index(session)
        content = await content_with_approvals(sessions, settings.content_dir, files)
        engine_ = DialogueEngine(
            content, threshold=settings.nlu_threshold, identify=LanguageIdentifierNlu()
        )
        backend = nlu or (await build_nlu(settings) if load_nlu else DeferredNlu(settings))
        events = EventBus()
        LiveTexts(sessions, settings.content_dir, content).listen(events)
        shared = None
        if make_url(settings.effective_database_url).get_backend_name() == "postgresql":
            from outreach_bot.core.events.postgres import PgEvents  # noqa: PLC0415

            shared = PgEvents(settings.effective_database_url, events)
            await shared.start()
        outbound: dict[str, OutboundChannel] = {}
        rules = SendingRules.from_settings(settings)
        # Every queued channel follows the same rules; a channel may still register its own.
        send_policies: dict[str, SendPolicy] = dict.fromkeys(QUEUED_CHANNELS, rules)
        budgets: dict[str, Budget] = {}
        dispatcher = OutboxDispatcher(
            sessions, outbound, policies=send_policies, workers=workers, budgets=budgets
        )
        referral_wakeup = asyncio.Event()
        scheduler = Scheduler(
            sessions,
            content,
            rules,
            budgets=budgets,
            events=events,
            on_queued=dispatcher.wakeup.set,
            takeover_hours=settings.takeover_timeout_hours,
        )
        Reengagement(scheduler, content, events)  # registers its planner and its guard
        # A crisis guessed during a takeover: the bot's text goes if no counsellor answered.
        scheduler.guard(CRISIS_CHECK, crisis_unanswered, any_hour=True)
        # Handing back: "the bot answers you again", while it still does.
        content.require_messages(HANDBACK_MESSAGES)
        scheduler.guard(HANDED_BACK, bot_in_charge, fetched=True)
        # The web chat cannot be written to first; its page shows these when it fetches.
        scheduler.fetch(*APPOINTMENT_KINDS)
        services = Services(
            settings=settings,
            secret=secret,
            db=db,
            sessions=sessions,
            content=content,
            nlu=backend,
            events=events,
            conversations=ConversationService(
                sessions=sessions,
                nlu=backend,
                engine=engine_,
                events=events,
                queued_channels=QUEUED_CHANNELS,
                on_queued=dispatcher.wakeup.set,
                outbox=dispatcher,
                referral_consent_version=content.privacy.referral_consent.text_version,
                on_referral_agreed=referral_wakeup.set,
                media_policy=MediaPolicy.of(
                    settings.media_max_bytes, settings.media_types.split(",")
                ),
                crisis_wait=timedelta(minutes=settings.takeover_crisis_minutes),
            ),
            dispatcher=dispatcher,
            mailer=MailSender(settings),
            referral_wakeup=referral_wakeup,
            outbound=outbound,
            rules=rules,
            scheduler=scheduler,
            appointments=Appointments(
                sessions,
                content,
                rules,
                events,
                reminder_hour=settings.appointment_reminder_hour,
                whatsapp_templates=templates_of(settings),
            ),
            first_contacts=FirstContacts(
                sessions, scheduler, content, rules, team_phone=settings.team_phone
            ),
            send_policies=send_policies,
            budgets=budgets,
            try_lead=shared.try_lead if shared is not None else lone_process,
            leads=shared.leads if shared is not None else still_alone,
        )
        try:
            yield services
        finally:
            await _wind_down(dispatcher, backend if nlu is None else None, shared)
    finally:
        await db.dispose()


async def _wind_down(
    dispatcher: OutboxDispatcher, own_nlu: NluBackend | None, shared: PgEvents | None
) -> None:
    """Stop, in reverse order, what :func:`open_services` started, before the engine goes."""
    # Replies sent at once belong to no web app's outbox loop: they end here, while the
    # database is still open to record that they left.
    await dispatcher.close()
    close = getattr(own_nlu, "close", None)
    if close is not None:
        await close()
    if shared is not None:
        await shared.close()


MAX_BODY = 256 * 1024
"""No webhook or form of ours needs more; a 100 kB message still fits."""


async def _outbox(app: web.Application) -> AsyncIterator[None]:
    """Deliver queued Telegram/SMS messages for as long as the app runs."""
    dispatcher = app[services_key].dispatcher
    task = asyncio.create_task(dispatcher.run_forever())
    yield
    dispatcher.stop()  # ends its round and its sends in flight (DRAIN at most), then returns
    done, _ = await asyncio.wait({task}, timeout=DRAIN.total_seconds() + 5)
    if not done:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _referral_jobs(app: web.Application) -> AsyncIterator[None]:
    """E-mail partners as soon as a young person agrees; deadlines every few minutes."""
    task = asyncio.create_task(run_referral_jobs(app[services_key]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    """Queue scheduled messages as they fall due, for as long as the app runs."""
    services = app[services_key]
    task = asyncio.create_task(
        services.scheduler.run_forever(interval=services.settings.scheduler_interval)
    )
    yield
    # Let a tick under way finish its transaction; cut it off only if it takes too long.
    services.scheduler.stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=SCHEDULER_STOP_SECONDS)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_web_app(services: Services) -> web.Application:
    """The aiohttp application: every feature's routes, the API a sub-app with its own auth."""
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
    webchat_media.add_routes(app)
    admin.setup(app, services)
    if services.settings.telegram_token:
        # python-telegram-bot weighs about 18 MB: loaded only by a bot that has a token.
        from outreach_bot.channels import telegram  # noqa: PLC0415 - only when configured

        telegram.setup(app, services)  # starts before the outbox and stops after it
    sms.setup(app, services)  # same: its HTTP session outlives the outbox task
    whatsapp.setup(app, services)  # same

    api = web.Application(middlewares=[error_middleware, auth.bearer_middleware])
    api[services_key] = services
    leads.add_routes(api)
    stats.add_routes(api)
    external.add_routes(api)  # write endpoints for the Rasa action server
    app.add_subapp("/api/", api)
    app.cleanup_ctx.append(_outbox)
    app.cleanup_ctx.append(_referral_jobs)
    app.cleanup_ctx.append(_scheduler)
    return app


def migrations_path() -> Path:
    """Where Alembic's scripts live inside the package."""
    return Path(__file__).parent / "storage" / "migrations"
