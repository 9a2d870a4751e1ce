"""Telegram channel: python-telegram-bot as a thin adapter over the conversation core.

How an update travels:

* **Webhook mode** (production: ``OUTREACH_PUBLIC_URL`` is https, or
  ``OUTREACH_TELEGRAM_WEBHOOK=true``). Telegram posts to ``POST /webhooks/telegram`` on our
  own aiohttp server. The handler checks the secret token in constant time (403 otherwise),
  parses the JSON (400 on garbage) and awaits :meth:`TelegramAdapter.receive`, which hands the
  message to ``ConversationService.handle_inbound``: that stores it, deduplicated by
  ``update_id``, and queues the replies in the outbox, in one transaction. Only then does the
  handler answer 200; if storing fails it answers 500 and Telegram sends the update again.
  We do not use PTB's ``update_queue`` here, as its custom-webhook example does, because the
  queue acknowledges an update before anything is stored, and because
  ``Application.process_update`` hands handler errors to error handlers instead of raising, so
  the webhook could not tell Telegram to retry.
* **Long polling** (development: only ``OUTREACH_TELEGRAM_TOKEN`` is set). PTB's ``Updater``
  fetches updates and the ``Application`` calls :meth:`TelegramAdapter.on_update`, which is
  the same :meth:`TelegramAdapter.receive`. getUpdates acknowledges an update when the next
  batch is fetched, so an update that fails to be stored is lost: the adapter's error handler
  then asks the young person to send it again.

In both modes replies leave through the persistent outbox and :class:`TelegramOutbound`, never
from a handler, so a restart loses nothing and sends nothing twice. No dialogue rule lives
here: ``/start CODE``, ``/aide``, ``/stop`` and ``/supprimer`` reach the engine as text, and a
button tap as its payload, exactly as on every other channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import re
from collections.abc import AsyncIterator
from typing import Any, Final

from aiohttp import web
from telegram import Bot, BotCommand, CallbackQuery, Message, Update, User
from telegram.constants import ChatType, UpdateType
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from outreach_bot.channels.telegram_mode import (
    WEBHOOK_PATH,
    UpdateMode,
    update_mode,
    webhook_url,
)
from outreach_bot.channels.telegram_outbound import (
    CHANNEL,
    CallbackCodec,
    TelegramOutbound,
    TelegramTeamChat,
)
from outreach_bot.channels.telegram_request import AiohttpRequest
from outreach_bot.channels.telegram_update import update_shape_error
from outreach_bot.config import Settings
from outreach_bot.content import Content
from outreach_bot.content.languages import REFERENCE, preferred_language
from outreach_bot.core.channel import (
    Attachment,
    InboundMessage,
    MediaTooLargeError,
    MediaUnavailableError,
    PermanentFailureError,
    TemporaryFailureError,
)
from outreach_bot.core.conversation.service import ConversationService
from outreach_bot.core.leads.notifications import TeamNotifier
from outreach_bot.core.services import Services
from outreach_bot.dialogue.replies import Reply
from outreach_bot.domain.errors import OutreachError
from outreach_bot.web.errors import json_error, read_json

logger = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
ALLOWED_UPDATES: Final = (UpdateType.MESSAGE, UpdateType.CALLBACK_QUERY)
"""Edited messages, channel posts and the rest are never asked for."""
COMMANDS: Final = ("start", "aide", "stop", "supprimer")
"""Shown in Telegram's command menu; the engine understands them on every channel."""
MESSAGES: Final[dict[str, frozenset[str]]] = {
    "telegram_non_text": frozenset(),
    "telegram_contact_not_yours": frozenset(),
    "telegram_stale_button": frozenset(),
    "telegram_error": frozenset(),
    **{f"telegram_command_{command}": frozenset() for command in COMMANDS},
}
"""The ``messages.yml`` keys this adapter says itself, checked when the channel starts."""
MAX_RETRY_DELAY: Final = 60.0
LEADER_RETRY: Final = 10.0
"""Seconds between a waiting worker's tries to become the one that long-polls Telegram."""
LEAD_CHECK: Final = 0.5
"""Seconds between the polling worker's looks at whether it still holds the leader lock (a
look costs no query)."""
BOT_MENTION_RE: Final = re.compile(r"^(/[A-Za-z0-9_]+)@[A-Za-z0-9_]+")
GLOBAL_COMMANDS: Final = frozenset(f"/{command}" for command in COMMANDS if command != "start")
"""Sent as the bare word (``/stop`` → ``stop``), the word an SMS or the web chat carries, so
the engine's one rule for explicit commands (``dialogue.turn.command_of``) reads them alike."""

