"""Sending to Telegram: replies from the outbox, direct notices, and the team chat.

Everything is sent as plain text, with no ``parse_mode``. Our texts come from ``bot/`` and
from what young people type (a first name such as ``_*Lou*_``); with Markdown or HTML, every
one of those characters would need escaping in the right dialect, and one miss makes
Telegram refuse the whole message. Plain text cannot break, and we need no formatting.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Final

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from outreach_bot.core.channel import (
    Delivery,
    PermanentFailureError,
    SendLimits,
    SendResult,
    TemporaryFailureError,
)
from outreach_bot.dialogue.replies import Button, Reply
from outreach_bot.domain.direction import keep_numbers_whole

logger = logging.getLogger(__name__)

CHANNEL: Final = "telegram"
MAX_TEXT: Final = int(MessageLimit.MAX_TEXT_LENGTH)
"""4096, counted in UTF-16 code units as Telegram counts them (an emoji counts twice)."""
MAX_CALLBACK_DATA: Final = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
LONG_PAYLOAD_PREFIX: Final = "#"
"""Marks callback data that stands for a payload too long for Telegram's 64 bytes."""
SHORT_TITLE: Final = 18
PAIRED_FROM: Final = 4
"""From this many buttons, if all titles are short, they go two per row to save scrolling."""
BMP_END: Final = 0xFFFF
"""Characters above this take two UTF-16 code units."""
PACING_TABLE_SIZE: Final = 1024
SEPARATORS: Final = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")
"""Where a long text may be cut, best first: paragraph, line, sentence, clause, word."""


def _units(text: str) -> int:
    """Length as Telegram measures it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > BMP_END else 1
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut ``text`` into messages Telegram accepts, at the cleanest boundary available.

    A cut is made at the last paragraph break of the allowed window, else the last line
    break, sentence end or space; only a text with no space at all is cut mid-word. A
    boundary in the first half of the window is not used, so no message is a stub.
    """
    rest = text.strip()
    chunks: list[str] = []
    while _units(rest) > limit:
        window = _fitting(rest, limit)
        head = rest[:window]
        cut = window
        for separator in SEPARATORS:
            position = head.rfind(separator)
            if position > window // 2:
                cut = position + len(separator)
                break
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


class CallbackCodec:
    """Button payloads ↔ Telegram ``callback_data`` (at most 64 bytes).

    Every payload of the dialogue today is far shorter (``/select{"value":"55545"}`` is 24
    bytes) and travels as is, which survives restarts and works across processes. A longer
    one is replaced by a hash kept in this process's memory; after a restart such a button
    answers "no longer works" and the young person types the answer instead.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def encode(self, payload: str) -> str:
        """The callback data for ``payload``."""
        if (
            len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA
            and not payload.startswith(LONG_PAYLOAD_PREFIX)
            and payload
        ):
            return payload
        key = LONG_PAYLOAD_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self._capacity:
            self._long.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        """The payload behind ``data``, or None for a long one this process no longer knows."""
        if data.startswith(LONG_PAYLOAD_PREFIX):
            return self._long.get(data)
        return data


def keyboard(buttons: Sequence[Button], codec: CallbackCodec) -> InlineKeyboardMarkup | None:
    """The dialogue's buttons as an inline keyboard (None when there are none)."""
    if not buttons:
        return None
    keys = [
        InlineKeyboardButton(button.title, callback_data=codec.encode(button.payload))
        for button in buttons
    ]
    paired = len(keys) >= PAIRED_FROM and all(len(b.title) <= SHORT_TITLE for b in buttons)
    per_row = 2 if paired else 1
    return InlineKeyboardMarkup(
        [keys[start : start + per_row] for start in range(0, len(keys), per_row)]
    )


