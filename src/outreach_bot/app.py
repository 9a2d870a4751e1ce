"""Composition root: build the services once, and the web application from them."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from outreach_bot.channels.base import OutboundChannel
from outreach_bot.config import NluBackendName, Settings
from outreach_bot.content import Content, load_content
from outreach_bot.core.conversations import ConversationService
from outreach_bot.core.events import EventBus
from outreach_bot.core.outbox import OutboxDispatcher, SendPolicy
from outreach_bot.core.sectors import ensure_default_sectors
from outreach_bot.dialogue.engine import DialogueEngine
from outreach_bot.nlu.base import NluBackend, Prediction
from outreach_bot.storage.crypto import FieldCipher, install_cipher
from outreach_bot.storage.models import Base
from outreach_bot.storage.session import create_engine, create_sessionmaker

logger = logging.getLogger(__name__)

#: Channels whose replies go through the persistent outbox rather than the HTTP response.
QUEUED_CHANNELS = frozenset({"telegram", "sms"})


async def _lone_process() -> bool:
    """A process with no other worker on its database leads itself."""
    return True


@dataclass(frozen=True)
class Services:
    """Everything long-lived, built once per process and shared by the web app, channels and CLI.

    ``outbound`` is the registry through which the core reaches a young person on their own
    channel, and ``send_policies`` says when each channel may send (SMS quiet hours); channel
    adapters register themselves in both when they start. ``dispatcher`` delivers the outbox.
    ``try_lead`` says whether this process leads the workers sharing the database (the one
    that long-polls Telegram); a lone process on SQLite always does.
    """

    settings: Settings
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    content: Content
    nlu: NluBackend
    events: EventBus
    conversations: ConversationService
    dispatcher: OutboxDispatcher
    outbound: dict[str, OutboundChannel]
    send_policies: dict[str, SendPolicy] = field(default_factory=dict)
    try_lead: Callable[[], Awaitable[bool]] = _lone_process


def resolve_secret(settings: Settings) -> str:
    """The configured secret, or one generated once and kept under ``var/`` (mode 600).

    A fresh machine must work with no configuration, yet personal data must never be
    encrypted with a guessable key.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.var_dir / "secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
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
) -> AsyncIterator[Services]:
    """Build the services, and dispose of them in reverse order.

    Args:
        settings: the configuration.
        nlu: a ready backend (tests pass a fake); built from settings when None.
        create_schema: create tables directly (tests); production uses ``db upgrade``.
        load_nlu: build the NLU backend now (serving); False defers it to first use.
    """
    install_cipher(FieldCipher(resolve_secret(settings)))
    content = load_content(settings.content_dir)
    engine_ = DialogueEngine(content, threshold=settings.nlu_threshold)
    db = create_engine(
        settings.effective_database_url, statement_timeout=settings.db_statement_timeout
    )
    try:
        if create_schema:
            async with db.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        sessions = create_sessionmaker(db)
        async with sessions.begin() as session:
            await ensure_default_sectors(session)
        backend = nlu or (await build_nlu(settings) if load_nlu else DeferredNlu(settings))
        events = EventBus()
        shared = None
        if make_url(settings.effective_database_url).get_backend_name() == "postgresql":
            from outreach_bot.storage.pg_events import PgEvents  # noqa: PLC0415

            shared = PgEvents(settings.effective_database_url, events)
            await shared.start()
        outbound: dict[str, OutboundChannel] = {}
        send_policies: dict[str, SendPolicy] = {}
        dispatcher = OutboxDispatcher(sessions, outbound, policies=send_policies)
        services = Services(
            settings=settings,
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
            ),
            dispatcher=dispatcher,
            outbound=outbound,
            send_policies=send_policies,
            try_lead=shared.try_lead if shared is not None else _lone_process,
        )
        try:
            yield services
        finally:
            close = getattr(backend, "close", None)
            if close is not None and nlu is None:
                await close()
            if shared is not None:
                await shared.close()
    finally:
        await db.dispose()


def create_web_app(services: Services) -> web.Application:
    """The aiohttp application: webhooks, REST channel, JSON API, health, back office."""
    from outreach_bot.web.app import build_app  # noqa: PLC0415 - keeps import order acyclic

    return build_app(services)


def migrations_path() -> Path:
    """Where Alembic's scripts live inside the package."""
    return Path(__file__).parent / "storage" / "migrations"