TelegramApplication = Application[Any, Any, Any, Any, Any, Any]
JPEG: Final = "image/jpeg"
"""Telegram re-encodes every photo as a JPEG."""


class TelegramSetupError(OutreachError):
    """Telegram refused our configuration at start-up (wrong token, refused webhook URL)."""


def webhook_secret(settings: Settings, instance_secret: str) -> str:
    """The secret Telegram sends with every webhook request.

    Derived from the instance secret unless set on its own, so a fresh install is protected
    with nothing to configure, and every process of one deployment computes the same value.
    """
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    key = instance_secret.encode("utf-8")
    return hmac.new(key, b"telegram-webhook-secret", hashlib.sha256).hexdigest()


def file_base_url(settings: Settings) -> str:
    """Where files are downloaded from: ``…/file/bot`` beside ``OUTREACH_TELEGRAM_BASE_URL``
    (``https://api.telegram.org/bot`` → ``https://api.telegram.org/file/bot``), as the Bot
    API serves them, so a local Bot API server or a test's fake serves both."""
    base = str(settings.telegram_base_url).rstrip("/")
    root = base.removesuffix("bot") if base.endswith("/bot") else f"{base}/"
    return f"{root}file/bot"


def build_application(settings: Settings, mode: UpdateMode) -> TelegramApplication:
    """The PTB application, pointed at ``OUTREACH_TELEGRAM_BASE_URL``, rate limited.

    ``max_retries=0``: a flood-control answer is not slept through inside the send (that
    would hold the whole outbox); it becomes a ``TemporaryFailureError`` that the outbox
    reschedules after ``retry_after``. The bot's calls go over aiohttp
    (:class:`~outreach_bot.channels.telegram_request.AiohttpRequest`, for the CPU each reply
    costs); long polling keeps PTB's own request.
    """
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(str(settings.telegram_base_url))
        .base_file_url(file_base_url(settings))
        .request(AiohttpRequest())
        .rate_limiter(AIORateLimiter(max_retries=0))
    )
    if mode is UpdateMode.WEBHOOK:
        builder = builder.updater(None)
    return builder.build()


def _locale(user: User | None, default: str, content: Content) -> str:
    """The language of the young person's Telegram app, for texts said outside the dialogue.

    The dialogue itself follows the language they write in; this is only for the few notices
    the adapter gives before any text exists (a sticker, a stale button). Any language the bot
    has counts, as on the landing page: an app in Persian ("fa") gets Dari.
    """
    code = (user.language_code or "") if user else ""
    return (preferred_language(code, content.languages) if code else None) or default