def _retry_after_seconds(error: RetryAfter) -> float:
    """``RetryAfter.retry_after`` is an int or a timedelta depending on PTB_TIMEDELTA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def translate(error: TelegramError) -> TemporaryFailureError | PermanentFailureError:
    """What the outbox should do after a Bot API error.

    Only what can never succeed for this chat is permanent: the user blocked the bot or
    deleted their account (403), or Telegram rejects the request itself (400). A rejected
    token or an unreachable API is our problem, not the young person's, so it is retried.
    """
    if isinstance(error, RetryAfter):
        return TemporaryFailureError("flood control", retry_after=_retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return PermanentFailureError(f"forbidden: {error.message}")
    if isinstance(error, BadRequest | ChatMigrated):
        return PermanentFailureError(f"rejected: {error.message}")
    if isinstance(error, InvalidToken):
        return TemporaryFailureError("the bot token was rejected")
    if isinstance(error, NetworkError):
        return TemporaryFailureError(f"network: {type(error).__name__}")
    return TemporaryFailureError(f"telegram: {type(error).__name__}")


BOT_RATE: Final = 30.0
"""Messages per second Telegram lets one bot send overall (its broadcasting limit)."""
CONCURRENT_SENDS: Final = 16
"""Bot API calls in flight at once: enough for the bot rate when each call takes half a
second, and little for the server."""


class TelegramOutbound:
    """The ``OutboundChannel`` for Telegram: the outbox delivers replies through it.

    Its :attr:`limits` tell the outbox dispatcher Telegram's rules: about one message per
    second to one chat, 30 per second for the bot. The dispatcher keeps them without making
    anyone wait (a chat whose second has not passed is tried again at its slot). PTB's
    ``AIORateLimiter`` on the bot is a second guard for the bot's rate and paces groups (20
    per minute). The parts of one split reply go in one send: this class spaces them by
    ``interval`` itself, which holds up that chat only.
    """

    name = CHANNEL

    def __init__(
        self,
        bot: Bot,
        *,
        codec: CallbackCodec,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._codec = codec
        self._interval = interval
        self.limits = SendLimits(
            per_second=BOT_RATE, recipient_interval=interval, concurrent=CONCURRENT_SENDS
        )
        self._clock = clock
        self._next_slot: dict[int, float] = {}
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def send(
        self, recipient: str, reply: Reply, delivery: Delivery | None = None
    ) -> SendResult:
        """Send one reply, split if too long; the keyboard rides on the last part.

        Link buttons (``tel:3114``) are left out: inline keyboards take only http(s) and tg
        links. The numbers are written in the text, so nothing is lost: it can be read, copied
        or dialled, and apps that recognise phone numbers make it tappable.

        The Bot API has no idempotency key, so what protects a split reply from repeats is
        ``delivery.parts_sent``: the parts an earlier attempt got accepted are skipped, and a
        failure says how many parts are out so far.

        Raises:
            TemporaryFailureError: flood control, network trouble or API outage (its
                ``parts_sent`` counts the parts already delivered).
            PermanentFailureError: the user blocked the bot, or the chat cannot be written to.
        """
        try:
            chat_id = int(recipient)
        except ValueError as error:
            raise PermanentFailureError("not a Telegram chat id") from error
        # Plain text, laid out by the phone: a number in an Arabic line must keep its order.
        chunks = split_text(keep_numbers_whole(reply.text))
        if not chunks:
            logger.warning("empty reply to a Telegram chat not sent")
            return SendResult(segments=0)
        markup = keyboard(reply.choices, self._codec)
        done = delivery.parts_sent if delivery else 0
        sent: Message | None = None
        for index, chunk in enumerate(chunks[done:], start=done):
            last = index == len(chunks) - 1
            try:
                sent = await self._send_one(chat_id, chunk, markup if last else None)
            except TemporaryFailureError as error:
                error.parts_sent = index
                raise
        return SendResult(
            provider_message_id=str(sent.message_id) if sent else None, segments=len(chunks)
        )

    async def _send_one(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        async with self._locks[chat_id]:
            wait = self._next_slot.get(chat_id, 0.0) - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await self._bot.send_message(
                    chat_id=chat_id, text=text, reply_markup=markup
                )
            except TelegramError as error:
                raise translate(error) from error
            finally:
                self._next_slot[chat_id] = self._clock() + self._interval
                self._forget_idle_chats()

    def _forget_idle_chats(self) -> None:
        """Keep the pacing table small: a chat whose slot has passed needs no entry."""
        if len(self._next_slot) < PACING_TABLE_SIZE:
            return
        now = self._clock()
        for chat_id, slot in list(self._next_slot.items()):
            lock = self._locks.get(chat_id)
            if slot <= now and (lock is None or not lock.locked()):
                del self._next_slot[chat_id]
                self._locks.pop(chat_id, None)


class TelegramTeamChat:
    """The team's Telegram group, as a ``TeamChat`` for :class:`TeamNotifier`."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id

    async def post(self, text: str) -> None:
        """Post ``text`` to the group (plain text, so nothing a young person typed breaks it)."""
        await self._bot.send_message(chat_id=self._chat_id, text=text)