class TelegramAdapter:
    """Turns Telegram updates into calls to the core; holds no state and no dialogue rule."""

    def __init__(
        self,
        conversations: ConversationService,
        *,
        bot: Bot,
        content: Content,
        outbound: TelegramOutbound,
        codec: CallbackCodec,
        default_locale: str = "fr",
    ) -> None:
        self._conversations = conversations
        self._bot = bot
        self._content = content
        self._outbound = outbound
        self._codec = codec
        self._default_locale = default_locale

    async def receive(self, update: Update) -> None:
        """Handle one update, whatever the mode.

        Raises:
            Exception: whatever prevented storing the message, so the webhook answers 500.
        """
        if update.callback_query is not None:
            await self.on_callback(update)
            return
        message = update.message
        if message is None or message.chat.type != ChatType.PRIVATE or message.from_user is None:
            # Group chats (the team's, for instance) are not conversations with a young person.
            logger.debug("telegram update %s ignored", update.update_id)
            return
        if message.text is not None:
            await self.on_text(update)
        elif message.contact is not None:
            await self.on_contact(update)
        else:
            await self.on_media(update)

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB callback for polling mode: the same path as the webhook."""
        await self.receive(update)

    async def on_text(self, update: Update) -> None:
        """A text or a command: the engine understands both."""
        message = update.message
        assert message is not None  # noqa: S101 - receive() routed it here
        assert message.text is not None  # noqa: S101
        text = BOT_MENTION_RE.sub(r"\1", message.text).strip()
        if text.lower() in GLOBAL_COMMANDS:
            text = text[1:]
        await self._hand_over(update, message.chat.id, text)

    async def on_callback(self, update: Update) -> None:
        """A button tap is handled like its payload; then its keyboard goes, so no double tap."""
        query = update.callback_query
        assert query is not None  # noqa: S101 - receive() routed it here
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != ChatType.PRIVATE:
            await self._answer(query)
            return
        payload = self._codec.decode(query.data) if query.data else None
        if payload is None:
            locale = _locale(query.from_user, self._default_locale, self._content)
            await self._answer(query, self._content.message("telegram_stale_button", locale))
            await self._remove_keyboard(query)
            return
        await self._hand_over(update, chat.id, payload)
        await self._answer(query)
        await self._remove_keyboard(query)

    async def on_contact(self, update: Update) -> None:
        """A shared contact card: the young person's own number fills the phone field."""
        message = update.message
        assert message is not None  # noqa: S101 - receive() routed it here
        contact = message.contact
        assert contact is not None  # noqa: S101
        sender = message.from_user
        if sender is None or contact.user_id is None or contact.user_id != sender.id:
            # Someone else's number: we may only record what a young person gives about
            # themselves.
            await self._notice(message, "telegram_contact_not_yours")
            return
        phone = contact.phone_number.strip()
        if not phone.startswith("+"):
            phone = f"+{phone}"
        await self._hand_over(update, message.chat.id, phone)

    async def on_media(self, update: Update) -> None:
        """A voice note, audio, photo, document or video goes to the core as an attachment,
        which checks it, keeps it for the team (with consent) and answers; a sticker or a
        location gets a short notice that we only read text."""
        message = update.message
        assert message is not None  # noqa: S101 - receive() routed it here
        attachment = self._attachment(message)
        if attachment is None:
            await self._notice(message, "telegram_non_text")
            return
        result = await self._conversations.handle_media(
            InboundMessage(
                channel=CHANNEL,
                sender_id=str(message.chat.id),
                text=message.caption or "",
                message_id=str(update.update_id),
            ),
            attachment,
        )
        logger.info(
            "telegram update %s (%s) handled in conversation %s%s",
            update.update_id,
            attachment.kind,
            result.conversation_id,
            " (duplicate)" if result.duplicate else "",
        )

    def _attachment(self, message: Message) -> Attachment | None:
        """What the message carries, as the core's :class:`Attachment`; None for a sticker,
        a location and the like. Of a photo's sizes, the largest."""
        voice, audio, document = message.voice, message.audio, message.document
        video = message.video or message.video_note
        if voice is not None:
            return self._file("voice", voice.file_id, voice.mime_type, voice.file_size)
        if audio is not None:
            return self._file(
                "audio", audio.file_id, audio.mime_type, audio.file_size, audio.file_name
            )
        if message.photo:
            photo = message.photo[-1]
            return self._file("photo", photo.file_id, JPEG, photo.file_size)
        if document is not None:
            return self._file(
                "document",
                document.file_id,
                document.mime_type,
                document.file_size,
                document.file_name,
            )
        if video is not None:
            return self._file("video", video.file_id, "video/mp4", video.file_size)
        return None

    def _file(
        self,
        kind: str,
        file_id: str,
        declared_type: str | None,
        size: int | None,
        filename: str | None = None,
    ) -> Attachment:
        async def fetch(limit: int) -> bytes:
            """getFile, then the download; a file Telegram will not give is unavailable.

            A network failure propagates: the webhook answers 500 and Telegram sends the
            update again (in polling mode the young person is asked to resend).
            """
            try:
                file = await self._bot.get_file(file_id)
                if file.file_size is not None and file.file_size > limit:
                    raise MediaTooLargeError(kind)
                data = bytes(await file.download_as_bytearray())
            except (BadRequest, Forbidden, InvalidToken) as error:
                # "file is too big" (over the Bot API's 20 MB), an expired file id, a download
                # answered 404 (PTB reads a 404 as a bad token)…
                raise MediaUnavailableError(type(error).__name__) from None
            if len(data) > limit:
                raise MediaTooLargeError(kind)
            return data

        return Attachment(
            kind=kind,
            fetch=fetch,
            declared_type=declared_type,
            declared_size=size,
            filename=filename,
        )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB error handler (polling mode): log, and ask the young person to send again."""
        update_id = update.update_id if isinstance(update, Update) else None
        logger.error("telegram update %s failed", update_id, exc_info=context.error)
        if not isinstance(update, Update):
            return
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            locale = _locale(update.effective_user, self._default_locale, self._content)
            await self._say(chat.id, self._content.message("telegram_error", locale))

    async def _hand_over(self, update: Update, chat_id: int, text: str) -> None:
        result = await self._conversations.handle_inbound(
            InboundMessage(
                channel=CHANNEL,
                sender_id=str(chat_id),
                text=text,
                message_id=str(update.update_id),
            )
        )
        logger.info(
            "telegram update %s handled in conversation %s%s",
            update.update_id,
            result.conversation_id,
            " (duplicate)" if result.duplicate else "",
        )

    async def _notice(self, message: Message, key: str) -> None:
        locale = _locale(message.from_user, self._default_locale, self._content)
        await self._say(message.chat.id, self._content.message(key, locale))

    async def _say(self, chat_id: int, text: str) -> None:
        """Say something outside the dialogue; it is not part of any conversation."""
        try:
            await self._outbound.send(str(chat_id), Reply(text))
        except (TemporaryFailureError, PermanentFailureError) as error:
            logger.warning("telegram notice to a chat failed: %s", error)

    async def _answer(self, query: CallbackQuery, text: str | None = None) -> None:
        try:
            await self._bot.answer_callback_query(query.id, text=text)
        except TelegramError as error:
            # The tap is stored; a spinner that lingers is all that goes wrong.
            logger.warning("answering callback query failed: %s", type(error).__name__)

    async def _remove_keyboard(self, query: CallbackQuery) -> None:
        message = query.message
        if message is None or not message.is_accessible:
            return
        try:
            await self._bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=message.message_id, reply_markup=None
            )
        except TelegramError as error:
            logger.warning("removing a used keyboard failed: %s", type(error).__name__)


class TelegramChannel:
    """The running channel: PTB application, adapter, outbound registration, team notices."""

    def __init__(self, services: Services, *, retry_delay: float = 5.0) -> None:
        settings = services.settings
        mode = update_mode(settings)
        if mode is None:
            raise ValueError("the Telegram channel needs OUTREACH_TELEGRAM_TOKEN")
        self.mode = mode
        self.application = build_application(settings, mode)
        self.codec = CallbackCodec()
        self.outbound = TelegramOutbound(
            self.application.bot, codec=self.codec, interval=settings.telegram_chat_interval
        )
        self.adapter = TelegramAdapter(
            services.conversations,
            bot=self.application.bot,
            content=services.content,
            outbound=self.outbound,
            codec=self.codec,
            default_locale=settings.default_locale,
        )
        self.application.add_handler(TypeHandler(Update, self.adapter.on_update))
        self.application.add_error_handler(self.adapter.on_error)
        self.notifier = (
            TeamNotifier(
                services.sessions,
                TelegramTeamChat(self.application.bot, settings.telegram_team_chat_id),
                public_url=str(settings.public_url),
            )
            if settings.telegram_team_chat_id is not None
            else None
        )
        self.live = asyncio.Event()
        self._services = services
        self._settings = settings
        self._secret = webhook_secret(settings, services.secret)
        self._retry_delay = retry_delay
        self._starting: asyncio.Task[None] | None = None
        self._following: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect to the Bot API and start receiving.

        A wrong token or a refused webhook URL stops start-up with one clear line. An
        unreachable Bot API does not stop the rest of the server: the channel keeps trying in
        the background, and the outbox holds Telegram replies until it is up.

        Raises:
            TelegramSetupError: Telegram refused the token or the webhook URL.
        """
        self._services.content.require_messages(MESSAGES)
        if self.notifier is not None:
            self._services.events.subscribe(self.notifier.on_event)
        try:
            await self._bring_up()
        except TelegramSetupError:
            await self._shut_down()
            raise
        except TelegramError as error:
            logger.warning(
                "Telegram Bot API unreachable at start-up (%s); retrying in the background",
                type(error).__name__,
            )
            self._starting = asyncio.create_task(self._keep_trying(), name="telegram-start")

    async def stop(self) -> None:
        """Stop receiving and sending; what is still queued waits in the outbox."""
        for task in (self._starting, self._following):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._services.outbound.get(CHANNEL) is self.outbound:
            del self._services.outbound[CHANNEL]
        await self._shut_down()

    async def _bring_up(self) -> None:
        application = self.application
        bot = application.bot
        try:
            await application.initialize()
            await self._register_commands()
            if self.mode is UpdateMode.WEBHOOK:
                await bot.set_webhook(
                    url=webhook_url(self._settings),
                    secret_token=self._secret,
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            if not application.running:
                await application.start()
            if self.mode is UpdateMode.POLLING:
                await self._poll_if_leader()
        except InvalidToken:
            # PTB's own message repeats the token; it must not reach a terminal or a log.
            raise TelegramSetupError(
                "OUTREACH_TELEGRAM_TOKEN: Telegram rejected the bot token "
                "(copy it again from @BotFather)"
            ) from None
        except BadRequest as error:
            raise TelegramSetupError(
                f"OUTREACH_PUBLIC_URL: Telegram refused the webhook {webhook_url(self._settings)}"
                f" ({error.message})"
            ) from None
        self._services.outbound[CHANNEL] = self.outbound
        self._services.dispatcher.wakeup.set()
        self.live.set()
        logger.info("Telegram channel is up (%s, bot id %s)", self.mode.value, bot.id)

    async def _poll_if_leader(self) -> None:
        """Long-poll in one worker only: two pollers would take each other's updates.

        The others check again every :data:`LEADER_RETRY` seconds and take over if the
        leader stops; webhooks, sending and team notices work in every worker meanwhile. The
        leader watches its lock (:data:`LEAD_CHECK`): when its database connection is lost,
        so is the lock, and it stops polling at once and joins the election again.
        """
        updater = self.application.updater
        if updater is None or updater.running:
            return
        if await self._services.try_lead():
            await updater.start_polling(
                allowed_updates=list(ALLOWED_UPDATES), error_callback=self._on_polling_error
            )
            logger.info("this worker (pid %s) long-polls Telegram", os.getpid())
            self._following = asyncio.create_task(self._guard(), name="telegram-leader")
        elif self._following is None or self._following.done():
            self._following = asyncio.create_task(self._follow(), name="telegram-follower")

    async def _guard(self) -> None:
        """While polling: stop as soon as the leader lock is no longer ours."""
        while self._services.leads():  # noqa: ASYNC110 - a flag, read with no query
            await asyncio.sleep(LEAD_CHECK)
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        logger.warning(
            "this worker (pid %s) stops long-polling Telegram: it lost the leader lock",
            os.getpid(),
        )
        self._following = asyncio.create_task(self._follow(), name="telegram-follower")

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(LEADER_RETRY)
            try:
                if await self._services.try_lead():
                    self._following = None
                    await self._poll_if_leader()
                    return
            except Exception:  # an unexpected failure: try again at the next round
                logger.exception("checking Telegram polling leadership failed")

    async def _keep_trying(self) -> None:
        delay = self._retry_delay
        while True:
            await asyncio.sleep(delay)
            try:
                await self._bring_up()
            except TelegramSetupError as error:
                logger.error("Telegram channel stays off: %s", error)  # noqa: TRY400
                return
            except TelegramError as error:
                delay = min(delay * 2, MAX_RETRY_DELAY)
                logger.warning(
                    "Telegram Bot API still unreachable (%s); next try in %.0fs",
                    type(error).__name__,
                    delay,
                )
            else:
                return

    async def _register_commands(self) -> None:
        """The command menu, in French by default and in each language that has its own
        descriptions for the users whose app is in it (Dari for an app in Persian, "fa")."""
        content = self._services.content
        menus: list[tuple[str, str | None]] = [(REFERENCE, None)]
        for code, language in content.languages.items():
            own = content.texts.get(code, {})
            if code != REFERENCE and all(
                f"messages.telegram_command_{command}" in own for command in COMMANDS
            ):
                menus.append((code, language.identifier or code))
        for locale, language_code in menus:
            commands = [
                BotCommand(command, content.message(f"telegram_command_{command}", locale))
                for command in COMMANDS
            ]
            await self.application.bot.set_my_commands(commands, language_code=language_code)

    @staticmethod
    def _on_polling_error(error: TelegramError) -> None:
        logger.warning("polling Telegram failed (%s); PTB retries", type(error).__name__)

    async def _shut_down(self) -> None:
        application = self.application
        updater = application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        if self.notifier is not None:
            await self.notifier.close()
        await application.shutdown()
        # Closes the HTTP clients even when getMe never succeeded.
        await application.bot.shutdown()

    async def on_webhook(self, request: web.Request) -> web.Response:
        """``POST /webhooks/telegram``: verify, parse, store, then acknowledge."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, self._secret.encode("utf-8")):
            logger.warning("telegram webhook refused: missing or wrong secret token")
            return json_error(403, "forbidden")
        data = await read_json(request)
        problem = update_shape_error(data)
        if problem is not None:
            logger.warning("telegram webhook refused a malformed update (%s)", problem)
            return json_error(400, f"not a Telegram update: {problem}")
        update_id = data["update_id"]
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:  # any parsing failure of outside input is a 400, never a 500
            return json_error(400, "not a Telegram update")
        try:
            await self.adapter.receive(update)
        except Exception:
            logger.exception(
                "telegram update %s could not be stored; Telegram will retry", update_id
            )
            return json_error(500, "not stored, try again")
        return web.json_response({"ok": True})


def setup(app: web.Application, services: Services) -> None:
    """Add the Telegram channel to the web app when a token is configured."""
    if update_mode(services.settings) is None:
        return
    channel = TelegramChannel(services)
    if channel.mode is UpdateMode.WEBHOOK:
        app.router.add_post(WEBHOOK_PATH, channel.on_webhook)

    async def run(_app: web.Application) -> AsyncIterator[None]:
        await channel.start()
        yield
        await channel.stop()

    app.cleanup_ctx.append(run)
